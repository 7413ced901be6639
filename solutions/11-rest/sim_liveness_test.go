package core_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
	sim "raftgo/solutions/09-simulation"
	core "raftgo/solutions/11-rest"
)

// calm is a network with no loss, no duplicates and little jitter, for
// the scripted scenarios: what happens there is the script's doing.
var calm = &sim.NetworkConfig{MinLatency: time.Millisecond, MaxLatency: 3 * time.Millisecond, Jitter: 200 * time.Microsecond}

// elections watches a simulated cluster for the terms its nodes enter and
// the leaders they elect once a scripted fault is in place (from is set).
type elections struct {
	from     bool
	term     raft.Term     // the highest term any node reported since from
	leaders  []raft.NodeID // the leader of each term elected since from, in order
	leaderOf map[raft.Term]raft.NodeID
	// stepDowns counts the leaders deposed since from.
	stepDowns int
	leading   map[raft.NodeID]bool
}

func (e *elections) NodeStarted(raft.Config, raft.Status) {}
func (e *elections) NodeCrashed(raft.NodeID)              {}
func (e *elections) NodeReady(id raft.NodeID, _ raft.Ready, st raft.Status) {
	if st.Role != raft.Leader && e.leading[id] && e.from {
		e.stepDowns++
	}
	e.leading[id] = st.Role == raft.Leader
	if !e.from {
		return
	}
	e.term = max(e.term, st.Term)
	if st.Role == raft.Leader && e.leaderOf[st.Term] != id {
		e.leaderOf[st.Term] = id
		e.leaders = append(e.leaders, id)
	}
}

// partialPartition runs 3 nodes of this stage's core with opts and three
// clients on a calm network. At 2 s, once a leader L leads term T, the
// link between L and one follower X is cut both ways; X still reaches the
// third node, which still reaches L: the partial partition of the 2020
// outage (issue 13). It runs so until 10 s, then heals, and returns what
// happened in those 8 s, T, L, and the run's result.
func partialPartition(t *testing.T, opts core.Options) (e *elections, term raft.Term, leader raft.NodeID, r *sim.Result) {
	t.Helper()
	e = &elections{leaderOf: make(map[raft.Term]raft.NodeID), leading: make(map[raft.NodeID]bool)}
	cut := func(c *sim.Control) {
		leader = c.Leader()
		require.NotEqual(t, raft.None, leader, "a leader must be elected in the first 2 s of a calm network")
		term = c.Node(leader).Status().Term
		x := raft.NodeID(1)
		for x == leader {
			x++
		}
		c.Disconnect(leader, x)
		e.from, e.term, e.leaderOf[term] = true, term, leader
	}
	r, err := sim.Run(sim.Options{
		Seed:       7,
		Nodes:      3,
		NewNode:    factory(opts),
		NewChecker: sim.NewInvariantChecker,
		Observer:   e,
		Network:    calm,
		Duration:   10 * time.Second,
		Script: []sim.Step{
			{At: 2 * time.Second, Name: "cut the leader from one follower", Do: cut},
			{At: 10*time.Second - time.Millisecond, Name: "stop watching, before the network heals", Do: func(*sim.Control) { e.from = false }},
		},
	})
	require.NoError(t, err)
	require.True(t, r.Passed(), "the partial partition must break no safety property, with or without PreVote and CheckQuorum: %v", r.Failure)
	return e, term, leader, r
}

// TestPartialPartitionKeepsOneLeader is the liveness scenario of §9.6 of
// Ongaro's dissertation, in the simulator of stage 09: a node that cannot
// hear the leader but reaches the leader's followers. With PreVote and
// CheckQuorum (DefaultOptions), the cut-off node's pre-votes are refused by
// followers that hear the leader, it never raises its term, and the leader
// keeps its term for the 8 s of the partition. Without them (Raft as the
// paper has it), the cut-off node times out, campaigns in ever higher
// terms, and each RequestVote makes the follower, then the leader, step
// down: leaders come and go all along. Both runs stay safe; only
// availability differs. Handout: "Testing it: the checkers and the
// simulator".
func TestPartialPartitionKeepsOneLeader(t *testing.T) {
	t.Run("PreVote and CheckQuorum", func(t *testing.T) {
		opts := testOptions
		e, term, leader, _ := partialPartition(t, opts)
		require.Equal(t, term, e.term, "with PreVote and CheckQuorum, no node may enter a term past the leader's %d during the partial partition: the cut-off node's pre-votes must fail (§9.6; handout: \"Testing it: the checkers and the simulator\")", term)
		require.Empty(t, e.leaders, "node %d must stay the only leader while it reaches a majority (handout: \"Testing it: the checkers and the simulator\")", leader)
		require.Zero(t, e.stepDowns, "node %d must never step down while it reaches a majority (handout: \"Testing it: the checkers and the simulator\")", leader)
	})
	t.Run("neither", func(t *testing.T) {
		e, term, _, _ := partialPartition(t, plainOptions)
		require.GreaterOrEqual(t, e.term, term+3, "without PreVote and CheckQuorum, the cut-off node should disrupt the cluster with higher and higher terms; the scenario does not show the disruption it documents")
		require.GreaterOrEqual(t, e.stepDowns, 2, "without PreVote and CheckQuorum, the leader should be deposed again and again during the partial partition; elected since it began: %v", e.leaders)
		t.Logf("without PreVote and CheckQuorum: terms %d to %d, %d leaders deposed and %d elected in 8 s (leaders %v)", term, e.term, e.stepDowns, len(e.leaders), e.leaders)
	})
}
