package workshop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
	"raftgo/internal/stubgen"
	"raftgo/internal/testsrc"
)

// Time budgets of verify's go test runs. A stage's suite is meant to run
// in seconds; the budgets only catch a hang.
const (
	referenceTimeout = 5 * time.Minute // per test binary, with -race
	stubTimeout      = 2 * time.Minute // per test binary of a stub
	toolTimeout      = 5 * time.Minute // per test binary of the tool's packages
)

// isGiven reports whether a test checks only given code, and so passes on
// the untouched stub: its name is TestGiven… or FuzzGiven…
// (CONTRIBUTING.md).
func isGiven(name string) bool {
	return strings.HasPrefix(name, "TestGiven") || strings.HasPrefix(name, "FuzzGiven")
}

// A result is the outcome of one of verify's checks.
type result struct {
	name string
	// note is printed after the name, in parentheses: a count, a duration.
	note string
	// problem says why the check failed, or why it was skipped; it is ""
	// when the check passed.
	problem string
	// details are printed indented under a failed check.
	details []string
	skipped bool
}

func pass(name, note string) result { return result{name: name, note: note} }

func fail(name, problem string, details ...string) result {
	return result{name: name, problem: problem, details: details}
}

// Verify runs everything CI checks and prints each check as it ends, as
// "PASS name" or "FAIL name: why" with details under it, then the line
// "N passed, N failed". It reports whether every check passed. Stages
// without a reference are skipped: the course is still being written.
//
// The checks: no Go file needs gofmt; go vet passes; for each stage with a
// reference, its generated folder is fresh, it has a handout and a deck,
// the reference passes go test -race, every test fails on the stub except
// the TestGiven ones (and none panics, hangs or goes missing), the stub
// has TODOs, every TODO is tested, the handout's tasks and the quotes of it
// resolve, and every learner mistake is caught at its task
// (checkMistakes); every handout section that README.md's Go concept map
// cites exists (checkConceptMap); every deck parses and its code
// references resolve; the tool's own tests pass.
//
// With stages named, Verify runs only those stages' checks and the deck
// checks, in progress or not: a maintainer's quick check of the stage at
// hand. With none, it runs everything and skips the stages marked in
// progress (course.InProgressFile).
func (w *Workshop) Verify(ctx context.Context, only ...course.Stage) bool {
	passed, failed := 0, 0
	emit := func(r result) {
		note := ""
		if r.note != "" {
			note = " (" + r.note + ")"
		}
		switch {
		case r.skipped:
			w.printf("%s %s: %s\n", w.paint(dim, "SKIP"), r.name, r.problem)
		case r.problem == "":
			passed++
			w.printf("%s %s%s\n", w.paint(green, "PASS"), r.name, note)
		default:
			failed++
			w.printf("%s %s: %s%s\n", w.paint(red, "FAIL"), r.name, r.problem, note)
			for _, d := range r.details {
				w.printf("%s", indent(d, "    "))
			}
		}
	}
	stages := only
	if len(only) == 0 {
		stages = w.Stages
		emit(w.checkGofmt())
		emit(w.checkVet(ctx))
	}
	inOrder(len(stages), 2, func(i int) []result {
		s := stages[i]
		if len(only) == 0 && exists(w.path(s.InProgress())) {
			return []result{{name: s.Dir, problem: "in progress (" + filepath.ToSlash(s.InProgress()) + "); verify " + s.Number() + " checks it", skipped: true}}
		}
		return w.checkStage(ctx, s)
	}, func(_ int, results []result) {
		for _, r := range results {
			emit(r)
		}
	})
	emit(w.checkConceptMap(only))
	emit(w.checkExists("the course has an introduction deck", course.IntroductionSlides))
	emit(w.checkSlides())
	emit(w.checkSlideFit(only))
	if len(only) == 0 {
		emit(w.checkToolTests(ctx))
	}
	w.printf("%d passed, %d failed\n", passed, failed)
	return failed == 0
}

// checkGofmt reports the Go files that gofmt would change, in the folders
// the go command looks at.
func (w *Workshop) checkGofmt() result {
	const name = "gofmt"
	var unformatted []string
	root := os.DirFS(w.Root)
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != "." && course.IgnoredDir(d.Name()):
			return fs.SkipDir
		case d.IsDir() || !strings.HasSuffix(p, ".go"):
			return nil
		}
		src, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		formatted, err := format.Source(src)
		switch {
		case err != nil:
			unformatted = append(unformatted, fmt.Sprintf("%s: %v", p, err))
		case !bytes.Equal(src, formatted):
			unformatted = append(unformatted, p)
		}
		return nil
	})
	if err != nil {
		return fail(name, err.Error())
	}
	if len(unformatted) > 0 {
		return fail(name, fmt.Sprintf("%s to format with gofmt -w", plural(len(unformatted), "file")), unformatted...)
	}
	return pass(name, "")
}

