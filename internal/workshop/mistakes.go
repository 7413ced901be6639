package workshop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
	"raftgo/internal/mutate"
	"raftgo/internal/stubgen"
)

// MistakesDir holds the learner mistakes, one folder per stage named like
// the stage ("internal/mistakes/07-election"), one mutation per file
// (internal/mutate, CONTRIBUTING.md "Mutations").
const MistakesDir = "internal/mistakes"

// mistakeParallel is how many mistakes of a stage run at once, like the
// stages themselves.
const mistakeParallel = 2

// checkMistakes proves that the stage's tests catch a learner's plausible
// wrong answers and send the learner to the right task. Each mistake is a
// mutation of one marked region of the reference, with the handout task it
// belongs to. verify runs the reference's tests with the mutation in place
// (through go test -overlay, the tree untouched): some test must fail, and
// the first failing test must point at the mistake's task. It points there
// when its failure message names the task, or, for a message that names no
// task, when its doc comment (the hint workshop hint shows) does. A mutation
// with a "caught-by:" line also names tests that must be among the failing
// ones.
func (w *Workshop) checkMistakes(ctx context.Context, s course.Stage) result {
	name := s.Dir + " learner mistakes"
	start := time.Now()
	dir := path.Join(MistakesDir, s.Dir)
	if !exists(w.path(dir)) {
		return fail(name, dir+" does not exist: write the stage's plausible wrong answers there, one mutation each (CONTRIBUTING.md, \"Mutations\")")
	}
	ms, err := mutate.Load(os.DirFS(w.Root), dir)
	if err != nil {
		return fail(name, err.Error())
	}
	if len(ms) == 0 {
		return fail(name, "no mistakes in "+dir+" (CONTRIBUTING.md, \"Mutations\")")
	}
	handout, err := os.ReadFile(w.path(filepath.Join(s.ReferenceDir(), "README.md")))
	if err != nil {
		return fail(name, err.Error())
	}
	tasks := taskHeadings(handout)
	var problems []string
	written, err := learnerWrittenTests(w.path(s.ReferenceDir()))
	if err != nil {
		return fail(name, err.Error())
	}
	for _, test := range written {
		if !slices.ContainsFunc(ms, func(m mutate.Mutation) bool { return slices.Contains(strings.Fields(m.Fields["caught-by"]), test) }) {
			problems = append(problems, fmt.Sprintf("%s is a test the learner writes, but no mistake of %s names it in a caught-by line, so nothing proves that it catches a bug (CONTRIBUTING.md, \"Mutations\")", test, dir))
		}
	}
	tmp, err := os.MkdirTemp("", "workshop-mistakes-")
	if err != nil {
		return fail(name, err.Error())
	}
	defer os.RemoveAll(tmp)

	inOrder(len(ms), mistakeParallel, func(i int) string {
		return w.tryMistake(ctx, s, tmp, i, ms[i], tasks)
	}, func(_ int, problem string) {
		if problem != "" {
			problems = append(problems, problem)
		}
	})
	took := since(start)
	if len(problems) > 0 {
		r := fail(name, fmt.Sprintf("%d of %s not caught at the right task", len(problems), plural(len(ms), "mistake")), problems...)
		r.note = took
		return r
	}
	proving := ""
	if len(written) > 0 {
		proving = ", proving " + strings.Join(written, ", ")
	}
	return pass(name, fmt.Sprintf("%d, all caught at the right task%s, %s", len(ms), proving, took))
}

// learnerWrittenTests returns the tests and fuzz targets that the learner
// writes in a stage: those of the reference folder ref (and its
// subfolders) whose body holds a marked region. Each must be proven by the
// mistakes that name it in their caught-by line. Examples are proven by
// their output, and benchmarks by a test that runs them, so neither is
// listed.
func learnerWrittenTests(ref string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(ref, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != ref && (course.IgnoredDir(d.Name()) || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(p, "_test.go"):
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Body == nil || !(strings.HasPrefix(fn.Name.Name, "Test") || strings.HasPrefix(fn.Name.Name, "Fuzz")) {
				continue
			}
			for _, group := range f.Comments {
				if group.Pos() > fn.Body.Lbrace && group.End() < fn.Body.Rbrace && strings.Contains(rawText(group), stubgen.MarkerPrefix+"todo") {
					names = append(names, fn.Name.Name)
					break
				}
			}
		}
		return nil
	})
	return names, err
}

