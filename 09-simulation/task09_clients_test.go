package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClients checks the client workload over a few seeds: operations
// complete, clients follow redirects to the leader, give up on attempts
// that time out, and the history records those writes as unknown
// (handout: "9. Clients").
func TestClients(t *testing.T) {
	var redirects, timeouts, unknown, ops int
	for seed := range uint64(4) {
		r := run(t, short(seed))
		require.True(t, r.Passed(), "seed %d: %s", seed, explain(r))
		redirects += r.Redirects
		timeouts += r.Timeouts
		unknown += r.Unknown
		ops += r.Ops
	}
	assert.Greater(t, ops, 100, "operations in the history of 4 seeds (handout: \"9. Clients\")")
	assert.Positive(t, redirects, "redirects followed: a client starts with no leader and asks any server (handout: \"9. Clients\")")
	assert.Positive(t, timeouts, "attempts timed out: crashes and partitions leave some requests unanswered (handout: \"9. Clients\")")
	assert.Positive(t, unknown, "operations with unknown outcomes: a write that timed out stays in the history as unknown (handout: \"9. Clients\")")
}
