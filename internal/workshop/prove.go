package workshop

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
	"raftgo/internal/mutate"
	"raftgo/internal/stubgen"
)

// proofTimeout bounds each test binary that proves a learner's test against
// a planted bug: the tests learners write run in a second or two, so one
// that runs for half a minute is stuck (a planted bug may loop).
const proofTimeout = 30 * time.Second

// proofParallel is how many proving runs build and run at once.
const proofParallel = 2

// A testTask is a test the learner writes, and the planted bugs it must
// catch: the stage's mistakes (internal/mistakes/NN-name) whose caught-by
// line names it (CONTRIBUTING.md, "Mutations").
type testTask struct {
	name    string
	mutants []mutate.Mutation
}

// testTasks returns the stage's learner-written tests, in the order of
// their names, each with the mistakes that name it in their caught-by line.
// A stage without mistakes has none.
func (w *Workshop) testTasks(s course.Stage) ([]testTask, error) {
	dir := path.Join(MistakesDir, s.Dir)
	if !exists(w.path(dir)) {
		return nil, nil
	}
	ms, err := mutate.Load(os.DirFS(w.Root), dir)
	if err != nil {
		return nil, err
	}
	var tasks []testTask
	for _, m := range ms {
		for _, name := range strings.Fields(m.Fields["caught-by"]) {
			i := slices.IndexFunc(tasks, func(t testTask) bool { return t.name == name })
			if i < 0 {
				tasks = append(tasks, testTask{name: name})
				i = len(tasks) - 1
			}
			tasks[i].mutants = append(tasks[i].mutants, m)
		}
	}
	slices.SortFunc(tasks, func(a, b testTask) int { return strings.Compare(a.name, b.name) })
	return tasks, nil
}

// A proofRun is one run of the learner's tests with the reference code in
// place of the files the planted bugs change, and one bug planted (or none,
// for the run on the reference).
type proofRun struct {
	mutant *mutate.Mutation // nil on the reference
	tests  []string         // the learner's tests that must catch it
	report *gotest.Report
	err    error
}

// proveTests runs the learner's own tests of a stage against the planted
// bugs they must catch, and prints what each catches and misses. A test is
// proven only once it passes on the learner's code (run is the stage's
// run); it then runs, in the learner's folder, with the reference's version
// of each file a bug is planted in (through go test -overlay, the
// learner's files untouched), once as it is, where the test must pass,
// and once per planted bug, where it must fail. It reports whether every
// test the learner writes passes and catches all its bugs.
func (w *Workshop) proveTests(ctx context.Context, s course.Stage, run *stageRun) (bool, error) {
	tasks, err := w.testTasks(s)
	if err != nil || len(tasks) == 0 {
		return err == nil, err
	}
	w.printf("\n%s\n", w.paint(bold, "Your own tests, against the bugs they must catch:"))
	ok := true
	var ready []testTask
	for _, task := range tasks {
		t := learnerTest(run, task.name)
		bugs := plural(len(task.mutants), "planted bug")
		switch {
		case t == nil:
			ok = false
			w.printf("  %s %s is missing from %s: write it (%s)\n", w.paint(red, "✗"), task.name, w.show(s.Dir), testSection(run, nil, task))
		case t.Status != gotest.Pass:
			ok = false
			w.printf("  %s %s does not pass yet: when it passes, check runs it against the %s it must catch (%s).\n",
				w.paint(yellow, "·"), task.name, bugs, testSection(run, t, task))
		default:
			ready = append(ready, task)
		}
	}
	if len(ready) == 0 {
		return false, nil
	}
	runs := proofRuns(ready)
	start := time.Now()
	stop := w.notice(fmt.Sprintf("Building your tests once for the reference and once per planted bug (%d builds)…", len(runs)))
	tmp, err := os.MkdirTemp("", "workshop-prove-")
	if err != nil {
		stop()
		return false, err
	}
	defer os.RemoveAll(tmp)
	inOrder(len(runs), proofParallel, func(i int) proofRun {
		r := runs[i]
		r.report, r.err = w.proofRun(ctx, s, run, tmp, i, r, ready)
		return r
	}, func(i int, r proofRun) { runs[i] = r })
	stop()
	took := since(start)
	for _, task := range ready {
		if !w.printProof(s, run, task, runs) {
			ok = false
		}
	}
	w.printf("  %s\n", w.paint(dim, fmt.Sprintf("(%s of your tests, %s)", plural(len(runs), "run"), took)))
	return ok, nil
}

