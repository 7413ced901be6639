package core_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
	sim "raftgo/solutions/09-simulation"
)

// wipeRoles are the roles of the three servers in the wipe scenarios: the
// leader L at 2 s, the server W whose disk is lost, and the server S cut
// off from 2 s on, which misses what L and W commit meanwhile.
type wipeRoles struct{ l, w, s raft.NodeID }

// pick names the roles from the leader at the time of the call.
func (r *wipeRoles) pick(t *testing.T, c *sim.Control) {
	r.l = c.Leader()
	require.NotEqual(t, raft.None, r.l, "a leader must be elected in the first 2 s of a calm network")
	for _, id := range []raft.NodeID{1, 2, 3} {
		switch {
		case id == r.l:
		case r.w == raft.None:
			r.w = id
		default:
			r.s = id
		}
	}
}

// figure3 is a checker of the properties of Figure 3 of the paper alone,
// without the ones that see a lost disk itself (a log losing a committed
// entry, a persisted term going back): the scenario shows what the cluster
// does next.
func figure3() sim.Checker {
	return invariants.NewChecker(invariants.ElectionSafety, invariants.LeaderAppendOnly, invariants.LogMatching, invariants.LeaderCompleteness, invariants.StateMachineSafety)
}

// TestWipedIdentityLosesACommittedEntry is the simulator's schedule of
// what reusing a wiped server's identity allows (next to wipe_test.go's
// double vote). At 2 s, S is cut off; L and W commit the clients' writes
// without it. At 4 s, W's disk is lost and W restarts empty under its old
// ID, and L is cut off instead. S, whose log lacks those writes, asks W
// for its vote; W, empty, grants it, and S leads a new term without
// entries a majority had committed: Leader Completeness (Figure 3) breaks,
// and S's entries will overwrite them. The checker of stage 08 sees the
// cause too: a node that lost committed entries from its log. Handout:
// "Testing it: the checkers and the simulator".
func TestWipedIdentityLosesACommittedEntry(t *testing.T) {
	script := func(t *testing.T, roles *wipeRoles) []sim.Step {
		return []sim.Step{
			{At: 2 * time.Second, Name: "cut S off", Do: func(c *sim.Control) {
				roles.pick(t, c)
				c.Partition([]raft.NodeID{roles.l, roles.w}, []raft.NodeID{roles.s})
			}},
			{At: 4 * time.Second, Name: "W loses its disk and restarts empty under its old ID; cut L off", Do: func(c *sim.Control) {
				c.Wipe(roles.w)
				c.Restart(roles.w)
				c.Partition([]raft.NodeID{roles.s, roles.w}, []raft.NodeID{roles.l})
			}},
		}
	}
	run := func(t *testing.T, checker func() sim.Checker) (*sim.Result, wipeRoles) {
		var roles wipeRoles
		r, err := sim.Run(sim.Options{Seed: 3, Nodes: 3, NewNode: factory(testOptions), NewChecker: checker,
			Network: calm, Duration: 8 * time.Second, Script: script(t, &roles)})
		require.NoError(t, err)
		require.False(t, r.Passed(), "the documented danger: S, which missed the writes L and W committed, should win W's vote once W is wiped and lead without them (handout: \"Testing it: the checkers and the simulator\")")
		return r, roles
	}
	t.Run("Figure 3", func(t *testing.T) {
		r, roles := run(t, figure3)
		assert.Contains(t, []string{string(invariants.LeaderCompleteness), string(invariants.StateMachineSafety)}, r.Failure.Property,
			"S (node %d) leads without entries committed by L (node %d) and W (node %d): %v", roles.s, roles.l, roles.w, r.Failure)
		t.Logf("L=%d W=%d S=%d: %v", roles.l, roles.w, roles.s, r.Failure)
	})
	t.Run("every property", func(t *testing.T) {
		r, roles := run(t, sim.NewInvariantChecker)
		assert.Contains(t, []string{string(invariants.CommittedKept), string(invariants.NodeFields)}, r.Failure.Property,
			"the checker should see W (node %d) come back without the committed entries and the term it had persisted: %v", roles.w, r.Failure)
		assert.Equal(t, 4*time.Second, r.Failure.At, "the checker sees the lost disk when W restarts")
	})
}

// TestWipedServerIsReplacedByANewMember runs the same start the right
// way: W, its disk lost, stays out. With S cut off, L alone is no majority
// of L, W and S, so the cluster waits: it loses availability, not data.
// Once S is back, the leader removes W and adds a new server, spare node
// 4, as a learner; node 4 catches up by InstallSnapshot and is promoted.
// Then the leader is cut off, and the two others elect one that holds every
// committed entry. Every property holds after every event and the history
// is linearizable. Handout: "Testing it: the checkers and the simulator".
func TestWipedServerIsReplacedByANewMember(t *testing.T) {
	var roles wipeRoles
	change := func(c *sim.Control, cc raft.ConfChange) {
		require.NoError(t, c.ChangeMembership(cc), "at %v (handout: \"Testing it: the checkers and the simulator\")", c.Now())
	}
	r, err := sim.Run(sim.Options{Seed: 3, Nodes: 3, Spares: 1, SnapshotEvery: 16, NewNode: factory(testOptions), NewChecker: sim.NewInvariantChecker,
		Network: calm, Duration: 15 * time.Second, Script: []sim.Step{
			{At: 2 * time.Second, Name: "cut S off", Do: func(c *sim.Control) {
				roles.pick(t, c)
				c.Partition([]raft.NodeID{roles.l, roles.w, 4}, []raft.NodeID{roles.s})
			}},
			{At: 4 * time.Second, Name: "W loses its disk and stays down", Do: func(c *sim.Control) { c.Wipe(roles.w) }},
			{At: 5 * time.Second, Name: "S is back", Do: func(c *sim.Control) { c.Heal() }},
			{At: 8 * time.Second, Name: "the leader removes W", Do: func(c *sim.Control) {
				change(c, raft.ConfChange{Type: raft.RemoveServer, Node: roles.w})
			}},
			{At: 9 * time.Second, Name: "node 4 joins as a learner", Do: func(c *sim.Control) {
				change(c, raft.ConfChange{Type: raft.AddLearner, Node: 4})
			}},
			{At: 10500 * time.Millisecond, Name: "node 4 is promoted", Do: func(c *sim.Control) {
				change(c, raft.ConfChange{Type: raft.AddVoter, Node: 4})
			}},
			{At: 12 * time.Second, Name: "cut the leader off", Do: func(c *sim.Control) {
				leader := c.Leader()
				var rest []raft.NodeID
				for _, id := range []raft.NodeID{1, 2, 3, 4} {
					if id != leader && id != roles.w {
						rest = append(rest, id)
					}
				}
				c.Partition([]raft.NodeID{leader}, rest)
			}},
		}})
	require.NoError(t, err)
	require.True(t, r.Passed(), "L=%d W=%d S=%d: a wiped server replaced by a new member must break nothing: %v\n%s", roles.l, roles.w, roles.s, r.Failure, lastLines(r.Trace, 25))
	assert.Positive(t, r.Installs, "node 4 should catch up by InstallSnapshot")
	assert.Equal(t, 3, r.ConfChanges, "W removed, node 4 added and promoted")
}