// rawText returns a comment group's comments as written, markers
// included (ast.CommentGroup.Text drops //workshop: directives).
func rawText(g *ast.CommentGroup) string {
	var b strings.Builder
	for _, c := range g.List {
		b.WriteString(c.Text + "\n")
	}
	return b.String()
}

// tryMistake runs the reference's tests with one mistake planted, and
// returns what is wrong ("" if the mistake is caught at its task).
func (w *Workshop) tryMistake(ctx context.Context, s course.Stage, tmp string, n int, m mutate.Mutation, tasks []string) string {
	head := fmt.Sprintf("%s (%s, task %q): ", m.Name, m.File, m.Task)
	switch {
	case !strings.HasPrefix(m.File, filepath.ToSlash(s.ReferenceDir())+"/"):
		return head + "the file is not in the stage's reference " + filepath.ToSlash(s.ReferenceDir())
	case !slices.Contains(tasks, m.Task):
		return head + fmt.Sprintf("%q is not a task of the handout; its tasks are the \"### N. Title\" headings under \"## Tasks\": %s", m.Task, quoteAll(tasks))
	}
	src, err := os.ReadFile(w.path(filepath.FromSlash(m.File)))
	if err != nil {
		return head + err.Error()
	}
	mutated, err := applyInRegion(m, src)
	if err != nil {
		return head + err.Error()
	}
	overlay, err := writeMutation(tmp, n, w.path(filepath.FromSlash(m.File)), mutated)
	if err != nil {
		return head + err.Error()
	}
	flags := []string{"-count=1", "-overlay=" + overlay}
	caughtBy := strings.Fields(m.Fields["caught-by"])
	if len(caughtBy) == 0 {
		flags = append(flags, "-failfast")
	}
	run, err := w.runTests(ctx, s.ReferenceDir(), stubTimeout, flags...)
	if err != nil {
		return head + firstLine(err.Error())
	}
	if errs := run.buildErrors(); len(errs) > 0 {
		return head + "the mistake does not compile, so it teaches nothing a learner would meet:\n" + strings.Join(errs, "\n")
	}
	first := firstFailure(run.report)
	if first == nil {
		return head + "every test passes with this mistake: " + m.Doc
	}
	var failing []string
	for _, t := range run.report.Tests {
		if t.Status == gotest.Fail || t.Status == gotest.Missing {
			failing = append(failing, t.Name)
		}
	}
	for _, want := range caughtBy {
		if !slices.Contains(failing, want) {
			return head + fmt.Sprintf("caught-by names %s, which passes (failing: %s)", want, strings.Join(failing, ", "))
		}
	}
	message := strings.Join(essentials(failedOutput(first)), "\n")
	hint := run.declared[first.ID].Hint
	pointer, from := namedTasks(message, tasks), "its failure message"
	if len(pointer) == 0 {
		pointer, from = namedTasks(hint, tasks), "its doc comment"
	}
	if slices.Contains(pointer, m.Task) {
		return ""
	}
	where := "names no task"
	if len(pointer) > 0 {
		where = "points at " + quoteAll(pointer)
	}
	return head + fmt.Sprintf("caught by %s, but %s %s instead of %q:\n    %s",
		run.name(first.ID), from, where, m.Task, firstMessage(message))
}

// testPlace matches a line that only gives the place of a failed check,
// such as "node_test.go:42:".
var testPlace = regexp.MustCompile(`^[\w./-]+\.go:\d+:$`)

// firstMessage returns the line of a failure message that says the most:
// testify's Messages field if there is one, or else the first line with
// words, cut to a readable length.
func firstMessage(message string) string {
	pick := ""
	for _, line := range strings.Split(message, "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "Messages:"); ok {
			pick = strings.TrimSpace(rest)
			break
		}
		if pick == "" && line != "" && !testPlace.MatchString(line) {
			pick = line
		}
	}
	if pick == "" {
		return "(no output)"
	}
	if r := []rune(pick); len(r) > 300 {
		pick = string(r[:300]) + "…"
	}
	return pick
}

// failedOutput returns the output of a failed test and of its subtests that
// did not pass, in order.
func failedOutput(t *gotest.Test) []string {
	lines := slices.Clone(t.Output)
	for _, sub := range t.Subtests {
		if sub.Status == gotest.Fail || sub.Status == gotest.Missing {
			lines = append(lines, failedOutput(sub)...)
		}
	}
	return lines
}

