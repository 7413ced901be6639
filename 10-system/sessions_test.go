package raftkv

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/06-consensus"
)

// The client sessions serve stage 11; they are given code in stage 10, so
// their tests are named TestGiven.

// sessionEntry returns the entry at index of a session command.
func sessionEntry(index raft.Index, client, seq uint64, cmds ...core.Command) raft.Entry {
	return raft.Entry{Index: index, Term: 1, Type: raft.EntryCommand, Data: SessionCommand{Client: client, Seq: seq, Commands: cmds}.Encode()}
}

// applyTracked applies entries to sm, one Ready at a time, and returns the
// session reply of each, as a proposer waiting on it would get it.
func applyTracked(t *testing.T, sm *stateMachine, entries ...raft.Entry) []SessionReply {
	t.Helper()
	replies := make([]SessionReply, len(entries))
	for i, e := range entries {
		require.NoError(t, sm.track(e.Index, e.Term, func(r core.Result, reply SessionReply) {
			require.NoError(t, r.Err, "entry %d", e.Index)
			replies[i] = reply
		}))
		require.NoError(t, sm.apply([]raft.Entry{e}, nil))
	}
	return replies
}

// TestGivenSessionAppliesARetryOnce checks §6.3's rule on the state
// machine: a command retried under the same client and sequence number
// does not apply again and gets its first reply; an older number and an
// unknown session with a number past 1 apply nothing.
func TestGivenSessionAppliesARetryOnce(t *testing.T) {
	sm, err := newStateMachine(nil)
	require.NoError(t, err)
	replies := applyTracked(t, sm,
		sessionEntry(1, 7, 1, core.Set("x", "1")),
		sessionEntry(2, 8, 1, core.Set("x", "2")),
		sessionEntry(3, 7, 1, core.Set("x", "1")), // client 7 retries
		sessionEntry(4, 7, 2, core.Delete("x"), core.Delete("y")),
		sessionEntry(5, 7, 2, core.Delete("x"), core.Delete("y")), // retried again
		sessionEntry(6, 7, 1, core.Set("x", "old")),
		sessionEntry(7, 9, 3, core.Set("x", "lost")),
		raft.Entry{Index: 8, Term: 1, Type: raft.EntryCommand, Data: []byte{sessionTag, 1}},
	)
	require.Equal(t, SessionReply{Index: 1}, replies[0])
	require.Equal(t, SessionReply{Index: 1, Duplicate: true}, replies[2], "a retry gets the first reply and does not apply")
	require.Equal(t, SessionReply{Index: 4, Deleted: 1}, replies[3])
	require.Equal(t, SessionReply{Index: 4, Deleted: 1, Duplicate: true}, replies[4], "a retried DEL reports what the first one deleted")
	require.ErrorIs(t, replies[5].Err, ErrStaleSequence)
	require.ErrorIs(t, replies[6].Err, ErrSessionExpired)
	require.ErrorIs(t, replies[7].Err, core.ErrMalformedCommand)
	_, ok := sm.store.Get("x")
	require.False(t, ok, "x was deleted at 4; neither the retried SET at 3, the stale one at 6 nor the refused one at 7 applied")
	require.Equal(t, raft.Index(8), sm.applied())
}

// TestGivenSessionsExpireByLogIndex checks that a session expires after
// SessionLifetime entries without a command from its client, counted in
// log indexes, never by a clock: every replica decides alike.
func TestGivenSessionsExpireByLogIndex(t *testing.T) {
	table := make(sessions)
	sm, err := newStateMachine(nil)
	require.NoError(t, err)
	first := table.apply(sessionEntry(10, 5, 1, core.Set("k", "v")), sm.store)
	require.NoError(t, first.Err)
	alive := table.apply(sessionEntry(10+SessionLifetime, 5, 2, core.Set("k", "w")), sm.store)
	require.NoError(t, alive.Err, "a command SessionLifetime entries after the last keeps the session")
	expired := table.apply(sessionEntry(11+2*SessionLifetime, 5, 3, core.Set("k", "z")), sm.store)
	require.ErrorIs(t, expired.Err, ErrSessionExpired, "SessionLifetime+1 entries later, the session has expired")
	v, _ := sm.store.Get("k")
	require.Equal(t, "w", v, "the command of an expired session does not apply")

	table.apply(sessionEntry(20, 6, 1, core.Set("a", "b")), sm.store)
	table.sweep(21 + SessionLifetime)
	require.NotContains(t, table, uint64(6), "a sweep forgets expired sessions")
}

