package invariants

import (
	"testing"

	"raftgo/solutions/03-planning"
)

// TestElectionSafety checks the Election Safety checker on hand-built
// histories: two nodes leading one term, a leader without the persisted
// votes of a majority, and one node leading a term again after a crash,
// are violations; leaders of different terms are not (Figure 3, §5.2;
// handout: "1. Election Safety").
func TestElectionSafety(t *testing.T) {
	runCheckerCases(t, ElectionSafety, "1. Election Safety", []checkerCase{
		{name: "one leader per term", build: func(h *history) {
			h.elect(1, 1).elect(2, 2)
		}},
		{name: "two leaders in one term", breaks: true, build: func(h *history) {
			h.elect(1, 2).lead(2, 2)
		}},
		{name: "a leader without a majority of votes", breaks: true, build: func(h *history) {
			h.lead(1, 2)
		}},
		{name: "a leader with two votes of five", size: 5, breaks: true, build: func(h *history) {
			h.follow(2, 0, 2, 1).lead(1, 2)
		}},
		{name: "a leader leads its term again after a restart", breaks: true, build: func(h *history) {
			h.elect(1, 2).crash(1).restart(1).lead(1, 2)
		}},
		{name: "a restarted leader leads a later term", build: func(h *history) {
			h.elect(1, 2).crash(1).restart(1).elect(1, 3)
		}},
		{name: "a crashed voter's vote counts", build: func(h *history) {
			h.follow(3, 0, 2, 1).crash(3).lead(1, 2)
		}},
		{name: "a crashed leader's term stays taken", breaks: true, build: func(h *history) {
			h.elect(1, 2).crash(1).lead(2, 2)
		}},
	})
}

// TestLeaderAppendOnly checks the Leader Append-Only checker: a leader that
// replaces an entry of its log breaks it; a follower that does, or a leader
// that appends, does not (Figure 3; handout: "2. Leader Append-Only").
func TestLeaderAppendOnly(t *testing.T) {
	runCheckerCases(t, LeaderAppendOnly, "2. Leader Append-Only", []checkerCase{
		{name: "a leader appends", build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).write(1, entry(2, 1, "b"))
		}},
		{name: "a leader replaces an entry", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a"), entry(2, 1, "b")).lead(1, 2).write(1, entry(2, 2, "c"))
		}},
		{name: "a follower replaces an entry", build: func(h *history) {
			h.write(1, entry(1, 1, "a"), entry(2, 1, "b")).follow(1, 2, 2, 2).write(1, entry(2, 2, "c"))
		}},
		{name: "a leader writes an entry again unchanged", build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).write(1, entry(1, 1, "a"))
		}},
		{name: "a leader of a new term replaced its log as a follower", build: func(h *history) {
			h.write(1, entry(1, 1, "a")).lead(1, 2).follow(1, 3, 3, 3).write(1, entry(1, 3, "x")).lead(1, 4)
		}},
	})
}

// TestLogMatching checks the Log Matching checker: two logs holding an
// entry with the same index and term must hold the same entry, after the
// same previous term (Figure 3, §5.3; handout: "3. Log Matching").
func TestLogMatching(t *testing.T) {
	runCheckerCases(t, LogMatching, "3. Log Matching", []checkerCase{
		{name: "the same entry on two logs", build: func(h *history) {
			h.write(1, entry(1, 1, "a"), entry(2, 1, "b")).write(2, entry(1, 1, "a"), entry(2, 1, "b"))
		}},
		{name: "different data at one index and term", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).write(2, entry(1, 1, "b"))
		}},
		{name: "the same entry after different entries", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a"), entry(2, 3, "x")).write(2, entry(1, 2, "z"), entry(2, 3, "x"))
		}},
		{name: "different terms at one index", build: func(h *history) {
			h.write(1, entry(1, 1, "a")).write(2, entry(1, 2, "b"))
		}},
		{name: "an entry replaced and written again", build: func(h *history) {
			h.write(1, entry(1, 1, "a"), entry(2, 1, "b")).write(1, entry(2, 2, "c")).write(2, entry(1, 1, "a"), entry(2, 1, "b"))
		}},
	})
}

