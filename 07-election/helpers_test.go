package core_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/07-election"
	"raftgo/internal/clustertest"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// newCluster starts a cluster of size nodes of this stage's core. When no
// leader emerges, its failure points at the election's tasks.
func newCluster(t testing.TB, size int, opts raftnet.Options) *clustertest.Cluster {
	t.Helper()
	c := clustertest.New(t, size, core.New, opts)
	c.Hint = `handout: "1. The election timer" to "4. Counting votes"`
	return c
}

// maxElectionTimeout is the longest election timeout a node of the default
// configuration can draw: timeouts are drawn from [ElectionTicks,
// 2*ElectionTicks).
const maxElectionTimeout = 2*10 - 1

// electionBound is how many ticks the tests allow for an election: three
// of the longest timeouts, room for a split vote or two.
const electionBound = 3 * (maxElectionTimeout + 1)

// tickUntil ticks node id alone, collecting its Ready, until it becomes
// role, and fails the test if it does not within bound ticks.
func tickUntil(t *testing.T, c *clustertest.Cluster, id raft.NodeID, role raft.Role, bound int) {
	t.Helper()
	for range bound {
		require.NoError(t, c.TickNode(id))
		if c.Node(id).Status().Role == role {
			return
		}
	}
	require.FailNow(t, "no election", "node %d did not become a %s within %d ticks of its own: its election timer should run out within %d ticks and make it campaign (Figure 2, Rules for Servers, Followers; handout: \"1. The election timer\", \"2. Campaign\")", id, role, bound, maxElectionTimeout)
}

// voteResponses returns the in-flight RequestVote responses to candidate,
// by voter.
func voteResponses(c *clustertest.Cluster, candidate raft.NodeID) map[raft.NodeID]bool {
	votes := make(map[raft.NodeID]bool)
	for _, m := range c.InFlight() {
		if resp, ok := m.Body.(raft.RequestVoteResponse); ok && m.To == candidate {
			votes[m.From] = resp.VoteGranted
		}
	}
	return votes
}
