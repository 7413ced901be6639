package workshop

import (
	"bytes"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/tools/present"

	"raftgo/internal/course"
	"raftgo/internal/stubgen"
)

// checkSlides parses every deck in slides/ with the present tool's parser,
// which also reads every file a .code or .play line names and finds the
// lines its address selects.
func (w *Workshop) checkSlides() result {
	const name = "slides parse"
	decks, err := filepath.Glob(w.path(filepath.Join("slides", "*.slide")))
	if err != nil {
		return fail(name, err.Error())
	}
	var problems []string
	codes := 0
	for _, deck := range decks {
		rel, err := filepath.Rel(w.Root, deck)
		if err != nil {
			return fail(name, err.Error())
		}
		n, err := w.parseDeck(filepath.ToSlash(rel))
		if err != nil {
			problems = append(problems, err.Error())
		}
		codes += n
	}
	if len(problems) > 0 {
		return fail(name, plural(len(problems), "deck")+" with errors", problems...)
	}
	return pass(name, fmt.Sprintf("%s, %s", plural(len(decks), "deck"), plural(codes, ".code or .play reference")))
}

// parseDeck parses one deck, named relative to the course root, and returns
// how many .code and .play references it has. The files they name are read
// relative to the deck's folder, and must be inside the course.
func (w *Workshop) parseDeck(deck string) (int, error) {
	root := os.DirFS(w.Root)
	ctx := present.Context{ReadFile: func(name string) ([]byte, error) {
		name = filepath.ToSlash(name)
		if !fs.ValidPath(name) {
			return nil, fmt.Errorf("%s is outside the course", name)
		}
		return fs.ReadFile(root, name)
	}}
	src, err := fs.ReadFile(root, deck)
	if err != nil {
		return 0, err
	}
	doc, err := ctx.Parse(bytes.NewReader(src), deck, 0)
	if err != nil {
		return 0, err
	}
	var codes []present.Code
	for _, s := range doc.Sections {
		codes = appendCode(codes, s)
	}
	for _, c := range codes {
		if strings.Contains(string(c.Text), stubgen.MarkerPrefix) {
			return 0, fmt.Errorf("%s: %s shows a %s marker line; quote a range inside the marked region, or end the marker line with OMIT", deck, c.Cmd, stubgen.MarkerPrefix)
		}
	}
	return len(codes), nil
}

// appendCode appends the .code and .play elements of a section, and of the
// sections inside it, to codes.
func appendCode(codes []present.Code, s present.Section) []present.Code {
	for _, e := range s.Elem {
		switch e := e.(type) {
		case present.Code:
			codes = append(codes, e)
		case present.Section:
			codes = appendCode(codes, e)
		}
	}
	return codes
}

// The slide-fit check. A slide is shown by the course's present theme
// (slides/present) in a 1100×700 article with 40px/60px padding, at every
// window size from 1280×800 up, so its content has 980×618 CSS pixels. The
// measure below follows the theme's CSS (styles.css) and was calibrated
// against Chromium's layout of every slide at 1280×800 with Liberation Sans
// and Liberation Mono, the metric twins of Arial and Courier New that the
// theme asks for (go run ./internal/slideshots renders and measures them):
// it estimates each slide's height from its elements, and each code line's
// width in columns after tab expansion. Code is 18px Courier New (or
// Liberation Mono) with -1px letter spacing, 9.8px a column, so 97 columns
// fit the 958px inside a code block; the theme's course.js shows a wider
// block smaller, down to 16px, 8.6px a column: 110 columns, the bound.
const (
	slideRoom     = 618 // CSS pixels of height for a slide's content
	slideWidth    = 980 // CSS pixels of width for it
	maxCodeColumn = 110 // columns of code that fit: see below
	codeTab       = 4   // columns per tab: present shows a tab as four spaces

	titleHeight   = 36 // the slide's h3
	blockMargin   = 20 // margin above a paragraph, list or code block
	textLine      = 36 // one line of 26px text
	codeInText    = 2  // what inline code adds to a line of text
	itemGap       = 13 // space under a list item (0.5em)
	listIndent    = 39 // a list's left margin (1.5em)
	codeLine      = 24 // one line of code
	codeFrame     = 12 // a code block's padding and border
	imageMargin   = 40 // space above an image
	imageDescent  = 9  // an image sits on a line of text: the line's descent adds to it
	textFontSize  = 26 // px; text widths below are in em of it
	textLetterGap = 1  // px; the theme's letter-spacing is -1px
)

