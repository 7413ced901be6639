package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/08-testing"
	"raftgo/solutions/09-simulation"
)

// short returns the options of the suite's runs: the standard cluster (5
// nodes of stage 07's core, 3 clients, stage 08's checker), with 4 s of
// faults and 4 s of recovery instead of 20 s and 10 s, so that hundreds of
// seeds fit in the suite's time budget. cmd/sim runs the full length.
func short(seed uint64) sim.Options {
	return sim.Options{Seed: seed, NewChecker: sim.NewInvariantChecker, Duration: 4 * time.Second, Quiet: 4 * time.Second}
}

// run runs one simulation and fails the test on bad options.
func run(t *testing.T, opts sim.Options) *sim.Result {
	t.Helper()
	r, err := sim.Run(opts)
	require.NoError(t, err, "sim.Run(seed %d)", opts.Seed)
	require.NotNil(t, r, "sim.Run(seed %d) returned no result", opts.Seed)
	return r
}

// explain formats a failed run for a test failure: its property, detail,
// its last events and how to replay it.
func explain(r *sim.Result) string {
	if r.Passed() {
		return "the run passed"
	}
	out := r.Failure.Error() + "\nlast events:\n"
	for _, line := range r.Trace[max(0, len(r.Trace)-15):] {
		out += "  " + line + "\n"
	}
	return out
}

// isInvariant reports whether a property is one of stage 08's.
func isInvariant(property string) bool {
	for _, p := range invariants.Properties {
		if string(p) == property {
			return true
		}
	}
	return false
}
