package core_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/11-rest"
)

// The rules of the dissertation that the leadership tests cite.
const (
	preVoteRule  = `§9.6: "a candidate would first ask other servers whether its log was up-to-date enough to get their vote. Only if the candidate believed it could get votes from a majority of the cluster would it increment its term and start a normal election"`
	leaseRule    = `§4.2.3: "if a server receives a RequestVote request within the minimum election timeout of hearing from a current leader, it does not update its term or grant its vote"`
	checkRule    = `§6.2: "a leader steps down if an election timeout elapses without a successful round of heartbeats to a majority of its cluster"`
	transferRule = `§3.10: "the prior leader sends it a TimeoutNow request … causing the target server to start an election immediately"`
)

// run ticks every node and delivers everything for rounds rounds, losing
// every message for which cut returns true (a link cut, which a partition
// into groups cannot express).
func run(t *testing.T, net *raftnet.Network, rounds int, cut func(raft.Message) bool) {
	t.Helper()
	for range rounds {
		require.NoError(t, net.Tick())
		for {
			net.Drop(cut)
			more, err := net.DeliverOne()
			require.NoError(t, err)
			if !more {
				break
			}
		}
	}
}

// link returns a cut that loses every message between a and b.
func link(a, b raft.NodeID) func(raft.Message) bool {
	return func(m raft.Message) bool {
		return m.From == a && m.To == b || m.From == b && m.To == a
	}
}

// TestPreVoteKeepsARejoiningNodeQuiet checks PreVote (§9.6): a follower
// cut off for many election timeouts polls the others before it
// campaigns, gets no majority, and so never raises its term; when it comes
// back, the leader keeps leading in its term. Without PreVote the same
// node comes back with a higher term and deposes the leader for nothing.
// Handout: "10. PreVote".
func TestPreVoteKeepsARejoiningNodeQuiet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    core.Options
		disturb bool
	}{
		{"with PreVote", core.Options{TrailingEntries: 2, SnapshotChunkSize: 32, PreVote: true}, false},
		{"without PreVote", plainOptions, true},
	} {
		net := newClusterWith(t, 3, tc.opts, raftnet.Options{Seed: 21})
		leader := waitLeader(t, net, net.IDs(), electionBound)
		term := net.Node(leader).Status().Term
		cutOff := others(net.IDs(), leader)[0]
		net.Isolate(cutOff)
		settle(t, net, 5*electionBound)
		net.Heal()
		settle(t, net, 3)
		st := net.Node(leader).Status()
		if tc.disturb {
			require.Greater(t, net.Node(cutOff).Status().Term, term, "%s: the documented disruption: node %d, cut off, campaigned in higher terms and its return deposed the leader", tc.name, cutOff)
			continue
		}
		require.Equal(t, term, net.Node(cutOff).Status().Term, "%s: node %d, cut off for %d ticks, must not raise its term: its pre-votes win no majority (%s; handout: \"10. PreVote\")", tc.name, cutOff, 5*electionBound, preVoteRule)
		require.Equal(t, raft.Leader, st.Role, "%s: leader %d after node %d came back (%s; handout: \"10. PreVote\")", tc.name, leader, cutOff, preVoteRule)
		require.Equal(t, term, st.Term, "%s: the leader's term after node %d came back (%s)", tc.name, cutOff, preVoteRule)
	}
}

// TestCheckQuorumLeaderStepsDown checks CheckQuorum (§6.2): a leader that
// hears from no majority for an election timeout steps down, so it stops
// acting as leader (and serving reads) while cut off. Handout: "11.
// CheckQuorum".
func TestCheckQuorumLeaderStepsDown(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 22})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	net.Isolate(leader)
	bound := 2 * 10 // two of ElectionTicks
	for tick := 1; tick <= bound; tick++ {
		require.NoError(t, net.TickNode(leader))
		if net.Node(leader).Status().Role != raft.Leader {
			return
		}
	}
	require.FailNow(t, "leader did not step down", "leader %d, cut off from every follower, still leads after %d ticks (%s; handout: \"11. CheckQuorum\")", leader, bound, checkRule)
}

// TestPartialPartition checks the case in which only PreVote with
// CheckQuorum keeps a stable leader: node X can reach the leader's other
// follower but not the leader. Without them, X campaigns with higher terms,
// the follower follows it, and leadership flaps between the leader and X
// for as long as the link is down (the 2020 outage Cloudflare reported).
// With them, the follower still hears the leader, so it ignores X's
// elections: one leader, one term. Handout: "10. PreVote" and "11.
// CheckQuorum".
func TestPartialPartition(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   core.Options
		stable bool
	}{
		{"PreVote and CheckQuorum", testOptions, true},
		{"neither", plainOptions, false},
	} {
		net := newClusterWith(t, 3, tc.opts, raftnet.Options{Seed: 23})
		leader := waitLeader(t, net, net.IDs(), electionBound)
		term := net.Node(leader).Status().Term
		x := others(net.IDs(), leader)[0]
		changes, last := 0, leader
		for range 10 {
			run(t, net, electionBound, link(leader, x))
			if ls := net.Leaders(); len(ls) == 1 && ls[0] != last {
				changes, last = changes+1, ls[0]
			}
		}
		if !tc.stable {
			require.Greater(t, changes, 0, "%s: the documented disruption: with the link %d-%d cut, leadership should move", tc.name, leader, x)
			continue
		}
		require.Equal(t, 0, changes, "%s: with only the link %d-%d cut, leader %d must stay leader (%s; %s; handout: \"10. PreVote\", \"11. CheckQuorum\")", tc.name, leader, x, leader, preVoteRule, leaseRule)
		require.Equal(t, term, net.Node(leader).Status().Term, "%s: the term must not move while the link is cut (%s)", tc.name, leaseRule)
	}
}

