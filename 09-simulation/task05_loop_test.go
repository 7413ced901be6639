package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/08-testing"
)

// TestEventLoop runs one seed and checks that the event loop ran the whole
// world: hundreds of events, virtual time past the end of the faults,
// client operations completed, no property broken (handout: "5. The event
// loop").
func TestEventLoop(t *testing.T) {
	opts := short(1)
	r := run(t, opts)
	require.True(t, r.Passed(), "seed 1 on the reference must pass (handout: \"5. The event loop\"): %s", explain(r))
	require.Greater(t, r.Events, 500, "events handled in %v of virtual time: the loop must handle every event the queue yields (handout: \"5. The event loop\")", r.Simulated)
	require.Greater(t, r.Simulated, opts.Duration+time.Second, "virtual time at the end of the run: the faults, the recovery and a second more (handout: \"5. The event loop\")")
	require.Greater(t, r.Ops, 20, "client operations in the history (handout: \"9. Clients\")")
}

// failAfter is a checker that reports a violation of Election Safety
// after its n-th report, and counts the reports it gets.
type failAfter struct {
	n, reports int
}

func (f *failAfter) NodeStarted(raft.Config, raft.Status)           { f.reports++ }
func (f *failAfter) NodeReady(raft.NodeID, raft.Ready, raft.Status) { f.reports++ }
func (f *failAfter) NodeCrashed(raft.NodeID)                        { f.reports++ }

func (f *failAfter) Err() error {
	if f.reports < f.n {
		return nil
	}
	return invariants.Violation{Property: invariants.ElectionSafety, Detail: "planted by the test."}
}

// TestCheckerAfterEveryEvent plants a checker that reports a violation
// after its 300th report: the run must stop at that event, and name the
// property (handout: "5. The event loop").
func TestCheckerAfterEveryEvent(t *testing.T) {
	checker := &failAfter{n: 300}
	opts := short(2)
	opts.NewChecker = func() Checker { return checker }
	r := run(t, opts)
	require.False(t, r.Passed(), "the checker reported a violation and the run went on: ask it after every event (handout: \"5. The event loop\")")
	require.Equal(t, string(invariants.ElectionSafety), r.Failure.Property, "the property the checker named (handout: \"5. The event loop\"); the run failed with %s", explain(r))
	assert.Equal(t, 300, checker.reports, "reports the checker got: the loop must stop at the first event after which the checker reports a violation (handout: \"5. The event loop\")")
	full := run(t, short(2))
	assert.Less(t, r.Events, full.Events, "events handled: the run must stop at the violation (handout: \"5. The event loop\")")
}
