package invariants

import (
	"fmt"
	"slices"
	"strings"

	raft "raftgo/solutions/03-planning"
)

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
	//workshop:todo Election Safety (Figure 3, §5.2; handout: "1. Election Safety"): when
	//workshop:todo the node is leader (ch.node.status.Role), look up c.leaders for its term.
	//workshop:todo Nobody yet: record it, with its incarnation, and check that a majority of
	//workshop:todo the voters of its configuration (c.majority, given) persisted a vote for
	//workshop:todo it in that term (c.votes): that is what makes a second leader
	//workshop:todo impossible. Another node, or the same node in
	//workshop:todo an earlier life (a leader that crashed must not lead its term again):
	//workshop:todo report it, naming both and the term.
	n, st := ch.node, ch.node.status
	if st.Role != raft.Leader {
		return
	}
	prev, seen := c.leaders[st.Term]
	switch {
	case !seen:
		c.leaders[st.Term] = leadership{id: n.id, incarnation: n.incarnation}
		members, quorum := c.majority(n)
		var voters []raft.NodeID
		for voter, candidate := range c.votes[st.Term] {
			if candidate == n.id && slices.Contains(members, voter) {
				voters = append(voters, voter)
			}
		}
		if len(voters) < quorum {
			slices.Sort(voters)
			c.report(Violation{Property: ElectionSafety, Nodes: append([]raft.NodeID{n.id}, voters...), Terms: []raft.Term{st.Term},
				Detail: fmt.Sprintf("node %d became leader of term %d with the votes of %v alone, %d of the %d voters %v; a majority is %d.", n.id, st.Term, voters, len(voters), len(members), members, quorum)})
		}
	case prev.id != n.id:
		c.report(Violation{Property: ElectionSafety, Nodes: []raft.NodeID{prev.id, n.id}, Terms: []raft.Term{st.Term},
			Detail: fmt.Sprintf("nodes %d and %d were both leader of term %d.", prev.id, n.id, st.Term)})
	case prev.incarnation != n.incarnation:
		c.report(Violation{Property: ElectionSafety, Nodes: []raft.NodeID{n.id}, Terms: []raft.Term{st.Term},
			Detail: fmt.Sprintf("node %d was leader of term %d, crashed, and became leader of term %d again after its restart.", n.id, st.Term, st.Term)})
	}
	//workshop:end
}

// checkLeaderAppendOnly checks that a leader only appends to its log.
func (c *Checker) checkLeaderAppendOnly(ch *change) {
	//workshop:todo Leader Append-Only (Figure 3, §5.3; handout: "2. Leader Append-Only"):
	//workshop:todo a node that was leader of this term at its last report and still is
	//workshop:todo (ch.leaderFromBefore) must not have removed entries from its log
	//workshop:todo (ch.removed). Report the first removed entry's index and the term.
	if !ch.leaderFromBefore || len(ch.removed) == 0 {
		return
	}
	n, first := ch.node, ch.removed[0]
	c.report(Violation{Property: LeaderAppendOnly, Nodes: []raft.NodeID{n.id}, Terms: []raft.Term{n.status.Term}, Indexes: []raft.Index{first.Index},
		Detail: fmt.Sprintf("node %d, leader of term %d, removed %s from its log.", n.id, n.status.Term, describeAll(ch.removed))})
	//workshop:end
}

// checkLogMatching checks every entry a log gains against every entry with
// the same index and term that any log held before.
func (c *Checker) checkLogMatching(ch *change) {
	//workshop:todo Log Matching (Figure 3, §5.3; handout: "3. Log Matching"): for each
	//workshop:todo entry in ch.appended, key it by index and term (entryID). The first time
	//workshop:todo a key is seen, record its facts: the entry, the term of the entry
	//workshop:todo before it in this node's log (n.termAt) and the node. Later, the same
	//workshop:todo key must come with the same entry and the same previous term: by
	//workshop:todo induction that makes the logs identical up through it. Report both
	//workshop:todo nodes and the index.
	n := ch.node
	for _, e := range ch.appended {
		prevTerm, _ := n.termAt(e.Index - 1)
		id := entryID{index: e.Index, term: e.Term}
		known, seen := c.entries[id]
		switch {
		case !seen:
			c.entries[id] = entryFacts{entry: e, prevTerm: prevTerm, node: n.id}
		case !sameEntry(known.entry, e):
			c.report(Violation{Property: LogMatching, Nodes: []raft.NodeID{known.node, n.id}, Terms: []raft.Term{e.Term}, Indexes: []raft.Index{e.Index},
				Detail: fmt.Sprintf("node %d's log holds %s where node %d's held %s: two entries with the same index and term.", n.id, e.String(), known.node, known.entry.String())})
		case known.prevTerm != prevTerm:
			c.report(Violation{Property: LogMatching, Nodes: []raft.NodeID{known.node, n.id}, Terms: []raft.Term{e.Term}, Indexes: []raft.Index{e.Index - 1, e.Index},
				Detail: fmt.Sprintf("both node %d and node %d hold %s, but the entry before it is of term %d on node %d and of term %d on node %d.", known.node, n.id, e.String(), known.prevTerm, known.node, prevTerm, n.id)})
		}
	}
	//workshop:end
}

