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

// How much of a failing test check shows in full: failures of one test,
// and failing subtests shown with their failures.
const (
	maxFailures = 5
	maxSubtests = 3
)

// How wide the short list of failing tests is: a line holds the test's
// name and as much of its failure's summary as fits in lineWidth bytes,
// and at least minSummary bytes of it.
const (
	summaryWidth = 100
	lineWidth    = 120
	minSummary   = 50
)

// Check runs a stage's tests and prints the next step first: the first
// test that fails, in full, with its hint, the command that runs it alone
// and the TODO to work on. Then come the other failing tests, one line
// each, the tests that pass, what the tests the learner writes catch of the
// bugs planted for them (proveTests), and the TODOs left in the code. It
// reports whether every test passes and every learner's test catches its
// bugs.
func (w *Workshop) Check(ctx context.Context, s course.Stage) (bool, error) {
	if err := w.haveStage(s); err != nil {
		return false, err
	}
	w.printf("%s\n", w.paint(bold, fmt.Sprintf("Stage %s: %s (%s)", s.Number(), s.Title, s.Dir)))
	run, err := w.learnerRun(ctx, s)
	if err != nil {
		return false, err
	}
	if errs := run.buildErrors(); len(errs) > 0 {
		w.printf("\n%s\n", w.paint(red, s.Dir+" does not compile:"))
		for _, line := range errs {
			w.printf("    %s\n", w.showPos(line))
		}
		w.printf("\nFix the first error, then run %s again.\n", w.tool("check", s))
		return false, nil
	}
	w.printf("%s.\n", tallyTests(run.report).String(" of "))
	todos, err := testsrc.Todos(w.path(s.Dir))
	if err != nil {
		return false, err
	}
	first := firstFailure(run.report)
	if first != nil {
		w.printf("\n%s\n", w.paint(bold, run.name(first.ID)+" fails first:"))
		for _, line := range indentLines(w.outputLines(first), "    ") {
			w.printf("%s\n", line)
		}
		if first.TimedOut || first.Status == gotest.Missing {
			w.printf("    %s\n", w.paint(red, "("+testNote(run, first)+")"))
		}
		w.printf("\n%s", w.hintBlock(run, first, todos))
	}
	w.printOthers(run, first)
	proven, err := w.proveTests(ctx, s, run)
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
			w.printf("  %s: %s\n", w.show(filepath.Join(s.Dir, todo.Pos)), summary(todo.Text))
		}
	}
	if first == nil && proven {
		w.printf("\n%s\n", w.paint(green, fmt.Sprintf("Stage %s is done. Compare with the reference: %s", s.Number(), w.tool("diff", s))))
	}
	return first == nil && proven, nil
}

// printOthers prints the tests of a run other than first: those that did
// not pass, one line each, then those that passed or were skipped.
func (w *Workshop) printOthers(run *stageRun, first *gotest.Test) {
	var failing, passing, skipped []*gotest.Test
	for _, t := range run.report.Tests {
		switch {
		case t == first:
		case t.Status == gotest.Pass:
			passing = append(passing, t)
		case t.Status == gotest.Skip:
			skipped = append(skipped, t)
		default:
			failing = append(failing, t)
		}
	}
	width := 0
	for _, t := range failing {
		width = max(width, len(run.name(t.ID)))
	}
	if len(failing) > 0 {
		w.printf("\nAlso failing (%d):\n", len(failing))
		for _, t := range failing {
			mark, note := w.paint(red, "✗"), testNote(run, t)
			switch {
			case t.TimedOut:
				// The note is the advice; keep it whole.
			case t.Status == gotest.Missing:
				mark = w.paint(yellow, "?")
			default:
				note = clipWords(note, max(lineWidth-width-6, minSummary))
				if n := countFailures(t); n > 1 {
					note += fmt.Sprintf(" (and %d more %s)", n-1, noun(n-1, "failure"))
				}
			}
			w.printf("  %s %-*s  %s\n", mark, width, run.name(t.ID), note)
		}
	}
	if len(passing) > 0 {
		names := make([]string, len(passing))
		for i, t := range passing {
			names[i] = run.name(t.ID)
		}
		head := fmt.Sprintf("Passing (%d):", len(passing))
		w.printf("\n%s %s\n", w.paint(green, head), wrap(strings.Join(names, ", "), 80, len(head)+1, "  "))
	}
	for _, t := range skipped {
		// The reason often says what to install: keep it whole.
		w.printf("\n%s %s:\n    %s\n", w.paint(dim, "Skipped"), run.name(t.ID), wrap(skipReason(t), 80, 4, "    "))
	}
}

