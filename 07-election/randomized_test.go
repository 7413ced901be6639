package core_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/clustertest"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

var schedules = flag.Int("schedules", 2000, "how many seeded schedules TestRandomized runs")

// TestRandomized runs thousands of seeded schedules on a 5-node cluster:
// nodes tick, messages are delivered in random order, dropped and
// duplicated, the cluster is partitioned and healed, and nodes crash and
// restart from what they persisted. After every step it checks Raft's
// safety properties (Figure 3):
//
//   - Election Safety: at most one leader per term.
//   - State Machine Safety: every node hands out the same entry at each
//     index, each once and in order; no committed entry is ever lost or
//     changed, in any node's persisted log, across crashes.
//   - Leader Completeness: a new leader's log holds every entry committed
//     in an earlier term.
//
// At the end it heals everything and checks that the cluster elects a
// leader and commits a last proposal. A failure names its seed; replay it
// alone with go test -run 'TestRandomized/seed=N$' (the $ stops seed=1
// from matching seed=10), and run more schedules with -schedules=20000.
// Handout: "7. The randomized test".
func TestRandomized(t *testing.T) {
	for seed := range uint64(*schedules) {
		if !t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runSchedule(t, seed) }) {
			break // one failing seed is enough: replay it alone with -run
		}
	}
}

// committedEntry is an entry some node handed out as committed, and the
// term that node was in when it did: the entry was committed in that term
// or an earlier one.
type committedEntry struct {
	entry  raft.Entry
	seenIn raft.Term
}

// checker watches a network and records the violations of Raft's safety
// properties it sees.
type checker struct {
	net        *clustertest.Cluster
	leaders    map[raft.Term]raft.NodeID
	committed  map[raft.Index]committedEntry
	lastHanded map[raft.NodeID]raft.Index // last committed index handed out since the node started
	problems   []string
}

// onReady checks the committed entries in a Ready: they continue where the
// node's last ones stopped, and match what every other node committed.
func (c *checker) onReady(id raft.NodeID, rd raft.Ready) {
	for _, e := range rd.CommittedEntries {
		if e.Index != c.lastHanded[id]+1 {
			c.problems = append(c.problems, fmt.Sprintf("node %d handed out entry %d after entry %d: committed entries leave Ready once each, in order", id, e.Index, c.lastHanded[id]))
		}
		c.lastHanded[id] = e.Index
		prev, seen := c.committed[e.Index]
		switch {
		case !seen:
			c.committed[e.Index] = committedEntry{entry: e, seenIn: c.net.Node(id).Status().Term}
		case !sameEntry(prev.entry, e):
			c.problems = append(c.problems, fmt.Sprintf("node %d committed %s at index %d, where %s was committed before (State Machine Safety, §5.4.3)", id, clustertest.Describe([]raft.Entry{e}), e.Index, clustertest.Describe([]raft.Entry{prev.entry})))
		}
	}
}

// check looks at every running node after a step.
func (c *checker) check() {
	for _, id := range c.net.IDs() {
		node := c.net.Node(id)
		if node == nil {
			continue
		}
		st := node.Status()
		stored := c.net.Storage(id)
		// No committed entry is lost or changed in a node's log, up to
		// what the node itself knows is committed.
		for i := raft.Index(1); i <= stored.HardState.Commit && int(i) <= len(stored.Entries); i++ {
			if want, ok := c.committed[i]; ok && !sameEntry(want.entry, stored.Entries[i-1]) {
				c.problems = append(c.problems, fmt.Sprintf("node %d's log holds %s at committed index %d, where %s was committed (Log Matching, State Machine Safety)", id, clustertest.Describe(stored.Entries[i-1:i]), i, clustertest.Describe([]raft.Entry{want.entry})))
			}
		}
		if st.Role != raft.Leader {
			continue
		}
		leader, seen := c.leaders[st.Term]
		switch {
		case seen && leader != id:
			c.problems = append(c.problems, fmt.Sprintf("nodes %d and %d are both leaders of term %d (Election Safety, §5.2)", leader, id, st.Term))
		case !seen:
			c.leaders[st.Term] = id
			for i, ce := range c.committed {
				if ce.seenIn < st.Term && (int(i) > len(stored.Entries) || !sameEntry(ce.entry, stored.Entries[i-1])) {
					c.problems = append(c.problems, fmt.Sprintf("node %d became leader of term %d without entry %s, committed by term %d (Leader Completeness, §5.4.1)", id, st.Term, clustertest.Describe([]raft.Entry{ce.entry}), ce.seenIn))
				}
			}
		}
	}
}