// TestGivenSnapshotKeepsSessions checks that the sessions travel in the
// state machine's snapshot: a replica restored from it still knows a
// retry for what it is.
func TestGivenSnapshotKeepsSessions(t *testing.T) {
	sm, err := newStateMachine(nil)
	require.NoError(t, err)
	applyTracked(t, sm, sessionEntry(1, 7, 1, core.Set("x", "1")), sessionEntry(2, 8, 1, core.Set("x", "2")))
	restored, err := newStateMachine(&raft.Snapshot{LastIncludedIndex: 2, LastIncludedTerm: 1, Data: sm.marshal()})
	require.NoError(t, err)
	require.Equal(t, sm.marshal(), restored.marshal(), "a restored state machine encodes as its source")
	replies := applyTracked(t, restored, sessionEntry(3, 7, 1, core.Set("x", "1")))
	require.Equal(t, SessionReply{Index: 1, Duplicate: true}, replies[0])
	v, _ := restored.store.Get("x")
	require.Equal(t, "2", v)

	legacy, err := newStateMachine(&raft.Snapshot{LastIncludedIndex: 2, Data: MarshalStore(map[string]string{"s": "v"})})
	require.NoError(t, err, "a snapshot of the store alone, as stage 10 made it, still restores")
	v, _ = legacy.store.Get("s")
	require.Equal(t, "v", v)
}

// FuzzGivenUnmarshalState checks the decoder of the state machine's
// snapshot: any bytes decode or fail with an error wrapping
// ErrMalformedSnapshot, never a panic, and what decodes survives a round
// trip.
func FuzzGivenUnmarshalState(f *testing.F) {
	f.Add(marshalState(map[string]string{"a": "1", "": "e"}, sessions{7: {seq: 3, active: 9, reply: SessionReply{Index: 8, Deleted: 2}}}))
	f.Add(marshalState(nil, nil))
	f.Add(MarshalStore(map[string]string{"legacy": "store"}))
	f.Add([]byte(stateMagic + "\x01c\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		data, table, err := unmarshalState(b)
		if err != nil {
			require.True(t, errors.Is(err, ErrMalformedSnapshot), "unmarshalState's errors wrap ErrMalformedSnapshot: %v", err)
			return
		}
		again := marshalState(data, table)
		data2, table2, err := unmarshalState(again)
		require.NoError(t, err, "what marshalState encodes must decode")
		require.Equal(t, again, marshalState(data2, table2))
	})
}

// FuzzGivenDecodeSessionCommand checks the session command's codec: any
// bytes decode or fail with an error wrapping core.ErrMalformedCommand,
// and what decodes survives a round trip.
func FuzzGivenDecodeSessionCommand(f *testing.F) {
	f.Add(SessionCommand{Client: 1, Seq: 1, Commands: []core.Command{core.Set("k", "v"), core.Delete("d")}}.Encode())
	f.Add([]byte{sessionTag, 1, 1, 1, 3, 'D', 1, 'k'})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeSessionCommand(b)
		if err != nil {
			require.True(t, errors.Is(err, core.ErrMalformedCommand), "DecodeSessionCommand's errors wrap core.ErrMalformedCommand: %v", err)
			return
		}
		back, err := DecodeSessionCommand(c.Encode())
		require.NoError(t, err, "what Encode produces must decode")
		require.Equal(t, c, back)
	})
}

// TestGivenRESPRetryKeepsItsSequenceNumber checks the RESP front door's
// session per connection: each connection has its own client ID, its
// commands get numbers 1, 2, 3, …, and a command whose outcome was unknown
// that the client sends again keeps its number, so it applies once.
func TestGivenRESPRetryKeepsItsSequenceNumber(t *testing.T) {
	var table respSessions
	w1, w2 := kvserver.NewWriter(io.Discard), kvserver.NewWriter(io.Discard)
	s := table.of(w1)
	require.Same(t, s, table.of(w1), "one connection, one session")
	require.NotEqual(t, s.client, table.of(w2).client, "another connection, another client ID")
	require.NotZero(t, s.client)

	set := []string{"set", "k", "v"}
	require.Equal(t, uint64(1), s.next(set).Seq)
	s.unsure = set // its outcome was unknown (TRYAGAIN)
	require.Equal(t, uint64(1), s.next(set).Seq, "the same command sent again is a retry: same number")
	require.Equal(t, uint64(2), s.next(set).Seq, "once answered, the same command again is a new command")
	s.unsure = set
	require.Equal(t, uint64(3), s.next([]string{"del", "k"}).Seq, "another command after an unknown outcome gets the next number")
}
