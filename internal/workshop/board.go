package workshop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
)

// A State says where a stage stands on the progress board.
type State int

const (
	// NotBuilt means the course does not have the stage yet: neither its
	// reference nor the learner's folder exist, or the reference is marked
	// in progress (course.InProgressFile).
	NotBuilt State = iota
	// NoFolder means the reference exists but the learner's folder does
	// not; reset creates it.
	NoFolder
	// NoCompile means the stage does not build; Detail holds the first
	// compiler message.
	NoCompile
	// CannotRun means go test could not run at all; Detail says why.
	CannotRun
	// Ran means the tests ran; Passed and Total count them, and Detail
	// names the test during which the test binary crashed, if it did.
	Ran
)

// Progress is how far the learner is in one stage.
type Progress struct {
	Stage  course.Stage
	State  State
	Detail string
	// Tests counts the stage's top-level tests, when State is Ran.
	Tests Tally
}

// A Tally counts a stage's top-level tests by what they check and how
// they ended.
type Tally struct {
	// Passed and Total count the tests of the learner's code: every test
	// but the given ones and those that skipped.
	Passed, Total int
	// GivenPassed and Given count the tests of given code (TestGiven…,
	// FuzzGiven…), which pass from the start, unless they skipped.
	GivenPassed, Given int
	// Skipped counts the tests that skipped, such as one that needs a tool
	// the machine lacks.
	Skipped int
}

// tallyTests counts the top-level tests of a report.
func tallyTests(r *gotest.Report) Tally {
	var t Tally
	for _, test := range r.Tests {
		passed := test.Status == gotest.Pass
		switch {
		case test.Status == gotest.Skip:
			t.Skipped++
		case isGiven(test.Name):
			t.Given++
			if passed {
				t.GivenPassed++
			}
		default:
			t.Total++
			if passed {
				t.Passed++
			}
		}
	}
	return t
}

// Done reports whether there are tests and every one that ran passed.
func (t Tally) Done() bool {
	return t.Total+t.Given > 0 && t.Passed == t.Total && t.GivenPassed == t.Given
}

// String says how many tests pass, with sep between the counts of passing
// and of all the learner's tests ("/", " of "), and the given and skipped
// tests apart: "0/13 tests pass (+4 given)". An untouched stage shows 0
// passing tests: its given tests pass from the start, so they are not
// counted with the learner's.
func (t Tally) String(sep string) string {
	s := fmt.Sprintf("%d%s%d tests pass", t.Passed, sep, t.Total)
	var apart []string
	switch {
	case t.Given == 0:
	case t.GivenPassed == t.Given:
		apart = append(apart, fmt.Sprintf("+%d given", t.Given))
	default:
		apart = append(apart, fmt.Sprintf("+%d given, %d of them failing", t.Given, t.Given-t.GivenPassed))
	}
	if t.Skipped > 0 {
		apart = append(apart, fmt.Sprintf("%d skipped", t.Skipped))
	}
	if len(apart) > 0 {
		s += " (" + strings.Join(apart, "; ") + ")"
	}
	return s
}

// Done reports whether the stage has tests and every one of them passes.
func (p Progress) Done() bool { return p.State == Ran && p.Tests.Done() }

// todo reports whether the stage is one the learner can work on and has not
// finished.
func (p Progress) todo() bool { return p.State != NotBuilt && !p.Done() }

// Board prints the progress board: every stage with its tests passing, and
// what to do next. The stages' tests run two at a time, from go test's cache
// when the code has not changed, and each row prints as soon as it is known.
// When the first row takes a while (compiling, the first time), a notice
// says what is going on.
func (w *Workshop) Board(ctx context.Context) {
	w.printf("%s\n\n", w.paint(bold, "Raft in Go: your progress"))
	width := 0
	for _, s := range w.Stages {
		width = max(width, len(s.Title))
	}
	progress := make([]Progress, len(w.Stages))
	next := -1
	stopNotice := w.notice("Compiling and running every stage's tests: about a minute the first time, seconds after that…\n")
	inOrder(len(w.Stages), 2, func(i int) Progress {
		return w.progress(ctx, w.Stages[i])
	}, func(i int, p Progress) {
		stopNotice()
		progress[i] = p
		if next < 0 && p.todo() {
			next = i
		}
		w.printf("%s\n", w.boardRow(p, next == i, width))
	})
	w.printf("\n%s", w.nextStep(progress, next))
}

