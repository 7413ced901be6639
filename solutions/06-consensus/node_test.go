package core_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/clustertest"
	"raftgo/internal/raftnet"
	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/06-consensus"
)

// The rules the tests cite, as Figure 2 words them.
const (
	commitRule = `Figure 2, Rules for Servers, Leaders: "If there exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N"`
	rule5      = `Figure 2, AppendEntries RPC, receiver rule 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)"`
	applyRule  = `Figure 2, Rules for Servers, All Servers: "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied] to state machine"`
)

// TestLeaderCommitRule checks the commit rule on one leader, calling Step
// with crafted answers: the leader of term 2 in a cluster of five holds
// entries 1 and 2 of term 1 and entry 3 of its own term. It commits index
// N only when a majority (itself included) holds N and entry N is of term
// 2; entries 1 and 2 then commit with it. Handout: "1. The commit rule".
func TestLeaderCommitRule(t *testing.T) {
	cfg := raftnet.DefaultConfig(1, ids(1, 2, 3, 4, 5), 0)
	cfg.Entries = []raft.Entry{clustertest.Entry(1, 1, "a"), clustertest.Entry(2, 1, "b"), clustertest.Entry(3, 2, "c")}
	cfg.HardState = raft.HardState{Term: 2}
	leader, err := core.New(cfg)
	require.NoError(t, err)
	require.NoError(t, leader.BecomeLeader(2))
	leader.Ready()
	held := map[raft.NodeID]raft.Index{1: 3}
	for _, step := range []struct {
		from  raft.NodeID
		match raft.Index
		want  raft.Index
		why   string
	}{
		{2, 2, 0, "entry 2 is on nodes 1 and 2 only: two of five"},
		{3, 2, 0, "entry 2 is on a majority (1, 2, 3), but it is of term 1: a leader never commits an entry of an earlier term by counting replicas (§5.4.2)"},
		{2, 3, 0, "entry 3, of term 2, is on nodes 1 and 2 only: two of five"},
		{3, 3, 3, "entry 3, of term 2, is on a majority (1, 2, 3): it commits, and entries 1 and 2 with it"},
		{4, 1, 3, "a late answer for entry 1 never moves the commit index back"},
	} {
		require.NoError(t, leader.Step(raft.Message{From: step.from, To: 1, Term: 2, Body: raft.AppendEntriesResponse{Success: true, MatchIndex: step.match}}))
		held[step.from] = max(held[step.from], step.match)
		require.Equal(t, step.want, leader.Status().Commit,
			"leader 1's commit index after node %d acknowledged entry %d (nodes hold up to %v): %s (%s; handout: \"1. The commit rule\")", step.from, step.match, held, step.why, commitRule)
	}
}

// TestNoCommitWithoutMajority checks the commit rule (Figure 2, Rules for
// Servers, Leaders: "If there exists an N…"; §5.3). A leader commits an
// entry once a majority of the cluster holds it, and not before: in a
// 5-node cluster, a leader cut off with one follower holds new entries on
// two nodes out of five and must not commit them; when the partition heals
// they reach a majority and commit, and the followers learn it from the
// next AppendEntries. Handout: "1. The commit rule".
func TestNoCommitWithoutMajority(t *testing.T) {
	c := newCluster(t, 5, raftnet.Options{Seed: 1})
	c.Appoint(1, 1)
	c.ProposeAll(1, "a")
	c.Settle(2)
	for _, id := range c.IDs() {
		require.Equal(t, raft.Index(1), c.Commit(id),
			"node %d's commit index once entry 1 is on all five nodes (%s; followers learn it by %s; handout: \"1. The commit rule\")", id, commitRule, rule5)
	}

	c.Partition(ids(1, 2), ids(3, 4, 5))
	c.ProposeAll(1, "b", "c")
	c.Settle(5)
	require.Equal(t, raft.Index(1), c.Commit(1),
		"leader 1's commit index while it and follower 2 alone hold entries 2 and 3: two nodes of five are not a majority (%s; handout: \"1. The commit rule\")", commitRule)
	for _, id := range c.IDs() {
		applied := clustertest.Datas(c.Applied(id))
		if len(applied) > 1 && applied[1] == "a" {
			require.Failf(t, "entry handed out twice", "node %d handed out entry 1 more than once: %q; each committed entry leaves Ready once, then applied moves past it (%s; handout: \"3. Committed entries leave through Ready\")", id, applied, applyRule)
		}
		require.Equal(t, []string{"a"}, applied,
			"node %d applied an entry that only a minority holds (%s; handout: \"1. The commit rule\")", id, commitRule)
	}

	c.Heal()
	c.Settle(3)
	for _, id := range c.IDs() {
		require.Equal(t, raft.Index(3), c.Commit(id),
			"node %d's commit index after the partition healed and entries 2 and 3 reached every node (%s; %s)", id, commitRule, rule5)
		require.Equal(t, []string{"a", "b", "c"}, clustertest.Datas(c.Applied(id)),
			"node %d's applied entries after the heal (%s; handout: \"3. Committed entries leave through Ready\")", id, applyRule)
	}
}