// A slideProblem is one way a slide does not fit, or lacks what every slide
// needs.
type slideProblem struct {
	slide int // the slide's number in present's URL: #2 is the first after the title
	title string
	what  string
}

// checkSlideFit checks that every slide of the decks fits a 1280×800
// screen, that every .code or .play line's HL names a line of its excerpt,
// and that every slide has presenter notes. With stages named it checks
// their decks and the introduction; otherwise every deck except those of
// stages in progress.
func (w *Workshop) checkSlideFit(only []course.Stage) result {
	const name = "slides fit 1280×800 and have notes"
	decks := []string{course.IntroductionSlides}
	stages := only
	if len(only) == 0 {
		stages = w.Stages
	}
	for _, s := range stages {
		if len(only) == 0 && exists(w.path(s.InProgress())) {
			continue
		}
		if exists(w.path(s.Slides())) {
			decks = append(decks, filepath.ToSlash(s.Slides()))
		}
	}
	var details []string
	slides := 0
	for _, deck := range decks {
		doc, err := w.readDeck(deck)
		if err != nil {
			details = append(details, err.Error())
			continue
		}
		slides += len(doc.Sections)
		for _, p := range fitProblems(doc) {
			details = append(details, fmt.Sprintf("%s slide %d %q: %s", deck, p.slide, p.title, p.what))
		}
	}
	if len(details) > 0 {
		return fail(name, plural(len(details), "problem"), details...)
	}
	return pass(name, fmt.Sprintf("%s in %s", plural(slides, "slide"), plural(len(decks), "deck")))
}

// readDeck parses a deck, named relative to the course root, reading the
// files its .code lines name from the course.
func (w *Workshop) readDeck(deck string) (*present.Doc, error) {
	root := os.DirFS(w.Root)
	ctx := present.Context{ReadFile: func(name string) ([]byte, error) {
		name = filepath.ToSlash(name)
		if !fs.ValidPath(name) {
			return nil, fmt.Errorf("%s is outside the course", name)
		}
		return fs.ReadFile(root, name)
	}}
	src, err := fs.ReadFile(root, deck)
	if err != nil {
		return nil, err
	}
	return ctx.Parse(bytes.NewReader(src), deck, 0)
}

// fitProblems lists what is wrong with each slide of a parsed deck.
func fitProblems(doc *present.Doc) []slideProblem {
	var out []slideProblem
	for i, s := range doc.Sections {
		add := func(what string) {
			out = append(out, slideProblem{slide: i + 2, title: s.Title, what: what})
		}
		if len(s.Notes) == 0 {
			add("no presenter notes: add lines that start with \": \" (what to say, the question to ask, the common confusion)")
		}
		height, problems := measureSlide(s)
		for _, p := range problems {
			add(p)
		}
		if height > slideRoom {
			over := height - slideRoom
			add(fmt.Sprintf("about %dpx tall, %dpx over the %dpx that fit (%d lines of code, or %d of text): shorten, split or quote less", height, over, slideRoom, (over+codeLine-1)/codeLine, (over+textLine-1)/textLine))
		}
	}
	return out
}