// checkVet runs go vet over the whole course.
func (w *Workshop) checkVet(ctx context.Context) result {
	const name = "go vet ./..."
	if problem, details := w.vet(ctx, w.Root); problem != "" {
		return fail(name, problem, details...)
	}
	return pass(name, "")
}

// vet runs go vet on every package under dir. It returns "" if vet passes,
// or what went wrong and vet's messages.
func (w *Workshop) vet(ctx context.Context, dir string) (problem string, details []string) {
	ctx, cancel := context.WithTimeout(ctx, buildTime)
	defer cancel()
	_, stderr, err := w.Go.Go(ctx, dir, "vet", "./...")
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return "vet reports problems", nonEmptyLines(string(stderr))
	case err != nil:
		return err.Error(), nonEmptyLines(string(stderr))
	}
	return "", nil
}

// checkStage runs the checks of one stage, or skips the stage when it has
// no reference yet.
func (w *Workshop) checkStage(ctx context.Context, s course.Stage) []result {
	if !exists(w.path(s.ReferenceDir())) {
		return []result{{name: s.Dir, problem: "no reference yet (" + filepath.ToSlash(s.ReferenceDir()) + ")", skipped: true}}
	}
	results := []result{
		w.checkExists(s.Dir+" has a handout", filepath.Join(s.ReferenceDir(), "README.md")),
		w.checkExists(s.Dir+" has a deck", s.Slides()),
		w.checkReference(ctx, s),
	}
	if !exists(w.path(s.Dir)) { // the stub's checks cannot run
		return append(results, fail(s.Dir+" is fresh", fmt.Sprintf("%s does not exist; run go run ./cmd/workshop gen %s", s.Dir, s.Number())))
	}
	return append(results, w.checkFresh(s), w.checkStub(ctx, s), w.checkTodos(s), w.checkRegions(ctx, s), w.checkHandout(s), w.checkMistakes(ctx, s))
}

// checkFresh compares the learner's folder with what the generator makes
// from the reference now.
func (w *Workshop) checkFresh(s course.Stage) result {
	name := s.Dir + " is fresh"
	files, err := w.generate(s)
	if err != nil {
		return fail(name, "the generator fails", err.Error())
	}
	problems, err := stubgen.Diff(w.path(s.Dir), files)
	if err != nil {
		return fail(name, err.Error())
	}
	if len(problems) > 0 {
		return fail(name, fmt.Sprintf("%s from what the generator makes; run go run ./cmd/workshop gen %s", plural(len(problems), "difference"), s.Number()), problems...)
	}
	return pass(name, "")
}

// checkExists checks that a file, named relative to the root, exists and is
// not empty.
func (w *Workshop) checkExists(name, file string) result {
	info, err := os.Stat(w.path(file))
	switch {
	case err != nil:
		return fail(name, filepath.ToSlash(file)+" does not exist")
	case info.Size() == 0:
		return fail(name, filepath.ToSlash(file)+" is empty")
	}
	return pass(name, "")
}

// checkReference runs the reference's tests with the race detector: every
// test must pass (or skip).
func (w *Workshop) checkReference(ctx context.Context, s course.Stage) result {
	name := s.Dir + " reference passes go test -race"
	start := time.Now()
	run, err := w.runTests(ctx, s.ReferenceDir(), referenceTimeout, "-race", "-count=1")
	took := since(start)
	if err != nil {
		return fail(name, firstLine(err.Error()))
	}
	if errs := run.buildErrors(); len(errs) > 0 {
		return fail(name, "it does not compile", errs...)
	}
	var failing, details []string
	for _, t := range run.report.Tests {
		if t.Status == gotest.Fail || t.Status == gotest.Missing {
			failing = append(failing, run.name(t.ID))
			details = append(details, w.testDetails(run.name(t.ID), t))
		}
	}
	if len(failing) > 0 {
		r := fail(name, fmt.Sprintf("failing tests (of %d): %s", len(run.report.Tests), strings.Join(failing, ", ")), details...)
		r.note = took
		return r
	}
	return pass(name, fmt.Sprintf("%s, %s", plural(len(run.report.Tests), "test"), took))
}

// checkStub vets the stub and runs its tests: every test must fail except
// those named TestGiven… or FuzzGiven…, which must pass.
func (w *Workshop) checkStub(ctx context.Context, s course.Stage) result {
	name := s.Dir + " stub fails cleanly"
	start := time.Now()
	if problem, details := w.vet(ctx, w.path(s.Dir)); problem != "" {
		return fail(name, "go vet ./... in "+s.Dir+": "+problem, details...)
	}
	run, err := w.runTests(ctx, s.Dir, stubTimeout, "-count=1")
	if err != nil {
		return fail(name, firstLine(err.Error()))
	}
	r := w.classifyStub(name, run)
	if r.note != "" {
		r.note += ", "
	}
	r.note += since(start)
	return r
}

