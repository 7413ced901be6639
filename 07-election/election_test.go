package core_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/clustertest"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// The rules the tests cite, as Figure 2 words them.
const (
	followerRule  = `Figure 2, Rules for Servers, Followers: "If election timeout elapses without receiving AppendEntries RPC from current leader or granting vote to candidate: convert to candidate"`
	candidateRule = `Figure 2, Rules for Servers, Candidates: "On conversion to candidate, start election … If votes received from majority of servers: become leader"`
	voteRule      = `Figure 2, RequestVote RPC, receiver rule 2: "If votedFor is null or candidateId, and candidate's log is at least as up-to-date as receiver's log, grant vote"`
	termRule      = `Figure 2, Rules for Servers, All Servers: "If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower"`
)

// TestLeaderEmerges checks that a cluster elects one leader, which every
// other node follows, within three of the longest election timeouts
// (§5.2). Over many seeds the randomized timeouts differ, so each seed
// gives the election a different race. Handout: "1. The election timer" to
// "4. Counting votes".
func TestLeaderEmerges(t *testing.T) {
	worst := 0
	for seed := range uint64(200) {
		c := newCluster(t, 5, raftnet.Options{Seed: seed})
		for tick := 1; ; tick++ {
			require.LessOrEqual(t, tick, electionBound,
				"seed %d: a 5-node cluster elected no leader that all follow within %d ticks, three of the longest election timeouts (%s; %s; handout: \"1. The election timer\")", seed, electionBound, followerRule, candidateRule)
			require.NoError(t, c.Tick())
			require.NoError(t, c.DeliverAll())
			require.LessOrEqual(t, len(c.Leaders()), 1, "seed %d: two leaders at once after %d ticks, in a network that delivers everything (§5.2)", seed, tick)
			if c.StableLeader() != raft.None {
				worst = max(worst, tick)
				break
			}
		}
	}
	t.Logf("slowest election over 200 seeds: %d ticks (bound %d)", worst, electionBound)
}

// TestPartitionedLeaderStepsDown checks that a leader cut off from the
// majority is replaced, and that it steps down when the partition heals:
// the majority elects a leader in a higher term, and the first message the
// old leader gets from that term makes it a follower (Figure 2, Rules for
// Servers, All Servers; §5.1). What the old leader accepted while cut off
// never commits. Handout: "6. Step down".
func TestPartitionedLeaderStepsDown(t *testing.T) {
	for seed := range uint64(20) {
		c := newCluster(t, 5, raftnet.Options{Seed: seed})
		old, _ := c.WaitLeader(electionBound)
		oldTerm := c.Node(old).Status().Term

		c.Isolate(old)
		_, _, err := c.Propose(old, []byte("lost"))
		require.NoError(t, err, "seed %d: the old leader still thinks it leads", seed)
		leader, _ := c.WaitLeader(electionBound, c.Others(old)...)
		term := c.Node(leader).Status().Term
		require.Greater(t, term, oldTerm, "seed %d: the new leader's term (§5.1: each term has at most one leader)", seed)
		require.Equal(t, raft.Leader, c.Node(old).Status().Role, "seed %d: cut off, the old leader cannot know it was replaced", seed)
		_, _, err = c.Propose(leader, []byte("kept"))
		require.NoError(t, err)

		c.Heal()
		c.Settle(3)
		st := c.Node(old).Status()
		require.Equal(t, raft.Follower, st.Role,
			"seed %d: old leader %d (term %d) after the heal, hearing from leader %d of term %d (%s; handout: \"6. Step down\")", seed, old, oldTerm, leader, term, termRule)
		require.Equal(t, term, st.Term, "seed %d: the old leader's term after the heal (%s)", seed, termRule)
		require.Equal(t, leader, st.Leader, "seed %d: the old leader should follow the new one", seed)
		for _, id := range c.IDs() {
			applied := clustertest.Datas(c.Applied(id))
			require.Contains(t, applied, "kept", "seed %d: node %d should have applied the new leader's entry", seed, id)
			require.NotContains(t, applied, "lost", "seed %d: node %d applied an entry only the cut-off old leader held (§5.4.2)", seed, id)
		}
	}
}

// TestStaleLogCannotWin checks the election restriction (§5.4.1): a voter
// refuses a candidate whose log is less up-to-date than its own, so a node
// that misses committed entries cannot become leader, and the leader that
// is elected holds every committed entry (Leader Completeness, Figure 3).
// Here entries 1 and 2 are committed on nodes 1 and 2; node 3 holds only
// entry 1. Handout: "3. Voting".
func TestStaleLogCannotWin(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{Seed: 7, Configure: func(c *raft.Config) {
		c.Entries = []raft.Entry{clustertest.Entry(1, 1, "a"), clustertest.Entry(2, 1, "b")}
		c.HardState = raft.HardState{Term: 1, Commit: 2}
		if c.ID == 3 {
			c.Entries = c.Entries[:1]
			c.HardState.Commit = 1
		}
	}})
	tickUntil(t, c, 3, raft.Candidate, maxElectionTimeout+1)
	for range 2 {
		_, err := c.DeliverOne() // node 3's RequestVotes
		require.NoError(t, err)
	}
	requireVotes(t, c, 3, 2, map[raft.NodeID]bool{1: false, 2: false},
		"Nodes 1 and 2 end their logs at entry 2 of term 1, candidate 3 (campaigning in term 2) at entry 1: its log is less up-to-date, so both refuse ("+voteRule+"; §5.4.1; handout: \"3. Voting\")")

	for tick := range electionBound {
		require.NoError(t, c.Tick())
		require.NoError(t, c.DeliverAll())
		require.NotEqual(t, raft.Leader, c.Node(3).Status().Role, "node 3, missing committed entry 2, became leader after %d ticks (%s; §5.4.1)", tick, voteRule)
	}
	leader := c.StableLeader()
	require.Contains(t, []raft.NodeID{1, 2}, leader, "within %d ticks node 1 or 2 should lead, and all follow it (§5.2, §5.4.1)", electionBound)
	require.Equal(t, []string{"a", "b"}, clustertest.Datas(c.Storage(3).Entries[:2]), "node 3's log once the leader has repaired it")
}

