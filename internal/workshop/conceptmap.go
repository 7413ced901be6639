package workshop

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"raftgo/internal/course"
)

// ConceptMapTitle is the title of the section of the course's README.md
// that maps each Go concept to the handout sections that teach it.
const ConceptMapTitle = "Go concept map"

// mdLink matches an inline Markdown link: its text, then its target.
var mdLink = regexp.MustCompile(`\[([^\]\n]*)\]\(([^)\s]+)\)`)

// handoutLink matches a link to a stage's handout, from the course root:
// "07-election/README.md#3-voting", optionally under solutions/ or with a
// leading slash. The groups are the stage's folder and the anchor.
var handoutLink = regexp.MustCompile(`^/?(?:solutions/)?(\d\d-[a-z0-9-]+)/README\.md(?:#(.*))?$`)

// stagePrefix matches the stage number that a link's text may start with,
// as in "07: 3. Voting".
var stagePrefix = regexp.MustCompile(`^(\d\d): `)

// checkConceptMap checks the Go concept map of the course's README.md:
// every link in its section that points into a stage's handout must name a
// section (an anchor), that section must be a heading of the stage's
// reference handout, and the link's text must be that heading's title,
// optionally after the stage's number ("07: 3. Voting"). So a renamed
// heading, a stage moved or a typo in an anchor fails here, not in a
// learner's browser.
//
// Links into a stage marked in progress (course.InProgressFile) are not
// checked unless the stage is among only: verify skips such stages too.
// A README.md without a concept map skips the check.
func (w *Workshop) checkConceptMap(only []course.Stage) result {
	name := "README.md's " + ConceptMapTitle + " cites real handout sections"
	readme, err := os.ReadFile(w.path("README.md"))
	if err != nil {
		return result{name: name, problem: "no README.md", skipped: true}
	}
	section, ok := markdownSection(readme, ConceptMapTitle)
	if !ok {
		return result{name: name, problem: "README.md has no \"" + ConceptMapTitle + "\" section", skipped: true}
	}
	var problems []string
	checked, unchecked := 0, 0
	titles := map[string]map[string]string{} // stage folder → anchor → heading title
	for _, l := range section {
		m := handoutLink.FindStringSubmatch(l.target)
		if m == nil {
			continue // a link to something other than a handout
		}
		dir, anchor := m[1], m[2]
		where := fmt.Sprintf("README.md:%d: [%s](%s)", l.line, l.text, l.target)
		stage, known := w.stageNamed(dir)
		switch {
		case !known:
			problems = append(problems, where+": "+dir+" is not a stage of the course")
			continue
		case exists(w.path(stage.InProgress())) && !slices.Contains(only, stage):
			unchecked++
			continue
		case anchor == "":
			problems = append(problems, where+": cite a section of the handout, with #anchor")
			continue
		}
		checked++
		if titles[dir] == nil {
			handout, err := os.ReadFile(w.path(stage.ReferenceDir() + "/README.md"))
			if err != nil {
				problems = append(problems, where+": "+err.Error())
				titles[dir] = map[string]string{}
				continue
			}
			titles[dir] = anchors(handout)
		}
		title, found := titles[dir][anchor]
		if !found {
			problems = append(problems, fmt.Sprintf("%s: solutions/%s/README.md has no heading with the anchor #%s", where, dir, anchor))
			continue
		}
		text := l.text
		if p := stagePrefix.FindStringSubmatch(text); p != nil {
			if p[1] != stage.Number() {
				problems = append(problems, fmt.Sprintf("%s: the text says stage %s, the link goes to stage %s", where, p[1], stage.Number()))
				continue
			}
			text = text[len(p[0]):]
		}
		if plainText(text) != title {
			problems = append(problems, fmt.Sprintf("%s: the link's text should be the heading's title, %q", where, title))
		}
	}
	if checked+unchecked == 0 && len(problems) == 0 {
		return fail(name, "the section cites no handout section")
	}
	if len(problems) > 0 {
		return fail(name, plural(len(problems), "problem"), problems...)
	}
	note := plural(checked, "link")
	if unchecked > 0 {
		note += fmt.Sprintf(", %d into stages in progress not checked", unchecked)
	}
	return pass(name, note)
}

// stageNamed returns the course's stage whose folder is dir.
func (w *Workshop) stageNamed(dir string) (course.Stage, bool) {
	for _, s := range w.Stages {
		if s.Dir == dir {
			return s, true
		}
	}
	return course.Stage{}, false
}

// A link is a Markdown link and the line it is on.
type link struct {
	text, target string
	line         int
}

// markdownSection returns the links of the section of md whose heading is
// title: from that heading to the next heading of the same level or
// above. It reports whether the section exists.
func markdownSection(md []byte, title string) ([]link, bool) {
	hs := headings(md)
	start := slices.IndexFunc(hs, func(h heading) bool { return h.text == title })
	if start < 0 {
		return nil, false
	}
	lines := strings.Split(string(md), "\n")
	end := len(lines) + 1
	for _, h := range hs[start+1:] {
		if h.level <= hs[start].level {
			end = h.line
			break
		}
	}
	var links []link
	for i := hs[start].line; i < end-1; i++ { // lines are numbered from 1
		for _, m := range mdLink.FindAllStringSubmatch(lines[i], -1) {
			links = append(links, link{text: m[1], target: m[2], line: i + 1})
		}
	}
	return links, true
}

// anchors maps the anchor of each heading of a handout to the heading's
// title, as GitHub makes them: a second heading with the same anchor gets
// "-1", a third "-2", and so on.
func anchors(md []byte) map[string]string {
	byAnchor := map[string]string{}
	seen := map[string]int{}
	for _, h := range headings(md) {
		title := plainText(h.text)
		a := anchor(title)
		if n := seen[a]; n > 0 {
			seen[a]++
			a = fmt.Sprintf("%s-%d", a, n)
		} else {
			seen[a] = 1
		}
		byAnchor[a] = title
	}
	return byAnchor
}

// inlineLink matches a Markdown link inside a heading or a link's text.
var inlineLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// plainText returns Markdown text as it reads once rendered: a link's
// text without its target, no backquotes, no emphasis with asterisks.
func plainText(md string) string {
	s := inlineLink.ReplaceAllString(md, "$1")
	s = strings.NewReplacer("`", "", "**", "", "*", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// anchor returns the anchor GitHub gives a heading with this plain text:
// lower case, every character but letters, digits, spaces, hyphens and
// underscores dropped, and each space turned into a hyphen.
func anchor(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}