// TestTransferLeadership checks leadership transfer (§3.10): the leader
// refuses proposals, brings the target's log up to date, and sends it
// TimeoutNow; the target wins at once, in the next term. A transfer to a
// server that is not a voter is refused, and a transfer that cannot finish
// is given up after an election timeout. Handout: "12. Leadership
// transfer".
func TestTransferLeadership(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 24})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	term := net.Node(leader).Status().Term
	target := others(net.IDs(), leader)[0]
	net.Isolate(target)
	propose(t, net, leader, "a", "b")
	net.Heal()

	n := coreOf(t, net, leader)
	require.ErrorIs(t, n.TransferLeadership(9), core.ErrBadTransfer, "a transfer to a server outside the configuration")
	require.NoError(t, n.TransferLeadership(target), "TransferLeadership(%d) on leader %d (handout: \"12. Leadership transfer\")", target, leader)
	require.NoError(t, net.Collect(leader))
	_, _, err := net.Propose(leader, []byte("during"))
	require.ErrorIs(t, err, core.ErrTransferring, "a proposal during the transfer: the target may lack it and lose (§3.10; handout: \"12. Leadership transfer\")")

	bound := 5
	for tick := 1; ; tick++ {
		require.LessOrEqual(t, tick, bound, "node %d did not lead within %d rounds of the transfer (%s; handout: \"12. Leadership transfer\")", target, bound, transferRule)
		require.NoError(t, net.DeliverAll())
		if stableLeader(net, net.IDs()) == target {
			break
		}
		require.NoError(t, net.Tick())
	}
	require.Equal(t, term+1, net.Node(target).Status().Term, "the target wins in the next term (%s)", transferRule)
	require.Equal(t, []string{"a", "b"}, commands(net.Applied(target)), "the target had to be brought up to date before TimeoutNow")

	// A transfer to a cut-off voter gives up after an election timeout.
	other := others(net.IDs(), target)[0]
	net.Isolate(other)
	require.NoError(t, coreOf(t, net, target).TransferLeadership(other))
	settle(t, net, 10)
	_, _, err = net.Propose(target, []byte("after"))
	require.NoError(t, err, "a transfer that did not finish within an election timeout is abandoned, and the leader takes proposals again (handout: \"12. Leadership transfer\")")
}

// TestRemovedServerDoesNotDisrupt checks the "disruptive servers" of
// §4.2.3: a server removed while it could not hear the leader never learns
// it was removed; it times out and campaigns in its old configuration.
// With PreVote and CheckQuorum the remaining servers refuse its pre-votes
// (its log lacks the entry that removed it) and, hearing their leader,
// ignore its elections: the leader keeps its term. Without them, each of
// its campaigns makes the leader step down. Handout: "10. PreVote" and
// "11. CheckQuorum".
func TestRemovedServerDoesNotDisrupt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    core.Options
		disturb bool
	}{
		{"PreVote and CheckQuorum", testOptions, false},
		{"neither", plainOptions, true},
	} {
		net := newClusterWith(t, 3, tc.opts, raftnet.Options{Seed: 25})
		leader := waitLeader(t, net, net.IDs(), electionBound)
		removed := others(net.IDs(), leader)[0]
		net.Isolate(removed)
		changeConf(t, net, leader, raft.RemoveServer, removed)
		voters, _ := membershipOf(t, net, leader)
		require.NotContains(t, voters, removed, "%s: leader %d appended the removal of node %d and uses the new configuration at once (%s; handout: \"6. A configuration takes effect when appended\")", tc.name, leader, removed, appendedRule)
		settle(t, net, 2)
		term := net.Node(leader).Status().Term
		net.Heal()
		settle(t, net, 5*electionBound)
		st := net.Node(leader).Status()
		if tc.disturb {
			require.Greater(t, st.Term, term, "%s: the documented disruption: removed node %d campaigns and deposes the leader", tc.name, removed)
			continue
		}
		require.Equal(t, raft.Leader, st.Role, "%s: leader %d after removed node %d came back campaigning (%s; %s; handout: \"10. PreVote\", \"11. CheckQuorum\")", tc.name, leader, removed, preVoteRule, leaseRule)
		require.Equal(t, term, st.Term, "%s: the leader's term must not move for a removed server's campaigns (%s; handout: \"10. PreVote\", \"11. CheckQuorum\")", tc.name, preVoteRule)
	}
}
