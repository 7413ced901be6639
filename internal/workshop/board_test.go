package workshop

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
)

func TestBoard(t *testing.T) {
	w, out := testCourse(t, map[string]string{
		"04-log":       "04-log.json",
		"06-consensus": "04-log-broken.json",
	})
	w.Stages = []course.Stage{mustFind("01"), stage04, mustFind("05"), mustFind("06")}
	require.NoError(t, os.MkdirAll(filepath.Join(w.Root, "solutions", "05-replication"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(w.Root, "06-consensus"), 0o755))

	w.Board(t.Context())

	assert.Equal(t, `Raft in Go: your progress

    01  A key-value server          not built yet
  → 04  The log                     0/4 tests pass (+1 given); TestTermsNotNil panicked
    05  Log replication             05-replication is missing: go run ./cmd/workshop reset 05 creates it
    06  Consensus: the commit rule  does not compile: 06-consensus/log.go:22:9: invalid operation: nil + 1 (mismatched types untyped nil and untyped int)

Next: stage 04, The log.
  Read the handout 04-log/README.md and the slides slides/04-log.slide,
  fill in the TODOs, and run:  go run ./cmd/workshop check 04
`, out.String())
}

// TestBoardCached runs the board twice, with the real go command, on a fake
// course: the second run reads the tests' results from go test's cache and
// must still print every row. (It once hung after its first row: the
// notice, stopped at every row, waited forever on its second stop when the
// first row came before the notice was due.)
func TestBoardCached(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command on a fake course")
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off") // the fake course has no dependencies
	t.Setenv("GOWORK", "off")
	root := t.TempDir()
	for name, text := range fakeCourse {
		write(t, filepath.Join(root, name), text)
	}
	var out lockedBuffer
	w := New(root, &out)
	w.Stages = []course.Stage{stage04, mustFind("05")}
	require.NoError(t, w.Gen(w.Stages[:1]))
	// go test caches the results of packages that pass: a finished stage.
	write(t, filepath.Join(root, "04-log", "log.go"), "package raftlog\n\nfunc Add(a, b int) int { return a + b }\n\n// Double is given.\nfunc Double(a int) int { return 2 * a }\n")
	goCmd := &recordingRunner{}
	w.Go = goCmd
	w.NoticeAfter = time.Minute // longer than a run from the cache takes

	want := `Raft in Go: your progress

  ✓ 04  The log          1/1 tests pass (+1 given)
    05  Log replication  not built yet

Every stage built so far passes; the others are still being written.
`
	for _, run := range []string{"first run", "second run, from the cache"} {
		out.Reset()
		done := make(chan struct{})
		go func() {
			defer close(done)
			w.Board(t.Context())
		}()
		select {
		case <-done:
		case <-time.After(3 * time.Minute):
			t.Fatalf("%s: the board did not finish in 3 minutes; it printed:\n%s", run, out.String())
		}
		assert.Equal(t, want, out.String(), run)
	}
	assert.Contains(t, goCmd.last(), "(cached)", "the second run must read go test's cache")
}

// lockedBuffer is a bytes.Buffer that a test may read while another
// goroutine writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// recordingRunner runs the real go command and keeps what its last run
// printed.
type recordingRunner struct {
	mu     sync.Mutex
	stdout []byte
}

func (r *recordingRunner) Go(ctx context.Context, dir string, args ...string) ([]byte, []byte, error) {
	stdout, stderr, err := gotest.GoCommand{}.Go(ctx, dir, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stdout = stdout
	return stdout, stderr, err
}

// last returns what the last run printed on its standard output, with
// go test -json's events flattened to text.
func (r *recordingRunner) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.ReplaceAll(string(r.stdout), `\t`, "\t")
}

func TestBoardRow(t *testing.T) {
	w := New(t.TempDir(), nil)
	ran := func(passed, total int) Progress {
		return Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: passed, Total: total}}
	}
	untouched := Progress{Stage: stage04, State: Ran, Tests: Tally{Total: 13, GivenPassed: 4, Given: 4}}
	crashed := ran(0, 3)
	crashed.Detail = "TestX timed out"
	tests := []struct {
		name string
		p    Progress
		next bool
		want string
	}{
		{"not built", Progress{Stage: stage04}, false, "    04  The log  not built yet"},
		{"done", ran(3, 3), false, "  ✓ 04  The log  3/3 tests pass"},
		{"next", ran(1, 3), true, "  → 04  The log  1/3 tests pass"},
		{"untouched, with given tests", untouched, true, "  → 04  The log  0/13 tests pass (+4 given)"},
		{"done, with given tests", Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: 13, Total: 13, GivenPassed: 4, Given: 4}}, false, "  ✓ 04  The log  13/13 tests pass (+4 given)"},
		{"a given test fails", Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: 13, Total: 13, GivenPassed: 3, Given: 4}}, false, "    04  The log  13/13 tests pass (+4 given, 1 of them failing)"},
		{"done, one skipped", Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: 29, Total: 29, Skipped: 1}}, false, "  ✓ 04  The log  29/29 tests pass (1 skipped)"},
		{"no tests", Progress{Stage: stage04, State: Ran}, false, "    04  The log  no tests yet"},
		{"crashed", crashed, false, "    04  The log  0/3 tests pass; TestX timed out"},
		{"does not compile", Progress{Stage: stage04, State: NoCompile, Detail: "04-log/log.go:1:1: oops"}, true, "  → 04  The log  does not compile: 04-log/log.go:1:1: oops"},
		{"go test fails", Progress{Stage: stage04, State: CannotRun, Detail: "go: no go.mod"}, false, "    04  The log  go test could not run: go: no go.mod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, w.boardRow(tt.p, tt.next, len("The log")))
		})
	}
}

func TestBoardRowColor(t *testing.T) {
	w := New(t.TempDir(), nil)
	w.Color = true
	row := w.boardRow(Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: 3, Total: 3}}, false, 7)
	assert.Equal(t, "  \x1b[32m✓\x1b[0m 04  The log  \x1b[32m3/3 tests pass\x1b[0m", row)
}

func TestNextStep(t *testing.T) {
	w := New(t.TempDir(), nil)
	done := func(s course.Stage) Progress {
		return Progress{Stage: s, State: Ran, Tests: Tally{Passed: 1, Total: 1}}
	}
	notBuilt := func(s course.Stage) Progress { return Progress{Stage: s} }
	s1, s2 := mustFind("01"), mustFind("02")

	assert.Equal(t, "No stage is built yet.\n", w.nextStep([]Progress{notBuilt(s1), notBuilt(s2)}, -1))
	assert.Equal(t, "Every stage built so far passes; the others are still being written.\n",
		w.nextStep([]Progress{done(s1), notBuilt(s2)}, -1))
	assert.Equal(t, "All 2 stages pass. You have built Raft: well done!\n", w.nextStep([]Progress{done(s1), done(s2)}, -1))
	assert.Equal(t, "Next: stage 02, Event-driven programming: a traffic light.\n  It does not build. See why:  go run ./cmd/workshop check 02\n",
		w.nextStep([]Progress{done(s1), {Stage: s2, State: NoCompile}}, 1))
	assert.Equal(t, "Next: stage 01, A key-value server.\n  Create its folder:  go run ./cmd/workshop reset 01\n",
		w.nextStep([]Progress{{Stage: s1, State: NoFolder}, notBuilt(s2)}, 0))
}
