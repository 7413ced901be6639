package quorum_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/11-rest/quorum"
)

// TestCommittedIndex checks the commit arithmetic of Figure 2 ("If there
// exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N …
// set commitIndex = N") on its own, over configurations of every size:
// the index a majority holds is the median from the top, and servers
// outside the configuration do not count. Handout: "3. Quorums".
func TestCommittedIndex(t *testing.T) {
	tests := []struct {
		name   string
		voters quorum.Majority
		match  map[raft.NodeID]raft.Index
		want   raft.Index
	}{
		{"no voters commit nothing", nil, map[raft.NodeID]raft.Index{1: 5}, 0},
		{"one voter commits what it holds", quorum.Majority{1}, map[raft.NodeID]raft.Index{1: 5}, 5},
		{"a voter with no answer holds nothing", quorum.Majority{1, 2}, map[raft.NodeID]raft.Index{1: 5}, 0},
		{"two voters: the lower", quorum.Majority{1, 2}, map[raft.NodeID]raft.Index{1: 5, 2: 3}, 3},
		{"three voters: the median", quorum.Majority{1, 2, 3}, map[raft.NodeID]raft.Index{1: 9, 2: 3, 3: 7}, 7},
		{"three voters, one silent", quorum.Majority{1, 2, 3}, map[raft.NodeID]raft.Index{1: 9, 3: 7}, 7},
		{"four voters need three", quorum.Majority{1, 2, 3, 4}, map[raft.NodeID]raft.Index{1: 9, 2: 8, 3: 2, 4: 1}, 2},
		{"five voters need three", quorum.Majority{1, 2, 3, 4, 5}, map[raft.NodeID]raft.Index{1: 9, 2: 8, 3: 7, 4: 1, 5: 1}, 7},
		{"a learner does not count", quorum.Majority{1, 2, 3}, map[raft.NodeID]raft.Index{1: 9, 2: 1, 3: 1, 4: 9}, 1},
		{"a removed leader does not count", quorum.Majority{2, 3}, map[raft.NodeID]raft.Index{1: 9, 2: 9, 3: 4}, 4},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.voters.CommittedIndex(tc.match),
			"%s: voters %v holding %v (Figure 2, Rules for Servers, Leaders: \"a majority of matchIndex[i] ≥ N\"; handout: \"3. Quorums\")", tc.name, tc.voters, tc.match)
	}
}

// TestVoteResult checks the election arithmetic (§5.2: "A candidate wins
// an election if it receives votes from a majority of the servers in the
// full cluster"): won with a majority of grants, lost once the refusals
// leave too few voters to reach one, pending otherwise; answers from
// non-voters do not count. Handout: "3. Quorums".
func TestVoteResult(t *testing.T) {
	tests := []struct {
		name   string
		voters quorum.Majority
		votes  map[raft.NodeID]bool
		want   quorum.VoteResult
	}{
		{"no voters: no election can be won", nil, map[raft.NodeID]bool{1: true}, quorum.VoteLost},
		{"a cluster of one wins with its own vote", quorum.Majority{1}, map[raft.NodeID]bool{1: true}, quorum.VoteWon},
		{"no answers yet", quorum.Majority{1, 2, 3}, nil, quorum.VotePending},
		{"own vote only", quorum.Majority{1, 2, 3}, map[raft.NodeID]bool{1: true}, quorum.VotePending},
		{"two of three", quorum.Majority{1, 2, 3}, map[raft.NodeID]bool{1: true, 3: true}, quorum.VoteWon},
		{"two refusals of three", quorum.Majority{1, 2, 3}, map[raft.NodeID]bool{1: true, 2: false, 3: false}, quorum.VoteLost},
		{"one refusal of three", quorum.Majority{1, 2, 3}, map[raft.NodeID]bool{1: true, 2: false}, quorum.VotePending},
		{"two of four is not a majority", quorum.Majority{1, 2, 3, 4}, map[raft.NodeID]bool{1: true, 2: true, 3: false, 4: false}, quorum.VoteLost},
		{"three of four", quorum.Majority{1, 2, 3, 4}, map[raft.NodeID]bool{1: true, 2: true, 4: true}, quorum.VoteWon},
		{"a learner's grant does not count", quorum.Majority{1, 2, 3}, map[raft.NodeID]bool{1: true, 4: true, 2: false, 3: false}, quorum.VoteLost},
		{"a stranger's grant does not count", quorum.Majority{1, 2, 3}, map[raft.NodeID]bool{1: true, 9: true}, quorum.VotePending},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.voters.VoteResult(tc.votes),
			"%s: voters %v answering %v (§5.2: a majority of the servers; handout: \"3. Quorums\")", tc.name, tc.voters, tc.votes)
	}
}
