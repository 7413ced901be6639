package wal

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// fuzzSegmentName is the name the fuzz test gives its one segment.
var fuzzSegmentName = segmentName(1, 1)

// FuzzOpen writes arbitrary bytes as the only segment of a WAL and opens
// it. Open must never panic: it either refuses with a *CorruptError, or
// recovers a state that it then keeps, so that one more Save and a restart
// give that state plus the new entry. The seeds are real segments (one
// with a snapshot marker, whose snapshot file the test also writes) and
// damaged copies of them. Run it with go test -fuzz=FuzzOpen -fuzztime=30s
// (handout: "6. The write-ahead log", "The record format").
func FuzzOpen(f *testing.F) {
	seed := func(build func(w *WAL)) []byte {
		dir := f.TempDir()
		w, err := Open(dir, testOptions)
		require.NoError(f, err)
		build(w)
		require.NoError(f, w.Close())
		data, err := os.ReadFile(filepath.Join(dir, fuzzSegmentName))
		require.NoError(f, err)
		return data
	}
	plain := seed(func(w *WAL) {
		save(f, w, raft.HardState{Term: 2, Vote: 1, Commit: 2}, makeEntries(1, 3, 2))
		save(f, w, raft.HardState{}, makeEntries(3, 4, 3))
	})
	withSnapshot := seed(func(w *WAL) {
		save(f, w, raft.HardState{Term: 2}, makeEntries(1, 4, 2))
		require.NoError(f, w.SaveSnapshot(fuzzSnapshot))
	})
	f.Add(plain)
	f.Add(withSnapshot)
	f.Add(plain[:len(plain)-5])
	f.Add(append(append([]byte(nil), plain...), make([]byte, 40)...))
	flipped := append([]byte(nil), plain...)
	flipped[20] ^= 0x10
	f.Add(flipped)
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, fuzzSegmentName), data, 0o640))
		snapData, err := raft.MarshalSnapshot(fuzzSnapshot)
		require.NoError(t, err)
		snapPath := filepath.Join(dir, snapshotName(fuzzSnapshot.LastIncludedIndex, fuzzSnapshot.LastIncludedTerm))
		require.NoError(t, os.WriteFile(snapPath, appendRecord(nil, recordSnapshotData, snapData), 0o640))

		w, err := Open(dir, testOptions)
		if err != nil {
			var corrupt *CorruptError
			require.ErrorAs(t, err, &corrupt, "Open of arbitrary bytes fails only with a *CorruptError")
			return
		}
		hs, snap, entries := w.State()
		next := raft.Index(1)
		if snap != nil {
			next = snap.LastIncludedIndex + 1
		}
		if len(entries) > 0 {
			next = entries[len(entries)-1].Index + 1
		}
		e := raft.Entry{Term: hs.Term + 1, Index: next, Data: []byte("one more")}
		require.NoError(t, w.Save(raft.HardState{}, []raft.Entry{e}), "Save after Open recovered %d entries", len(entries))
		require.NoError(t, w.Close())

		w, err = Open(dir, testOptions)
		require.NoError(t, err, "reopen after Open accepted the segment and one more Save")
		defer w.Close()
		requireState(t, w, hs, snap, append(entries, e), "Open must recover what it accepted, plus the Save that followed (handout: \"The record format\")")
	})
}

// fuzzSnapshot is the snapshot the fuzz seeds save, at index 3.
var fuzzSnapshot = raft.Snapshot{LastIncludedIndex: 3, LastIncludedTerm: 2, Voters: []raft.NodeID{1, 2, 3}, Data: []byte("state")}
