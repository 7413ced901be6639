package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// testOptions are the options of most tests: no fsync, which crash-free
// tests do not need, so that the suite stays fast on any disk.
var testOptions = Options{NoSync: true}

// openWAL opens the WAL in dir and closes it when the test ends.
func openWAL(t testing.TB, dir string, opts Options) *WAL {
	t.Helper()
	w, err := Open(dir, opts)
	require.NoError(t, err, "Open(%s)", dir)
	t.Cleanup(func() { w.Close() })
	return w
}

// reopen closes w and opens its folder again, as a restarted node does.
func reopen(t testing.TB, w *WAL) *WAL {
	t.Helper()
	require.NoError(t, w.Close(), "Close")
	return openWAL(t, w.dir, w.opts)
}

// makeEntries returns the entries lo to hi in term, each with a command
// that names its index.
func makeEntries(lo, hi raft.Index, term raft.Term) []raft.Entry {
	var es []raft.Entry
	for i := lo; i <= hi; i++ {
		es = append(es, raft.Entry{Term: term, Index: i, Data: fmt.Appendf(nil, "set k%d v%d", i, i)})
	}
	return es
}

// save calls w.Save and fails the test on an error.
func save(t testing.TB, w *WAL, hs raft.HardState, entries []raft.Entry) {
	t.Helper()
	require.NoError(t, w.Save(hs, entries), "Save(%+v, entries %d to %d)", hs, firstIndex(entries), lastIndex(entries))
}

func firstIndex(es []raft.Entry) raft.Index {
	if len(es) == 0 {
		return 0
	}
	return es[0].Index
}

func lastIndex(es []raft.Entry) raft.Index {
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].Index
}

// requireState checks what w recovered when it was opened.
func requireState(t testing.TB, w *WAL, hs raft.HardState, snap *raft.Snapshot, entries []raft.Entry, msgAndArgs ...any) {
	t.Helper()
	gotHS, gotSnap, gotEntries := w.State()
	require.Equal(t, hs, gotHS, append([]any{"recovered hard state; "}, msgAndArgs...)...)
	require.Equal(t, snap, gotSnap, append([]any{"recovered snapshot; "}, msgAndArgs...)...)
	require.Equal(t, entries, gotEntries, append([]any{"recovered entries; "}, msgAndArgs...)...)
}

// segmentFiles returns the paths of the segments in dir, oldest first.
func segmentFiles(t testing.TB, dir string) []string {
	t.Helper()
	segs, err := listSegments(dir)
	require.NoError(t, err)
	var paths []string
	for _, s := range segs {
		paths = append(paths, s.path)
	}
	return paths
}

// fileSize returns the size of the file at path.
func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Size()
}

// entryRecordSize returns the bytes the record of e takes in a segment.
func entryRecordSize(t testing.TB, e raft.Entry) int64 {
	t.Helper()
	p, err := raft.MarshalEntry(e)
	require.NoError(t, err)
	return int64(len(appendRecord(nil, recordEntry, p)))
}

// hardStateRecordSize returns the bytes the record of hs takes.
func hardStateRecordSize(hs raft.HardState) int64 {
	return int64(len(appendRecord(nil, recordHardState, raft.MarshalHardState(hs))))
}

// copyDir copies the files of src into a new temporary folder.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	names, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range names {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), data, 0o640))
	}
	return dst
}

// removeFile removes the file at path.
func removeFile(path string) error { return os.Remove(path) }
