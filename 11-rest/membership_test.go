package core_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	core "raftgo/11-rest"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// The rules of Ongaro's dissertation that the membership tests cite.
const (
	appendedRule = `§4.1: "a server always uses the latest configuration in its log, regardless of whether the entry is committed"`
	oneAtATime   = `§4.1: "a leader … may not begin a new configuration change until the previous change has committed"`
	learnerRule  = `§4.2.1: "the new server joins the cluster as a non-voting member … the leader replicates log entries to it, but it is not yet counted towards majorities"`
	leaderRule   = `§4.2.2: "the leader steps down once the Cnew entry is committed … it replicates log entries but does not count itself in majorities"`
	bugRule      = `the 2015 fix to single-server changes (raft-dev, "bug in single-server membership changes"): "a leader may not append a new configuration entry until it has committed an entry from its current term"`
)

// membershipOf returns node id's configuration in effect.
func membershipOf(t *testing.T, net *raftnet.Network, id raft.NodeID) (voters, learners []raft.NodeID) {
	t.Helper()
	return coreOf(t, net, id).Membership()
}

// TestLearnerCatchesUpThenIsPromoted checks the way a server joins (§4.2.1):
// added as a learner, it receives the whole log but neither campaigns nor
// counts toward a majority; the leader refuses to promote it while it is
// behind, and promotes it once it has caught up; from then on it votes and
// counts. Handout: "7. Learners".
func TestLearnerCatchesUpThenIsPromoted(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 11, Configure: joining(4)})
	require.NoError(t, net.Add(4), "starting node 4, which joins the running cluster")
	leader := waitLeader(t, net, []raft.NodeID{1, 2, 3}, electionBound)
	propose(t, net, leader, "a", "b", "c")

	net.Isolate(4)
	changeConf(t, net, leader, raft.AddLearner, 4)
	settle(t, net, 2)
	voters, learners := membershipOf(t, net, leader)
	require.Equal(t, []raft.NodeID{1, 2, 3}, voters, "the leader's voters once it added node 4 as a learner (%s; %s; handout: \"6. A configuration takes effect when appended\", \"7. Learners\")", appendedRule, learnerRule)
	require.Equal(t, []raft.NodeID{4}, learners, "the leader's learners once it added node 4 as a learner (%s; %s; handout: \"6. A configuration takes effect when appended\", \"7. Learners\")", appendedRule, learnerRule)
	_, _, err := coreOf(t, net, leader).ProposeConfChange(raft.ConfChange{Type: raft.AddVoter, Node: 4})
	require.ErrorIs(t, err, core.ErrBadConfChange, "promoting learner 4 while it holds nothing: it must catch up first (%s; handout: \"7. Learners\")", learnerRule)

	net.Heal()
	settle(t, net, 3)
	require.Equal(t, commands(net.Applied(leader)), commands(net.Applied(4)), "learner 4 must receive and apply the whole log (%s)", learnerRule)
	voters, learners = membershipOf(t, net, 4)
	require.Equal(t, []raft.NodeID{1, 2, 3}, voters, "learner 4 learns the configuration from the log")
	require.Equal(t, []raft.NodeID{4}, learners, "learner 4 knows it is a learner")
	for range 3 * electionBound {
		require.NoError(t, net.TickNode(4))
	}
	require.Equal(t, raft.Follower, net.Node(4).Status().Role, "learner 4, ticked alone for %d ticks, must never campaign (%s; handout: \"7. Learners\")", 3*electionBound, learnerRule)
	net.Drop(func(raft.Message) bool { return true })

	changeConf(t, net, leader, raft.AddVoter, 4)
	settle(t, net, 2)
	for _, id := range net.IDs() {
		voters, learners := membershipOf(t, net, id)
		require.Equal(t, []raft.NodeID{1, 2, 3, 4}, voters, "node %d's voters once learner 4 is promoted", id)
		require.Empty(t, learners, "node %d's learners once 4 is promoted", id)
	}
	// With four voters, a majority is three: the leader and one follower
	// no longer commit.
	cut := others([]raft.NodeID{1, 2, 3}, leader)
	net.Partition([]raft.NodeID{leader, cut[0]}, []raft.NodeID{cut[1], 4})
	index, _, err := net.Propose(leader, []byte("needs three"))
	require.NoError(t, err)
	settle(t, net, 3)
	require.Less(t, net.Node(leader).Status().Commit, index, "with voters 1 to 4, two of them must not commit (§5.3, a majority of the configuration; handout: \"3. Quorums\")")
	net.Partition([]raft.NodeID{leader, cut[0], 4}, []raft.NodeID{cut[1]})
	settle(t, net, 3)
	require.GreaterOrEqual(t, net.Node(leader).Status().Commit, index, "the leader, node %d and the promoted node 4 are three of four voters: they commit", cut[0])
}

