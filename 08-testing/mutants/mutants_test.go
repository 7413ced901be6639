package mutants_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/08-testing"
	"raftgo/08-testing/mutants"
	"raftgo/internal/course"
	"raftgo/internal/mutate"
	"raftgo/solutions/03-planning"
)

// TestGivenMutantsLoad checks the registry: at least the eight classic
// bugs, each documented, with a property that exists to catch it, a budget,
// and a core that starts.
func TestGivenMutantsLoad(t *testing.T) {
	all := mutants.All()
	require.GreaterOrEqual(t, len(all), 8, "mutants")
	for _, m := range all {
		assert.NotEmpty(t, m.Doc, "mutant %s has no doc", m.Name)
		assert.Contains(t, invariants.Properties, invariants.Property(m.Catch), "mutant %s: catch %q is not a property of the invariants package", m.Name, m.Catch)
		assert.Positive(t, m.Budget, "mutant %s: budget", m.Name)
		n, err := m.New(raft.DefaultConfig(1, []raft.NodeID{1, 2, 3}))
		if assert.NoError(t, err, "mutant %s: New", m.Name) {
			assert.Equal(t, raft.NodeID(1), n.Status().ID, "mutant %s: a new node's status", m.Name)
		}
		got, ok := mutants.Lookup(m.Name)
		assert.True(t, ok && got.Name == m.Name, "Lookup(%q)", m.Name)
	}
	assert.Contains(t, mutants.Names(), "figure8", "the Figure 8 mutant is named figure8 (stage 09's -mutant flag uses the names)")
	_, ok := mutants.Lookup("no-such-mutant")
	assert.False(t, ok, "Lookup of an unknown name")
}

// TestGivenMutantsAreFresh regenerates every mutant core in memory from the
// current reference and compares it with the generated files, so that a
// change of the reference core reaches every mutant, and a mutation that
// no longer applies is noticed.
func TestGivenMutantsAreFresh(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	root, err := course.FindRoot(wd)
	require.NoError(t, err)
	rel, err := filepath.Rel(root, wd)
	require.NoError(t, err)
	rel = filepath.ToSlash(rel)
	regenerate := "run go generate ./" + rel

	want, err := mutate.Generate(os.DirFS(root), rel, "mutants", course.Module+"/"+rel)
	require.NoError(t, err, "a mutation does not apply to the current reference: update its find text (CONTRIBUTING.md, \"Mutations\"), then %s", regenerate)
	for name, data := range want {
		got, err := os.ReadFile(filepath.FromSlash(name))
		if !assert.NoError(t, err, "%s is missing: %s", name, regenerate) {
			continue
		}
		assert.True(t, string(got) == string(data), "%s is stale (the reference or the mutation changed): %s", name, regenerate)
	}
	dirs, err := os.ReadDir(".")
	require.NoError(t, err)
	var names []string
	for _, m := range mutants.All() {
		names = append(names, m.Name)
	}
	for _, d := range dirs {
		if d.IsDir() {
			assert.True(t, slices.Contains(names, d.Name()), "folder %s has no mutation %s.txtar: %s, which removes it", d.Name(), d.Name(), regenerate)
		}
	}
}