// applyInRegion applies a mutation to a reference file, checking that all of
// its edits fall inside one marked region: a mistake is a learner's wrong
// answer to one TODO, never a change to given code.
func applyInRegion(m mutate.Mutation, src []byte) ([]byte, error) {
	region := -1
	out := src
	for i, e := range m.Edits {
		one := mutate.Mutation{Name: m.Name, File: m.File, Edits: []mutate.Edit{e}}
		at := bytes.Index(out, []byte(e.Find))
		next, err := one.Apply(out)
		if err != nil {
			return nil, fmt.Errorf("edit %d: %w", i+1, err)
		}
		first := bytes.Count(out[:at], []byte("\n")) + 1
		last := first + strings.Count(e.Find, "\n")
		r := regionAt(out, first, last)
		switch {
		case r < 0:
			lines := fmt.Sprintf("lines %d-%d", first, last)
			if first == last {
				lines = fmt.Sprintf("line %d", first)
			}
			return nil, fmt.Errorf("edit %d changes %s of %s, outside every //workshop:todo region: a mistake changes a learner's code, never given code", i+1, lines, m.File)
		case region >= 0 && r != region:
			return nil, fmt.Errorf("edit %d is in another marked region than edit 1: a mistake is a wrong answer to one TODO", i+1)
		}
		region, out = r, next
	}
	return out, nil
}

// regionAt returns the number (from 0) of the marked region of src whose
// reference code holds lines first to last, or -1 if no one region does.
func regionAt(src []byte, first, last int) int {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, len(src)+1)
	region, inside, opened := -1, false, 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, stubgen.MarkerPrefix+"todo") && !inside:
			region++
			inside, opened = true, n
		case strings.HasPrefix(line, stubgen.MarkerPrefix+"end") && inside:
			inside = false
			if first > opened && last < n {
				return region
			}
		}
	}
	return -1
}

// writeMutation writes a mutated reference file and the overlay file that
// puts it in place of ref for the go command, and returns the overlay's
// path.
func writeMutation(dir string, n int, ref string, mutated []byte) (string, error) {
	replacement := filepath.Join(dir, fmt.Sprintf("mistake%d-%s", n, filepath.Base(ref)))
	if err := os.WriteFile(replacement, mutated, 0o644); err != nil {
		return "", err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {ref: replacement}})
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, fmt.Sprintf("mistake%d.json", n))
	return p, os.WriteFile(p, overlay, 0o644)
}

// taskHeading matches a task's heading in a handout: "### 3. Voting".
var taskHeading = regexp.MustCompile(`^### (\d+\. \S.*?)\s*$`)

// taskHeadings returns the titles of a handout's tasks, the level-3
// headings "N. Title" under "## Tasks", such as "3. Voting".
func taskHeadings(handout []byte) []string {
	var tasks []string
	inTasks := false
	for _, h := range headings(handout) {
		switch {
		case h.level <= 2:
			inTasks = h.text == "Tasks"
		case inTasks && h.level == 3:
			if m := taskHeading.FindStringSubmatch("### " + h.text); m != nil {
				tasks = append(tasks, m[1])
			}
		}
	}
	return tasks
}

// A heading is a Markdown heading of a handout.
type heading struct {
	level int
	text  string
	line  int
}

// headings returns the ATX headings of a Markdown text, outside fenced code
// blocks.
func headings(md []byte) []heading {
	var hs []heading
	fenced := false
	for i, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			fenced = !fenced
			continue
		}
		level := len(line) - len(strings.TrimLeft(line, "#"))
		if fenced || level == 0 || level > 6 || !strings.HasPrefix(line[level:], " ") {
			continue
		}
		hs = append(hs, heading{level: level, text: strings.TrimSpace(line[level:]), line: i + 1})
	}
	return hs
}

// namedTasks returns the tasks a text names, in the order of tasks: a task
// is named when its title appears in the text, whitespace aside, and not
// as the tail of a longer number ("3. Voting" is not in "13. Voting").
func namedTasks(text string, tasks []string) []string {
	flat := strings.Join(strings.Fields(text), " ")
	var named []string
	for _, task := range tasks {
		for rest, off := flat, 0; ; {
			i := strings.Index(rest, task)
			if i < 0 {
				break
			}
			if at := off + i; at == 0 || !isDigit(flat[at-1]) {
				named = append(named, task)
				break
			}
			rest, off = rest[i+1:], off+i+1
		}
	}
	return named
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// quoteAll returns strings quoted and joined by commas.
func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