// TestConfigurationTakesEffectWhenAppended checks §4.1: a server uses a new
// configuration as soon as the entry is in its log, committed or not, and
// goes back to the previous one if the entry is cut off by a new leader.
// Here leader removes node 3, and only node 2 receives the entry; node 2
// uses it at once, campaigns with it, and loses it to a leader that never
// had it. Handout: "6. A configuration takes effect when appended".
func TestConfigurationTakesEffectWhenAppended(t *testing.T) {
	net := newCluster(t, 5, raftnet.Options{Seed: 12})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	settle(t, net, 2)
	rest := others(net.IDs(), leader)
	receiver, removed := rest[0], rest[3]

	net.Partition([]raft.NodeID{leader, receiver})
	changeConf(t, net, leader, raft.RemoveServer, removed)
	require.NoError(t, net.DeliverAll())
	st := net.Node(receiver).Status()
	require.Less(t, st.Commit, st.LastIndex, "the entry that removes node %d must not be committed: only 2 of 5 hold it", removed)
	voters, _ := membershipOf(t, net, receiver)
	require.NotContains(t, voters, removed, "node %d holds the uncommitted entry that removes node %d: it uses the new configuration at once (%s; handout: \"6. A configuration takes effect when appended\")", receiver, removed, appendedRule)

	// The other three elect a leader that never had the entry; when node
	// 2 rejoins, the entry is cut off its log, and the old configuration
	// comes back.
	net.Partition([]raft.NodeID{leader}, []raft.NodeID{receiver}, others(rest, receiver))
	newLeader := waitLeader(t, net, others(rest, receiver), electionBound)
	propose(t, net, newLeader, "overwrite")
	net.Partition([]raft.NodeID{leader}, rest)
	settle(t, net, 3)
	voters, _ = membershipOf(t, net, receiver)
	require.Contains(t, voters, removed, "node %d's log lost the entry that removed node %d: it must fall back to the configuration before it (§4.1: \"a server must be prepared to fall back to the previous configuration in its log\"; handout: \"6. A configuration takes effect when appended\")", receiver, removed)
	requireSameApplied(t, net, "after the uncommitted change was cut off")
}

// TestOneChangeAtATime checks that a leader starts no configuration change
// while the previous one is uncommitted: two single-server changes in
// flight at once could make two disjoint majorities (§4.1). Handout: "8.
// One change at a time".
func TestOneChangeAtATime(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 13, Configure: joining(4, 5)})
	require.NoError(t, net.Add(4))
	require.NoError(t, net.Add(5))
	leader := waitLeader(t, net, []raft.NodeID{1, 2, 3}, electionBound)
	changeConf(t, net, leader, raft.AddLearner, 4)
	_, _, err := coreOf(t, net, leader).ProposeConfChange(raft.ConfChange{Type: raft.AddLearner, Node: 5})
	require.ErrorIs(t, err, core.ErrConfChangePending, "a second change while the first is uncommitted (%s; handout: \"8. One change at a time\")", oneAtATime)
	require.NoError(t, net.DeliverAll())
	settle(t, net, 1)
	changeConf(t, net, leader, raft.AddLearner, 5)

	for _, cc := range []raft.ConfChange{
		{Type: raft.AddLearner, Node: 1},
		{Type: raft.AddVoter, Node: 9},
		{Type: raft.RemoveServer, Node: 9},
	} {
		settle(t, net, 2)
		_, _, err := coreOf(t, net, leader).ProposeConfChange(cc)
		require.ErrorIs(t, err, core.ErrBadConfChange, "%s of node %d does not fit voters 1 to 3 and learners 4 and 5 (handout: \"8. One change at a time\")", cc.Type, cc.Node)
	}
	_, _, err = coreOf(t, net, others(net.IDs(), leader)[0]).ProposeConfChange(raft.ConfChange{Type: raft.AddLearner, Node: 6})
	require.ErrorIs(t, err, raft.ErrNotLeader, "a follower must refuse a configuration change")
}

