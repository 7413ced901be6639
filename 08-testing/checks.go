package invariants

import ()

// The checks, one per property. Each looks at one change (what one report
// did to one node) against what the Checker knows of the whole cluster,
// and reports what breaks its property with c.report. The Checker's
// bookkeeping (each node's persisted log and status, the entries known to
// be committed) is done before the checks run; a check keeps only the
// records of its own property.

// checkElectionSafety checks that no two nodes lead the same term, that a
// node does not lead a term again after a restart, and that a leader holds
// the votes of a majority (Figure 3).
func (c *Checker) checkElectionSafety(ch *change) {
	// TODO: Election Safety (Figure 3, §5.2; handout: "1. Election Safety"): when
	// the node is leader (ch.node.status.Role), look up c.leaders for its term.
	// Nobody yet: record it, with its incarnation, and check that a majority of
	// the voters of its configuration (c.majority, given) persisted a vote for
	// it in that term (c.votes): that is what makes a second leader
	// impossible. Another node, or the same node in
	// an earlier life (a leader that crashed must not lead its term again):
	// report it, naming both and the term.
}

// checkLeaderAppendOnly checks that a leader only appends to its log.
func (c *Checker) checkLeaderAppendOnly(ch *change) {
	// TODO: Leader Append-Only (Figure 3, §5.3; handout: "2. Leader Append-Only"):
	// a node that was leader of this term at its last report and still is
	// (ch.leaderFromBefore) must not have removed entries from its log
	// (ch.removed). Report the first removed entry's index and the term.
}

// checkLogMatching checks every entry a log gains against every entry with
// the same index and term that any log held before.
func (c *Checker) checkLogMatching(ch *change) {
	// TODO: Log Matching (Figure 3, §5.3; handout: "3. Log Matching"): for each
	// entry in ch.appended, key it by index and term (entryID). The first time
	// a key is seen, record its facts: the entry, the term of the entry
	// before it in this node's log (n.termAt) and the node. Later, the same
	// key must come with the same entry and the same previous term: by
	// induction that makes the logs identical up through it. Report both
	// nodes and the index.
}

// checkLeaderCompleteness checks that leaders hold every entry committed
// in an earlier term: a new leader when it takes office, and every leader
// of a later term when an entry is first known to be committed.
func (c *Checker) checkLeaderCompleteness(ch *change) {
	// TODO: Leader Completeness (Figure 3, §5.4; handout: "4. Leader Completeness").
	// When this node has just become leader (it is leader now, and was not
	// leader of this term at its last report), its log must hold every entry
	// of c.committed whose term is lower than its own. And an entry first
	// known as committed in this change (ch.committed) must be in the log of
	// every node last seen leading a higher term. Holding means holding that
	// same entry (sameEntry); an index before leader.first is in a snapshot.
}

// checkStateMachineSafety checks that every node applies the same entry at
// each index.
func (c *Checker) checkStateMachineSafety(ch *change) {
	// TODO: State Machine Safety (Figure 3, §5.4.3; handout: "5. State Machine
	// Safety"): for each entry in ch.applied, look in c.applied for what any
	// node applied at its index before. Nothing yet: record it, with the node.
	// Something else: report both nodes and the index.
}

// checkVoteRestriction checks that a node that has just cast a vote for a
// candidate held a log no more up-to-date than the candidate's.
func (c *Checker) checkVoteRestriction(ch *change) {
	// TODO: The election restriction (§5.4.1; handout: "6. The election
	// restriction"): when the node's persisted vote is new (a vote in a new
	// term, or a first vote in its term; see ch.hardBefore) and for another
	// node, look up that candidate's last entry in c.candidates. The voter's
	// last entry before this report (ch.lastBefore) must not be more
	// up-to-date: a later term, or the same term and a higher index.
}

// checkCommittedKept checks that a committed entry is on a majority when it
// commits, that a node's commit index covers only the committed entries,
// and that no log loses a committed entry it held.
func (c *Checker) checkCommittedKept(ch *change) {
	// TODO: Committed entries are kept (handout: "7. Committed entries are kept").
	// Three checks. (a) Each index in ch.committed must be held, as that same
	// entry, by a majority of the voters of one of the node's configurations
	// since its last report (ch.configurations; c.holders, given, counts the
	// voters whose persisted log or snapshot holds it). (b) Every index the node's
	// commit index newly covers (from ch.before.Commit+1, or from n.first when
	// ch.started) must hold the entry in c.committed. (c) No entry of
	// ch.removed may be the committed entry at its index.
}

// checkAppliedPrefix checks that a node applies entries in order, each
// once, with no gap.
func (c *Checker) checkAppliedPrefix(ch *change) {
	// TODO: Applied prefix (Figure 2, All Servers; handout: "8. Applied prefix"):
	// each entry of ch.applied must have the index right after the node's
	// lastApplied (set from its status when it started); report the gap or
	// the repeat, and move lastApplied on.
}

// checkCommitRule checks that a leader's commit index moves only to
// entries of its own term.
func (c *Checker) checkCommitRule(ch *change) {
	// TODO: The commit rule (Figure 2, Rules for Servers, Leaders; §5.4.2; handout:
	// "9. Node fields and the commit rule"): when a node that was leader of this
	// term at its last report (ch.leaderFromBefore) has moved its commit index
	// forward, the entry at the new commit index must be of its term. Report
	// the node, both terms and the index.
}

// checkNodeFields checks one node's own fields after a report.
func (c *Checker) checkNodeFields(ch *change) {
	// TODO: Node fields (Figure 2, State; handout: "9. Node fields and the commit rule"): check, and report with fail,
	// that st.Applied ≤ st.Commit ≤ st.LastIndex; that st.LastIndex is the
	// last index of the persisted log; that the persisted hard state's term
	// and commit never go back (n.hard against ch.hardBefore) and its vote
	// never changes within a term once cast; and, on a leader, that each
	// follower's Match < Next ≤ st.LastIndex+1.
}