// TestStateMachineSafety checks the State Machine Safety checker: two nodes
// that apply different entries at one index break it, even across a crash
// (Figure 3, §5.4.3; handout: "5. State Machine Safety").
func TestStateMachineSafety(t *testing.T) {
	runCheckerCases(t, StateMachineSafety, "5. State Machine Safety", []checkerCase{
		{name: "the same entries applied everywhere", build: func(h *history) {
			for _, id := range []raft.NodeID{1, 2, 3} {
				h.write(id, entry(1, 1, "a"), entry(2, 1, "b")).commit(id, 2).apply(id, 2)
			}
		}},
		{name: "different entries applied at one index", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).commit(1, 1).apply(1, 1)
			h.write(2, entry(1, 2, "b")).commit(2, 1).apply(2, 1)
		}},
		{name: "a restarted node applies something else", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).commit(1, 1).apply(1, 1).crash(1).restart(1)
			h.write(1, entry(1, 2, "b")).apply(1, 1)
		}},
		{name: "a restarted node applies the same again", build: func(h *history) {
			h.write(1, entry(1, 1, "a")).commit(1, 1).apply(1, 1).crash(1).restart(1).apply(1, 1)
		}},
	})
}

// TestVoteRestriction checks the election-restriction checker: a vote for
// a candidate whose log, when it campaigned, was less up-to-date than the
// voter's breaks it (§5.4.1; handout: "6. The election restriction").
func TestVoteRestriction(t *testing.T) {
	// campaign makes node id a candidate of term, as it campaigns.
	campaign := func(h *history, id raft.NodeID, term raft.Term) {
		h.node(id).st.Role = raft.Candidate
		h.ready(id, raft.Ready{HardState: raft.HardState{Term: term, Vote: id}}, nil)
	}
	runCheckerCases(t, VoteRestriction, "6. The election restriction", []checkerCase{
		{name: "a vote for a candidate with the same log", build: func(h *history) {
			h.write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a"))
			campaign(h, 1, 2)
			h.follow(2, 0, 2, 1)
		}},
		{name: "a vote for a candidate with a later last term", build: func(h *history) {
			h.write(1, entry(1, 2, "b")).write(2, entry(1, 1, "a"), entry(2, 1, "c"))
			campaign(h, 1, 3)
			h.follow(2, 0, 3, 1)
		}},
		{name: "a vote for a longer log of an older term", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 1, "c")).write(2, entry(1, 2, "x"))
			campaign(h, 1, 3)
			h.follow(2, 0, 3, 1)
		}},
		{name: "a vote for a shorter log of the same term", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a"), entry(2, 1, "b"))
			campaign(h, 1, 2)
			h.follow(2, 0, 2, 1)
		}},
		{name: "entries persisted with the vote came after it", build: func(h *history) {
			h.write(1, entry(1, 1, "a"), entry(2, 1, "b")).write(2, entry(1, 1, "a"), entry(2, 1, "b"))
			campaign(h, 1, 2)
			h.ready(2, raft.Ready{HardState: raft.HardState{Term: 2, Vote: 1}, Entries: []raft.Entry{entry(3, 1, "c")}}, nil)
		}},
		{name: "the log the candidate had when it campaigned counts", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a"), entry(2, 1, "b"))
			campaign(h, 1, 2)
			h.write(1, entry(2, 1, "b"), entry(3, 1, "c")) // too late: its RequestVote said 1/1
			h.follow(2, 0, 2, 1)
		}},
	})
}

// TestCommittedKept checks the committed-kept checker: an entry commits
// only on a majority, every node's commit index covers the same entries,
// and no log loses a committed entry (§5.3, §5.4; handout: "7. Committed
// entries are kept").
func TestCommittedKept(t *testing.T) {
	runCheckerCases(t, CommittedKept, "7. Committed entries are kept", []checkerCase{
		{name: "committed on a majority", build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).commit(1, 1).commit(2, 1)
		}},
		{name: "committed on a minority", breaks: true, build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).commit(1, 1)
		}},
		{name: "committed on two of five", size: 5, breaks: true, build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).commit(1, 1)
		}},
		{name: "a follower commits another entry", breaks: true, build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).commit(1, 1)
			h.write(3, entry(1, 2, "b")).commit(3, 1)
		}},
		{name: "a log loses a committed entry", breaks: true, build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).commit(1, 1)
			h.write(2, entry(1, 2, "b"))
		}},
		{name: "an uncommitted entry is replaced", build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).commit(1, 1)
			h.write(3, entry(1, 1, "a"), entry(2, 1, "x")).write(3, entry(2, 2, "y"))
		}},
		{name: "a crashed node's log counts", build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).crash(2).commit(1, 1)
		}},
	})
}