// TestRemoveLeader checks that a leader can remove itself (§4.2.2): it
// goes on replicating until the change commits, without counting itself in
// majorities, then steps down; the remaining voters elect a leader among
// themselves, and the removed server never campaigns again. Handout: "9.
// Removing the leader".
func TestRemoveLeader(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 14})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	settle(t, net, 2)
	rest := others(net.IDs(), leader)

	index := changeConf(t, net, leader, raft.RemoveServer, leader)
	require.Equal(t, raft.Leader, net.Node(leader).Status().Role, "leader %d must manage the cluster until its removal commits (%s; handout: \"9. Removing the leader\")", leader, leaderRule)
	// One follower alone: the leader does not count itself, so the change
	// cannot commit with one of the two remaining voters.
	net.Partition([]raft.NodeID{leader, rest[0]}, []raft.NodeID{rest[1]})
	settle(t, net, 1)
	require.Less(t, net.Node(leader).Status().Commit, index, "leader %d and node %d alone are one of the two voters {%d, %d}: the removal must not commit (%s)", leader, rest[0], rest[0], rest[1], leaderRule)
	require.Equal(t, raft.Leader, net.Node(leader).Status().Role, "leader %d steps down only once its removal commits (%s)", leader, leaderRule)

	net.Heal()
	settle(t, net, 1)
	require.GreaterOrEqual(t, net.Node(leader).Status().Commit, index, "with both remaining voters, the removal commits")
	require.NotEqual(t, raft.Leader, net.Node(leader).Status().Role, "leader %d must step down once its removal commits (%s; handout: \"9. Removing the leader\")", leader, leaderRule)

	newLeader := waitLeader(t, net, rest, electionBound)
	propose(t, net, newLeader, "after")
	for range 3 * electionBound {
		require.NoError(t, net.TickNode(leader))
		require.NotEqual(t, raft.Candidate, net.Node(leader).Status().Role, "removed node %d must not campaign (handout: \"7. Learners\")", leader)
	}
	settle(t, net, 2)
	for _, id := range rest {
		require.Contains(t, commands(net.Applied(id)), "after", "node %d, a voter of the new configuration, applies the new leader's entries", id)
	}
}

