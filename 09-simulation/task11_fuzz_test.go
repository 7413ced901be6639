package sim

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
	"raftgo/internal/mutate"
	"raftgo/internal/stubgen"
)

// FuzzQueue is yours to write: a fuzz target that checks the queue against
// the simplest model there is, a slice kept in order (handout: "11. Your
// test: fuzz the queue"). go test runs its seeds; go test -fuzz=FuzzQueue
// searches further. Prove it with go test -run TestFuzzQueueCatchesMutants
// -mutants (or go run ./cmd/workshop check 09): it must pass on the
// reference queue and fail on each planted queue bug of the course's
// mistakes.
func FuzzQueue(f *testing.F) {
	f.Add([]byte{0x00, 0x02, 0x01, 0x01})
	f.Add([]byte{0x04, 0x04, 0x04, 0x01, 0x02, 0x01, 0x01, 0x01})
	f.Add([]byte{0x0e, 0x0c, 0x0a, 0x08, 0x01, 0x08, 0x01, 0x01, 0x01, 0x01})
	f.Add([]byte{0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, script []byte) {
		// TODO: Read the script a byte at a time: an even byte b pushes a new value
		// due at time (b/2)%4 (few times, so many ties); an odd byte pops. Keep
		// a model, a slice of what is queued, and check every Pop against it:
		// the first value due at the smallest time, ties in push order, ok
		// false only when the model is empty; check Len too. Then drain
		// the queue the same way (handout: "11. Your test: fuzz the queue").
		t.Fatal("FuzzQueue is not written yet: check the queue against a model (handout: \"11. Your test: fuzz the queue\")")
	})
}

var proveMutants = flag.Bool("mutants", false, "run TestFuzzQueueCatchesMutants: FuzzQueue against each planted queue bug of internal/mistakes/09-simulation whose caught-by line names it (it compiles the package once per bug)")

// TestFuzzQueueCatchesMutants proves your FuzzQueue (handout: "11. Your
// test: fuzz the queue"): with the reference queue in place of queue.go it
// must pass, and with each planted queue bug of
// internal/mistakes/09-simulation whose caught-by line names FuzzQueue it
// must fail. It compiles the package once per bug, so it runs only when asked:
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
	all, err := mutate.Load(os.DirFS(root), "internal/mistakes/09-simulation")
	require.NoError(t, err)
	var ms []mutate.Mutation
	for _, m := range all {
		if slices.Contains(strings.Fields(m.Fields["caught-by"]), "FuzzQueue") {
			ms = append(ms, m)
		}
	}
	require.NotEmpty(t, ms, "no planted queue bug in internal/mistakes/09-simulation names FuzzQueue in its caught-by line")

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
