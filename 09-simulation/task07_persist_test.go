package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// TestUnpersisted checks the persist-before-send rule message by message:
// a message may claim only what its sender's disk holds (Figure 2,
// "Persistent state on all servers"; handout: "7. Persist, then send").
func TestUnpersisted(t *testing.T) {
	disk := storage{hard: raft.HardState{Term: 3, Vote: 2}, entries: []raft.Entry{{Index: 1, Term: 1}, {Index: 2, Term: 3}}}
	msg := func(from, to raft.NodeID, term raft.Term, body raft.Body) raft.Message {
		return raft.Message{From: from, To: to, Term: term, Body: body}
	}
	tests := []struct {
		name string
		m    raft.Message
		ok   bool
	}{
		{"heartbeat of the durable term", msg(1, 3, 3, raft.AppendEntries{}), true},
		{"a term not yet durable", msg(1, 3, 4, raft.AppendEntries{}), false},
		{"an answer of an earlier term", msg(1, 3, 2, raft.RequestVoteResponse{VoteGranted: true}), true},
		{"a vote that is durable", msg(1, 2, 3, raft.RequestVoteResponse{VoteGranted: true}), true},
		{"a vote that is not", msg(1, 4, 3, raft.RequestVoteResponse{VoteGranted: true}), false},
		{"a refusal", msg(1, 4, 3, raft.RequestVoteResponse{VoteGranted: false}), true},
		{"a campaign without a durable vote for itself", msg(1, 3, 3, raft.RequestVote{}), false},
		{"a campaign with one", msg(2, 3, 3, raft.RequestVote{}), true},
		{"an ack of durable entries", msg(1, 2, 3, raft.AppendEntriesResponse{Success: true, MatchIndex: 2}), true},
		{"an ack past the durable log", msg(1, 2, 3, raft.AppendEntriesResponse{Success: true, MatchIndex: 3}), false},
		{"a rejection", msg(1, 2, 3, raft.AppendEntriesResponse{ConflictIndex: 5}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problem := unpersisted(disk, tt.m)
			if tt.ok {
				assert.Empty(t, problem, "%s against a disk with %+v and 2 entries (handout: \"7. Persist, then send\")", describeMessage(tt.m), disk.hard)
			} else {
				assert.NotEmpty(t, problem, "%s claims more than a disk with %+v and 2 entries holds (handout: \"7. Persist, then send\")", describeMessage(tt.m), disk.hard)
			}
		})
	}
}

// TestPersistBeforeSend plants a driver bug, sending each Ready's messages
// before its writes are durable, and checks that the simulator catches it
// as persist-before-send (Figure 2: persistent state is "updated on stable
// storage before responding to RPCs"; handout: "7. Persist, then send").
func TestPersistBeforeSend(t *testing.T) {
	opts := short(0)
	opts.SendBeforePersist = true
	r := run(t, opts)
	require.False(t, r.Passed(), "a driver that sends before persisting must be caught (handout: \"7. Persist, then send\")")
	assert.Equal(t, PropertyPersistBeforeSend, r.Failure.Property, "the property broken (handout: \"7. Persist, then send\"): %s", explain(r))
}