// TestMinorityNeverCommits checks that the quorum is a majority of the
// whole cluster, crashed nodes included (§5.3, §5.4.2). With three of five
// nodes down, the leader and its one live follower hold every new entry
// and must commit none of them, however long they wait; the moment a third
// node comes back and takes the entries, they commit. Handout: "1. The
// commit rule".
func TestMinorityNeverCommits(t *testing.T) {
	c := newCluster(t, 5, raftnet.Options{Seed: 2})
	c.Crash(3)
	c.Crash(4)
	c.Crash(5)
	c.Appoint(1, 1)
	c.ProposeAll(1, "a", "b")
	c.Settle(20)
	for _, id := range ids(1, 2) {
		require.Equal(t, raft.Index(2), c.Node(id).Status().LastIndex, "node %d's log should hold both proposals (replication, stage 05)", id)
		require.Equal(t, raft.Index(0), c.Commit(id),
			"node %d's commit index with only nodes 1 and 2 of five running: a minority must never commit (%s; handout: \"1. The commit rule\")", id, commitRule)
	}

	require.NoError(t, c.Restart(3))
	c.Settle(3)
	for _, id := range ids(1, 2, 3) {
		require.Equal(t, raft.Index(2), c.Commit(id),
			"node %d's commit index once node 3 is back and nodes 1, 2 and 3 (three of five, a majority) hold both entries (%s; %s)", id, commitRule, rule5)
		require.Equal(t, []string{"a", "b"}, clustertest.Datas(c.Applied(id)), "node %d's applied entries (%s)", id, applyRule)
	}
}

