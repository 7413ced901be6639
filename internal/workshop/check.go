package workshop

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
	"raftgo/internal/testsrc"
)

// How much of a failing test check shows: lines of output, and failing
// subtests.
const (
	maxOutput   = 12
	maxSubtests = 3
)

// Check runs a stage's tests and prints a summary: every top-level test
// with its failure output trimmed to the essentials, the hint of the first
// test that fails, and the TODOs left in the code. It reports whether every
// test passes.
func (w *Workshop) Check(ctx context.Context, s course.Stage) (bool, error) {
	run, err := w.learnerRun(ctx, s)
	if err != nil {
		return false, err
	}
	w.printf("%s\n\n", w.paint(bold, fmt.Sprintf("Stage %s: %s (%s)", s.Number(), s.Title, s.Dir)))
	if errs := run.buildErrors(); len(errs) > 0 {
		w.printf("%s\n", w.paint(red, s.Dir+" does not compile:"))
		for _, line := range errs {
			w.printf("    %s\n", line)
		}
		w.printf("\nFix the first error, then run go run ./cmd/workshop check %s again.\n", s.Number())
		return false, nil
	}
	for _, t := range run.report.Tests {
		w.printTest(run, t)
	}
	passed := run.report.Passed()
	total := len(run.report.Tests)
	w.printf("\n%d of %d tests pass.\n", passed, total)
	first := firstFailure(run.report)
	if first != nil {
		w.printf("\n%s", w.hint(run, first))
	}
	todos, err := testsrc.Todos(w.path(s.Dir))
	if err != nil {
		return false, err
	}
	if len(todos) > 0 {
		if first == nil {
			w.printf("\nEvery test passes. TODO comments left in the code (delete them as you finish):\n")
		} else {
			w.printf("\nTODOs left (%d):\n", len(todos))
		}
		for _, todo := range todos {
			w.printf("  %s: %s\n", filepath.ToSlash(filepath.Join(s.Dir, todo.Pos)), summary(todo.Text))
		}
	}
	if first == nil {
		w.printf("\n%s\n", w.paint(green, fmt.Sprintf("Stage %s is done. Compare with the reference: go run ./cmd/workshop diff %s", s.Number(), s.Number())))
	}
	return first == nil, nil
}

// Hint prints the hint of the first failing test of a stage and the TODO in
// its code to work on next.
func (w *Workshop) Hint(ctx context.Context, s course.Stage) error {
	run, err := w.learnerRun(ctx, s)
	if err != nil {
		return err
	}
	if errs := run.buildErrors(); len(errs) > 0 {
		w.printf("%s does not compile. Fix this first:\n    %s\n", s.Dir, errs[0])
		return nil
	}
	first := firstFailure(run.report)
	if first == nil {
		w.printf("Every test of %s passes.\n", s.Dir)
		return nil
	}
	w.printf("%s", w.hint(run, first))
	todos, err := testsrc.Todos(w.path(s.Dir))
	if err != nil {
		return err
	}
	if len(todos) > 0 {
		todo := nextTodo(todos, run.declared[first.ID].Hint)
		w.printf("\nNext TODO, %s:\n%s", filepath.ToSlash(filepath.Join(s.Dir, todo.Pos)), indent(todo.Text, "    "))
	}
	return nil
}

// quoted matches a quoted title, such as the handout section "1. The store".
var quoted = regexp.MustCompile(`"[^"]+"`)

// nextTodo picks the TODO that goes with a failing test's hint: the first
// TODO that quotes a title the hint quotes too (both name the handout
// section they belong to), or else the first TODO.
func nextTodo(todos []testsrc.Todo, hint string) testsrc.Todo {
	for _, title := range quoted.FindAllString(strings.Join(strings.Fields(hint), " "), -1) {
		for _, todo := range todos {
			if strings.Contains(strings.Join(strings.Fields(todo.Text), " "), title) {
				return todo
			}
		}
	}
	return todos[0]
}

// learnerRun runs the tests of the learner's stage, after checking that it
// exists.
func (w *Workshop) learnerRun(ctx context.Context, s course.Stage) (*stageRun, error) {
	if !exists(w.path(s.Dir)) {
		if exists(w.path(s.ReferenceDir())) {
			return nil, fmt.Errorf("%s does not exist: create it with go run ./cmd/workshop reset %s", s.Dir, s.Number())
		}
		return nil, fmt.Errorf("stage %s is not built yet: %s does not exist", s.Number(), s.Dir)
	}
	return w.runTests(ctx, s.Dir, learnerTimeout)
}

// firstFailure returns the first top-level test that neither passed nor
// skipped, or nil if there is none.
func firstFailure(r *gotest.Report) *gotest.Test {
	for _, t := range r.Tests {
		if t.Status == gotest.Fail || t.Status == gotest.Missing {
			return t
		}
	}
	return nil
}

