package raftkv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/06-consensus"
)

// This file serves stage 11: client sessions (§6.3 of Ongaro's
// dissertation), so that a command a client retries applies once.
//
// A client names itself with a client ID and numbers its commands 1, 2, 3,
// … with one command in flight at a time. A session command carries both
// in its entry. The state machine keeps, per client, the last sequence
// number it applied and what that command did; a command that arrives again
// with the same number (the client retried it after a timeout or a leader
// change, not knowing whether it had applied) is not applied again: it gets
// the first reply. Every replica decides alike, since the decision depends
// only on the log.

// SessionLifetime is how many log entries a session lives after its last
// command: a session whose client has sent nothing for that many entries
// expires. Expiry counts log indexes, never a node's clock, so every
// replica expires the same sessions at the same entry. It is a constant of
// the replicated state machine: two replicas with different lifetimes
// would diverge.
const SessionLifetime raft.Index = 1 << 20

// sessionSweepInterval is how often, in log indexes, the state machine
// forgets expired sessions. A session past its lifetime counts as expired
// at once; the sweep only frees its memory.
const sessionSweepInterval raft.Index = 4096

// sessionTag starts the Data of a session command: stage 06's commands start
// with 'S' or 'D' and a barrier is 'B', so it cannot be mistaken for them.
const sessionTag = 'C'

// ErrSessionExpired is returned for a command numbered after 1 from a
// client whose session the state machine does not hold: it expired, or
// never began. The command did not apply. The client must start again
// with a new client ID, numbering from 1.
var ErrSessionExpired = errors.New("raftkv: the client's session expired or never began (its first command must have sequence number 1); start a new client ID")

// ErrStaleSequence is returned for a command whose sequence number is
// lower than the last its client's session applied: the client has moved
// on since, so this is an old duplicate. It did not apply.
var ErrStaleSequence = errors.New("raftkv: the sequence number is older than the session's last command")

// SessionCommand is what a client's command carries through the log: who
// sent it, its number, and the commands it runs, applied together.
type SessionCommand struct {
	Client   uint64
	Seq      uint64
	Commands []core.Command
}

// Encode returns the command's bytes, to propose as an entry's Data: the
// tag 'C', the client ID, the sequence number and the number of commands
// as uvarints, then each command's stage 06 encoding prefixed by its
// length as a uvarint.
func (c SessionCommand) Encode() []byte {
	b := []byte{sessionTag}
	b = binary.AppendUvarint(b, c.Client)
	b = binary.AppendUvarint(b, c.Seq)
	b = binary.AppendUvarint(b, uint64(len(c.Commands)))
	for _, cmd := range c.Commands {
		enc := cmd.Encode()
		b = binary.AppendUvarint(b, uint64(len(enc)))
		b = append(b, enc...)
	}
	return b
}

// isSessionCommand reports whether an entry's Data is a session command.
func isSessionCommand(data []byte) bool { return len(data) > 0 && data[0] == sessionTag }

// DecodeSessionCommand parses what Encode produces. It rejects anything
// else with an error that wraps core.ErrMalformedCommand: a client ID or
// sequence number of 0, no commands, a length past the end, a command
// stage 06 cannot decode, bytes after the last command.
func DecodeSessionCommand(data []byte) (SessionCommand, error) {
	malformed := func(format string, args ...any) (SessionCommand, error) {
		return SessionCommand{}, fmt.Errorf("%w: session command: "+format, append([]any{core.ErrMalformedCommand}, args...)...)
	}
	if !isSessionCommand(data) {
		return malformed("does not start with %q", sessionTag)
	}
	at := 1
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(data[at:])
		if n <= 0 {
			return 0, false
		}
		at += n
		return v, true
	}
	var c SessionCommand
	var count uint64
	var ok bool
	if c.Client, ok = uvarint(); !ok || c.Client == 0 {
		return malformed("no valid client ID (it must be at least 1)")
	}
	if c.Seq, ok = uvarint(); !ok || c.Seq == 0 {
		return malformed("client %d: no valid sequence number (it must be at least 1)", c.Client)
	}
	if count, ok = uvarint(); !ok || count == 0 || count > uint64(len(data)) {
		return malformed("client %d: no valid number of commands", c.Client)
	}
	for i := range count {
		size, ok := uvarint()
		if !ok || size > uint64(len(data)-at) {
			return malformed("client %d: command %d has no valid length", c.Client, i)
		}
		cmd, err := core.DecodeCommand(data[at : at+int(size)])
		if err != nil {
			return SessionCommand{}, fmt.Errorf("session command of client %d: command %d: %w", c.Client, i, err)
		}
		c.Commands = append(c.Commands, cmd)
		at += int(size)
	}
	if at != len(data) {
		return malformed("client %d: %d bytes after the last command", c.Client, len(data)-at)
	}
	return c, nil
}