// TestFollowerLearnsCommitOnlyUpToVerified checks AppendEntries receiver
// rule 5 (Figure 2): a follower sets commitIndex = min(leaderCommit, index
// of the last new entry), that is, it commits no further than the prefix
// the message proved matches the leader's log. Here follower 2 holds a
// stale entry 3 from term 2; a heartbeat that checks only entries up to 2
// must not commit it, even though the leader says it has committed index 3.
// The test also checks that committed entries leave Ready once each, in
// order, and that a delayed message never moves the commit index back.
// Handout: "2. Followers learn the commit index".
func TestFollowerLearnsCommitOnlyUpToVerified(t *testing.T) {
	n, err := core.New(raft.Config{
		ID: 2, Peers: ids(1, 2, 3), ElectionTicks: 10, HeartbeatTicks: 1, MaxEntriesPerMessage: 64,
		HardState: raft.HardState{Term: 2},
		Entries:   []raft.Entry{clustertest.Entry(1, 1, "a"), clustertest.Entry(2, 1, "b"), clustertest.Entry(3, 2, "stale")},
	})
	require.NoError(t, err)
	n.Ready() // the restored state; nothing is committed yet
	appendEntries := func(prevIndex raft.Index, prevTerm raft.Term, leaderCommit raft.Index, entries ...raft.Entry) {
		t.Helper()
		require.NoError(t, n.Step(raft.Message{From: 1, To: 2, Term: 3, Body: raft.AppendEntries{
			PrevLogIndex: prevIndex, PrevLogTerm: prevTerm, Entries: entries, LeaderCommit: leaderCommit,
		}}))
	}

	appendEntries(2, 1, 3)
	require.Equal(t, raft.Index(2), n.Status().Commit,
		"follower's commit index after a heartbeat that matched its log up to index 2 with leaderCommit 3: its own entry 3 (term 2) is not the leader's, so it may commit only up to 2 (%s; handout: \"2. Followers learn the commit index\")", rule5)
	rd := n.Ready()
	require.Equal(t, clustertest.Describe([]raft.Entry{clustertest.Entry(1, 1, "a"), clustertest.Entry(2, 1, "b")}), clustertest.Describe(rd.CommittedEntries),
		"the Ready after the follower committed up to 2 should hand out entries 1 and 2, in order (%s; handout: \"3. Committed entries leave through Ready\")", applyRule)
	require.Equal(t, raft.Index(2), rd.HardState.Commit, "the Ready's hard state should carry the new commit index, to persist it")

	appendEntries(2, 1, 3, clustertest.Entry(3, 3, "c"))
	require.Equal(t, raft.Index(3), n.Status().Commit, "follower's commit index once the leader's entry 3 replaced its stale one (%s)", rule5)
	require.Equal(t, clustertest.Describe([]raft.Entry{clustertest.Entry(3, 3, "c")}), clustertest.Describe(n.Ready().CommittedEntries),
		"the next Ready should hand out only the newly committed entry 3, the leader's, and not entries 1 and 2 again (%s)", applyRule)

	appendEntries(0, 0, 1) // a heartbeat from earlier, delivered late
	require.Equal(t, raft.Index(3), n.Status().Commit, "follower's commit index after a delayed AppendEntries with leaderCommit 1: it must not move back from 3 (%s: only 'if leaderCommit > commitIndex'; handout: \"2. Followers learn the commit index\")", rule5)
	appendEntries(2, 1, 3, clustertest.Entry(3, 3, "c"))
	require.Equal(t, raft.Index(3), n.Status().Commit, "a delayed AppendEntries with leaderCommit 1 must not move the commit index back (%s: only 'if leaderCommit > commitIndex')", rule5)
	require.Empty(t, n.Ready().CommittedEntries, "a Ready must never hand out an entry twice (%s)", applyRule)
}

// TestEveryNodeAppliesTheSameSequence checks State Machine Safety (§5.4.3,
// Figure 3) over many seeded schedules that drop, duplicate and reorder
// messages: every node hands out each committed entry exactly once, in log
// order, and every node's sequence is the leader's log, so every replica
// of the store ends in the same state. A failure names its seed; replay it
// with go test -run 'TestEveryNodeAppliesTheSameSequence/seed=N$'.
// Handout: "3. Committed entries leave through Ready".
func TestEveryNodeAppliesTheSameSequence(t *testing.T) {
	const proposals = 30
	for seed := range uint64(60) {
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			appliers := make(map[raft.NodeID]*core.Applier)
			stores := make(map[raft.NodeID]*kvserver.Store)
			var problems []string
			c := newCluster(t, 5, raftnet.Options{Seed: seed, OnReady: func(id raft.NodeID, rd raft.Ready) {
				if len(rd.CommittedEntries) == 0 {
					return
				}
				if first := rd.CommittedEntries[0].Index; first != appliers[id].Applied()+1 {
					problems = append(problems, fmt.Sprintf("node %d handed out entry %d after entry %d", id, first, appliers[id].Applied()))
				}
				if err := appliers[id].Apply(rd.CommittedEntries); err != nil {
					problems = append(problems, fmt.Sprintf("node %d: %v", id, err))
				}
			}})
			for _, id := range c.IDs() {
				stores[id] = new(kvserver.Store)
				appliers[id] = core.NewApplier(stores[id])
			}
			rng := rand.New(rand.NewPCG(seed, 6))
			c.SetReorder(true)
			c.SetDropRate(0.1)
			c.SetDuplicateRate(0.1)
			c.Appoint(1, 1)

			var want []string
			for len(want) < proposals {
				switch r := rng.IntN(10); {
				case r < 2:
					cmd := core.Set(fmt.Sprintf("k%d", rng.IntN(4)), fmt.Sprint(len(want)))
					if r == 1 {
						cmd = core.Delete(fmt.Sprintf("k%d", rng.IntN(4)))
					}
					c.ProposeAll(1, string(cmd.Encode()))
					want = append(want, string(cmd.Encode()))
				case r < 4:
					require.NoError(t, c.TickNode(1))
				default:
					_, err := c.DeliverOne()
					require.NoError(t, err)
				}
			}
			c.SetDropRate(0)
			c.SetDuplicateRate(0)
			c.Settle(10)

			require.Empty(t, problems, "seed %d: committed entries must leave Ready exactly once and in order, and apply without gaps (%s)", seed, applyRule)
			for _, id := range c.IDs() {
				require.Equal(t, want, clustertest.Datas(c.Applied(id)),
					"seed %d: node %d should have applied all %d proposals, in the leader's order, once each, after the network went quiet (%s; %s; %s)", seed, id, proposals, commitRule, rule5, applyRule)
				require.Equal(t, stores[1].Snapshot(), stores[id].Snapshot(), "seed %d: node %d's store differs from node 1's after applying the same entries", seed, id)
			}
		})
		if !ok {
			break // one failing seed is enough: replay it alone with -run
		}
	}
}