// TestVotePersistsAcrossRestart checks that a vote survives a crash: a node
// grants at most one vote per term, so the vote must be in the hard state
// it persists before it answers (Figure 2, "Persistent state on all
// servers": votedFor). Node 2 votes for node 1 in term 1 and crashes;
// restarted, it must refuse node 3 in the same term. Handout: "3. Voting".
func TestVotePersistsAcrossRestart(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{Seed: 8})
	tickUntil(t, c, 1, raft.Candidate, maxElectionTimeout+1)
	c.Drop(func(m raft.Message) bool { return m.To == 3 })
	_, err := c.DeliverOne() // 1's RequestVote to 2
	require.NoError(t, err)
	requireVotes(t, c, 1, 1, map[raft.NodeID]bool{2: true}, "Candidate 1 is the first node 2 hears of in term 1 ("+voteRule+"; handout: \"3. Voting\")")
	require.Equal(t, raft.HardState{Term: 1, Vote: 1}, c.Storage(2).HardState,
		"node 2's persisted hard state once it voted for 1 in term 1: the vote is written before the answer is sent (Figure 2, Persistent state: votedFor; handout: \"3. Voting\")")

	c.Crash(2)
	require.NoError(t, c.Restart(2))
	tickUntil(t, c, 3, raft.Candidate, maxElectionTimeout+1)
	require.Equal(t, raft.Term(1), c.Node(3).Status().Term, "node 3 should campaign in term 1, the term node 2 voted in")
	c.Drop(func(m raft.Message) bool { return m.To == 1 })
	_, err = c.DeliverOne() // 3's RequestVote to 2
	require.NoError(t, err)
	requireVotes(t, c, 3, 1, map[raft.NodeID]bool{2: false},
		"Restarted node 2 already voted for 1 in term 1: one vote per term, across restarts (§5.2; "+voteRule)
}

// TestSplitVoteResolves checks that randomized election timeouts break a
// split vote (§5.2): all five nodes campaign in the same term, each votes
// for itself and no one wins; the next timeouts differ, so one node
// campaigns first and wins, within a few of the longest timeouts. Handout:
// "1. The election timer" and, under "Background", Randomized timeouts.
func TestSplitVoteResolves(t *testing.T) {
	worst := 0
	for seed := range uint64(100) {
		c := newCluster(t, 5, raftnet.Options{Seed: seed})
		for _, id := range c.IDs() {
			tickUntil(t, c, id, raft.Candidate, maxElectionTimeout+1)
		}
		require.NoError(t, c.DeliverAll())
		require.Empty(t, c.Leaders(), "seed %d: five candidates of term 1, each voting for itself, split the vote: none may win (%s; %s)", seed, voteRule, candidateRule)

		_, ticks := c.WaitLeader(electionBound)
		worst = max(worst, ticks)
		require.Greater(t, c.Node(c.StableLeader()).Status().Term, raft.Term(1), "seed %d: the leader's term must be past the split term 1", seed)
	}
	t.Logf("slowest recovery from a split vote over 100 seeds: %d ticks (bound %d)", worst, electionBound)
}

// TestNoOpCommitsEarlierEntries checks the no-op entry of §8: a leader may
// commit only entries of its own term by counting replicas (§5.4.2), so a
// new leader appends an empty entry of its term at once; when the no-op
// commits, every entry before it commits too, without waiting for a
// client. Here all three nodes hold entries 1 and 2 of term 1, uncommitted.
// Handout: "5. The no-op".
func TestNoOpCommitsEarlierEntries(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{Seed: 10, Configure: func(c *raft.Config) {
		c.Entries = []raft.Entry{clustertest.Entry(1, 1, "a"), clustertest.Entry(2, 1, "b")}
		c.HardState = raft.HardState{Term: 1}
	}})
	leader, _ := c.WaitLeader(electionBound)
	c.Settle(2)
	term := c.Node(leader).Status().Term
	for _, id := range c.IDs() {
		require.Equal(t, raft.Index(3), c.Node(id).Status().Commit,
			"node %d's commit index once leader %d's no-op (entry 3, term %d) is on every node: it commits entries 1 and 2 of term 1 with it (§5.4.2, §8; handout: \"5. The no-op\")", id, leader, term)
		applied := c.Applied(id)
		require.Equal(t, []string{"a", "b", ""}, clustertest.Datas(applied), "node %d's applied entries: 1 and 2, then the leader's no-op (§8)", id)
		require.Equal(t, term, applied[2].Term, "the no-op's term must be the new leader's term %d", term)
		require.Len(t, c.Storage(id).Entries, 3, "node %d's persisted log: entries 1 and 2, then the no-op; the leader persists its no-op through Ready like any entry (n.appendEntry; handout: \"5. The no-op\")", id)
	}
}
