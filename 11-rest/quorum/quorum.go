// Package quorum is the arithmetic of majorities, kept pure so that it can
// be tested by tables: which index a majority of voters holds, and whether
// an election is won, lost or still open. It follows etcd raft's quorum
// package, for one configuration at a time (no joint consensus).
package quorum

import (
	"raftgo/solutions/03-planning"
)

// Majority is a configuration's voters. A majority of them is more than
// half: 2 of 3, 3 of 4, 3 of 5. An empty Majority has no majority at all:
// it commits nothing and elects no one.
type Majority []raft.NodeID

// Size returns how many votes make a majority.
func (m Majority) Size() int { return len(m)/2 + 1 }

// CommittedIndex returns the highest index that a majority of the voters
// hold, given the index each voter is known to hold (Figure 2, Rules for
// Servers, Leaders: "a majority of matchIndex[i] ≥ N"). A voter missing
// from match holds nothing; entries of servers that are not voters do not
// count. It returns 0 for an empty Majority.
func (m Majority) CommittedIndex(match map[raft.NodeID]raft.Index) raft.Index {
	// TODO: Collect each voter's index (0 when missing), sort them, and take
	// the one that a majority holds: with the indexes sorted from high to
	// low, the Size()-th (handout: "3. Quorums").
	return 0
}

// VoteResult is the state of an election.
type VoteResult uint8

const (
	// VotePending means that the election can still go either way.
	VotePending VoteResult = iota
	// VoteLost means that a majority can no longer be reached.
	VoteLost
	// VoteWon means that a majority granted its vote.
	VoteWon
)

// String returns the result's name, such as "won".
func (r VoteResult) String() string {
	switch r {
	case VotePending:
		return "pending"
	case VoteLost:
		return "lost"
	case VoteWon:
		return "won"
	}
	return "VoteResult(?)"
}

// VoteResult tells the result of an election from the answers received so
// far: votes[id] is true for a granted vote, false for a refusal, and
// missing for no answer yet. Answers from servers that are not voters do
// not count. An empty Majority loses every election.
func (m Majority) VoteResult(votes map[raft.NodeID]bool) VoteResult {
	// TODO: Count the voters' grants and refusals; a majority of grants wins,
	// and so many refusals that the grants and the missing answers together
	// fall short of a majority lose (handout: "3. Quorums").
	return VotePending
}