// testNote says in one line what went wrong in a test that did not pass:
// why it timed out, its panic, why it did not run, or the summary of its
// first failure (or of its first failing subtest's).
func testNote(run *stageRun, t *gotest.Test) string {
	switch {
	case t.TimedOut:
		return timeoutNote(allOutput(t))
	case t.Status == gotest.Missing:
		why := "the test binary stopped before it"
		if crash := crashNote(run); crash != "" {
			why = crash
		}
		return "did not run: " + why
	case t.Panicked:
		if s := failureSummary(t); s != "" {
			return s
		}
		return "panicked"
	}
	return failureSummary(t)
}

// failureSummary returns the one-line summary of the first failure of a
// test, or of its first failing subtest, named before it.
func failureSummary(t *gotest.Test) string {
	for _, f := range failures(essentials(t.Output)) {
		if s := f.summary(); s != "" {
			return s
		}
	}
	for _, sub := range t.Subtests {
		if sub.Status == gotest.Pass || sub.Status == gotest.Skip {
			continue
		}
		if s := failureSummary(sub); s != "" {
			return strings.TrimPrefix(sub.Name, t.Name+"/") + ": " + s
		}
	}
	return ""
}

// countFailures returns how many failures a test and its subtests
// printed.
func countFailures(t *gotest.Test) int {
	n := len(failures(essentials(t.Output)))
	for _, sub := range t.Subtests {
		n += countFailures(sub)
	}
	return n
}

// skipReason returns the first line a skipped test printed: why it
// skipped.
func skipReason(t *gotest.Test) string {
	for _, f := range failures(essentials(t.Output)) {
		if s := f.summary(); s != "" {
			return s
		}
	}
	return "skipped"
}

// allOutput returns the output of a test and of all its subtests.
func allOutput(t *gotest.Test) []string {
	lines := t.Output
	for _, sub := range t.Subtests {
		lines = append(lines[:len(lines):len(lines)], allOutput(sub)...)
	}
	return lines
}

// Hint prints the hint of the first failing test of a stage and the TODO in
// its code to work on next.
func (w *Workshop) Hint(ctx context.Context, s course.Stage) error {
	run, err := w.learnerRun(ctx, s)
	if err != nil {
		return err
	}
	if errs := run.buildErrors(); len(errs) > 0 {
		w.printf("%s does not compile. Fix this first:\n    %s\n", s.Dir, w.showPos(errs[0]))
		return nil
	}
	first := firstFailure(run.report)
	if first == nil {
		w.printf("Every test of %s passes.\n", s.Dir)
		return nil
	}
	todos, err := testsrc.Todos(w.path(s.Dir))
	if err != nil {
		return err
	}
	if note := testNote(run, first); note != "" {
		w.printf("%s\n    %s\n\n", w.paint(bold, run.name(first.ID)+" fails:"), wrap(note, 80, 4, "    "))
	}
	w.printf("%s", w.hintBlock(run, first, todos))
	return nil
}

