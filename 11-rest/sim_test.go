package core_test

import (
	"flag"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	sim "raftgo/solutions/09-simulation"
)

var simSeeds = flag.Int("sim-seeds", 40, "how many seeds TestSimulationCampaign runs")

// campaignOptions are the options of one seed of the campaign: stage 09's
// simulator with this stage's core (small chunks, a short trailing
// window), 3 voters and 2 spare servers, snapshots every 16 applied
// entries, and membership changes through the leader mixed with the
// clients' commands, on top of the simulator's crashes, partitions, lost,
// duplicated and reordered messages, for 4 s of faults.
func campaignOptions(seed uint64) sim.Options {
	return sim.Options{
		Seed:          seed,
		Nodes:         3,
		Spares:        2,
		SnapshotEvery: 16,
		Membership:    true,
		NewNode:       factory(testOptions),
		NewChecker:    sim.NewInvariantChecker,
		Duration:      4 * time.Second,
		MaxPending:    25_000,
	}
}

// TestSimulationCampaign runs seeds of the simulator of stage 09 on this
// stage's core, with membership changes and snapshots mixed with crashes
// and partitions: stage 08's checkers, which follow each node's snapshot
// and configuration, find nothing after any event, and every history is
// linearizable (porcupine). A failing seed replays: go test -run
// TestSimulationCampaign -sim-seeds N shows it, and its trace names the
// changes and snapshots. Handout: "Testing it: the checkers and the
// simulator".
func TestSimulationCampaign(t *testing.T) {
	seeds := *simSeeds
	results := make([]*sim.Result, seeds)
	var next atomic.Int64
	var g errgroup.Group
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			for {
				seed := next.Add(1) - 1
				if seed >= int64(seeds) {
					return nil
				}
				r, err := sim.Run(campaignOptions(uint64(seed)))
				if err != nil {
					return err
				}
				results[seed] = r
			}
		})
	}
	require.NoError(t, g.Wait())
	var snapshots, installs, changes, unknown int
	for seed, r := range results {
		require.True(t, r.Passed(), "seed %d: %v\nlast events:\n%s", seed, r.Failure, lastLines(r.Trace, 25))
		snapshots += r.Snapshots
		installs += r.Installs
		changes += r.ConfChanges
		if r.Check == porcupine.Unknown {
			unknown++
		}
	}
	t.Logf("%d seeds: %d snapshots taken, %d installed from a leader, %d membership changes", seeds, snapshots, installs, changes)
	assert.Positive(t, snapshots, "the campaign must take snapshots")
	assert.Positive(t, installs, "the campaign must install snapshots from a leader (InstallSnapshot)")
	assert.GreaterOrEqual(t, changes, seeds, "the campaign must change the configuration, about once a second")
	assert.Less(t, unknown, max(1, seeds/10), "linearizability checks that ran out of time")
}

// lastLines returns the last n lines, one per line, for a failure message.
func lastLines(lines []string, n int) string {
	out := ""
	for _, l := range lines[max(0, len(lines)-n):] {
		out += "  " + l + "\n"
	}
	return out
}
