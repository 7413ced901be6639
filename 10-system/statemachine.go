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
}

// newStateMachine returns a state machine whose store holds the state of
// snap, or is empty when snap is nil.
func newStateMachine(snap *raft.Snapshot) (*stateMachine, error) {
	store := new(kvserver.Store)
	sm := &stateMachine{store: store, applier: core.NewApplier(store)}
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
// changes).
func (sm *stateMachine) apply(entries []raft.Entry, confChange func(raft.Entry) error) error {
	cloned := false
	for i, e := range entries {
		switch {
		case e.Type == raft.EntryConfChange:
			if confChange == nil {
				break
			}
			if err := confChange(e); err != nil {
				return fmt.Errorf("raftkv: apply the configuration change at index %d: %w", e.Index, err)
			}
		case e.Type != raft.EntryCommand:
			return fmt.Errorf("raftkv: entry %d has unknown type %d", e.Index, e.Type)
		case !slices.Equal(e.Data, barrier):
			continue
		}
		if !cloned {
			entries, cloned = slices.Clone(entries), true // never change the caller's entries
		}
		entries[i].Data = nil
	}
	return sm.applier.Apply(entries)
}

// restore replaces the store's content with a snapshot's. Entries up to
// the snapshot's last index count as applied.
func (sm *stateMachine) restore(snap raft.Snapshot) error {
	data, err := UnmarshalStore(snap.Data)
	if err != nil {
		return fmt.Errorf("raftkv: restore the snapshot at index %d: %w", snap.LastIncludedIndex, err)
	}
	sm.store.Restore(data)
	sm.applier = core.NewApplierAt(sm.store, snap.LastIncludedIndex)
	return nil
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
