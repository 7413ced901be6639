package core_test

import (
	"maps"
	"slices"
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

// requireVotes checks the answers in flight to candidate's RequestVotes
// of term: want says, for each voter, whether it grants its vote. A
// failure says what the voter did: answered the other way, or not at all.
func requireVotes(t *testing.T, c *clustertest.Cluster, candidate raft.NodeID, term raft.Term, want map[raft.NodeID]bool, why string) {
	t.Helper()
	var inFlight []string
	got := make(map[raft.NodeID][]bool)
	for _, m := range c.InFlight() {
		inFlight = append(inFlight, m.String())
		if resp, ok := m.Body.(raft.RequestVoteResponse); ok && m.To == candidate && m.Term == term {
			got[m.From] = append(got[m.From], resp.VoteGranted)
		}
	}
	verb := map[bool]string{true: "grant", false: "refuse"}
	for _, voter := range slices.Sorted(maps.Keys(want)) {
		answers := got[voter]
		switch {
		case len(answers) == 0:
			require.FailNow(t, "no answer", "node %d sent no RequestVoteResponse to candidate %d in term %d; it should %s. In flight: %v. %s", voter, candidate, term, verb[want[voter]], inFlight, why)
		case len(answers) > 1:
			require.FailNow(t, "answered twice", "node %d answered candidate %d's RequestVote of term %d %d times (%v): one answer per request. %s", voter, candidate, term, len(answers), answers, why)
		case answers[0] != want[voter]:
			require.FailNow(t, "wrong answer", "node %d did %s candidate %d in term %d; it should %s. %s", voter, verb[answers[0]], candidate, term, verb[want[voter]], why)
		}
	}
}