// checkLeaderCompleteness checks that leaders hold every entry committed
// in an earlier term: a new leader when it takes office, and every leader
// of a later term when an entry is first known to be committed.
func (c *Checker) checkLeaderCompleteness(ch *change) {
	//workshop:todo Leader Completeness (Figure 3, §5.4; handout: "4. Leader Completeness").
	//workshop:todo When this node has just become leader (it is leader now, and was not
	//workshop:todo leader of this term at its last report), its log must hold every entry
	//workshop:todo of c.committed whose term is lower than its own. And an entry first
	//workshop:todo known as committed in this change (ch.committed) must be in the log of
	//workshop:todo every node last seen leading a higher term. Holding means holding that
	//workshop:todo same entry (sameEntry); an index before leader.first is in a snapshot.
	missing := func(leader *node, i raft.Index, cm commitment) {
		e, ok := leader.entry(i)
		if ok && sameEntry(e, cm.entry) || i < leader.first {
			return
		}
		holds := "nothing"
		if ok {
			holds = e.String()
		}
		c.report(Violation{Property: LeaderCompleteness, Nodes: []raft.NodeID{leader.id, cm.node}, Terms: []raft.Term{leader.status.Term, cm.term}, Indexes: []raft.Index{i},
			Detail: fmt.Sprintf("node %d is leader of term %d, but its log holds %s at index %d, where node %d said %s was committed by term %d.", leader.id, leader.status.Term, holds, i, cm.node, cm.entry.String(), cm.term)})
	}
	n := ch.node
	if n.status.Role == raft.Leader && !ch.leaderFromBefore {
		for _, i := range sortedIndexes(c.committed) {
			if cm := c.committed[i]; cm.term < n.status.Term {
				missing(n, i, cm)
			}
		}
	}
	for _, i := range ch.committed {
		cm := c.committed[i]
		for _, leader := range c.sortedNodes() {
			if leader.status.Role == raft.Leader && leader.status.Term > cm.term {
				missing(leader, i, cm)
			}
		}
	}
	//workshop:end
}

// checkStateMachineSafety checks that every node applies the same entry at
// each index.
func (c *Checker) checkStateMachineSafety(ch *change) {
	//workshop:todo State Machine Safety (Figure 3, §5.4.3; handout: "5. State Machine
	//workshop:todo Safety"): for each entry in ch.applied, look in c.applied for what any
	//workshop:todo node applied at its index before. Nothing yet: record it, with the node.
	//workshop:todo Something else: report both nodes and the index.
	n := ch.node
	for _, e := range ch.applied {
		prev, seen := c.applied[e.Index]
		switch {
		case !seen:
			c.applied[e.Index] = application{entry: e, node: n.id}
		case !sameEntry(prev.entry, e):
			c.report(Violation{Property: StateMachineSafety, Nodes: []raft.NodeID{prev.node, n.id}, Terms: []raft.Term{prev.entry.Term, e.Term}, Indexes: []raft.Index{e.Index},
				Detail: fmt.Sprintf("node %d applied %s at index %d, where node %d applied %s.", n.id, e.String(), e.Index, prev.node, prev.entry.String())})
		}
	}
	//workshop:end
}