// TestFigure8 builds the situation of Figure 8 of the paper by hand, to
// show why a leader may not commit an entry of an earlier term by counting
// its replicas (§5.4.2). Five nodes start in Figure 8's state (b): entry 1
// is committed everywhere; node 1 wrote entry 2 in term 2 and replicated it
// to node 2; node 5 wrote a different entry 2 in term 3. The subtests play
// Figure 8 (c) and then (d) or (e). Handout: "1. The commit rule" and,
// under "Background", Figure 8.
func TestFigure8(t *testing.T) {
	start := func(t *testing.T) *clustertest.Cluster {
		t.Helper()
		logs := map[raft.NodeID][]raft.Entry{
			1: {clustertest.Entry(1, 1, "x"), clustertest.Entry(2, 2, "term 2")},
			2: {clustertest.Entry(1, 1, "x"), clustertest.Entry(2, 2, "term 2")},
			3: {clustertest.Entry(1, 1, "x")},
			4: {clustertest.Entry(1, 1, "x")},
			5: {clustertest.Entry(1, 1, "x"), clustertest.Entry(2, 3, "term 3")},
		}
		c := newCluster(t, 5, raftnet.Options{Configure: func(c *raft.Config) {
			c.Entries = logs[c.ID]
			c.HardState = raft.HardState{Term: c.Entries[len(c.Entries)-1].Term, Commit: 1}
		}})
		// Figure 8 (c): node 1 leads term 4 and brings node 3 up to date,
		// while nodes 4 and 5 are out of reach.
		c.Appoint(1, 4)
		c.Partition(ids(1, 2, 3), ids(4, 5))
		c.Settle(3)
		require.Equal(t, clustertest.Describe(logs[1]), clustertest.Describe(c.Storage(3).Entries),
			"node 3's log once leader 1 has replicated its log to it (replication, stage 05)")
		return c
	}

	t.Run("old-term entry on a majority is not committed", func(t *testing.T) {
		c := start(t)
		require.Equal(t, raft.Index(1), c.Commit(1),
			"leader 1 (term 4) committed entry 2 (term 2) because nodes 1, 2 and 3 hold it: counting replicas commits only entries of the leader's own term (%s; §5.4.2; Figure 8 (c); handout: \"1. The commit rule\")", commitRule)

		// Figure 8 (d): node 1 crashes; node 5 wins term 5 with the votes of
		// nodes 2, 3 and 4 (its last term, 3, beats their 2 and 1) and
		// overwrites entry 2 everywhere. Had entry 2 been committed, a
		// committed entry would now be lost.
		c.Crash(1)
		c.Heal()
		c.Appoint(5, 5)
		c.Settle(3)
		require.Equal(t, raft.Index(1), c.Commit(5),
			"leader 5 (term 5) committed its entry 2 (term 3) by counting replicas: it too must wait for an entry of term 5 (%s; §5.4.2)", commitRule)
		c.ProposeAll(5, "term 5")
		c.Settle(3)
		for _, id := range ids(2, 3, 4, 5) {
			require.Equal(t, raft.Index(3), c.Commit(id),
				"node %d's commit index once leader 5's term-5 entry 3 is on a majority: it commits entry 2 (term 3) with it (%s; §5.4.2; %s)", id, commitRule, rule5)
			require.Equal(t, []string{"x", "term 3", "term 5"}, clustertest.Datas(c.Applied(id)),
				"node %d's applied entries: entry 2 of term 2 must never have been applied, because Figure 8 (d) overwrote it (§5.4.2)", id)
		}
	})

	t.Run("current-term entry commits the old one", func(t *testing.T) {
		c := start(t)
		// Figure 8 (e): leader 1 replicates an entry of its own term 4 to a
		// majority; that commits entry 2 (term 2) with it.
		c.ProposeAll(1, "term 4")
		c.Settle(3)
		for _, id := range ids(1, 2, 3) {
			require.Equal(t, raft.Index(3), c.Commit(id),
				"node %d's commit index once leader 1's term-4 entry 3 is on nodes 1, 2 and 3: an entry of the current term on a majority commits it and every entry before it (%s; §5.4.2; Figure 8 (e); %s)", id, commitRule, rule5)
			require.Equal(t, []string{"x", "term 2", "term 4"}, clustertest.Datas(c.Applied(id)), "node %d's applied entries (%s)", id, applyRule)
		}
		c.Heal()
		c.Settle(3)
		require.Equal(t, []string{"x", "term 2", "term 4"}, clustertest.Datas(c.Applied(5)),
			"node 5's applied entries after the heal: its entry 2 of term 3 is replaced by the committed one (%s; %s)", rule5, applyRule)
	})
}

