package raft

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestGivenTrace checks the given String methods that format messages and
// entries in traces and test failures. There is nothing to write for it.
func TestGivenTrace(t *testing.T) {
	m := Message{From: 1, To: 2, Term: 3, Body: AppendEntries{
		PrevLogIndex: 5, PrevLogTerm: 2, LeaderCommit: 5,
		Entries: []Entry{
			{Term: 3, Index: 6, Data: []byte("set x 1")},
			{Term: 3, Index: 7},
			{Term: 3, Index: 8, Type: EntryConfChange, Data: []byte("add 4")},
		},
	}}
	assert.Equal(t, "1->2 t3 AppendEntries{prev=5@2 entries=[6@3 7@3 8@3] commit=5}", m.String())
	assert.Equal(t, "2->1 t3 RequestVoteResponse{granted}", Message{From: 2, To: 1, Term: 3, Body: RequestVoteResponse{VoteGranted: true}}.String())
	assert.Equal(t, "1->2 t0 Invalid", Message{From: 1, To: 2}.String())

	snap := Message{From: 1, To: 2, Term: 3, Body: InstallSnapshot{Snapshot: Snapshot{LastIncludedIndex: 9, LastIncludedTerm: 2, Voters: []NodeID{1, 2}, Learners: []NodeID{3}, Data: make([]byte, 1<<20)}, Offset: 4096}}
	assert.Equal(t, "1->2 t3 InstallSnapshot{Snapshot:{LastIncludedIndex:9 LastIncludedTerm:2 Voters:[1 2] Learners:[3] Data:(1048576 bytes)} Offset:4096 Done:false}", snap.String())

	long := Entry{Term: 1, Index: 2, Data: []byte(strings.Repeat("a", 100))}
	assert.Equal(t, `2@1 "aaaaaaaaaaaaaaaaaaaaaaaa"…(100 bytes)`, long.String())
	assert.Equal(t, "EntryType(7)", EntryType(7).String())
}
