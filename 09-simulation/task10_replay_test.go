package sim

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSameSeedSameTraceHash runs seeds twice: each must handle the same
// events, with the same trace hash, and different seeds must differ. This
// is the self-check of replay (handout: "10. Replay").
func TestSameSeedSameTraceHash(t *testing.T) {
	hashes := map[uint64]uint64{}
	for seed := range uint64(3) {
		a, b := run(t, short(seed)), run(t, short(seed))
		require.Equal(t, a.Events, b.Events, "seed %d: events handled by two runs (handout: \"10. Replay\")", seed)
		require.Equal(t, a.TraceHash, b.TraceHash, "seed %d: trace hashes of two runs: something is not decided by the seed (handout: \"10. Replay\")", seed)
		require.Equal(t, a.Trace, b.Trace, "seed %d: the last events of two runs (handout: \"10. Replay\")", seed)
		if other, ok := hashes[a.TraceHash]; ok {
			t.Fatalf("seeds %d and %d have the same trace hash %#x: hash every event's time, kind and content (handout: \"10. Replay\")", other, seed, a.TraceHash)
		}
		hashes[a.TraceHash] = seed
	}
}

// TestFailureReport checks what a failing seed leaves to read: the last
// events, ending with the failure, and an HTML timeline with the clients'
// operations and the servers' events (handout: "Reading the timeline").
func TestFailureReport(t *testing.T) {
	opts := short(0)
	opts.StaleReads = true
	var r *Result
	for seed := range uint64(20) {
		opts.Seed = seed
		if r = run(t, opts); !r.Passed() {
			break
		}
	}
	require.False(t, r.Passed(), "no seed of stale reads failed (handout: \"8. Linearizability\")")
	require.NotEmpty(t, r.Trace, "a failure keeps the last events (handout: \"10. Replay\")")
	assert.Contains(t, r.Trace[len(r.Trace)-1], "FAILURE", "the trace ends with the failure (handout: \"10. Replay\")")
	delivered := slices.ContainsFunc(r.Trace, func(line string) bool { return strings.Contains(line, "deliver ") })
	assert.True(t, delivered, "the trace keeps the last events, deliveries among them, not only notes (handout: \"10. Replay\")")
	var page strings.Builder
	require.NoError(t, r.WriteTimeline(&page))
	html := page.String()
	for _, want := range []string{"<html", "leader t", "GET", "linearizability"} {
		assert.Contains(t, html, want, "the timeline of seed %d (handout: \"Reading the timeline\")", r.Seed)
	}
}