// classifyStub judges the outcome of a stub's tests. On the untouched stub
// every test must fail, except TestGiven… and FuzzGiven… tests, which must pass; skipping is
// allowed (a test may need a tool the machine lacks). No test may panic,
// time out or report no result, and the stub must compile.
func (w *Workshop) classifyStub(name string, run *stageRun) result {
	if errs := run.buildErrors(); len(errs) > 0 {
		return fail(name, "the stub does not compile", errs...)
	}
	if len(run.report.Tests) == 0 {
		return fail(name, "the stage has no tests")
	}
	var passing, givenFailing, panicked, timedOut, missing, details []string
	failed, givenPassed, skipped := 0, 0, 0
	for _, t := range run.report.Tests {
		n := run.name(t.ID)
		given := isGiven(t.Name)
		switch {
		case t.Panicked:
			panicked = append(panicked, n)
			details = append(details, w.testDetails(run.name(t.ID), t))
		case t.TimedOut:
			timedOut = append(timedOut, n)
			details = append(details, w.testDetails(run.name(t.ID), t))
		case t.Status == gotest.Missing:
			missing = append(missing, n)
		case t.Status == gotest.Skip:
			skipped++
		case given && t.Status == gotest.Fail:
			givenFailing = append(givenFailing, n)
			details = append(details, w.testDetails(run.name(t.ID), t))
		case given:
			givenPassed++
		case t.Status == gotest.Pass:
			passing = append(passing, n)
		default:
			failed++
		}
	}
	var problems []string
	report := func(tests []string, what string) {
		if len(tests) > 0 {
			problems = append(problems, what+": "+strings.Join(tests, ", "))
		}
	}
	report(passing, "pass on the untouched stub, but must fail")
	report(givenFailing, "fail on the stub, but given tests (TestGiven…, FuzzGiven…) must pass")
	report(panicked, "panic; a stub must fail politely")
	report(timedOut, "hang until the -timeout")
	report(missing, "report no result (the test binary panicked, timed out or exited before they ended)")
	for _, p := range run.report.Packages {
		if (p.Panicked || p.TimedOut) && len(panicked)+len(timedOut) == 0 {
			problems = append(problems, "the test binary of "+p.Path+" crashed outside any test")
			details = append(details, strings.Join(essentials(p.Output), "\n"))
		}
	}
	if len(problems) > 0 {
		return fail(name, strings.Join(problems, "; "), details...)
	}
	note := fmt.Sprintf("%d fail, %d given pass", failed, givenPassed)
	if skipped > 0 {
		note += fmt.Sprintf(", %d skipped", skipped)
	}
	return pass(name, note)
}

// checkTodos checks that the stub leaves the learner something to do.
func (w *Workshop) checkTodos(s course.Stage) result {
	name := s.Dir + " stub has TODOs"
	todos, err := testsrc.Todos(w.path(s.Dir))
	if err != nil {
		return fail(name, err.Error())
	}
	if len(todos) == 0 {
		return fail(name, fmt.Sprintf("no %q comment in the stub's Go files; mark the learner's work in the reference with //workshop:todo (CONTRIBUTING.md)", strings.TrimSpace(stubgen.TodoPrefix)))
	}
	return pass(name, fmt.Sprintf("%d", len(todos)))
}

// checkToolTests runs the tests of the tool and the shared packages.
func (w *Workshop) checkToolTests(ctx context.Context) result {
	const name = "tool tests pass (go test -race ./cmd/... ./internal/...)"
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, toolTimeout+buildTime)
	defer cancel()
	report, err := gotest.Run(ctx, w.Go, w.Root, "-race", "-count=1", "-timeout="+toolTimeout.String(), "./cmd/...", "./internal/...")
	took := since(start)
	if err != nil {
		return fail(name, firstLine(err.Error()))
	}
	var failing, details []string
	for _, t := range report.Tests {
		if t.Status == gotest.Fail {
			name := t.Package + "." + t.Name
			failing = append(failing, name)
			details = append(details, w.testDetails(name, t))
		}
	}
	for _, p := range report.Packages {
		switch {
		case p.BuildFailed():
			failing = append(failing, p.Path)
			details = append(details, p.Path+" does not compile:\n"+strings.Join(p.CompilerMessages(), "\n"))
		case p.Status == gotest.Fail && (p.Panicked || p.TimedOut):
			failing = append(failing, p.Path)
			details = append(details, p.Path+" crashed:\n"+strings.Join(essentials(p.Output), "\n"))
		}
	}
	if len(failing) > 0 {
		r := fail(name, "failing: "+strings.Join(failing, ", "), details...)
		r.note = took
		return r
	}
	return pass(name, took)
}

// testDetails describes a failing test for verify: its name and the
// essentials of its output.
func (w *Workshop) testDetails(name string, t *gotest.Test) string {
	lines := append([]string{name + ":"}, indentLines(w.outputLines(t), "    ")...)
	return strings.Join(lines, "\n")
}

// since formats the time since start, rounded for people.
func since(start time.Time) string {
	return time.Since(start).Round(100 * time.Millisecond).String()
}

// nonEmptyLines splits text into its lines that are not blank.
func nonEmptyLines(text string) []string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return lines
}