// progress runs a stage's tests and sums them up for the board.
func (w *Workshop) progress(ctx context.Context, s course.Stage) Progress {
	p := Progress{Stage: s}
	if exists(w.path(s.InProgress())) {
		return p
	}
	if !exists(w.path(s.Dir)) {
		if exists(w.path(s.ReferenceDir())) {
			p.State = NoFolder
		}
		return p
	}
	run, err := w.runTests(ctx, s.Dir, learnerTimeout)
	if err != nil {
		p.State, p.Detail = CannotRun, firstLine(err.Error())
		return p
	}
	if errs := run.buildErrors(); len(errs) > 0 {
		p.State, p.Detail = NoCompile, errs[0]
		return p
	}
	p.State = Ran
	p.Tests = tallyTests(run.report)
	p.Detail = crashNote(run)
	return p
}

// crashNote names the test during which a test binary panicked or timed
// out, or returns "" if none did.
func crashNote(run *stageRun) string {
	for _, t := range run.report.Tests {
		switch {
		case t.Panicked:
			return run.name(t.ID) + " panicked"
		case t.TimedOut:
			return run.name(t.ID) + " timed out"
		}
	}
	for _, p := range run.report.Packages {
		switch {
		case p.Panicked:
			return "the test binary of " + p.Path + " panicked"
		case p.TimedOut:
			return "the test binary of " + p.Path + " timed out"
		}
	}
	return ""
}

// boardRow formats one stage's row, with the title padded to width. The row
// of the stage to work on next is marked with an arrow.
func (w *Workshop) boardRow(p Progress, next bool, width int) string {
	mark := " "
	switch {
	case p.Done():
		mark = w.paint(green, "✓")
	case next:
		mark = w.paint(bold, "→")
	}
	var status string
	switch {
	case p.State == NotBuilt:
		status = w.paint(dim, "not built yet")
	case p.State == NoFolder:
		status = w.paint(yellow, fmt.Sprintf("%s is missing: %s creates it", p.Stage.Dir, w.tool("reset", p.Stage)))
	case p.State == NoCompile:
		status = w.paint(red, "does not compile: "+p.Detail)
	case p.State == CannotRun:
		status = w.paint(red, "go test could not run: "+p.Detail)
	case p.Tests.Total+p.Tests.Given == 0:
		status = w.paint(dim, "no tests yet")
	default:
		status = p.Tests.String("/")
		if p.Done() {
			status = w.paint(green, status)
		}
		if p.Detail != "" {
			status += w.paint(red, "; "+p.Detail)
		}
	}
	return fmt.Sprintf("  %s %s  %-*s  %s", mark, p.Stage.Number(), width, p.Stage.Title, status)
}

// nextStep says what to do after the board: work on stage next, or, when
// next is -1, that nothing is left.
func (w *Workshop) nextStep(progress []Progress, next int) string {
	if next < 0 {
		built := 0
		for _, p := range progress {
			if p.State != NotBuilt {
				built++
			}
		}
		switch built {
		case 0:
			return "No stage is built yet.\n"
		case len(progress):
			return fmt.Sprintf("All %d stages pass. You have built Raft: well done!\n", built)
		}
		return "Every stage built so far passes; the others are still being written.\n"
	}
	p := progress[next]
	s := p.Stage
	check := w.tool("check", s)
	var b strings.Builder
	fmt.Fprintf(&b, "Next: stage %s, %s.\n", s.Number(), s.Title)
	switch p.State {
	case NoFolder:
		fmt.Fprintf(&b, "  Create its folder:  %s\n", w.tool("reset", s))
	case NoCompile, CannotRun:
		fmt.Fprintf(&b, "  It does not build. See why:  %s\n", check)
	default:
		fmt.Fprintf(&b, "  Read the handout %s and the slides %s,\n", w.show(s.Handout()), w.show(s.Slides()))
		fmt.Fprintf(&b, "  fill in the TODOs, and run:  %s\n", check)
	}
	return b.String()
}

// exists reports whether a file or folder exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// firstLine returns the first line of a message.
func firstLine(msg string) string {
	line, _, _ := strings.Cut(msg, "\n")
	return line
}
