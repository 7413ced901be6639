package quorum_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	raft "raftgo/solutions/03-planning"
	"raftgo/solutions/11-rest/quorum"
)

// TestCommittedIndex is the test you write: a table of configurations and
// match indexes for CommittedIndex, each case a subtest, checking the
// commit arithmetic of Figure 2 ("If there exists an N such that N >
// commitIndex, a majority of matchIndex[i] ≥ N … set commitIndex = N").
// It must pass on your CommittedIndex, and fail on each wrong one of
// internal/mistakes/11-rest whose caught-by line names it: one that takes
// the wrong end of the sorted indexes, one that takes the middle (right for
// an odd number of voters only). Servers that are not voters must not
// count either: the node's tests catch that mistake, in a removed leader
// (handout: "3. Quorums").
func TestCommittedIndex(t *testing.T) {
	//workshop:todo Write this test (handout: "3. Quorums"): a table of cases, each a name,
	//workshop:todo a quorum.Majority, a match map (raft.NodeID to raft.Index) and the index
	//workshop:todo you expect; run each with t.Run. Cover at least: no voters; one voter;
	//workshop:todo a voter missing from match; two, three, four and five voters (an even
	//workshop:todo number needs more than half); and match indexes of servers that are not
	//workshop:todo voters (a learner, a removed leader), which must not count. Import what
	//workshop:todo you use: the quorum package, raft "raftgo/solutions/03-planning" and
	//workshop:todo testify's assert.
	type index = map[raft.NodeID]raft.Index
	tests := []struct {
		name   string
		voters quorum.Majority
		match  index
		want   raft.Index
	}{
		{"no voters commit nothing", nil, index{1: 5}, 0},
		{"one voter commits what it holds", quorum.Majority{1}, index{1: 5}, 5},
		{"a voter with no answer holds nothing", quorum.Majority{1, 2}, index{1: 5}, 0},
		{"two voters: the lower", quorum.Majority{1, 2}, index{1: 5, 2: 3}, 3},
		{"three voters: the median", quorum.Majority{1, 2, 3}, index{1: 9, 2: 3, 3: 7}, 7},
		{"three voters, one silent", quorum.Majority{1, 2, 3}, index{1: 9, 3: 7}, 7},
		{"four voters need three", quorum.Majority{1, 2, 3, 4}, index{1: 9, 2: 8, 3: 2, 4: 1}, 2},
		{"five voters need three", quorum.Majority{1, 2, 3, 4, 5}, index{1: 9, 2: 8, 3: 7, 4: 1, 5: 1}, 7},
		{"a learner does not count", quorum.Majority{1, 2, 3}, index{1: 9, 2: 1, 3: 1, 4: 9}, 1},
		{"a removed leader does not count", quorum.Majority{2, 3}, index{1: 9, 2: 9, 3: 4}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.voters.CommittedIndex(tc.match),
				"voters %v holding %v (Figure 2, Rules for Servers, Leaders: \"a majority of matchIndex[i] ≥ N\"; handout: \"3. Quorums\")", tc.voters, tc.match)
		})
	}
	//workshop:stub t.Fatal(`TestCommittedIndex is not written yet: write a table of match indexes for CommittedIndex (handout: "3. Quorums")`)
	//workshop:end
}

// TestVoteResult is the test you write: a table of configurations and
// answers for VoteResult, each case a subtest, checking the election
// arithmetic (§5.2: "A candidate wins an election if it receives votes from
// a majority of the servers in the full cluster"): won with a majority of
// grants, lost as soon as the refusals leave too few voters to reach one,
// pending otherwise. It must pass on your VoteResult, and fail on each
// wrong one of internal/mistakes/11-rest whose caught-by line names it: one
// that never loses, one that waits for every answer before it loses, one
// that lets half the votes win, one that counts answers from servers that
// are not voters (handout: "3. Quorums").
func TestVoteResult(t *testing.T) {
	//workshop:todo Write this test (handout: "3. Quorums"): a table of cases, each a name,
	//workshop:todo a quorum.Majority, the answers so far (raft.NodeID to granted or not;
	//workshop:todo missing for no answer yet) and the quorum.VoteResult you expect; run each
	//workshop:todo with t.Run. Cover at least: no voters; a cluster of one; no answers yet;
	//workshop:todo won, lost and pending in three voters; a tie of two against two in four
	//workshop:todo (half is not a majority); an election lost before every answer is in;
	//workshop:todo and grants from servers that are not voters, which must not count.
	type answers = map[raft.NodeID]bool
	tests := []struct {
		name   string
		voters quorum.Majority
		votes  answers
		want   quorum.VoteResult
	}{
		{"no voters: no election can be won", nil, answers{1: true}, quorum.VoteLost},
		{"a cluster of one wins with its own vote", quorum.Majority{1}, answers{1: true}, quorum.VoteWon},
		{"no answers yet", quorum.Majority{1, 2, 3}, nil, quorum.VotePending},
		{"own vote only", quorum.Majority{1, 2, 3}, answers{1: true}, quorum.VotePending},
		{"two of three", quorum.Majority{1, 2, 3}, answers{1: true, 3: true}, quorum.VoteWon},
		{"two refusals of three", quorum.Majority{1, 2, 3}, answers{1: true, 2: false, 3: false}, quorum.VoteLost},
		{"one refusal of three", quorum.Majority{1, 2, 3}, answers{1: true, 2: false}, quorum.VotePending},
		{"two of four is not a majority", quorum.Majority{1, 2, 3, 4}, answers{1: true, 2: true, 3: false, 4: false}, quorum.VoteLost},
		{"two of four, two to come", quorum.Majority{1, 2, 3, 4}, answers{1: true, 2: true}, quorum.VotePending},
		{"three of four", quorum.Majority{1, 2, 3, 4}, answers{1: true, 2: true, 4: true}, quorum.VoteWon},
		{"lost before every answer is in", quorum.Majority{1, 2, 3, 4, 5}, answers{1: true, 2: false, 3: false, 4: false}, quorum.VoteLost},
		{"a learner's grant does not count", quorum.Majority{1, 2, 3}, answers{1: true, 4: true, 2: false, 3: false}, quorum.VoteLost},
		{"a stranger's grant does not count", quorum.Majority{1, 2, 3}, answers{1: true, 9: true}, quorum.VotePending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.voters.VoteResult(tc.votes),
				"voters %v answering %v (§5.2: a majority of the servers; handout: \"3. Quorums\")", tc.voters, tc.votes)
		})
	}
	//workshop:stub t.Fatal(`TestVoteResult is not written yet: write a table of answers for VoteResult (handout: "3. Quorums")`)
	//workshop:end
}