// measureSlide estimates a slide's height in CSS pixels, title included,
// and lists the lines too wide for it and what it cannot measure.
func measureSlide(s present.Section) (int, []string) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	height := titleHeight
	prevMargin := 0 // the margin under the element above, which collapses with the next one's
	block := func(marginTop, h, marginBottom int) {
		height += max(prevMargin, marginTop) + h
		prevMargin = marginBottom
	}
	for _, e := range s.Elem {
		switch e := e.(type) {
		case present.Code:
			lines := strings.Split(strings.TrimSuffix(string(e.Raw), "\n"), "\n")
			extra := 0
			if strings.Contains(e.Cmd, "-numbers") {
				extra = len(fmt.Sprint(len(lines))) + 2 // the line number and a 1em gap
			}
			for n, l := range lines {
				if c := columns(l) + extra; c > maxCodeColumn {
					add("%s: line %d is %d columns wide, %d over the %d that fit: %q", e.Cmd, n+1, c, c-maxCodeColumn, maxCodeColumn, strings.TrimSpace(l))
				}
			}
			if hl := highlightName(e.Cmd); hl != "" && !slices.ContainsFunc(lines, func(l string) bool { return containsWord(l, hl) }) {
				add("%s: no line of the excerpt has the word %q that HL%s emphasizes", e.Cmd, hl, hl)
			}
			block(blockMargin, codeFrame+codeLine*len(lines), blockMargin)
		case present.Text:
			if e.Pre {
				lines := strings.Split(strings.Join(e.Lines, "\n"), "\n")
				for n, l := range lines {
					if c := columns(l); c > maxCodeColumn {
						add("preformatted text: line %d is %d columns wide, %d over the %d that fit", n+1, c, c-maxCodeColumn, maxCodeColumn)
					}
				}
				block(blockMargin, codeFrame+codeLine*len(lines), blockMargin)
				continue
			}
			n := 0
			for _, l := range e.Lines {
				n += textHeight(legacyRuns(l), slideWidth)
			}
			block(blockMargin, n, 0)
		case present.List:
			h := 0
			for _, b := range e.Bullet {
				h += textHeight(legacyRuns(b), slideWidth-listIndent) + itemGap
			}
			block(blockMargin, h-itemGap, itemGap)
		case present.HTML:
			for _, b := range htmlBlocks(string(e.HTML)) {
				for n, l := range b.code {
					if c := columns(l); c > maxCodeColumn {
						add("code block: line %d is %d columns wide, %d over the %d that fit: %q", n+1, c, c-maxCodeColumn, maxCodeColumn, strings.TrimSpace(l))
					}
				}
				h := 0 // a list's top margin alone
				switch {
				case b.pre:
					h = codeFrame + codeLine*len(b.code)
				case len(b.text) > 0:
					h = textHeight(b.text, slideWidth-b.indent)
				}
				block(b.marginTop, h, b.marginBottom)
			}
		case present.Image:
			if e.Height == 0 {
				add("%s: give the image a height (.image FILE HEIGHT _), so that the check can place it", e.Cmd)
				continue
			}
			if e.Width > slideWidth {
				add("%s: %dpx wide, %d over the %d that fit", e.Cmd, e.Width, e.Width-slideWidth, slideWidth)
			}
			block(imageMargin, e.Height+imageDescent, 0)
		case present.Caption:
			block(0, textHeight(legacyRuns(e.Text), slideWidth), 0)
		default:
			add("the check cannot measure %T elements; use text, lists, code and images", e)
		}
	}
	return height, problems
}

// columns is the width of a line of code in columns: present shows each
// tab as four spaces.
func columns(line string) int {
	return utf8.RuneCountInString(line) + strings.Count(line, "\t")*(codeTab-1)
}

var highlightSuffix = regexp.MustCompile(`\sHL([a-zA-Z0-9_]+)$`)

// highlightName returns the name of a .code line's HL suffix, or "".
func highlightName(cmd string) string {
	if m := highlightSuffix.FindStringSubmatch(strings.TrimSpace(cmd)); m != nil {
		return m[1]
	}
	return ""
}

