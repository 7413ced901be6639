// Package workshop implements the commands of cmd/workshop: the progress
// board, check, hint, diff, reset, gen and verify.
//
// Every command works on one course checkout, the Workshop's Root, and runs
// the go command through a gotest.Runner, so tests can run the commands on a
// small course in a temporary folder or feed them recorded go test output.
package workshop

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
	"raftgo/internal/testsrc"
)

// A Workshop runs the commands on one course checkout.
type Workshop struct {
	// Root is the course root, the folder of go.mod.
	Root string
	// Stages are the course's stages, in order.
	Stages []course.Stage
	// Out receives the commands' reports.
	Out io.Writer
	// Color makes reports use terminal colours.
	Color bool
	// Go runs the go command.
	Go gotest.Runner
	// Now tells the time, for the names of backups.
	Now func() time.Time
	// Cwd is the folder the tool runs in, relative to Root ("." for the
	// root itself). Reports show paths and commands relative to it, and
	// the commands that work on one stage take its stage when none is
	// named (StageHere).
	Cwd string
	// NoticeAfter is how long a command waits for go test before it says
	// what it is doing (compiling takes a while the first time): zero says
	// it at once, a negative duration never.
	NoticeAfter time.Duration

	mu sync.Mutex // serializes writes to Out
}

// New returns a Workshop for the course at root that writes to out, without
// colour, and runs the real go command.
func New(root string, out io.Writer) *Workshop {
	return &Workshop{
		Root:   root,
		Stages: course.Stages,
		Out:    out,
		Go:     gotest.GoCommand{},
		Now:    time.Now,
		Cwd:    ".",

		NoticeAfter: 2 * time.Second,
	}
}

// Stage returns the stage named by a number ("4", "04") or a folder name
// ("04-log").
func (w *Workshop) Stage(name string) (course.Stage, error) {
	s, err := course.Find(name)
	if err != nil {
		return course.Stage{}, err
	}
	for _, known := range w.Stages {
		if known == s {
			return s, nil
		}
	}
	return course.Stage{}, fmt.Errorf("stage %s is not part of this course", s.Dir)
}

// path returns the absolute path of a file or folder given relative to the
// course root.
func (w *Workshop) path(rel string) string { return filepath.Join(w.Root, rel) }

// printf writes to Out. It is safe to call from several goroutines.
func (w *Workshop) printf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.Out, format, args...)
}

// StageHere returns the stage whose folder holds the current folder Cwd:
// NN-name/ or solutions/NN-name/, or any folder below them. It reports
// false anywhere else.
func (w *Workshop) StageHere() (course.Stage, bool) {
	parts := strings.Split(filepath.ToSlash(filepath.Clean(w.Cwd)), "/")
	if parts[0] == "solutions" {
		parts = parts[1:]
	}
	if len(parts) == 0 {
		return course.Stage{}, false
	}
	for _, s := range w.Stages {
		if s.Dir == parts[0] {
			return s, true
		}
	}
	return course.Stage{}, false
}

// show returns a path relative to the root as it looks from Cwd, with
// slashes: "04-log/log.go:12" is "log.go:12" inside 04-log.
func (w *Workshop) show(rel string) string {
	if rel == "" || w.Cwd == "" || w.Cwd == "." {
		return filepath.ToSlash(rel)
	}
	from, err := filepath.Rel(w.Cwd, rel)
	if err != nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(from)
}

// showPos rewrites a message that starts with a file's place relative to
// the root ("04-log/log.go:22:9: ...") to show the place from Cwd.
func (w *Workshop) showPos(msg string) string {
	file, rest, ok := strings.Cut(msg, ":")
	if !ok || !strings.HasSuffix(file, ".go") {
		return msg
	}
	return w.show(file) + ":" + rest
}

// tool returns the command line that runs the tool with a command on a
// stage from Cwd, such as "go run ./cmd/workshop check 04", or
// "go run ../cmd/workshop check 04" inside 04-log.
func (w *Workshop) tool(command string, s course.Stage) string {
	return w.toolCommand() + " " + command + " " + s.Number()
}

// toolCommand returns the command that runs the tool from Cwd.
func (w *Workshop) toolCommand() string {
	path := w.show("cmd/workshop")
	if !strings.HasPrefix(path, ".") {
		path = "./" + path
	}
	return "go run " + path
}

// notice prints msg if the caller has not called the returned stop
// function within NoticeAfter: a word on what a slow command is doing.
// Once stop returns, the notice is printed or never will be. stop may be
// called any number of times (the board calls it for every row).
func (w *Workshop) notice(msg string) (stop func()) {
	switch {
	case w.NoticeAfter < 0:
		return func() {}
	case w.NoticeAfter == 0:
		w.printf("%s\n", w.paint(dim, msg))
		return func() {}
	}
	printed := make(chan struct{})
	timer := time.AfterFunc(w.NoticeAfter, func() {
		w.printf("%s\n", w.paint(dim, msg))
		close(printed)
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			if !timer.Stop() {
				<-printed
			}
		})
	}
}