// SessionReply is what a session command did. The session keeps it, so a
// retry of the command gets it again.
type SessionReply struct {
	// Index is the entry at which the command applied, the first time.
	Index raft.Index
	// Deleted counts the DEL commands that found their key.
	Deleted int
	// Duplicate reports a retry: the command had already applied, at
	// Index, and did not apply again.
	Duplicate bool
	// Err is why the command did not apply: ErrSessionExpired,
	// ErrStaleSequence, or a malformed command. The session keeps no Err.
	Err error
}

// session is what the state machine keeps of one client.
type session struct {
	seq   uint64       // the last sequence number applied
	reply SessionReply // what it did
	// active is the index of the client's last command: the session
	// expires once SessionLifetime entries have followed it.
	active raft.Index
}

// sessions is the session table of a state machine, by client ID. Only
// the node's loop goroutine touches it.
type sessions map[uint64]session

// apply runs the session command of entry e (its Data) on store, unless
// its session already applied it, and returns the reply. A malformed
// command, an expired session or a stale sequence number applies nothing,
// alike on every replica.
func (t sessions) apply(e raft.Entry, store *kvserver.Store) SessionReply {
	c, err := DecodeSessionCommand(e.Data)
	if err != nil {
		return SessionReply{Index: e.Index, Err: fmt.Errorf("raftkv: entry %d: %w", e.Index, err)}
	}
	s, ok := t[c.Client]
	if ok && s.active+SessionLifetime < e.Index {
		delete(t, c.Client)
		ok = false
	}
	switch {
	case !ok && c.Seq != 1:
		return SessionReply{Index: e.Index, Err: fmt.Errorf("%w: client %d, sequence number %d, entry %d", ErrSessionExpired, c.Client, c.Seq, e.Index)}
	case ok && c.Seq < s.seq:
		return SessionReply{Index: e.Index, Err: fmt.Errorf("%w: client %d sent %d, its session last applied %d", ErrStaleSequence, c.Client, c.Seq, s.seq)}
	case ok && c.Seq == s.seq:
		s.active = e.Index
		t[c.Client] = s
		dup := s.reply
		dup.Duplicate = true
		return dup
	}
	reply := SessionReply{Index: e.Index}
	for _, cmd := range c.Commands {
		switch cmd.Op {
		case core.OpSet:
			store.Set(cmd.Key, cmd.Value)
		case core.OpDelete:
			reply.Deleted += store.Delete(cmd.Key)
		}
	}
	t[c.Client] = session{seq: c.Seq, reply: reply, active: e.Index}
	return reply
}

// sweep forgets the sessions expired at index. The state machine calls it
// at every index that is a multiple of sessionSweepInterval, whatever the
// entry, so that every replica sweeps at the same entries.
func (t sessions) sweep(index raft.Index) {
	maps.DeleteFunc(t, func(_ uint64, s session) bool { return s.active+SessionLifetime < index })
}

// marshal encodes the table, in client order so that equal tables encode
// to equal bytes: for each session, the client ID, the sequence number,
// the index of its last command, the reply's index and its count of
// deletions, each as a uvarint.
func (t sessions) marshal() []byte {
	var b []byte
	for _, client := range slices.Sorted(maps.Keys(t)) {
		s := t[client]
		for _, v := range []uint64{client, s.seq, uint64(s.active), uint64(s.reply.Index), uint64(s.reply.Deleted)} {
			b = binary.AppendUvarint(b, v)
		}
	}
	return b
}

// unmarshalSessions decodes what marshal encodes. It rejects truncated
// input, a client ID or sequence number of 0, and a client that appears
// twice, with an error that wraps ErrMalformedSnapshot and gives the
// offset.
func unmarshalSessions(b []byte) (sessions, error) {
	t := make(sessions)
	for at := 0; at < len(b); {
		start := at
		var v [5]uint64
		for i := range v {
			n, size := binary.Uvarint(b[at:])
			if size <= 0 {
				return nil, fmt.Errorf("%w: session at offset %d is cut short", ErrMalformedSnapshot, start)
			}
			v[i], at = n, at+size
		}
		client, seq := v[0], v[1]
		switch _, dup := t[client]; {
		case client == 0 || seq == 0:
			return nil, fmt.Errorf("%w: session at offset %d has client %d and sequence number %d; both must be at least 1", ErrMalformedSnapshot, start, client, seq)
		case dup:
			return nil, fmt.Errorf("%w: client %d appears twice, again at offset %d", ErrMalformedSnapshot, client, start)
		case v[4] > uint64(MaxBodySize):
			return nil, fmt.Errorf("%w: session of client %d at offset %d counts %d deletions", ErrMalformedSnapshot, client, start, v[4])
		}
		t[client] = session{seq: seq, active: raft.Index(v[2]), reply: SessionReply{Index: raft.Index(v[3]), Deleted: int(v[4])}}
	}
	return t, nil
}