// containsWord reports whether line holds word as a whole word, as the
// theme's course.js looks for the line to emphasize.
func containsWord(line, word string) bool {
	isWord := func(r rune) bool {
		return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	for i := 0; ; {
		j := strings.Index(line[i:], word)
		if j < 0 {
			return false
		}
		j += i
		before, _ := utf8.DecodeLastRuneInString(line[:j])
		after, _ := utf8.DecodeRuneInString(line[j+len(word):])
		if (j == 0 || !isWord(before)) && (j+len(word) == len(line) || !isWord(after)) {
			return true
		}
		i = j + 1
	}
}

// A run is a piece of text in one style, for estimating its width.
type run struct {
	text      string
	code      bool // monospace
	bold      bool
	lineBreak bool // a forced line break; text is empty
}

// htmlBlock is one block of a slide's Markdown, as the browser stacks them.
type htmlBlock struct {
	pre                     bool     // a code block, of the lines in code
	code                    []string // a code block's lines
	text                    []run    // a paragraph's or list item's text
	indent                  int      // pixels of list indentation on the left
	marginTop, marginBottom int
}

var (
	htmlTag = regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)[^>]*>`)
	spaces  = regexp.MustCompile(`\s+`)
)

// htmlBlocks splits the HTML that present renders from a slide's Markdown
// (goldmark's: p, ul, ol, li, pre, code, strong, em, a, br, blockquote and
// headings) into the blocks the theme stacks, with the theme's margins.
func htmlBlocks(src string) []htmlBlock {
	var (
		blocks     []htmlBlock
		cur        *htmlBlock // the block collecting text, if any
		indent     int
		indents    []int // the indent each open list or quote added
		code, bold int   // depth of inline code and bold
		inPre      bool
	)
	blank := func(b *htmlBlock) bool {
		return !b.pre && !slices.ContainsFunc(b.text, func(r run) bool { return strings.TrimSpace(r.text) != "" })
	}
	finish := func() {
		if cur != nil && !blank(cur) {
			blocks = append(blocks, *cur)
		}
		cur = nil
	}
	start := func(b htmlBlock) {
		if cur != nil && blank(cur) && !b.pre {
			b.marginTop = cur.marginTop // the first paragraph of a list item
		}
		finish()
		b.indent = indent
		cur = &b
	}
	text := func(t string) {
		t = html.UnescapeString(t)
		if inPre {
			if cur != nil {
				cur.code = append(cur.code, t)
			}
			return
		}
		t = spaces.ReplaceAllString(t, " ")
		if cur == nil {
			if strings.TrimSpace(t) == "" {
				return
			}
			start(htmlBlock{marginTop: blockMargin})
		}
		cur.text = append(cur.text, run{text: t, code: code > 0, bold: bold > 0})
	}
	pos := 0
	for _, m := range htmlTag.FindAllStringSubmatchIndex(src, -1) {
		if m[0] > pos {
			text(src[pos:m[0]])
		}
		pos = m[1]
		closing, tag := src[m[2]:m[3]] == "/", strings.ToLower(src[m[4]:m[5]])
		switch {
		case tag == "pre" && !closing:
			start(htmlBlock{pre: true, marginTop: blockMargin, marginBottom: blockMargin})
			inPre = true
		case tag == "pre":
			inPre = false
			if cur != nil {
				cur.code = strings.Split(strings.TrimSuffix(strings.Join(cur.code, ""), "\n"), "\n")
			}
			finish()
		case inPre:
			// code inside a code block
		case tag == "p" || len(tag) == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6':
			if closing {
				finish()
			} else {
				start(htmlBlock{marginTop: blockMargin})
			}
		case tag == "li":
			if closing {
				finish()
				if len(blocks) > 0 {
					last := &blocks[len(blocks)-1]
					last.marginBottom = max(last.marginBottom, itemGap)
				}
			} else {
				start(htmlBlock{marginBottom: itemGap})
			}
		case tag == "ul" || tag == "ol" || tag == "blockquote":
			if closing {
				if len(indents) > 0 {
					indent -= indents[len(indents)-1]
					indents = indents[:len(indents)-1]
				}
				finish()
				if tag != "ul" && len(blocks) > 0 {
					last := &blocks[len(blocks)-1]
					last.marginBottom = max(last.marginBottom, textFontSize)
				}
				continue
			}
			finish()
			add, margin := listIndent, blockMargin // the theme styles ul
			if tag != "ul" {
				add, margin = 40, textFontSize // the browser's default for ol and blockquote
			}
			blocks = append(blocks, htmlBlock{marginTop: margin, indent: indent})
			indent += add
			indents = append(indents, add)
		case tag == "code":
			code += map[bool]int{false: 1, true: -1}[closing]
		case tag == "strong" || tag == "b":
			bold += map[bool]int{false: 1, true: -1}[closing]
		case tag == "br":
			if cur != nil {
				cur.text = append(cur.text, run{lineBreak: true})
			}
		}
	}
	text(src[pos:])
	finish()
	return blocks
}

// legacyRuns splits a line of present's legacy markup, where `code` is
// monospace and *bold* is bold, into runs.
func legacyRuns(line string) []run {
	var runs []run
	for i, part := range strings.Split(line, "`") {
		runs = append(runs, run{text: part, code: i%2 == 1})
	}
	return runs
}

