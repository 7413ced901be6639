package sim

import (
	"fmt"

	"raftgo/solutions/03-planning"
)

// NewInvariantChecker returns the checker of stage 08 (the Figure 3
// properties and the few more that classic bugs break), as a Checker for
// Options.NewChecker.
func NewInvariantChecker() Checker { return nil }

// Mutant returns the constructor of one of stage 08's mutant cores.
func Mutant(name string) (func(raft.Config) (raft.Node, error), error) {
	return nil, fmt.Errorf("no mutant %q", name)
}
