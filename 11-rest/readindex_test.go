package core_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	core "raftgo/11-rest"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

const readRule = `§6.4: the leader records its commit index as the readIndex, "sends a new round of heartbeats, and waits for their acknowledgments from a majority of the cluster", and serves the read once applied reaches it`

// readStates collects every ReadState the nodes of a network hand out, by
// node: the raftnet Options.OnReady hook.
type readStates map[raft.NodeID][]raft.ReadState

func (rs readStates) onReady(id raft.NodeID, rd raft.Ready) {
	rs[id] = append(rs[id], rd.ReadStates...)
}

// TestReadIndex checks a linearizable read on the leader (§6.4): no
// ReadState before a majority has answered a heartbeat round sent after the
// read began, then one with the leader's commit index, which covers every
// write acknowledged before the read. Handout: "13. ReadIndex".
func TestReadIndex(t *testing.T) {
	rs := readStates{}
	net := newCluster(t, 3, raftnet.Options{Seed: 31, OnReady: rs.onReady})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	index, _, err := net.Propose(leader, []byte("x=1"))
	require.NoError(t, err)
	require.NoError(t, net.DeliverAll())

	// A heartbeat round goes out and is answered; the answers are still on
	// their way when the read begins.
	require.NoError(t, net.TickNode(leader))
	for range 2 {
		_, err := net.DeliverOne()
		require.NoError(t, err)
	}
	require.NoError(t, coreOf(t, net, leader).ReadIndex([]byte("r1")), "ReadIndex on leader %d (handout: \"13. ReadIndex\")", leader)
	require.NoError(t, net.Collect(leader))
	for range 2 {
		_, err := net.DeliverOne() // the answers to the earlier round
		require.NoError(t, err)
	}
	require.Empty(t, rs[leader], "the read must wait for a majority to answer a heartbeat sent after it began; answers to an earlier round prove nothing about now (%s; handout: \"13. ReadIndex\")", readRule)
	require.NoError(t, net.DeliverAll())
	require.Len(t, rs[leader], 1, "once the heartbeat round is answered, the read is confirmed (%s; handout: \"13. ReadIndex\")", readRule)
	got := rs[leader][0]
	require.Equal(t, "r1", string(got.Context), "the ReadState names the read by its context")
	require.GreaterOrEqual(t, got.Index, index, "the read index must cover the write acknowledged before the read (%s)", readRule)
	require.Equal(t, net.Node(leader).Status().Commit, got.Index, "the read index is the leader's commit index (%s)", readRule)
}

// TestNewLeaderServesNoReadBeforeItsTerm checks that a leader that has not
// committed an entry of its term refuses reads: its commit index may lag
// what an earlier leader committed (§6.4). Handout: "13. ReadIndex".
func TestNewLeaderServesNoReadBeforeItsTerm(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 32})
	// Deliver one message at a time, and stop as soon as a leader is
	// elected: its no-op is then still on its way.
	tickUntilLeader := func() raft.NodeID {
		for range electionBound {
			require.NoError(t, net.Tick())
			for {
				if ls := net.Leaders(); len(ls) == 1 {
					return ls[0]
				}
				more, err := net.DeliverOne()
				require.NoError(t, err)
				if !more {
					break
				}
			}
		}
		return raft.None
	}
	leader := tickUntilLeader()
	require.NotEqual(t, raft.None, leader, "no leader elected")
	err := coreOf(t, net, leader).ReadIndex([]byte("early"))
	require.ErrorIs(t, err, core.ErrNoCommitInTerm, "leader %d, whose no-op is not committed yet, must refuse a read (§6.4: \"the leader must have committed an entry from its current term\"; handout: \"13. ReadIndex\")", leader)
	settle(t, net, 2)
	require.NoError(t, coreOf(t, net, leader).ReadIndex([]byte("later")), "once the no-op has committed, the leader serves reads")
}

// TestDeposedLeaderServesNoStaleRead checks that ReadIndex never lets a
// deposed leader serve a stale read: cut off, the old leader cannot get a
// majority to answer its heartbeats, so its read is never confirmed, while
// the majority elects a new leader and commits a write. Handout: "13.
// ReadIndex".
func TestDeposedLeaderServesNoStaleRead(t *testing.T) {
	rs := readStates{}
	net := newCluster(t, 5, raftnet.Options{Seed: 33, OnReady: rs.onReady})
	old := waitLeader(t, net, net.IDs(), electionBound)
	settle(t, net, 2)
	net.Isolate(old)
	require.NoError(t, coreOf(t, net, old).ReadIndex([]byte("stale?")))
	rest := others(net.IDs(), old)
	leader := waitLeader(t, net, rest, electionBound)
	propose(t, net, leader, "newer")
	settle(t, net, electionBound)
	require.Empty(t, rs[old], "cut-off old leader %d confirmed a read: it would miss the write \"newer\" committed by leader %d (%s; handout: \"13. ReadIndex\")", old, leader, readRule)
}

// TestFollowerReadIsForwarded checks a read asked on a follower: the
// follower forwards it to the leader (ReadIndex), which confirms its
// leadership and answers with its commit index; the follower hands that
// out as its ReadState, and serves the read once it has applied that far.
// Handout: "13. ReadIndex".
func TestFollowerReadIsForwarded(t *testing.T) {
	rs := readStates{}
	net := newCluster(t, 3, raftnet.Options{Seed: 34, OnReady: rs.onReady})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	propose(t, net, leader, "x=1")
	follower := others(net.IDs(), leader)[0]
	require.NoError(t, coreOf(t, net, follower).ReadIndex([]byte("f1")), "ReadIndex on follower %d (handout: \"13. ReadIndex\")", follower)
	require.NoError(t, net.Collect(follower))
	require.NoError(t, net.DeliverAll())
	require.Len(t, rs[follower], 1, "follower %d's forwarded read must come back confirmed by leader %d (%s; handout: \"13. ReadIndex\")", follower, leader, readRule)
	require.Equal(t, "f1", string(rs[follower][0].Context))
	require.Equal(t, net.Node(leader).Status().Commit, rs[follower][0].Index, "the follower's read index is the leader's commit index")
	require.Empty(t, rs[leader], "the leader hands out no ReadState for a follower's read")
}
