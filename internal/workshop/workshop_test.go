package workshop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
)

// testdata/course is a tiny course: stage 04-log with a reference in
// solutions/ and its generated stub. testdata/04-log.json is what
// `go test -json ./...` printed in its stub folder (with testify at hand): a
// pass, failures with and without subtests, and a panic that keeps the last
// test from running. testdata/04-log-broken.json is the same stage with a
// compile error, and testdata/04-log-pass.json with the reference's code.

// stage04 is the stage of the test course.
var stage04 = mustFind("04")

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
