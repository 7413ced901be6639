package workshop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
)

// testdata/course is a tiny course: stage 04-log with a reference in
// solutions/ and its generated stub. testdata/04-log.json is what
// `go test -json ./...` printed in its stub folder (with testify at hand): a
// pass, failures with and without subtests, and a panic that keeps the last
// test from running. testdata/04-log-broken.json is the same stage with a
// compile error, and testdata/04-log-pass.json with the reference's code.
//
// Stage 07-election of the tiny course has a core whose messages never die
// out. testdata/07-election.json is `go test -json -timeout=3s ./...` on it
// with the reference's code in place: a long testify diff, a test that fails
// nine times, a subtest that runs away until the binary times out (the
// stack dump shows it running), and in the package blocked a test that
// waits forever on a channel.

// stage04 and stage07 are the stages of the test course.
var (
	stage04 = mustFind("04")
	stage07 = mustFind("07")
)

func mustFind(name string) course.Stage {
	s, err := course.Find(name)
	if err != nil {
		panic(err)
	}
	return s
}

// testCourse copies testdata/course into a temporary folder and returns a
// Workshop on it that writes into out, answers go test from the recorded
// outputs (by stage folder) and tells a fixed time.
func testCourse(t *testing.T, outputs map[string]string) (*Workshop, *bytes.Buffer) {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.CopyFS(root, os.DirFS(filepath.Join("testdata", "course"))))
	var out bytes.Buffer
	w := New(root, &out)
	w.Go = recorded{root: root, outputs: outputs}
	w.Now = func() time.Time { return time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC) }
	w.NoticeAfter = -1 // TestNotice tests it
	return w, &out
}

// recorded is a gotest.Runner that answers go commands run in a folder with
// the output recorded for it in testdata.
type recorded struct {
	root    string
	outputs map[string]string // the file in testdata, by folder relative to root
}

func (r recorded) Go(_ context.Context, dir string, args ...string) ([]byte, []byte, error) {
	rel, err := filepath.Rel(r.root, dir)
	if err != nil {
		return nil, nil, err
	}
	file, ok := r.outputs[filepath.ToSlash(rel)]
	if !ok {
		return nil, nil, fmt.Errorf("no recorded output for go %v in %s", args, rel)
	}
	data, err := os.ReadFile(filepath.Join("testdata", file))
	return data, nil, err
}

func TestInOrder(t *testing.T) {
	var (
		mu            sync.Mutex
		running, most int
		emitted       []int
	)
	inOrder(20, 2, func(i int) int {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		runtime.Gosched() // let the others run meanwhile
		mu.Lock()
		running--
		mu.Unlock()
		return i * i
	}, func(i, square int) {
		require.Equal(t, i*i, square)
		emitted = append(emitted, i)
	})
	require.Len(t, emitted, 20)
	for i, got := range emitted {
		require.Equal(t, i, got, "results are emitted in order")
	}
	require.LessOrEqual(t, most, 2, "at most two run at once")
}

func TestStageHere(t *testing.T) {
	w := New(t.TempDir(), nil)
	for cwd, want := range map[string]string{
		"04-log":                     "04-log",
		"04-log/cmd/tool":            "04-log",
		"solutions/07-election":      "07-election",
		"solutions/02-eventdriven/x": "02-eventdriven",
		"02-eventdriven/":            "02-eventdriven",
	} {
		w.Cwd = filepath.FromSlash(cwd)
		s, ok := w.StageHere()
		if assert.True(t, ok, "in %s", cwd) {
			assert.Equal(t, want, s.Dir, "in %s", cwd)
		}
	}
	for _, cwd := range []string{".", "solutions", "cmd/workshop", "slides", "12-nope", "solutions/99-x"} {
		w.Cwd = filepath.FromSlash(cwd)
		_, ok := w.StageHere()
		assert.False(t, ok, "in %s", cwd)
	}
}

func TestPathsFromTheCurrentFolder(t *testing.T) {
	w := New(t.TempDir(), nil)
	assert.Equal(t, "go run ./cmd/workshop check 04", w.tool("check", stage04))
	assert.Equal(t, "04-log/log.go:3", w.show("04-log/log.go:3"))

	w.Cwd = "04-log"
	assert.Equal(t, "go run ../cmd/workshop check 04", w.tool("check", stage04))
	assert.Equal(t, "log.go", w.show("04-log/log.go"))
	assert.Equal(t, "../slides/04-log.slide", w.show("slides/04-log.slide"))
	assert.Equal(t, "log.go:22:9: oops", w.showPos("04-log/log.go:22:9: oops"))
	assert.Equal(t, "go: no go.mod", w.showPos("go: no go.mod"), "not a place in a file")

	w.Cwd = filepath.Join("solutions", "04-log", "cmd")
	assert.Equal(t, "go run ../../../cmd/workshop hint 04", w.tool("hint", stage04))
}

func TestNotice(t *testing.T) {
	var out bytes.Buffer
	w := New(t.TempDir(), &out)

	w.NoticeAfter = 0
	w.notice("compiling")()
	assert.Equal(t, "compiling\n", out.String(), "zero: at once")

	out.Reset()
	w.NoticeAfter = -1
	w.notice("compiling")()
	assert.Empty(t, out.String(), "negative: never")

	synctest.Test(t, func(t *testing.T) {
		out.Reset()
		w.NoticeAfter = 2 * time.Second
		stop := w.notice("compiling")
		time.Sleep(time.Second)
		stop()
		time.Sleep(time.Minute)
		assert.Empty(t, out.String(), "stopped in time: no notice, ever")

		stop = w.notice("compiling")
		time.Sleep(3 * time.Second)
		stop()
		assert.Equal(t, "compiling\n", out.String(), "a slow command says what it does")

		// The board stops the notice at every row: a second stop must
		// return at once, whether or not the notice was printed.
		out.Reset()
		stop = w.notice("compiling")
		stop()
		stop()
		synctest.Wait()
		assert.Empty(t, out.String(), "a notice stopped twice in time")
	})
}

func TestBoardNotice(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log.json"})
	w.Stages = []course.Stage{stage04}
	w.NoticeAfter = 0

	w.Board(t.Context())
	assert.Equal(t, `Raft in Go: your progress

Compiling and running every stage's tests: about a minute the first time, seconds after that…

  → 04  The log  0/4 tests pass (+1 given); TestTermsNotNil panicked
`, firstLines(out.String(), 5))
}

// firstLines returns the first n lines of text.
func firstLines(text string, n int) string {
	lines := strings.SplitAfter(text, "\n")
	return strings.Join(lines[:min(n, len(lines))], "")
}