// TestRestartReappliesCommittedEntries checks that committed entries
// survive a crash of every node, and that a restarted node hands them out
// again: in stages 06 and 07 a node keeps no snapshot, so its state
// machine starts empty and is rebuilt by replaying the log from index 1
// up to the commit index it persisted in its hard state (Figure 2,
// "Persistent state"; §5.3). Handout: "3. Committed entries leave through
// Ready".
func TestRestartReappliesCommittedEntries(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{Seed: 3})
	c.Appoint(1, 1)
	var want []string
	for i := range 5 {
		want = append(want, string(core.Set(fmt.Sprintf("k%d", i), "v").Encode()))
	}
	c.ProposeAll(1, want...)
	c.Settle(3)

	for _, id := range c.IDs() {
		require.Equal(t, raft.Index(5), c.Storage(id).HardState.Commit,
			"node %d's persisted hard state should hold its commit index 5, so that a restart knows what to replay (%s; %s)", id, commitRule, rule5)
		c.Crash(id)
	}
	for _, id := range c.IDs() {
		require.NoError(t, c.Restart(id))
		require.NoError(t, c.Collect(id))
		require.Equal(t, want, clustertest.Datas(c.Applied(id)),
			"node %d's first Ready after a restart should hand out every entry up to its persisted commit index, in order (%s; applied restarts from 0; handout: \"3. Committed entries leave through Ready\")", id, applyRule)
		store := new(kvserver.Store)
		require.NoError(t, core.NewApplier(store).Apply(c.Applied(id)))
		require.Len(t, store.Snapshot(), 5, "node %d's store rebuilt from the replayed entries", id)
	}

	c.Appoint(1, 2)
	c.ProposeAll(1, "after")
	c.Settle(3)
	for _, id := range c.IDs() {
		require.Equal(t, append(want, "after"), clustertest.Datas(c.Applied(id)),
			"node %d's applied entries since the restart: the replayed five, then the new one, each once (%s)", id, applyRule)
	}
}
