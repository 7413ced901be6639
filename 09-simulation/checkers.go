package sim

import (
	"errors"
	"fmt"
	"strings"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/08-testing"
	"raftgo/solutions/08-testing/mutants"
)

// NewInvariantChecker returns stage 08's checker of every property (the
// five of Figure 3 and the few more that classic bugs break), for
// Options.NewChecker.
func NewInvariantChecker() Checker { return invariants.NewChecker() }

// stepper is a checker that can be told the feeder's step, which its
// violations then name: the simulator tells it the number of the event.
type stepper interface{ SetStep(step int) }

// propertyOf returns the short name of the property an error from a
// checker says is broken: the Property of a stage 08 Violation, or
// "invariant" for an error that names none.
func propertyOf(err error) string {
	var v invariants.Violation
	if errors.As(err, &v) {
		return string(v.Property)
	}
	return "invariant"
}

// Mutant returns the constructor of stage 08's mutant core of that name,
// for Options.NewNode.
func Mutant(name string) (func(raft.Config) (raft.Node, error), error) {
	m, ok := mutants.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("no mutant %q; stage 08 has %s", name, strings.Join(mutants.Names(), ", "))
	}
	return m.New, nil
}