// Terminal colours, used only when Color is set.
const (
	bold   = "1"
	dim    = "2"
	red    = "31"
	green  = "32"
	yellow = "33"
)

// paint wraps text in a terminal colour when the Workshop uses colour.
func (w *Workshop) paint(color, text string) string {
	if !w.Color || text == "" {
		return text
	}
	return "\x1b[" + color + "m" + text + "\x1b[0m"
}

// learnerTimeout bounds each test binary of a learner's stage: a stage's
// suite takes seconds, so a test that runs for a minute is stuck.
const learnerTimeout = time.Minute

// buildTime is how long go test may take to build a stage on top of the
// tests' own -timeout before the tool gives up on it.
const buildTime = 3 * time.Minute

// A stageRun is the outcome of a stage's tests, and what the stage's source
// says about them.
type stageRun struct {
	dir string // the folder the tests ran in, relative to the root
	// report holds the outcome; its Tests are in the order the tests run.
	report *gotest.Report
	// declared are the tests that the _test.go files declare, by ID.
	declared map[gotest.ID]testsrc.Test
}

// runTests runs `go test -json` on every package under dir, a stage's folder
// relative to the root, with the given flags and a -timeout. It returns the
// report with every declared test in it, those without a result as Missing.
func (w *Workshop) runTests(ctx context.Context, dir string, timeout time.Duration, flags ...string) (*stageRun, error) {
	run := &stageRun{dir: dir, declared: make(map[gotest.ID]testsrc.Test)}
	declared, err := testsrc.Tests(w.path(dir), run.importPath())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+buildTime)
	defer cancel()
	args := append(slices.Clone(flags), "-timeout="+timeout.String(), "./...")
	run.report, err = gotest.Run(ctx, w.Go, w.path(dir), args...)
	if err != nil {
		return nil, err
	}
	ids := make([]gotest.ID, len(declared))
	for i, t := range declared {
		ids[i] = t.ID
		run.declared[t.ID] = t
	}
	run.report.Expect(ids)
	return run, nil
}

// name returns how a report shows a test: its name, after its package's
// folder when that is below the stage folder ("cmd/light.TestGivenDisplay").
func (r *stageRun) name(id gotest.ID) string {
	base := r.importPath()
	if id.Package == base || !strings.HasPrefix(id.Package, base+"/") {
		return id.Name
	}
	return strings.TrimPrefix(id.Package, base+"/") + "." + id.Name
}

// importPath returns the package path of the folder the tests ran in.
func (r *stageRun) importPath() string { return course.Module + "/" + filepath.ToSlash(r.dir) }

// pos returns where a test is declared, relative to the course root, or ""
// if the test was not found in the source.
func (r *stageRun) pos(id gotest.ID) string {
	t, ok := r.declared[id]
	if !ok {
		return ""
	}
	return filepath.ToSlash(filepath.Join(r.dir, t.Pos))
}

// buildErrors returns the compiler messages of the packages that did not
// build, with file names relative to the course root.
func (r *stageRun) buildErrors() []string {
	var lines []string
	for _, p := range r.report.BuildFailures() {
		for _, line := range p.CompilerMessages() {
			lines = append(lines, rootRelative(r.dir, line))
		}
	}
	return lines
}

// rootRelative rewrites a compiler message whose file name is relative to
// the folder dir ("./log.go:12:2: ...") to start from the course root
// ("04-log/log.go:12:2: ...").
func rootRelative(dir, msg string) string {
	if !strings.HasPrefix(msg, "./") && !strings.HasPrefix(msg, "../") {
		return msg
	}
	file, rest, _ := strings.Cut(msg, ":")
	return filepath.ToSlash(filepath.Join(dir, file)) + ":" + rest
}

// inOrder calls work(i) for every i in [0, n), at most limit at a time, and
// emit(i, result) in the order of i as soon as each result and those before
// it are ready, so output streams in order while the work runs in parallel.
func inOrder[T any](n, limit int, work func(i int) T, emit func(i int, result T)) {
	results := make([]T, n)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	var g errgroup.Group
	g.SetLimit(limit)
	go func() { // g.Go blocks while limit calls run; emit meanwhile
		for i := range n {
			g.Go(func() error {
				results[i] = work(i)
				close(done[i])
				return nil
			})
		}
	}()
	for i := range n {
		<-done[i]
		emit(i, results[i])
	}
}