// learnerTest returns the top-level result of a learner's test in a
// stage's run, or nil if the stage does not declare it.
func learnerTest(run *stageRun, name string) *gotest.Test {
	for _, t := range run.report.Tests {
		if _, declared := run.declared[t.ID]; declared && t.Name == name {
			return t
		}
	}
	return nil
}

// testSection names the handout section of a learner's test t (nil if
// the stage lacks it): the first one its doc comment quotes, or else the
// task of its first planted bug.
func testSection(run *stageRun, t *gotest.Test, task testTask) string {
	if t != nil {
		hint := run.declared[t.ID].Hint
		if m := handoutQuote.FindStringSubmatch(strings.Join(strings.Fields(hint), " ")); m != nil {
			return fmt.Sprintf("handout: %q", m[1])
		}
	}
	return fmt.Sprintf("handout: %q", task.mutants[0].Task)
}

// proofRuns lists the runs that prove the ready tests: the reference first,
// then each planted bug once, with the tests that must catch it.
func proofRuns(ready []testTask) []proofRun {
	runs := []proofRun{{}}
	for _, task := range ready {
		runs[0].tests = append(runs[0].tests, task.name)
		for _, m := range task.mutants {
			i := slices.IndexFunc(runs, func(r proofRun) bool { return r.mutant != nil && r.mutant.Name == m.Name })
			if i < 0 {
				runs = append(runs, proofRun{mutant: &m})
				i = len(runs) - 1
			}
			runs[i].tests = append(runs[i].tests, task.name)
		}
	}
	return runs
}

