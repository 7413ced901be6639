// Package clustertest is the harness of the tests that run a whole cluster
// of a stage's node core (stages 05 to 11): a raftnet.Network bound to the
// test, with the helpers their scenarios share, so that a scenario reads
//
//	c := clustertest.New(t, 5, core.New, raftnet.Options{Seed: seed})
//	leader, _ := c.WaitLeader(60)
//	c.Settle(3)
//	require.Equal(t, []string{"a", "b"}, clustertest.Datas(c.Applied(leader)))
//
// Every helper fails the test it was made for, with a message that says
// what the cluster was doing, instead of returning an error.
package clustertest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// A Cluster is a test network of one stage's nodes, bound to a test. It has
// every method of raftnet.Network, and the helpers below.
type Cluster struct {
	*raftnet.Network
	t testing.TB
	// Hint ends the failure messages of WaitLeader: the handout tasks to
	// look at when no leader emerges, such as
	// `handout: "1. The election timer" to "4. Counting votes"`.
	Hint string
}

// New starts a cluster of size nodes, 1 to size, each made by newNode (a
// stage's core.New), and fails the test if one cannot start.
func New[N raft.Node](t testing.TB, size int, newNode func(raft.Config) (N, error), opts raftnet.Options) *Cluster {
	t.Helper()
	net, err := raftnet.New(size, Factory(newNode), opts)
	require.NoError(t, err, "starting a %d-node cluster", size)
	return &Cluster{Network: net, t: t}
}

// Factory turns a stage's constructor into the network's factory. It
// returns a plain nil on error, never a nil *core.Node inside the
// interface, which would not compare equal to nil.
func Factory[N raft.Node](
	newNode func(raft.Config) (N, error),
) raftnet.Factory {
	return func(cfg raft.Config) (raft.Node, error) {
		n, err := newNode(cfg)
		if err != nil {
			return nil, err
		}
		return n, nil
	}
}

// Round ticks every node once and delivers every message, including those
// the deliveries produce.
func (c *Cluster) Round() {
	c.t.Helper()
	require.NoError(c.t, c.Tick(), "ticking every node")
	require.NoError(c.t, c.DeliverAll(), "delivering every message")
}

// Settle runs rounds of Round, so that heartbeats carry the leader's commit
// index to its followers.
func (c *Cluster) Settle(rounds int) {
	c.t.Helper()
	for range rounds {
		c.Round()
	}
}

// ProposeAll proposes each command on node id, each with its own Ready, and
// returns the indexes it got.
func (c *Cluster) ProposeAll(id raft.NodeID, commands ...string) []raft.Index {
	c.t.Helper()
	indexes := make([]raft.Index, len(commands))
	for i, command := range commands {
		index, _, err := c.Propose(id, []byte(command))
		require.NoError(c.t, err, "proposing %q on node %d", command, id)
		indexes[i] = index
	}
	return indexes
}

// An appointee is a core that can be made leader without an election, as
// those of stages 05 and 06 can.
type appointee interface{ BecomeLeader(raft.Term) error }

// Appoint makes node id the leader of term without an election, for the
// stages before elections, and collects its Ready.
func (c *Cluster) Appoint(id raft.NodeID, term raft.Term) {
	c.t.Helper()
	node, ok := c.Node(id).(appointee)
	require.True(c.t, ok, "node %d (%T) cannot be appointed",
		id, c.Node(id))
	require.NoError(c.t, node.BecomeLeader(term),
		"appointing node %d leader of term %d", id, term)
	require.NoError(c.t, c.Collect(id), "collecting its Ready")
}

// Commit returns node id's commit index.
func (c *Cluster) Commit(id raft.NodeID) raft.Index { return c.Node(id).Status().Commit }

// StableLeader returns the leader among members (every node if none are
// given) if there is exactly one leader among them, in a term no member is
// past, and every other member follows it; otherwise it returns raft.None.
func (c *Cluster) StableLeader(members ...raft.NodeID) raft.NodeID {
	if len(members) == 0 {
		members = c.IDs()
	}
	leader := raft.None
	for _, id := range members {
		if st := c.Node(id).Status(); st.Role == raft.Leader {
			if leader != raft.None {
				return raft.None
			}
			leader = id
		}
	}
	if leader == raft.None {
		return raft.None
	}
	term := c.Node(leader).Status().Term
	for _, id := range members {
		if st := c.Node(id).Status(); st.Term != term || st.Leader != leader {
			return raft.None
		}
	}
	return leader
}

// WaitLeader runs rounds until members (every node if none are given) have
// a stable leader, and returns it with the rounds it took. It fails the
// test after bound rounds, saying where each member stands.
func (c *Cluster) WaitLeader(bound int, members ...raft.NodeID) (raft.NodeID, int) {
	c.t.Helper()
	if len(members) == 0 {
		members = c.IDs()
	}
	for tick := 1; tick <= bound; tick++ {
		c.Round()
		if leader := c.StableLeader(members...); leader != raft.None {
			return leader, tick
		}
	}
	hint := ""
	if c.Hint != "" {
		hint = "; " + c.Hint
	}
	require.FailNow(c.t, "no leader", "nodes %v elected no leader that all of them follow within %d ticks; now %s (§5.2%s)", members, bound, c.Roles(members...), hint)
	return raft.None, 0
}

// Roles says where each of members (every node if none are given) stands,
// for failure messages: "node 1: leader of term 3, node 2: follower in term
// 3 following 1".
func (c *Cluster) Roles(members ...raft.NodeID) string {
	if len(members) == 0 {
		members = c.IDs()
	}
	parts := make([]string, len(members))
	for i, id := range members {
		node := c.Node(id)
		if node == nil {
			parts[i] = fmt.Sprintf("node %d: crashed", id)
			continue
		}
		st := node.Status()
		switch st.Role {
		case raft.Leader:
			parts[i] = fmt.Sprintf("node %d: leader of term %d", id, st.Term)
		case raft.Follower:
			parts[i] = fmt.Sprintf("node %d: follower in term %d following %d", id, st.Term, st.Leader)
		default:
			parts[i] = fmt.Sprintf("node %d: %s in term %d", id, st.Role, st.Term)
		}
	}
	return strings.Join(parts, ", ")
}

// Others returns the cluster's nodes but those given.
func (c *Cluster) Others(except ...raft.NodeID) []raft.NodeID {
	return slices.DeleteFunc(c.IDs(), func(id raft.NodeID) bool { return slices.Contains(except, id) })
}

// Entry is shorthand for a command entry in hand-built logs.
func Entry(index raft.Index, term raft.Term, data string) raft.Entry {
	return raft.Entry{Index: index, Term: term, Data: []byte(data)}
}

// Datas returns the entries' commands, for readable comparisons.
func Datas(entries []raft.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = string(e.Data)
	}
	return out
}

// Describe prints entries in the course's one form, raft.Entry's String:
// [1@1 "a" 2@1 "b" 3@2 no-op].
func Describe(entries []raft.Entry) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}