// wrapped estimates how many lines text takes in a box width pixels wide,
// wrapping at spaces as the browser does.
func wrapped(text []run, width int) int {
	lines, x, word := 1, 0.0, 0.0
	space := 0.0 // the width of the space before the word being measured
	flush := func() {
		if word == 0 {
			return
		}
		if x > 0 && x+space+word > float64(width) {
			lines++
			x = word
		} else if x > 0 {
			x += space + word
		} else {
			x = word
		}
		word = 0
	}
	for _, r := range text {
		if r.lineBreak {
			flush()
			lines++
			x, space = 0, 0
			continue
		}
		for _, c := range r.text {
			w := charWidth(c, r)
			if c == ' ' {
				flush()
				space = w
				continue
			}
			word += w
		}
	}
	flush()
	return lines
}

// arialWidths holds Arial's advance widths in thousandths of an em (Liberation
// Sans has the same), for the characters whose width is not 556.
var arialWidths = map[rune]int{
	' ': 278, 'c': 500, 'f': 278, 'i': 222, 'j': 222, 'k': 500, 'l': 222, 'm': 833, 'r': 333,
	's': 500, 't': 278, 'v': 500, 'w': 722, 'x': 500, 'y': 500, 'z': 500,
	'A': 667, 'B': 667, 'C': 722, 'D': 722, 'E': 667, 'F': 611, 'G': 778, 'H': 722, 'I': 278,
	'J': 500, 'K': 667, 'M': 833, 'N': 722, 'O': 778, 'P': 667, 'Q': 778, 'R': 722, 'S': 667,
	'T': 611, 'U': 722, 'V': 667, 'W': 944, 'X': 667, 'Y': 667, 'Z': 611,
	'.': 278, ',': 278, ':': 278, ';': 278, '\'': 191, '"': 355, '(': 333, ')': 333, '-': 333,
	'/': 278, '!': 278, '[': 278, ']': 278, '{': 334, '}': 334, '|': 260, '*': 389, '%': 889,
	'&': 667, '=': 584, '<': 584, '>': 584, '+': 584, '×': 584, '—': 1000, '→': 1000,
	'←': 1000, '…': 1000, '’': 222, '‘': 222, '“': 333, '”': 333, '#': 556,
}

// charWidth estimates a character's width in pixels in the theme's 26px text.
func charWidth(c rune, r run) float64 {
	if r.code {
		return 0.95*textFontSize*0.6 - textLetterGap // monospace at 95%
	}
	em, ok := arialWidths[c]
	if !ok {
		em = 556
	}
	w := float64(em) / 1000 * textFontSize
	if r.bold {
		w *= 1.08
	}
	return w - textLetterGap
}

// textHeight estimates the height of text in a box width pixels wide. A line
// with inline code is taller than one without: the monospace font's ascent
// and descent stretch the line box.
func textHeight(text []run, width int) int {
	lines := wrapped(text, width)
	if slices.ContainsFunc(text, func(r run) bool { return r.code && strings.TrimSpace(r.text) != "" }) {
		return lines * (textLine + codeInText)
	}
	return lines * textLine
}