// hintBlock returns what to do about a failing test: its hint (its doc
// comment), the command that runs it alone, and the TODO to work on.
func (w *Workshop) hintBlock(run *stageRun, t *gotest.Test, todos []testsrc.Todo) string {
	var b strings.Builder
	name, pos := run.name(t.ID), w.show(run.pos(t.ID))
	hint := run.declared[t.ID].Hint
	switch {
	case hint != "":
		fmt.Fprintf(&b, "%s (%s):\n%s", w.paint(bold, "Hint for "+name), pos, indent(hint, "    "))
	case run.pos(t.ID) != "":
		fmt.Fprintf(&b, "%s has no hint; read the test at %s.\n", name, pos)
	default:
		fmt.Fprintf(&b, "%s has no hint.\n", name)
	}
	pkg := w.show(strings.TrimPrefix(t.Package, course.Module+"/"))
	if !strings.HasPrefix(pkg, ".") {
		pkg = "./" + pkg
	}
	fmt.Fprintf(&b, "Run it alone:  go test -run '^%s$' %s\n", t.Name, pkg)
	if len(todos) > 0 {
		todo := nextTodo(todos, hint)
		fmt.Fprintf(&b, "\n%s, %s:\n%s", w.paint(bold, "Next TODO"), w.show(filepath.Join(run.dir, todo.Pos)), indent(todo.Text, "    "))
	}
	return b.String()
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

// haveStage returns an error that says what to do when the learner's
// folder of a stage does not exist.
func (w *Workshop) haveStage(s course.Stage) error {
	switch {
	case exists(w.path(s.Dir)):
		return nil
	case exists(w.path(s.ReferenceDir())):
		return fmt.Errorf("%s does not exist: create it with %s", s.Dir, w.tool("reset", s))
	}
	return fmt.Errorf("stage %s is not built yet: %s does not exist", s.Number(), s.Dir)
}

// learnerRun runs the tests of the learner's stage, after checking that it
// exists. When they take a while, it says what it is doing.
func (w *Workshop) learnerRun(ctx context.Context, s course.Stage) (*stageRun, error) {
	if err := w.haveStage(s); err != nil {
		return nil, err
	}
	defer w.notice(fmt.Sprintf("Compiling and running the tests of %s (the first time takes up to a minute)…", s.Dir))()
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

// outputLines returns what check shows of a failed test: its failures, each
// whole but for the middle of a very long one (see failure.full), at most
// maxFailures of them, then its subtests that did not pass, the first
// maxSubtests of them with their own failures and the others one line each.
func (w *Workshop) outputLines(t *gotest.Test) []string {
	var lines []string
	fs := failures(essentials(t.Output))
	for i, f := range fs {
		if i == maxFailures {
			lines = append(lines, fmt.Sprintf("… and %d more %s (run the test alone to see all)", len(fs)-maxFailures, noun(len(fs)-maxFailures, "failure")))
			break
		}
		lines = append(lines, f.full()...)
	}
	failed := 0
	for _, sub := range t.Subtests {
		if sub.Status == gotest.Pass || sub.Status == gotest.Skip {
			continue
		}
		failed++
		name := strings.TrimPrefix(sub.Name, t.Name+"/")
		if failed > maxSubtests {
			lines = append(lines, w.paint(red, "✗")+" "+name+"  "+clipWords(failureSummary(sub), summaryWidth))
			continue
		}
		lines = append(lines, w.paint(red, "✗")+" "+sub.Name)
		lines = append(lines, indentLines(w.outputLines(sub), "    ")...)
	}
	if n := len(t.Subtests); n > 0 {
		lines = append(lines, w.paint(dim, fmt.Sprintf("(%d of %s pass)", n-failed, plural(n, "subtest"))))
	}
	return lines
}

// summary shortens a TODO's text to its first sentence, and at most about
// a line.
func summary(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if i := sentenceEnd(text); i >= 0 {
		text = text[:i+1]
	}
	return clipWords(text, 90)
}

// clipWords shortens text to about width bytes, at a space if it can, and
// marks the cut with an ellipsis.
func clipWords(text string, width int) string {
	if len(text) <= width {
		return text
	}
	if i := strings.LastIndexByte(text[:width], ' '); i > 0 {
		return text[:i] + " …"
	}
	return clip(text, width)
}

// wrap breaks text at spaces into lines of at most width bytes, where the
// first line starts at column first and the others after indent, which
// wrap writes.
func wrap(text string, width, first int, indent string) string {
	var b strings.Builder
	line := first
	for i, word := range words(text) {
		switch {
		case i == 0:
		case line+1+len(word) > width:
			b.WriteString("\n" + indent)
			line = len(indent)
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}

// words splits text at spaces, but keeps a `quoted command` whole, so a
// wrapped line never breaks a command the reader may copy.
func words(text string) []string {
	var out []string
	open := false
	for _, f := range strings.Fields(text) {
		if open {
			out[len(out)-1] += " " + f
		} else {
			out = append(out, f)
		}
		if strings.Count(f, "`")%2 == 1 {
			open = !open
		}
	}
	return out
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
func plural(n int, word string) string { return fmt.Sprintf("%d %s", n, noun(n, word)) }

// noun returns a noun in the plural unless the count n is one.
func noun(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
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
