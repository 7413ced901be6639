package system

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
	"raftgo/internal/mutate"
)

// TestPlantedStaleReadsAreCaught proves the linearizability test of reads
// (TestReadsStayLinearizableWhileTheLeaderIsCutOff) against the planted
// bugs of testdata/read-mutants: each is a documented textual mutation of
// stage 10's runtime (internal/mutate), such as a leader that serves reads
// from its own store without a read index. The test runs again in a child
// go test with the mutated file in place (go test -overlay), and must fail
// there with porcupine's verdict. Handout: "The system, part 2: reads,
// sessions, transfer".
func TestPlantedStaleReadsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles this package once per planted bug; skipped with -short")
	}
	here, err := os.Getwd()
	require.NoError(t, err)
	root, err := course.FindRoot(here)
	require.NoError(t, err)
	ms, err := mutate.Load(os.DirFS(here), "testdata/read-mutants")
	require.NoError(t, err)
	require.NotEmpty(t, ms, "no planted bugs in testdata/read-mutants")
	tmp := t.TempDir()
	for _, m := range ms {
		target := filepath.Join(root, filepath.FromSlash(m.File))
		src, err := os.ReadFile(target)
		require.NoError(t, err)
		mutated, err := m.Apply(src)
		require.NoError(t, err, "the planted bug %s no longer applies to %s: update its find text", m.Name, m.File)
		file := filepath.Join(tmp, m.Name+".go")
		require.NoError(t, os.WriteFile(file, mutated, 0o644))
		overlay, err := json.Marshal(map[string]map[string]string{"Replace": {target: file}})
		require.NoError(t, err)
		overlayFile := filepath.Join(tmp, m.Name+".json")
		require.NoError(t, os.WriteFile(overlayFile, overlay, 0o644))
		cmd := exec.CommandContext(t.Context(), "go", "test", "-count=1", "-overlay", overlayFile,
			"-run", "^TestReadsStayLinearizableWhileTheLeaderIsCutOff$", ".")
		cmd.Dir = here
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "TestReadsStayLinearizableWhileTheLeaderIsCutOff passes with the planted bug %s: %s\n%s", m.Name, m.Doc, out)
		require.True(t, strings.Contains(string(out), "is not linearizable"),
			"with the planted bug %s (%s) the test should fail on porcupine's verdict, not on something else:\n%s", m.Name, m.Doc, out)
	}
}
