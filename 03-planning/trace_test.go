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
	assert.Equal(t, `1->2 AppendEntries term 3 {PrevLogIndex:5 PrevLogTerm:2 Entries:[6@3 "set x 1" 7@3 no-op 8@3 conf-change "add 4"] LeaderCommit:5 Context:0}`, m.String())
	assert.Equal(t, "2->1 RequestVoteResponse term 3 {VoteGranted:true}", Message{From: 2, To: 1, Term: 3, Body: RequestVoteResponse{VoteGranted: true}}.String())
	assert.Equal(t, "1->2 Invalid term 0 <nil>", Message{From: 1, To: 2}.String())

	snap := Message{From: 1, To: 2, Term: 3, Body: InstallSnapshot{Snapshot: Snapshot{LastIncludedIndex: 9, LastIncludedTerm: 2, Voters: []NodeID{1, 2}, Data: make([]byte, 1<<20)}}}
	assert.Equal(t, "1->2 InstallSnapshot term 3 {Snapshot:{LastIncludedIndex:9 LastIncludedTerm:2 Voters:[1 2] Data:(1048576 bytes)}}", snap.String())

	long := Entry{Term: 1, Index: 2, Data: []byte(strings.Repeat("a", 100))}
	assert.Equal(t, `2@1 "aaaaaaaaaaaaaaaaaaaaaaaa"…(100 bytes)`, long.String())
	assert.Equal(t, "EntryType(7)", EntryType(7).String())
}
