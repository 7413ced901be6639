package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/08-testing"
)

// short returns the options of the suite's runs: the standard cluster (5
// nodes of stage 07's core, 3 clients, stage 08's checker), with 5 s of
// faults instead of 20 s and a resend storm stopped at 25,000 pending
// events instead of 1,000,000, so that hundreds of seeds fit in the suite's
// time budget. cmd/sim runs the full length.
func short(seed uint64) Options {
	return Options{Seed: seed, NewChecker: NewInvariantChecker, Duration: 5 * time.Second, MaxPending: 25_000}
}

// run runs one simulation and fails the test on bad options.
func run(t *testing.T, opts Options) *Result {
	t.Helper()
	r, err := Run(opts)
	require.NoError(t, err, "Run(seed %d)", opts.Seed)
	require.NotNil(t, r, "Run(seed %d) returned no result", opts.Seed)
	return r
}

// tasks names the handout tasks to look at when the reference breaks a
// property: the simulator's own properties come from its code; stage 08's
// are the core's, which a simulator bug can break too.
var tasks = map[string]string{
	PropertyPersistBeforeSend: `(handout: "7. Persist, then send")`,
	PropertyLinearizability:   `(handout: "8. Linearizability", "9. Clients")`,
	PropertyLiveness:          `(handout: "9. Clients", "5. The event loop")`,
	PropertyNoCrash:           `(handout: "6. Crash and restart", "7. Persist, then send")`,
}

// explain formats a failed run for a test failure: its property, detail,
// where to look, and its last events.
func explain(r *Result) string {
	if r.Passed() {
		return "the run passed"
	}
	where, ok := tasks[r.Failure.Property]
	if !ok {
		where = `(a stage 08 property: the reference core breaks none of them, so look at what the simulator feeds the checker; handout: "5. The event loop", "6. Crash and restart", "7. Persist, then send")`
	}
	out := r.Failure.Error() + " " + where + "\nlast events:\n"
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
