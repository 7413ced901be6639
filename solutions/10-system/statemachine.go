package raftkv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/06-consensus"
)

// barrier is the Data of a barrier entry: a command that changes nothing.
// A read waits until a barrier proposed after it started has applied, and
// then reads the store: everything committed before the read began has
// applied by then (hashicorp/raft calls this Barrier). Stage 06's command
// encoding starts with 'S' or 'D', so a barrier cannot be mistaken for one.
var barrier = []byte{'B'}

// stateMachine is the replicated state machine of a node: the stage 01
// store behind the stage 06 Applier, plus what the runtime needs beyond
// commands: barriers, configuration changes and snapshots. Only the node's
// loop goroutine calls it; the store is safe to read from any goroutine.
type stateMachine struct {
	store   *kvserver.Store
	applier *core.Applier
	// sessions holds the client sessions (stage 11; sessions.go), and
	// replies, while apply runs, the replies of its session commands by
	// index, for the proposals that wait on them (track).
	sessions sessions
	replies  map[raft.Index]SessionReply
}

// newStateMachine returns a state machine whose store holds the state of
// snap, or is empty when snap is nil.
func newStateMachine(snap *raft.Snapshot) (*stateMachine, error) {
	store := new(kvserver.Store)
	sm := &stateMachine{
		store: store, applier: core.NewApplier(store),
		sessions: make(sessions), replies: make(map[raft.Index]SessionReply),
	}
	if snap != nil {
		if err := sm.restore(*snap); err != nil {
			return nil, err
		}
	}
	return sm, nil
}

// applied returns the index of the last entry applied.
func (sm *stateMachine) applied() raft.Index { return sm.applier.Applied() }

// apply applies committed entries in order. Barriers and configuration
// changes reach the Applier as no-ops, so that its indexes stay contiguous
// and a proposal waiting on them is released; each configuration change is
// also handed to confChange, unless it is nil (stage 11's membership
// changes). A session command (stage 11) is run by the session table, in
// its turn, and reaches the Applier as a no-op too.
func (sm *stateMachine) apply(entries []raft.Entry, confChange func(raft.Entry) error) error {
	defer clear(sm.replies)
	batch := make([]raft.Entry, 0, len(entries)) // never change the caller's entries
	for _, e := range entries {
		switch {
		case e.Index <= sm.applied():
			continue // applied already: the Applier skips it too
		case e.Index%sessionSweepInterval == 0:
			sm.sessions.sweep(e.Index)
		}
		switch {
		case e.Type == raft.EntryConfChange:
			if confChange != nil {
				if err := confChange(e); err != nil {
					return fmt.Errorf("raftkv: apply the configuration change at index %d: %w", e.Index, err)
				}
			}
			e.Data = nil
		case e.Type != raft.EntryCommand:
			return fmt.Errorf("raftkv: entry %d has unknown type %d", e.Index, e.Type)
		case slices.Equal(e.Data, barrier):
			e.Data = nil
		case isSessionCommand(e.Data):
			// The entries before it must reach the store first.
			if err := sm.applier.Apply(batch); err != nil {
				return err
			}
			batch = batch[:0]
			sm.replies[e.Index] = sm.sessions.apply(e, sm.store)
			e.Data = nil
		}
		batch = append(batch, e)
	}
	return sm.applier.Apply(batch)
}

// track asks for done to be called with the outcome of the entry that
// Propose placed at index in term (core.Applier.Track), and with its
// session reply if it is a session command.
func (sm *stateMachine) track(index raft.Index, term raft.Term, done func(core.Result, SessionReply)) error {
	return sm.applier.Track(index, term, func(r core.Result) { done(r, sm.replies[index]) })
}

// restore replaces the state machine's state with a snapshot's. Entries up
// to the snapshot's last index count as applied.
func (sm *stateMachine) restore(snap raft.Snapshot) error {
	data, table, err := unmarshalState(snap.Data)
	if err != nil {
		return fmt.Errorf("raftkv: restore the snapshot at index %d: %w", snap.LastIncludedIndex, err)
	}
	sm.store.Restore(data)
	sm.sessions = table
	sm.applier = core.NewApplierAt(sm.store, snap.LastIncludedIndex)
	return nil
}

// The Data of a snapshot of the whole state machine (stage 11) starts with
// stateMagic and a version byte, stateVersion, followed by sections, each
// a tag byte, its length as a uvarint and its bytes: stateStore holds the
// store (MarshalStore), stateSessions the client sessions. A decoder
// refuses a tag it does not know, so a later version that adds a section
// must raise stateVersion. Data without stateMagic is a store alone, in
// MarshalStore's encoding, as stage 10 made it: it still restores, with no
// sessions.
const (
	stateMagic    = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xffraftkv-state"
	stateVersion  = 1
	stateStore    = 's'
	stateSessions = 'c'
)

