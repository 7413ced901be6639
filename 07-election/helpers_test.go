package core_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/07-election"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// newNode is the network's factory: core.New as a raft.Node. It returns a
// plain nil on error, never a nil *core.Node inside the interface.
func newNode(cfg raft.Config) (raft.Node, error) {
	n, err := core.New(cfg)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// newCluster starts a network of size nodes of this stage's core.
func newCluster(t *testing.T, size int, opts raftnet.Options) *raftnet.Network {
	t.Helper()
	net, err := raftnet.New(size, newNode, opts)
	require.NoError(t, err, "starting a %d-node cluster", size)
	return net
}

// settle runs rounds of one tick and a full delivery, so that heartbeats
// carry the leader's commit index to its followers.
func settle(t *testing.T, net *raftnet.Network, rounds int) {
	t.Helper()
	for range rounds {
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
	}
}

// entry is shorthand for a log entry in hand-built logs.
func entry(index raft.Index, term raft.Term, data string) raft.Entry {
	return raft.Entry{Index: index, Term: term, Data: []byte(data)}
}

// datas returns the entries' commands, for readable comparisons.
func datas(entries []raft.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = string(e.Data)
	}
	return out
}

// describe renders entries as index/term:data, for failure messages.
func describe(entries []raft.Entry) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = fmt.Sprintf("%d/%d:%q", e.Index, e.Term, e.Data)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// maxElectionTimeout is the longest election timeout a node of the default
// configuration can draw: timeouts are drawn from [ElectionTicks,
// 2*ElectionTicks).
const maxElectionTimeout = 2*10 - 1

// electionBound is how many ticks the tests allow for an election: three
// of the longest timeouts, room for a split vote or two.
const electionBound = 3 * (maxElectionTimeout + 1)

// stableLeader returns the leader among members if there is exactly one
// leader among them, in a term no member is past, and every other member
// follows it; otherwise it returns raft.None.
func stableLeader(net *raftnet.Network, members []raft.NodeID) raft.NodeID {
	leader := raft.None
	for _, id := range members {
		if st := net.Node(id).Status(); st.Role == raft.Leader {
			if leader != raft.None {
				return raft.None
			}
			leader = id
		}
	}
	if leader == raft.None {
		return raft.None
	}
	term := net.Node(leader).Status().Term
	for _, id := range members {
		if st := net.Node(id).Status(); st.Term != term || st.Leader != leader {
			return raft.None
		}
	}
	return leader
}

// waitLeader ticks every node and delivers every message, one round per
// tick, until members have a stable leader, and returns it with the ticks
// it took. It fails the test after bound ticks.
func waitLeader(t *testing.T, net *raftnet.Network, members []raft.NodeID, bound int) (raft.NodeID, int) {
	t.Helper()
	for tick := 1; tick <= bound; tick++ {
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
		if leader := stableLeader(net, members); leader != raft.None {
			return leader, tick
		}
	}
	statuses := make([]string, len(members))
	for i, id := range members {
		st := net.Node(id).Status()
		statuses[i] = fmt.Sprintf("node %d: %s in term %d following %d", id, st.Role, st.Term, st.Leader)
	}
	require.FailNow(t, "no leader", "nodes %v elected no stable leader within %d ticks; now %s (§5.2; handout: \"1. The election timer\" to \"4. Counting votes\")", members, bound, strings.Join(statuses, ", "))
	return raft.None, 0
}

// tickUntil ticks node id alone, collecting its Ready, until it becomes
// role, and fails the test if it does not within bound ticks.
func tickUntil(t *testing.T, net *raftnet.Network, id raft.NodeID, role raft.Role, bound int) {
	t.Helper()
	for range bound {
		require.NoError(t, net.TickNode(id))
		if net.Node(id).Status().Role == role {
			return
		}
	}
	require.FailNow(t, "no election", "node %d did not become a %s within %d ticks of its own: its election timer should run out within %d ticks and make it campaign (Figure 2, Rules for Servers, Followers; handout: \"1. The election timer\", \"2. Campaign\")", id, role, bound, maxElectionTimeout)
}

// voteResponses returns the in-flight RequestVote responses to candidate,
// by voter.
func voteResponses(net *raftnet.Network, candidate raft.NodeID) map[raft.NodeID]bool {
	votes := make(map[raft.NodeID]bool)
	for _, m := range net.InFlight() {
		if resp, ok := m.Body.(raft.RequestVoteResponse); ok && m.To == candidate {
			votes[m.From] = resp.VoteGranted
		}
	}
	return votes
}
