package workshop

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"raftgo/internal/course"
)

// handoutQuote matches a quote of handout sections in a reference's Go
// source, once comment lines are joined: `handout: "3. Voting"`,
// `Handout: "1. The election timer" to "4. Counting votes"`,
// `the handout's "Wire format"`, `handout ("Wire format")`. The first
// group is the first title, the second the rest of a list of titles.
var handoutQuote = regexp.MustCompile(`(?i)\bhandout(?:'s)?(?:\s*:\s*|\s*\(\s*|\s+)"([^"\n]*)"((?:\s*(?:,|;|and|to|or|then|,\s*then)\s*"[^"\n]*")*)`)

// unquotedHandout matches a pointer to the handout without quotes, such as
// `handout: 3. Voting`: a reader cannot tell where the title ends.
var unquotedHandout = regexp.MustCompile(`(?i)\bhandout:\s*[^"\s%]`)

// titleInList matches each quoted title in the rest of a list.
var titleInList = regexp.MustCompile(`"([^"\n]*)"`)

// checkHandout checks what learners follow from the code to the handout:
// the tasks are "### N. Title" headings under "## Tasks", the one form of
// every stage, and every quote of a handout section in the reference's Go
// files (TODO texts, test doc comments, failure messages) names a real
// heading of the stage's handout, quoted (CONTRIBUTING.md).
func (w *Workshop) checkHandout(s course.Stage) result {
	name := s.Dir + " handout's tasks and quotes"
	handout, err := os.ReadFile(w.path(filepath.Join(s.ReferenceDir(), "README.md")))
	if err != nil {
		return fail(name, err.Error())
	}
	var titles []string
	for _, h := range headings(handout) {
		titles = append(titles, h.text)
	}
	tasks := taskHeadings(handout)
	var problems []string
	if len(tasks) == 0 {
		problems = append(problems, fmt.Sprintf("%s has no task headings: write each task as a \"### N. Title\" heading under \"## Tasks\"", filepath.ToSlash(filepath.Join(s.ReferenceDir(), "README.md"))))
	}
	quotes := 0
	err = fs.WalkDir(os.DirFS(w.path(s.ReferenceDir())), ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != "." && course.IgnoredDir(d.Name()):
			return fs.SkipDir
		case d.IsDir() || !strings.HasSuffix(p, ".go"):
			return nil
		}
		src, err := os.ReadFile(w.path(filepath.Join(s.ReferenceDir(), p)))
		if err != nil {
			return err
		}
		file := filepath.ToSlash(filepath.Join(s.ReferenceDir(), p))
		found, bad := handoutQuotes(file, src, titles)
		quotes += found
		problems = append(problems, bad...)
		return nil
	})
	if err != nil {
		return fail(name, err.Error())
	}
	if len(problems) > 0 {
		return fail(name, plural(len(problems), "problem"), problems...)
	}
	return pass(name, fmt.Sprintf("%s, %s", plural(len(tasks), "task"), plural(quotes, "quote")))
}

// handoutQuotes finds the handout quotes of one Go file. It returns how many
// it found, and a line for each title that is not one of titles and for each
// pointer to the handout that quotes nothing.
func handoutQuotes(file string, src []byte, titles []string) (int, []string) {
	text, lines := joinComments(src)
	found := 0
	var problems []string
	for _, m := range handoutQuote.FindAllStringSubmatchIndex(text, -1) {
		quoted := []string{text[m[2]:m[3]]}
		for _, q := range titleInList.FindAllStringSubmatch(text[m[4]:m[5]], -1) {
			quoted = append(quoted, q[1])
		}
		for _, q := range quoted {
			found++
			title := strings.Join(strings.Fields(q), " ")
			if !slices.Contains(titles, title) {
				problems = append(problems, fmt.Sprintf("%s:%d: %q is not a heading of the handout", file, lines[m[0]], title))
			}
		}
	}
	for _, m := range unquotedHandout.FindAllStringIndex(text, -1) {
		end := min(len(text), m[1]+40)
		if nl := strings.IndexByte(text[m[0]:end], '\n'); nl >= 0 {
			end = m[0] + nl
		}
		problems = append(problems, fmt.Sprintf("%s:%d: quote the section's title: %s…", file, lines[m[0]], text[m[0]:end]))
	}
	return found, problems
}

// commentBreak matches a line break inside a comment or a TODO: the end of
// a line, and the comment marker that continues the text on the next.
var commentBreak = regexp.MustCompile(`[ \t]*\n[ \t]*//(?:workshop:todo)?[ \t]*`)

// joinComments returns src with escaped quotes unescaped and each comment
// that continues on the next line joined into one line, so that a quote
// broken across lines reads whole; and, for each byte of the result, the
// line of src it came from.
func joinComments(src []byte) (string, []int) {
	s := strings.ReplaceAll(string(src), `\"`, `"`)
	var b strings.Builder
	var lines []int
	line := 1
	// Only a line that is itself a comment continues a comment; a line
	// break after code stays.
	prevComment := func(at int) bool {
		start := strings.LastIndexByte(s[:at], '\n') + 1
		return strings.Contains(s[start:at], "//")
	}
	last := 0
	for _, m := range commentBreak.FindAllStringIndex(s, -1) {
		if !prevComment(m[0]) {
			continue
		}
		for i := last; i < m[0]; i++ {
			b.WriteByte(s[i])
			lines = append(lines, line)
			if s[i] == '\n' {
				line++
			}
		}
		b.WriteByte(' ')
		lines = append(lines, line)
		line++
		last = m[1]
	}
	for i := last; i < len(s); i++ {
		b.WriteByte(s[i])
		lines = append(lines, line)
		if s[i] == '\n' {
			line++
		}
	}
	return b.String(), lines
}