// TestAppliedPrefix checks the applied-prefix checker: a node applies each
// entry once, in order, without gaps, and starts again from its status
// after a restart (Figure 2, All Servers; handout: "8. Applied prefix").
func TestAppliedPrefix(t *testing.T) {
	three := func(h *history) {
		h.write(1, entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 1, "c")).commit(1, 3)
	}
	runCheckerCases(t, AppliedPrefix, "8. Applied prefix", []checkerCase{
		{name: "in order", build: func(h *history) { three(h); h.apply(1, 1).apply(1, 3) }},
		{name: "a gap", breaks: true, build: func(h *history) {
			three(h)
			h.ready(1, raft.Ready{CommittedEntries: []raft.Entry{entry(2, 1, "b")}}, nil)
		}},
		{name: "a repeat", breaks: true, build: func(h *history) {
			three(h)
			h.apply(1, 2).ready(1, raft.Ready{CommittedEntries: []raft.Entry{entry(2, 1, "b")}}, nil)
		}},
		{name: "from the start again after a restart", build: func(h *history) {
			three(h)
			h.apply(1, 3).crash(1).restart(1).apply(1, 3)
		}},
	})
}

// TestCommitRule checks the commit-rule checker: a leader that moves its
// commit index to an entry of an earlier term breaks it; one that commits
// an entry of its term, and the old entries before it, does not (Figure 2;
// §5.4.2; handout: "9. Node fields and the commit rule").
func TestCommitRule(t *testing.T) {
	runCheckerCases(t, CommitRule, "9. Node fields and the commit rule", []checkerCase{
		{name: "a leader commits an entry of its term, and those before it", build: func(h *history) {
			h.write(1, entry(1, 1, "a")).lead(1, 2).write(1, entry(2, 2, "")).commit(1, 2)
		}},
		{name: "a leader commits an old entry by counting", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).lead(1, 2).write(1, entry(2, 2, "")).commit(1, 1)
		}},
		{name: "a follower learns an old entry is committed", build: func(h *history) {
			h.write(1, entry(1, 1, "a")).follow(1, 2, 2, 2).commit(1, 1)
		}},
	})
}

// TestNodeFields checks the node-fields checker on one node's fields
// (Figure 2, State; handout: "9. Node fields and the commit rule").
func TestNodeFields(t *testing.T) {
	runCheckerCases(t, NodeFields, "9. Node fields and the commit rule", []checkerCase{
		{name: "consistent", build: func(h *history) {
			h.follow(1, 0, 2, 2).lead(1, 3).write(1, entry(1, 3, "a")).commit(1, 1).apply(1, 1)
		}},
		{name: "commit past the log", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).commit(1, 2)
		}},
		{name: "applied past commit", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).ready(1, raft.Ready{}, func(st *raft.Status) { st.Applied = 1 })
		}},
		{name: "the status's last index is not the log's", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a")).ready(1, raft.Ready{}, func(st *raft.Status) { st.LastIndex = 2 })
		}},
		{name: "the term goes back", breaks: true, build: func(h *history) {
			h.follow(1, 0, 3, 0).follow(1, 0, 2, 0)
		}},
		{name: "the vote changes within a term", breaks: true, build: func(h *history) {
			h.follow(1, 0, 2, 2).follow(1, 0, 2, 3)
		}},
		{name: "a vote cast after none in a term", build: func(h *history) {
			h.follow(1, 0, 2, 0).follow(1, 0, 2, 3)
		}},
		{name: "the commit index goes back", breaks: true, build: func(h *history) {
			h.write(1, entry(1, 1, "a"), entry(2, 1, "b")).commit(1, 2).commit(1, 1)
		}},
		{name: "a restart keeps term, vote and commit", build: func(h *history) {
			h.follow(1, 0, 2, 2).write(1, entry(1, 2, "a")).commit(1, 1).crash(1).restart(1)
		}},
		{name: "a leader's match is not below next", breaks: true, build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a")).ready(1, raft.Ready{}, func(st *raft.Status) {
				st.Progress[2] = raft.Progress{Match: 1, Next: 1}
			})
		}},
		{name: "a leader's next is past its log", breaks: true, build: func(h *history) {
			h.lead(1, 1).ready(1, raft.Ready{}, func(st *raft.Status) {
				st.Progress[3] = raft.Progress{Match: 0, Next: 5}
			})
		}},
	})
}
