package sim_test

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
	"raftgo/internal/mutate"
	"raftgo/internal/stubgen"
)

var proveMutants = flag.Bool("mutants", false, "run TestFuzzQueueCatchesMutants: FuzzQueue against each planted queue bug of testdata/queue-mutants (it compiles the package once per bug)")

// TestFuzzQueueCatchesMutants proves your FuzzQueue (handout: "11. Your
// test: fuzz the queue"): with the reference queue in place of queue.go it
// must pass, and with each planted bug of testdata/queue-mutants it must
// fail. It compiles the package once per bug, so it runs only when asked:
//
//	go test -run TestFuzzQueueCatchesMutants -mutants
func TestFuzzQueueCatchesMutants(t *testing.T) {
	if !*proveMutants {
		t.Skip("run with -mutants to prove FuzzQueue against the planted queue bugs (handout: \"11. Your test: fuzz the queue\")")
	}
	here, err := os.Getwd()
	require.NoError(t, err)
	root, err := course.FindRoot(here)
	require.NoError(t, err)
	refPath := filepath.Join(root, "solutions", "09-simulation", "queue.go")
	src, err := os.ReadFile(refPath)
	require.NoError(t, err)
	ref, err := stubgen.Strip("queue.go", src)
	require.NoError(t, err, "strip the markers of %s", refPath)
	ms, err := mutate.Load(os.DirFS(here), "testdata/queue-mutants")
	require.NoError(t, err)
	require.NotEmpty(t, ms, "no planted bugs in testdata/queue-mutants")

	tmp := t.TempDir()
	fuzz := func(name string, queue []byte) (string, bool) {
		file := filepath.Join(tmp, name+".go")
		require.NoError(t, os.WriteFile(file, queue, 0o644))
		overlay, err := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(here, "queue.go"): file}})
		require.NoError(t, err)
		overlayFile := filepath.Join(tmp, name+".json")
		require.NoError(t, os.WriteFile(overlayFile, overlay, 0o644))
		cmd := exec.CommandContext(t.Context(), "go", "test", "-count=1", "-run", "^FuzzQueue$", "-overlay", overlayFile, ".")
		cmd.Dir = here
		out, err := cmd.CombinedOutput()
		return string(out), err == nil
	}
	out, ok := fuzz("reference", ref)
	require.True(t, ok, "FuzzQueue must pass on the reference queue (handout: \"11. Your test: fuzz the queue\"):\n%s", out)
	for _, m := range ms {
		mutated, err := m.Apply(ref)
		require.NoError(t, err)
		_, ok := fuzz(m.Name, mutated)
		require.False(t, ok, "FuzzQueue passes with the planted bug %s: %s Add a seed or a check that catches it (handout: \"11. Your test: fuzz the queue\")", m.Name, m.Doc)
	}
}