// checkVoteRestriction checks that a node that has just cast a vote for a
// candidate held a log no more up-to-date than the candidate's.
func (c *Checker) checkVoteRestriction(ch *change) {
	//workshop:todo The election restriction (§5.4.1; handout: "6. The election
	//workshop:todo restriction"): when the node's persisted vote is new (a vote in a new
	//workshop:todo term, or a first vote in its term; see ch.hardBefore) and for another
	//workshop:todo node, look up that candidate's last entry in c.candidates. The voter's
	//workshop:todo last entry before this report (ch.lastBefore) must not be more
	//workshop:todo up-to-date: a later term, or the same term and a higher index.
	n, was, is := ch.node, ch.hardBefore, ch.node.hard
	if is.Vote == raft.None || is.Vote == n.id || (is.Term == was.Term && is.Vote == was.Vote) {
		return
	}
	cand, ok := c.candidates[is.Term][is.Vote]
	if !ok {
		return // a candidate the checker never saw campaign
	}
	if v := ch.lastBefore; v.term > cand.term || v.term == cand.term && v.index > cand.index {
		c.report(Violation{Property: VoteRestriction, Nodes: []raft.NodeID{n.id, is.Vote}, Terms: []raft.Term{is.Term}, Indexes: []raft.Index{v.index, cand.index},
			Detail: fmt.Sprintf("node %d, whose log ends at %d/%d, voted in term %d for node %d, whose log ended at %d/%d when it campaigned.", n.id, v.index, v.term, is.Term, is.Vote, cand.index, cand.term)})
	}
	//workshop:end
}

// checkCommittedKept checks that a committed entry is on a majority when it
// commits, that a node's commit index covers only the committed entries,
// and that no log loses a committed entry it held.
func (c *Checker) checkCommittedKept(ch *change) {
	//workshop:todo Committed entries are kept (handout: "7. Committed entries are kept").
	//workshop:todo Three checks. (a) Each index in ch.committed must be held, as that same
	//workshop:todo entry, by a majority of the voters of one of the node's configurations
	//workshop:todo since its last report (ch.configurations; c.holders, given, counts the
	//workshop:todo voters whose persisted log or snapshot holds it). (b) Every index the node's
	//workshop:todo commit index newly covers (from ch.before.Commit+1, or from n.first when
	//workshop:todo ch.started) must hold the entry in c.committed. (c) No entry of
	//workshop:todo ch.removed may be the committed entry at its index.
	n := ch.node
	for _, i := range ch.committed {
		cm, held, seen := c.committed[i], false, ""
		for _, voters := range ch.configurations {
			holders := c.holders(voters, i, cm.entry)
			held = held || holders >= len(voters)/2+1
			seen += fmt.Sprintf(" %d of the voters %v;", holders, voters)
		}
		if !held {
			c.report(Violation{Property: CommittedKept, Nodes: []raft.NodeID{n.id}, Terms: []raft.Term{n.status.Term}, Indexes: []raft.Index{i},
				Detail: fmt.Sprintf("node %d says %s is committed, but no configuration it was in has a majority holding it:%s.", n.id, cm.entry.String(), strings.TrimSuffix(seen, ";"))})
		}
	}
	from := ch.before.Commit + 1
	if ch.started {
		from = n.first
	}
	for i := max(from, n.first); i <= min(n.status.Commit, n.lastIndex()); i++ {
		e, ok := n.entry(i)
		if cm := c.committed[i]; ok && cm.node != n.id && !sameEntry(e, cm.entry) {
			c.report(Violation{Property: CommittedKept, Nodes: []raft.NodeID{n.id, cm.node}, Terms: []raft.Term{n.status.Term}, Indexes: []raft.Index{i},
				Detail: fmt.Sprintf("node %d's commit index %d covers %s, but node %d said %s was committed at index %d.", n.id, n.status.Commit, e.String(), cm.node, cm.entry.String(), i)})
		}
	}
	for _, e := range ch.removed {
		if cm, ok := c.committed[e.Index]; ok && sameEntry(e, cm.entry) {
			c.report(Violation{Property: CommittedKept, Nodes: []raft.NodeID{n.id}, Terms: []raft.Term{n.status.Term, e.Term}, Indexes: []raft.Index{e.Index},
				Detail: fmt.Sprintf("node %d removed %s from its log, an entry committed by term %d.", n.id, e.String(), cm.term)})
		}
	}
	//workshop:end
}