// marshal encodes the state machine's state as a snapshot's Data. Equal
// states encode to equal bytes.
func (sm *stateMachine) marshal() []byte {
	return marshalState(sm.store.Snapshot(), sm.sessions)
}

// marshalState encodes a store's content and a session table as a
// snapshot's Data.
func marshalState(data map[string]string, table sessions) []byte {
	b := append([]byte(stateMagic), stateVersion)
	for _, sec := range []struct {
		tag   byte
		bytes []byte
	}{{stateStore, MarshalStore(data)}, {stateSessions, table.marshal()}} {
		b = append(b, sec.tag)
		b = binary.AppendUvarint(b, uint64(len(sec.bytes)))
		b = append(b, sec.bytes...)
	}
	return b
}

// unmarshalState decodes what marshalState encodes, or a store alone
// (MarshalStore). It rejects another version, an unknown or repeated
// section, a missing store, and any part that does not decode, with an
// error that wraps ErrMalformedSnapshot and says what is wrong. Ten 0xff
// bytes are no valid uvarint, so no MarshalStore output starts with
// stateMagic.
func unmarshalState(b []byte) (map[string]string, sessions, error) {
	rest, ok := bytes.CutPrefix(b, []byte(stateMagic))
	if !ok {
		data, err := UnmarshalStore(b)
		return data, make(sessions), err
	}
	if len(rest) == 0 || rest[0] != stateVersion {
		return nil, nil, fmt.Errorf("%w: the state machine's format has no version %d after its magic", ErrMalformedSnapshot, stateVersion)
	}
	b = rest
	var data map[string]string
	table := make(sessions)
	seen := make(map[byte]bool)
	for at := 1; at < len(b); {
		tag := b[at]
		size, n := binary.Uvarint(b[at+1:])
		if n <= 0 || size > uint64(len(b)-at-1-n) {
			return nil, nil, fmt.Errorf("%w: section %q at offset %d has no valid length", ErrMalformedSnapshot, tag, at)
		}
		if seen[tag] {
			return nil, nil, fmt.Errorf("%w: section %q appears twice, again at offset %d", ErrMalformedSnapshot, tag, at)
		}
		seen[tag] = true
		body := b[at+1+n : at+1+n+int(size)]
		var err error
		switch tag {
		case stateStore:
			data, err = UnmarshalStore(body)
		case stateSessions:
			table, err = unmarshalSessions(body)
		default:
			err = fmt.Errorf("%w: unknown section %q at offset %d", ErrMalformedSnapshot, tag, at)
		}
		if err != nil {
			return nil, nil, err
		}
		at += 1 + n + int(size)
	}
	if data == nil {
		return nil, nil, fmt.Errorf("%w: it has no store section", ErrMalformedSnapshot)
	}
	return data, table, nil
}

// ErrMalformedSnapshot is wrapped by every error UnmarshalStore returns.
var ErrMalformedSnapshot = errors.New("malformed snapshot")

// MarshalStore encodes a store's content as a snapshot's Data: for each
// key in sorted order, the key's length as a uvarint, the key, the value's
// length as a uvarint and the value. Sorting makes equal stores encode to
// equal bytes, so replicas' snapshots can be compared.
func MarshalStore(data map[string]string) []byte {
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(data)) {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(data[k])))
		b = append(b, data[k]...)
	}
	return b
}

// UnmarshalStore decodes what MarshalStore encodes. It rejects truncated
// input, a length past the end and a key that appears twice, with an error
// that wraps ErrMalformedSnapshot and gives the offset.
func UnmarshalStore(b []byte) (map[string]string, error) {
	data := make(map[string]string)
	read := func(at int, what string) (string, int, error) {
		n, size := binary.Uvarint(b[at:])
		if size <= 0 {
			return "", 0, fmt.Errorf("%w: no valid %s length at offset %d", ErrMalformedSnapshot, what, at)
		}
		if n > uint64(len(b)-at-size) {
			return "", 0, fmt.Errorf("%w: %s of %d bytes at offset %d runs past the end", ErrMalformedSnapshot, what, n, at)
		}
		start := at + size
		return string(b[start : start+int(n)]), start + int(n), nil
	}
	for at := 0; at < len(b); {
		k, next, err := read(at, "key")
		if err != nil {
			return nil, err
		}
		v, end, err := read(next, "value")
		if err != nil {
			return nil, err
		}
		if _, dup := data[k]; dup {
			return nil, fmt.Errorf("%w: key %q appears twice, again at offset %d", ErrMalformedSnapshot, k, at)
		}
		data[k] = v
		at = end
	}
	return data, nil
}
