package invariants

import (
	"testing"

	"raftgo/solutions/03-planning"
)

// The paper's rules as scenarios, one rule per test, each quoting the
// sentence it checks (as etcd raft's raft_paper_test.go does). They run on
// the reference core with every invariant checked after every step. Handout:
// "11. Scenarios".

// appendEntriesTo matches the AppendEntries to node to that carry the entry
// at index.
func appendEntriesTo(to raft.NodeID, index raft.Index) func(raft.Message) bool {
	return func(m raft.Message) bool {
		ae, ok := m.Body.(raft.AppendEntries)
		return ok && m.To == to && len(ae.Entries) > 0 &&
			ae.Entries[0].Index <= index && index <= ae.Entries[len(ae.Entries)-1].Index
	}
}

// TestPaperFollowerTimesOut: §5.2, "If a follower receives no communication
// over a period of time called the election timeout, then it assumes there
// is no viable leader and begins an election to choose a new leader."
func TestPaperFollowerTimesOut(t *testing.T) {
	Given(t, "3 nodes with leader 1 in term 2", LeaderInTerm(1, 2)).
		When("1 crashes and 40 ticks pass", Crash(1), Ticks(40)).
		Then("2 or 3 leads a later term", LeaderAmong(2, 3), NoLeaderAmong(1))
}

// TestPaperOneVotePerTerm: §5.2, "Each server will vote for at most one
// candidate in a given term, on a first-come-first-served basis."
func TestPaperOneVotePerTerm(t *testing.T) {
	Given(t, "3 new nodes").
		When("2 campaigns, then 3 campaigns in the same term, and 2's request reaches 1 first",
			Campaign(2), Campaign(3), DeliverAll()).
		Then("1 voted for 2 alone, and 2 leads", VotedFor(1, 2), InTerm(3, 1), Leader(2))
}

// TestPaperMajorityWins: §5.2, "A candidate wins an election if it receives
// votes from a majority of the servers in the full cluster for the same
// term."
func TestPaperMajorityWins(t *testing.T) {
	Given(t, "5 new nodes", Nodes(5)).
		When("1 and 2 are cut off from 3, 4 and 5 for 60 ticks", Partition([]raft.NodeID{1, 2}), Ticks(60)).
		Then("the three elect a leader, the two cannot", LeaderAmong(3, 4, 5), NoLeaderAmong(1, 2))
}

// TestPaperStaleLeaderStepsDown: §5.1, "If a candidate or leader discovers
// that its term is out of date, it immediately reverts to follower state."
func TestPaperStaleLeaderStepsDown(t *testing.T) {
	Given(t, "5 nodes with leader 1 in term 3", Nodes(5), LeaderInTerm(1, 3)).
		When("1 is cut off for 40 ticks", Isolate(1), Ticks(40)).
		Then("a new leader is elected among 2–5, while 1 still thinks it leads term 3",
			LeaderAmong(2, 3, 4, 5), Role(1, raft.Leader), InTerm(1, 3)).
		When("the partition heals and one tick passes", Heal(), Ticks(1)).
		Then("1 steps down and follows the new leader", Role(1, raft.Follower), LeaderAmong(1, 2, 3, 4, 5))
}

// TestPaperElectionRestriction: §5.4.1, "the voter denies its vote if its
// own log is more up-to-date than that of the candidate."
func TestPaperElectionRestriction(t *testing.T) {
	Given(t, "3 nodes, where 1 and 2 hold an entry of term 2 that 3 lacks", Logs(map[raft.NodeID][]raft.Entry{
		1: {entry(1, 1, "a"), entry(2, 2, "b")},
		2: {entry(1, 1, "a"), entry(2, 2, "b")},
		3: {entry(1, 1, "a"), entry(2, 1, "x"), entry(3, 1, "y")},
	})).
		When("3, whose log is longer but older, campaigns", Campaign(3), DeliverAll()).
		Then("1 and 2 deny it their votes", Role(3, raft.Candidate), VotedFor(1, raft.None), VotedFor(2, raft.None))
}

// TestPaperConsistencyCheck: §5.3, "If the follower does not find an entry
// in its log with the same index and term, then it refuses the new
// entries." The leader then backs up until the logs match, and the
// follower's conflicting entries give way to the leader's.
func TestPaperConsistencyCheck(t *testing.T) {
	Given(t, "3 nodes with leader 1 in term 3, where 3 holds entries of term 1 that no one else has",
		LeaderInTerm(1, 3), Logs(map[raft.NodeID][]raft.Entry{
			1: {entry(1, 1, "a"), entry(2, 2, "b")},
			2: {entry(1, 1, "a"), entry(2, 2, "b")},
			3: {entry(1, 1, "a"), entry(2, 1, "x"), entry(3, 1, "y")},
		})).
		When("1 proposes c and two rounds pass", Propose(1, "c"), Ticks(2)).
		Then("3's log is the leader's", Holds(3, "a", "b", "", "c"), Committed(4, 1, 2, 3))
}

// TestPaperNoCommitByCounting: §5.4.2, "Raft never commits log entries from
// previous terms by counting replicas." This is Figure 8: the old entry is
// on a majority, yet a later leader could still overwrite it, so it is not
// committed until an entry of the current term is.
func TestPaperNoCommitByCounting(t *testing.T) {
	Given(t, "3 nodes that send one entry a message; only 1 holds b, of term 2",
		oneEntryPerMessage, Logs(map[raft.NodeID][]raft.Entry{
			1: {entry(1, 1, "a"), entry(2, 2, "b")},
			2: {entry(1, 1, "a")},
			3: {entry(1, 1, "a")},
		})).
		When("1 is elected in term 3 and copies b to 2, but its no-op reaches no one",
			Campaign(1), copyOldEntryOnly).
		Then("b is on a majority, and still not committed",
			Role(1, raft.Leader), Holds(2, "a", "b"), NotCommitted(2, 1, 2, 3)).
		When("the no-op gets through", Ticks(2)).
		Then("the no-op commits, and b with it", Committed(3, 1, 2, 3))
}

// oneEntryPerMessage makes leaders send entries one at a time, so that a
// follower can hold an old entry without the new leader's no-op after it.
var oneEntryPerMessage = Config(func(cfg *raft.Config) { cfg.MaxEntriesPerMessage = 1 })

// copyOldEntryOnly delivers every message of the Figure 8 scenario but the
// AppendEntries that would give 3 anything, and those that would give 2 the
// new leader's no-op once it holds b.
func copyOldEntryOnly(s *Scenario) error {
	return DeliverAllExcept(func(m raft.Message) bool {
		_, ae := m.Body.(raft.AppendEntries)
		return ae && m.To == 3 || appendEntriesTo(2, 3)(m) && len(s.Network().Storage(2).Entries) >= 2
	})(s)
}

// TestPaperRetryUntilStored: §5.3, "If followers crash or run slowly, or if
// network packets are lost, the leader retries AppendEntries RPCs
// indefinitely … until all followers eventually store all log entries."
func TestPaperRetryUntilStored(t *testing.T) {
	Given(t, "3 nodes with leader 1 in term 2", LeaderInTerm(1, 2)).
		When("3 crashes, 1 commits x and y with 2, and 3 restarts", Crash(3), Propose(1, "x", "y"), Ticks(2), Restart(3), Ticks(3)).
		Then("3 stores and commits every entry", Holds(3, "", "x", "y"), Committed(3, 1, 2, 3))
}