// TestLeaderWaitsForItsTermBeforeChanging checks the fix to the
// single-server change bug found in 2015: a new leader may not change the
// configuration before it has committed an entry of its own term (its
// no-op). Without that rule this schedule loses a committed entry: voters
// 1 to 4; leader A appends "add E" (5 voters) that only E receives; B is
// elected by the other three in term 2 and at once removes D, committing
// with {B, C}; then A, D and E elect A, whose log never had B's entries,
// and A overwrites them. With the rule, B must first commit its no-op on a
// majority of {1, 2, 3, 4}, which reaches D, and D then refuses A. The
// cluster runs without PreVote and CheckQuorum, as Raft did in 2015.
// Handout: "8. One change at a time" and "The 2015 bug".
func TestLeaderWaitsForItsTermBeforeChanging(t *testing.T) {
	net := newClusterWith(t, 4, plainOptions, raftnet.Options{Seed: 15, Configure: joining(5)})
	require.NoError(t, net.Add(5))
	a := waitLeader(t, net, []raft.NodeID{1, 2, 3, 4}, electionBound)
	rest := others([]raft.NodeID{1, 2, 3, 4}, a)
	b, c, d := rest[0], rest[1], rest[2]
	const e = raft.NodeID(5)
	changeConf(t, net, a, raft.AddLearner, e)
	settle(t, net, 3)

	// A promotes E; only E receives it.
	net.Partition([]raft.NodeID{a, e}, rest)
	changeConf(t, net, a, raft.AddVoter, e)
	require.NoError(t, net.DeliverAll())

	// B, C and D elect B in a later term.
	var bLeads bool
	for range electionBound {
		require.NoError(t, net.TickNode(b))
		if net.Node(b).Status().Role == raft.Candidate {
			// Deliver the votes one by one, and stop when B has won: D
			// must not hear from B as leader yet.
			for !bLeads {
				more, err := net.DeliverOne()
				require.NoError(t, err)
				require.True(t, more, "node %d's election ran out of messages", b)
				bLeads = net.Node(b).Status().Role == raft.Leader
			}
			break
		}
	}
	require.True(t, bLeads, "node %d should win an election with %d and %d (§5.2)", b, c, d)
	net.Drop(func(m raft.Message) bool { return m.To == d }) // D hears nothing of B's term yet

	bNode := coreOf(t, net, b)
	_, _, err := bNode.ProposeConfChange(raft.ConfChange{Type: raft.RemoveServer, Node: d})
	if err != nil {
		require.ErrorIs(t, err, core.ErrNoCommitInTerm, "leader %d, which has not committed its no-op yet, removing node %d (%s; handout: \"8. One change at a time\", \"The 2015 bug\")", b, d, bugRule)
		// B's no-op must reach a majority of {1, 2, 3, 4}: C and D.
		settle(t, net, 1)
		_, _, err = bNode.ProposeConfChange(raft.ConfChange{Type: raft.RemoveServer, Node: d})
		require.NoError(t, err, "once its no-op has committed, leader %d may change the configuration", b)
	}
	require.NoError(t, net.Collect(b))
	net.Partition([]raft.NodeID{a, e}, []raft.NodeID{b, c}, []raft.NodeID{d})
	require.NoError(t, net.DeliverAll())
	propose(t, net, b, "committed by B")
	settle(t, net, 1)
	require.Contains(t, commands(net.Applied(b)), "committed by B", "B and C, two of the voters {%d, %d, %d}, commit B's entry", a, b, c)

	// A, D and E are cut off with A's log; A campaigns.
	net.Partition([]raft.NodeID{a, d, e}, []raft.NodeID{b, c})
	for range 3 * electionBound {
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
	}
	requireSameApplied(t, net, fmt.Sprintf("leader %d changed the configuration before committing an entry of its term (%s; handout: \"8. One change at a time\", \"The 2015 bug\")", b, bugRule))
	for _, id := range []raft.NodeID{a, e} {
		st := net.Node(id).Status()
		require.False(t, st.Role == raft.Leader && st.Term > 1 && !slices.Contains(commands(net.Applied(id)), "committed by B"),
			"node %d leads term %d without B's committed entry: Leader Completeness is broken (%s; handout: \"8. One change at a time\", \"The 2015 bug\")", id, st.Term, bugRule)
	}
}

// TestJoinBySnapshot checks that a server joining after the leader has
// compacted its log catches up by InstallSnapshot, and learns the
// configuration from the snapshot (§7: a snapshot holds "the latest
// configuration as of the last included index"): that it is a learner, and
// who votes. Handout: "5. Installing a snapshot" and "7. Learners".
func TestJoinBySnapshot(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 16, Configure: joining(4)})
	require.NoError(t, net.Add(4))
	leader := waitLeader(t, net, []raft.NodeID{1, 2, 3}, electionBound)
	net.Isolate(4)
	changeConf(t, net, leader, raft.AddLearner, 4)
	for i := range 8 {
		propose(t, net, leader, fmt.Sprintf("command %d", i))
	}
	settle(t, net, 2)
	require.NoError(t, net.Compact(leader))
	net.Heal()
	settle(t, net, 5)
	require.NotNil(t, net.Storage(4).Snapshot, "node 4 joined after the leader compacted the entries it needs: it must get the snapshot (§7; handout: \"5. Installing a snapshot\")")
	voters, learners := membershipOf(t, net, 4)
	require.Equal(t, []raft.NodeID{1, 2, 3}, voters, "node 4's voters, from the snapshot's configuration (handout: \"5. Installing a snapshot\")")
	require.Equal(t, []raft.NodeID{4}, learners, "node 4 learns from the snapshot that it is a learner (%s; handout: \"7. Learners\")", learnerRule)
	require.Equal(t, commands(net.Applied(leader)), commands(net.Applied(4)), "node 4 must hold the leader's state after the snapshot")
}