// proofRun runs the tests of one proving run in the learner's folder: the
// reference's version of every file a bug of the ready tests is planted in,
// with this run's bug planted, replaces the learner's through an overlay.
func (w *Workshop) proofRun(ctx context.Context, s course.Stage, stage *stageRun, tmp string, n int, r proofRun, ready []testTask) (*gotest.Report, error) {
	overlay := make(map[string]string) // the learner's file, by the file in its place
	done := make(map[string]bool)      // the reference files already replaced
	for _, task := range ready {
		for _, m := range task.mutants {
			if done[m.File] {
				continue
			}
			done[m.File] = true
			var planted *mutate.Mutation
			if r.mutant != nil && r.mutant.File == m.File {
				planted = r.mutant
			}
			src, err := w.learnerVersion(s, m.File, planted)
			if err != nil {
				return nil, err
			}
			file := filepath.Join(tmp, fmt.Sprintf("run%d-%d-%s", n, len(overlay), path.Base(m.File)))
			if err := os.WriteFile(file, src, 0o644); err != nil {
				return nil, err
			}
			learner := strings.TrimPrefix(m.File, filepath.ToSlash(s.ReferenceDir())+"/")
			overlay[w.path(filepath.Join(s.Dir, filepath.FromSlash(learner)))] = file
		}
	}
	data, err := json.Marshal(map[string]map[string]string{"Replace": overlay})
	if err != nil {
		return nil, err
	}
	overlayFile := filepath.Join(tmp, fmt.Sprintf("run%d.json", n))
	if err := os.WriteFile(overlayFile, data, 0o644); err != nil {
		return nil, err
	}
	var pkgs []string
	for _, name := range r.tests {
		if t := learnerTest(stage, name); t != nil {
			if p := packageArg(stage, t.Package); !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	pattern := "^(" + strings.Join(r.tests, "|") + ")$"
	ctx, cancel := context.WithTimeout(ctx, proofTimeout+buildTime)
	defer cancel()
	args := append([]string{"-run", pattern, "-timeout=" + proofTimeout.String(), "-overlay=" + overlayFile}, pkgs...)
	return gotest.Run(ctx, w.Go, w.path(s.Dir), args...)
}

// learnerVersion returns the reference file ref (relative to the course
// root) as it would sit in the learner's folder: with the planted bug if
// one is given, without its marker lines, and importing the learner's
// packages of the stage instead of the reference's.
func (w *Workshop) learnerVersion(s course.Stage, ref string, planted *mutate.Mutation) ([]byte, error) {
	src, err := os.ReadFile(w.path(filepath.FromSlash(ref)))
	if err != nil {
		return nil, err
	}
	if planted != nil {
		if src, err = applyInRegion(*planted, src); err != nil {
			return nil, fmt.Errorf("planted bug %s: %w", planted.Name, err)
		}
	}
	stripped, err := stubgen.Strip(ref, src)
	if err != nil {
		return nil, err
	}
	from, to := `"`+course.Module+"/"+filepath.ToSlash(s.ReferenceDir()), `"`+course.Module+"/"+s.Dir
	stripped = []byte(strings.ReplaceAll(string(stripped), from+`"`, to+`"`))
	return []byte(strings.ReplaceAll(string(stripped), from+"/", to+"/")), nil
}

// packageArg returns the go test argument for a package of the stage's
// run: "." for the stage's folder, "./sub" below it.
func packageArg(run *stageRun, pkg string) string {
	if rest, ok := strings.CutPrefix(pkg, run.importPath()+"/"); ok {
		return "./" + rest
	}
	return "."
}

// printProof prints what one learner's test catches, and reports whether
// it passes on the reference and catches every bug it must.
func (w *Workshop) printProof(s course.Stage, stage *stageRun, task testTask, runs []proofRun) bool {
	section := testSection(stage, learnerTest(stage, task.name), task)
	ref := runs[0]
	files := mutatedFiles(s, task)
	if problem := proofProblem(ref); problem != "" {
		w.printf("  %s %s could not run with the reference %s: %s\n", w.paint(red, "✗"), task.name, files, problem)
		return false
	}
	if t := findTest(ref.report, task.name); t == nil || t.Status != gotest.Pass {
		summary := "it did not run"
		if t != nil {
			summary = clipWords(testNote(stage, t), summaryWidth)
		}
		w.printf("  %s Your test %s passes on your code, but fails with the reference %s\n      in place of yours, so its failures would not show the planted bugs:\n      %s\n      (%s)\n",
			w.paint(red, "✗"), task.name, files, wrap(summary, 80, 6, "      "), section)
		return false
	}
	var missed, broken []string
	for _, m := range task.mutants {
		r := runs[slices.IndexFunc(runs, func(r proofRun) bool { return r.mutant != nil && r.mutant.Name == m.Name })]
		if problem := proofProblem(r); problem != "" {
			broken = append(broken, fmt.Sprintf("  %s %s could not run with the planted bug %s: %s\n", w.paint(yellow, "?"), task.name, m.Name, problem))
			continue
		}
		t := findTest(r.report, task.name)
		if t != nil && (t.Status == gotest.Fail || t.Status == gotest.Missing) {
			continue // caught: the test failed, panicked or timed out
		}
		missed = append(missed, fmt.Sprintf("  %s Your test %s does not catch mutant %s:\n      %s\n      The planted bug: %s\n      (%s)\n",
			w.paint(red, "✗"), task.name, m.Name, wrap(m.Doc, 80, 6, "      "), w.show(path.Join(MistakesDir, s.Dir, m.Name+".txtar")), section))
	}
	for _, line := range append(missed, broken...) {
		w.printf("%s", line)
	}
	caught := len(task.mutants) - len(missed) - len(broken)
	if len(missed)+len(broken) == 0 {
		all := "all " + plural(caught, "planted bug")
		if caught == 1 {
			all = "its planted bug"
		}
		w.printf("  %s %s catches %s (in %s).\n", w.paint(green, "✓"), task.name, all, files)
		return true
	}
	w.printf("  %s catches %d of %s in %s: add a case that fails on each bug it misses.\n",
		task.name, caught, plural(len(task.mutants), "planted bug"), files)
	return false
}

// mutatedFiles names the files a test's planted bugs change, as the
// learner sees them ("checks.go", "quorum/quorum.go").
func mutatedFiles(s course.Stage, task testTask) string {
	var files []string
	for _, m := range task.mutants {
		f := strings.TrimPrefix(m.File, filepath.ToSlash(s.ReferenceDir())+"/")
		if !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	return strings.Join(files, ", ")
}

// proofProblem says why a proving run tells nothing (go test could not run,
// the package did not build), or returns "".
func proofProblem(r proofRun) string {
	switch {
	case r.err != nil:
		return firstLine(r.err.Error())
	case len(r.report.BuildFailures()) > 0:
		for _, p := range r.report.BuildFailures() {
			if msgs := p.CompilerMessages(); len(msgs) > 0 {
				return "it does not compile with your package: " + msgs[0]
			}
		}
		return "it does not compile with your package"
	}
	return ""
}

// findTest returns the top-level test of a report by name, or nil.
func findTest(r *gotest.Report, name string) *gotest.Test {
	for _, t := range r.Tests {
		if t.Name == name {
			return t
		}
	}
	return nil
}