func sameEntry(a, b raft.Entry) bool {
	return a.Index == b.Index && a.Term == b.Term && string(a.Data) == string(b.Data)
}

// runSchedule runs one seeded schedule and checks it.
func runSchedule(t *testing.T, seed uint64) {
	c := &checker{
		leaders:    make(map[raft.Term]raft.NodeID),
		committed:  make(map[raft.Index]committedEntry),
		lastHanded: make(map[raft.NodeID]raft.Index),
	}
	net := newCluster(t, 5, raftnet.Options{
		Seed: seed,
		// Short timeouts make for many elections in a short schedule.
		Configure: func(cfg *raft.Config) { cfg.ElectionTicks = 4 },
		OnReady:   c.onReady,
	})
	c.net = net
	net.SetReorder(true)
	net.SetDropRate(0.05)
	net.SetDuplicateRate(0.05)
	rng := rand.New(rand.NewPCG(seed, 7))
	ids := net.IDs()
	pick := func() raft.NodeID { return ids[rng.IntN(len(ids))] }

	const steps = 200
	for step := range steps {
		var err error
		switch r := rng.IntN(100); {
		case r < 40:
			_, err = net.DeliverOne()
		case r < 55:
			err = net.TickNode(pick())
		case r < 65:
			err = net.Tick()
		case r < 80:
			if leaders := net.Leaders(); len(leaders) > 0 {
				_, _, err = net.Propose(leaders[rng.IntN(len(leaders))], fmt.Appendf(nil, "seed %d step %d", seed, step))
			}
		case r < 85:
			var side []raft.NodeID
			for _, id := range ids {
				if rng.IntN(2) == 0 {
					side = append(side, id)
				}
			}
			net.Partition(side)
		case r < 90:
			net.Heal()
		case r < 95:
			net.Crash(pick())
		default:
			if id := pick(); net.Node(id) == nil {
				c.lastHanded[id] = 0
				err = net.Restart(id)
			}
		}
		require.NoError(t, err, "seed %d, step %d", seed, step)
		c.check()
		require.Empty(t, c.problems, "seed %d, step %d: replay with -run 'TestRandomized/seed=%d$'", seed, step, seed)
	}

	// Liveness: with the network whole again, the cluster elects a leader
	// and commits one more proposal on every node.
	net.Heal()
	net.SetDropRate(0)
	net.SetDuplicateRate(0)
	for _, id := range ids {
		if net.Node(id) == nil {
			c.lastHanded[id] = 0
			require.NoError(t, net.Restart(id))
		}
	}
	var index raft.Index
	for tick := 0; index == 0 || !everyNodeCommitted(net, index); tick++ {
		require.Less(t, tick, 100,
			"seed %d: after the network healed, the cluster should elect a leader and commit a proposal on every node within 100 ticks (§5.2; handout: \"1. The election timer\" to \"5. The no-op\"); replay with -run 'TestRandomized/seed=%d$'", seed, seed)
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
		c.check()
		require.Empty(t, c.problems, "seed %d, healing: replay with -run 'TestRandomized/seed=%d$'", seed, seed)
		if leader := net.StableLeader(ids...); index == 0 && leader != raft.None {
			index = net.ProposeAll(leader, "last")[0]
		}
	}
}

// everyNodeCommitted reports whether every node has committed index.
func everyNodeCommitted(net *clustertest.Cluster, index raft.Index) bool {
	for _, id := range net.IDs() {
		if net.Node(id).Status().Commit < index {
			return false
		}
	}
	return true
}