// hint returns the hint for a failing test: its doc comment, and the command
// that runs it alone.
func (w *Workshop) hint(run *stageRun, t *gotest.Test) string {
	var b strings.Builder
	name, pos := run.name(t.ID), run.pos(t.ID)
	hint := run.declared[t.ID].Hint
	switch {
	case hint != "":
		fmt.Fprintf(&b, "%s %s (%s):\n%s", w.paint(bold, "Hint for"), w.paint(bold, name), pos, indent(hint, "    "))
	case pos != "":
		fmt.Fprintf(&b, "%s has no hint; read the test at %s.\n", name, pos)
	default:
		fmt.Fprintf(&b, "%s has no hint.\n", name)
	}
	fmt.Fprintf(&b, "Run it alone:  go test -run '^%s$' ./%s\n", t.Name, strings.TrimPrefix(t.Package, course.Module+"/"))
	return b.String()
}

// printTest prints one top-level test: a mark, its name, and for a test that
// did not pass, the essentials of its output and of its failing subtests.
func (w *Workshop) printTest(run *stageRun, t *gotest.Test) {
	name := run.name(t.ID)
	switch {
	case t.Status == gotest.Pass:
		w.printf("  %s %s\n", w.paint(green, "✓"), name)
		return
	case t.Status == gotest.Skip:
		w.printf("  %s %s %s\n", w.paint(dim, "-"), name, w.paint(dim, "(skipped)"))
		return
	case t.TimedOut:
		w.printf("  %s %s %s\n", w.paint(red, "✗"), name, w.paint(red, "(timed out: is it waiting forever on a channel or a lock?)"))
	case t.Panicked:
		w.printf("  %s %s %s\n", w.paint(red, "✗"), name, w.paint(red, "(panicked)"))
	case t.Status == gotest.Missing:
		why := "the test binary stopped before it"
		if crash := crashNote(run); crash != "" {
			why = crash
		}
		w.printf("  %s %s %s\n", w.paint(yellow, "?"), name, w.paint(yellow, "(did not run: "+why+")"))
		return
	default:
		w.printf("  %s %s\n", w.paint(red, "✗"), name)
	}
	for _, line := range indentLines(w.outputLines(t), "      ") {
		w.printf("%s\n", line)
	}
}

// outputLines returns the essentials of a failed test's output, then its
// subtests that did not pass, each with its own output indented under it.
func (w *Workshop) outputLines(t *gotest.Test) []string {
	lines := trimLines(essentials(t.Output), maxOutput)
	failed := 0
	for _, sub := range t.Subtests {
		if sub.Status == gotest.Pass || sub.Status == gotest.Skip {
			continue
		}
		if failed++; failed > maxSubtests {
			continue
		}
		lines = append(lines, w.paint(red, "✗")+" "+sub.Name)
		lines = append(lines, indentLines(w.outputLines(sub), "    ")...)
	}
	if failed > maxSubtests {
		lines = append(lines, fmt.Sprintf("… and %s more", plural(failed-maxSubtests, "failing subtest")))
	}
	if n := len(t.Subtests); n > 0 {
		lines = append(lines, w.paint(dim, fmt.Sprintf("(%d of %s pass)", n-failed, plural(n, "subtest"))))
	}
	return lines
}

// trimLines keeps the first max lines and says how many it left out.
func trimLines(lines []string, max int) []string {
	if len(lines) <= max {
		return lines
	}
	return append(lines[:max:max], fmt.Sprintf("… and %d more (run the test alone to see all)", len(lines)-max))
}

// summary shortens a TODO's text to its first sentence, and at most about
// a line.
func summary(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if i := sentenceEnd(text); i >= 0 {
		text = text[:i+1]
	}
	const width = 90
	if len(text) <= width {
		return text
	}
	if i := strings.LastIndexByte(text[:width], ' '); i > 0 {
		return text[:i] + " …"
	}
	return text[:width] + "…"
}

// sentenceEnd returns the index of the period that ends the first sentence
// of text, or -1. A period inside quotes or after a digit, as in
// (handout: "7. The client"), ends no sentence.
func sentenceEnd(text string) int {
	quoted := false
	for i := 0; i+1 < len(text); i++ {
		switch {
		case text[i] == '"':
			quoted = !quoted
		case text[i] == '.' && text[i+1] == ' ' && !quoted && (i == 0 || text[i-1] < '0' || text[i-1] > '9'):
			return i
		}
	}
	return -1
}

// plural returns a count and a noun, in the plural unless the count is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// indent prefixes every line of text but the empty ones, and ends it with a
// newline.
func indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(indentLines(lines, prefix), "\n") + "\n"
}

// indentLines prefixes every line but the empty ones.
func indentLines(lines []string, prefix string) []string {
	out := make([]string, len(lines))
	for i, line := range lines {
		if line != "" {
			line = prefix + line
		}
		out[i] = line
	}
	return out
}
