package core_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// TestWipedNodeUnderItsOldIDVotesTwice documents why a server that lost its
// disk must never come back under its old ID: it has forgotten its vote.
// Node 3 votes for node 1 in term 1, which makes node 1 leader; its disk
// is wiped and it restarts empty; node 2 campaigns in term 1, node 3 votes
// again, and term 1 has two leaders. (A wiped server can also drop a
// committed entry from the majority that held it.) This test passes when
// the danger shows; the next test is the right way back. Handout: "7.
// Learners".
func TestWipedNodeUnderItsOldIDVotesTwice(t *testing.T) {
	net := newClusterWith(t, 3, plainOptions, raftnet.Options{Seed: 41})
	net.Isolate(2) // node 2 hears nothing of term 1
	for net.Node(1).Status().Role != raft.Candidate {
		require.NoError(t, net.TickNode(1))
	}
	require.NoError(t, net.DeliverAll())
	require.Equal(t, raft.Leader, net.Node(1).Status().Role, "node 1 should win term 1 with node 3's vote")
	require.Equal(t, raft.HardState{Term: 1, Vote: 1}, net.Storage(3).HardState, "node 3 persisted its vote for node 1")

	net.Wipe(3)
	require.NoError(t, net.Restart(3))
	net.Isolate(1) // node 1 still leads term 1, cut off
	for net.Node(2).Status().Role != raft.Candidate {
		require.NoError(t, net.TickNode(2))
	}
	require.NoError(t, net.DeliverAll())
	require.Equal(t, raft.Term(1), net.Node(2).Status().Term)
	require.Equal(t, []raft.NodeID{1, 2}, net.Leaders(),
		"the documented danger: wiped node 3 forgot its vote in term 1 and voted again, so term 1 has two leaders (Election Safety, Figure 3); a wiped server must come back as a new member (handout: \"7. Learners\")")
}

// TestWipedNodeRejoinsAsANewServer shows the right way back for a server
// that lost its disk: the leader removes its old ID from the
// configuration, and the server joins again under a new ID, as a learner
// that catches up by InstallSnapshot, and is promoted once it has. Here
// node 3 is wiped and comes back as node 4. Handout: "7. Learners".
func TestWipedNodeRejoinsAsANewServer(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 42, Configure: joining(4)})
	require.NoError(t, net.Add(4))
	net.Isolate(4)
	leader := waitLeader(t, net, []raft.NodeID{1, 2, 3}, electionBound)
	if leader == 3 {
		require.NoError(t, coreOf(t, net, 3).TransferLeadership(1))
		require.NoError(t, net.Collect(3))
		leader = waitLeader(t, net, []raft.NodeID{1, 2, 3}, electionBound)
	}
	for i := range 6 {
		propose(t, net, leader, fmt.Sprintf("command %d", i))
	}
	settle(t, net, 2)
	require.NoError(t, net.Compact(leader))

	net.Wipe(3)
	changeConf(t, net, leader, raft.RemoveServer, 3)
	settle(t, net, 2)
	net.Heal()
	changeConf(t, net, leader, raft.AddLearner, 4)
	settle(t, net, 5)
	require.NotNil(t, net.Storage(4).Snapshot, "node 4, new and empty, catches up by InstallSnapshot (handout: \"5. Installing a snapshot\")")
	changeConf(t, net, leader, raft.AddVoter, 4)
	settle(t, net, 2)

	voters, _ := membershipOf(t, net, leader)
	require.Equal(t, []raft.NodeID{1, 2, 4}, voters, "the configuration once node 3's disk was replaced by node 4 (handout: \"7. Learners\")")
	propose(t, net, leader, "after")
	settle(t, net, 2)
	require.Equal(t, commands(net.Applied(leader)), commands(net.Applied(4)), "node 4 holds the whole state")
	requireSameApplied(t, net, "after node 3 rejoined as node 4")
}
