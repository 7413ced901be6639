// Package mutants holds stage 08's mutant cores: the reference core of
// stage 07 with one classic bug planted in each. The invariant checkers
// must catch every one; stage 09's simulator runs them with -mutant NAME.
//
// Each mutant is generated from a documented textual mutation of
// solutions/07-election/node.go, NAME.txtar in this folder (find this,
// replace it with that; see internal/mutate), into NAME/node.go. Never edit
// a mutant by hand: change the mutation or the reference, then run
//
//	go generate ./solutions/08-testing/mutants
//
// TestGivenMutantsAreFresh fails when a mutant is stale, and names the
// mutation that no longer applies after a change of the reference.
package mutants

//go:generate go run raftgo/internal/mutate/cmd/mutants

import (
	"embed"
	"fmt"
	"strconv"
	"sync"

	"raftgo/internal/mutate"
	"raftgo/solutions/03-planning"
)

// A Mutant is a node core with one planted bug.
type Mutant struct {
	// Name is the mutant's short kebab-case name, such as "figure8".
	Name string
	// Doc says what the mutant does wrong and which rule that breaks.
	Doc string
	// Catch is the property (an invariants.Property, such as
	// "leader-completeness") whose checker must catch the mutant.
	Catch string
	// Budget is how many seeded schedules of the stage's search the
	// checker may need to catch it.
	Budget int
	// New makes a node of the mutant core, as core.New makes one of the
	// reference.
	New func(raft.Config) (raft.Node, error)
}

//go:embed *.txtar
var mutations embed.FS

var (
	loadOnce sync.Once
	all      []Mutant
	errLoad  error
)

// load reads the mutations and pairs each with its generated core.
func load() ([]Mutant, error) {
	ms, err := mutate.Load(mutations, ".")
	if err != nil {
		return nil, err
	}
	mutants := make([]Mutant, 0, len(ms))
	for _, m := range ms {
		newNode, ok := constructors[m.Name]
		if !ok {
			return nil, fmt.Errorf("mutant %s has no generated core; run go generate ./solutions/08-testing/mutants", m.Name)
		}
		budget, err := strconv.Atoi(m.Fields["budget"])
		if err != nil || budget < 1 {
			return nil, fmt.Errorf("mutant %s: want \"budget: N\" (schedules, N ≥ 1) in %s.txtar, got %q", m.Name, m.Name, m.Fields["budget"])
		}
		if m.Fields["catch"] == "" {
			return nil, fmt.Errorf("mutant %s: no \"catch:\" line in %s.txtar: name the property that catches it", m.Name, m.Name)
		}
		mutants = append(mutants, Mutant{Name: m.Name, Doc: m.Doc, Catch: m.Fields["catch"], Budget: budget, New: newNode})
	}
	return mutants, nil
}

// All returns every mutant, in the order of their names. It panics if the
// mutations embedded in the package do not load, which
// TestGivenMutantsLoad rules out.
func All() []Mutant {
	loadOnce.Do(func() { all, errLoad = load() })
	if errLoad != nil {
		panic(errLoad)
	}
	return append([]Mutant(nil), all...)
}

// Lookup returns the mutant of that name.
func Lookup(name string) (Mutant, bool) {
	for _, m := range All() {
		if m.Name == name {
			return m, true
		}
	}
	return Mutant{}, false
}

// Names returns the names of every mutant, in order, for flag help and
// error messages.
func Names() []string {
	var names []string
	for _, m := range All() {
		names = append(names, m.Name)
	}
	return names
}

// node turns a core constructor's result into a raft.Node, and an error
// into a nil interface (never a nil *Node inside a non-nil interface).
func node[N raft.Node](n N, err error) (raft.Node, error) {
	if err != nil {
		return nil, err
	}
	return n, nil
}