// checkAppliedPrefix checks that a node applies entries in order, each
// once, with no gap.
func (c *Checker) checkAppliedPrefix(ch *change) {
	//workshop:todo Applied prefix (Figure 2, All Servers; handout: "8. Applied prefix"):
	//workshop:todo each entry of ch.applied must have the index right after the node's
	//workshop:todo lastApplied (set from its status when it started); report the gap or
	//workshop:todo the repeat, and move lastApplied on.
	n := ch.node
	for _, e := range ch.applied {
		if e.Index != n.lastApplied+1 {
			c.report(Violation{Property: AppliedPrefix, Nodes: []raft.NodeID{n.id}, Indexes: []raft.Index{n.lastApplied, e.Index},
				Detail: fmt.Sprintf("node %d applied index %d right after index %d.", n.id, e.Index, n.lastApplied)})
		}
		n.lastApplied = e.Index
	}
	//workshop:end
}

// checkCommitRule checks that a leader's commit index moves only to
// entries of its own term.
func (c *Checker) checkCommitRule(ch *change) {
	//workshop:todo The commit rule (Figure 2, Rules for Servers, Leaders; §5.4.2; handout:
	//workshop:todo "9. Node fields and the commit rule"): when a node that was leader of this
	//workshop:todo term at its last report (ch.leaderFromBefore) has moved its commit index
	//workshop:todo forward, the entry at the new commit index must be of its term. Report
	//workshop:todo the node, both terms and the index.
	n, st := ch.node, ch.node.status
	if !ch.leaderFromBefore || st.Commit <= ch.before.Commit {
		return
	}
	if e, ok := n.entry(st.Commit); ok && e.Term != st.Term {
		c.report(Violation{Property: CommitRule, Nodes: []raft.NodeID{n.id}, Terms: []raft.Term{st.Term, e.Term}, Indexes: []raft.Index{st.Commit},
			Detail: fmt.Sprintf("node %d, leader of term %d, moved its commit index from %d to %d, an entry of term %d: it counted the replicas of an entry of an earlier term.", n.id, st.Term, ch.before.Commit, st.Commit, e.Term)})
	}
	//workshop:end
}

// checkNodeFields checks one node's own fields after a report.
func (c *Checker) checkNodeFields(ch *change) {
	//workshop:todo Node fields (Figure 2, State; handout: "9. Node fields and the commit rule"): check, and report with fail,
	//workshop:todo that st.Applied ≤ st.Commit ≤ st.LastIndex; that st.LastIndex is the
	//workshop:todo last index of the persisted log; that the persisted hard state's term
	//workshop:todo and commit never go back (n.hard against ch.hardBefore) and its vote
	//workshop:todo never changes within a term once cast; and, on a leader, that each
	//workshop:todo follower's Match < Next ≤ st.LastIndex+1.
	n, st := ch.node, ch.node.status
	fail := func(format string, args ...any) {
		c.report(Violation{Property: NodeFields, Nodes: []raft.NodeID{n.id}, Terms: []raft.Term{st.Term},
			Detail: fmt.Sprintf("node %d: ", n.id) + fmt.Sprintf(format, args...)})
	}
	if st.Applied > st.Commit || st.Commit > st.LastIndex {
		fail("applied %d, commit %d and last index %d are out of order (applied ≤ commit ≤ last index).", st.Applied, st.Commit, st.LastIndex)
	}
	if last := n.lastIndex(); st.LastIndex != last {
		fail("its status says its last index is %d, but its persisted log ends at %d.", st.LastIndex, last)
	}
	was, is := ch.hardBefore, n.hard
	switch {
	case is.Term < was.Term:
		fail("its persisted term went back from %d to %d.", was.Term, is.Term)
	case is.Term == was.Term && was.Vote != raft.None && is.Vote != was.Vote:
		fail("its persisted vote in term %d changed from %d to %d.", is.Term, was.Vote, is.Vote)
	}
	if is.Commit < was.Commit {
		fail("its persisted commit index went back from %d to %d.", was.Commit, is.Commit)
	}
	if st.Role == raft.Leader {
		for _, peer := range sortedPeers(st.Progress) {
			pr := st.Progress[peer]
			if pr.Match >= pr.Next || pr.Next > st.LastIndex+1 {
				fail("as leader of term %d, it has match %d and next %d for node %d (want match < next ≤ last index + 1 = %d).", st.Term, pr.Match, pr.Next, peer, st.LastIndex+1)
			}
		}
	}
	//workshop:end
}
