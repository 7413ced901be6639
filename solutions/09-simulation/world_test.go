package sim

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"raftgo/solutions/08-testing/mutants"
)

// campaign is how many seeds TestReferenceSurvivesSeeds runs.
const campaign = 300

// TestReferenceSurvivesSeeds runs 300 short seeds of the reference core,
// on every core at once: no property may break, every history must be
// linearizable (handout: "5. The event loop"; go run
// ./solutions/09-simulation/cmd/sim runs longer ones).
func TestReferenceSurvivesSeeds(t *testing.T) {
	results := make([]*Result, campaign)
	var next atomic.Int64
	var g errgroup.Group
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			for {
				seed := next.Add(1) - 1
				if seed >= campaign {
					return nil
				}
				r, err := Run(short(uint64(seed)))
				if err != nil {
					return err
				}
				results[seed] = r
			}
		})
	}
	require.NoError(t, g.Wait())
	unknown := 0
	for seed, r := range results {
		require.True(t, r.Passed(), "seed %d of the reference failed; replay it with go run ./solutions/09-simulation/cmd/sim -seed %d -duration 5s: %s", seed, seed, explain(r))
		if r.Check == porcupine.Unknown {
			unknown++
		}
	}
	assert.Less(t, unknown, campaign/10, "linearizability checks that ran out of time (handout: \"8. Linearizability\")")
}

// budget bounds the seeds the search for figure8 runs, and otherBudget
// the search for each other mutant.
const (
	budget      = 300
	otherBudget = 20
)

// search runs seeds of a mutant until one fails, and returns it, or nil.
func search(t *testing.T, name string, seeds int) *Result {
	t.Helper()
	m, ok := mutants.Lookup(name)
	require.True(t, ok, "stage 08 has no mutant %q", name)
	for seed := range uint64(seeds) {
		opts := short(seed)
		opts.NewNode = m.New
		if r := run(t, opts); !r.Passed() {
			return r
		}
	}
	return nil
}

// TestFindsFigure8 runs the Figure 8 mutant of stage 08, a leader that
// commits an entry of an earlier term by counting replicas, and requires
// the simulator to catch it on its own, with a Raft property, within the
// budget of seeds (handout: "5. The event loop").
func TestFindsFigure8(t *testing.T) {
	r := search(t, "figure8", budget)
	require.NotNil(t, r, "the figure8 mutant survived %d seeds (handout: \"5. The event loop\")", budget)
	assert.True(t, isInvariant(r.Failure.Property) || r.Failure.Property == PropertyLinearizability, "seed %d caught figure8 by %s: %s", r.Seed, r.Failure.Property, explain(r))
	t.Logf("figure8 caught at seed %d by %s", r.Seed, r.Failure.Property)
}

// TestFindsOtherMutants runs stage 08's other mutant cores: the simulator
// must catch at least three of them within the budget (handout: "5. The
// event loop").
func TestFindsOtherMutants(t *testing.T) {
	var caught, missed []string
	for _, m := range mutants.All() {
		if m.Name == "figure8" {
			continue
		}
		r := search(t, m.Name, otherBudget)
		switch {
		case r == nil:
			missed = append(missed, m.Name)
		case r.Failure.Property == PropertyLiveness:
			// Not a catch: a stalled simulator fails every run this way.
			missed = append(missed, fmt.Sprintf("%s (seed %d, only %s: %s)", m.Name, r.Seed, r.Failure.Property, r.Failure.Detail))
		default:
			caught = append(caught, fmt.Sprintf("%s (seed %d, %s)", m.Name, r.Seed, r.Failure.Property))
		}
	}
	t.Logf("caught: %s; not caught in %d seeds: %s", strings.Join(caught, ", "), otherBudget, strings.Join(missed, ", "))
	assert.GreaterOrEqual(t, len(caught), 3, "mutants caught by a safety property; missed: %s (handout: \"5. The event loop\")", strings.Join(missed, "; "))
}
