package wal

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// TestRoundTrip saves a hard state and entries of both types, closes the
// WAL and opens it again: State must give back exactly what was saved.
// Recovery reads every record back and checks it (handout: "6. The write-ahead log",
// "The record format").
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, testOptions)
	requireState(t, w, raft.HardState{}, nil, nil, "a new WAL recovers nothing")

	hs := raft.HardState{Term: 3, Vote: 2, Commit: 4}
	entries := makeEntries(1, 5, 3)
	entries[2].Type = raft.EntryConfChange
	save(t, w, hs, entries)

	w = reopen(t, w)
	requireState(t, w, hs, nil, entries, "after Save and a restart (handout: \"The record format\")")
}

// TestRestart restarts a WAL several times, each time saving more: a new
// vote, more entries, a commit, or nothing at all (a zero HardState means
// "unchanged"). After each restart State holds everything saved so far
// (handout: "6. The write-ahead log", "The record format").
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, testOptions)
	var wantHS raft.HardState
	var wantEntries []raft.Entry
	steps := []struct {
		hs      raft.HardState
		entries []raft.Entry
	}{
		{raft.HardState{Term: 1, Vote: 1}, nil},
		{raft.HardState{}, makeEntries(1, 3, 1)},
		{raft.HardState{Term: 1, Vote: 1, Commit: 3}, makeEntries(4, 4, 1)},
		{raft.HardState{}, nil},
		{raft.HardState{Term: 2, Vote: 3, Commit: 3}, makeEntries(5, 9, 2)},
	}
	for i, step := range steps {
		save(t, w, step.hs, step.entries)
		if !step.hs.IsZero() {
			wantHS = step.hs
		}
		wantEntries = append(wantEntries, step.entries...)
		w = reopen(t, w)
		requireState(t, w, wantHS, nil, wantEntries, "after step %d and a restart (handout: \"The record format\")", i)
	}
}

// TestSaveReplacesTail saves entries that conflict with saved ones, as a
// follower does when a new leader overwrites its uncommitted tail (Figure
// 2, AppendEntries rule 3): the entries at and after the first new index
// are replaced, including when the replaced entries sit in an older
// segment than the new ones (handout: "6. The write-ahead log", "The record format").
func TestSaveReplacesTail(t *testing.T) {
	for _, segmentSize := range []int64{DefaultSegmentSize, 200} {
		t.Run(map[bool]string{true: "one segment", false: "many segments"}[segmentSize == DefaultSegmentSize], func(t *testing.T) {
			opts := testOptions
			opts.SegmentSize = segmentSize
			w := openWAL(t, t.TempDir(), opts)
			save(t, w, raft.HardState{Term: 1}, makeEntries(1, 10, 1))
			save(t, w, raft.HardState{Term: 2}, makeEntries(6, 7, 2))
			save(t, w, raft.HardState{}, makeEntries(8, 8, 2))
			save(t, w, raft.HardState{Term: 3}, makeEntries(8, 9, 3))

			want := append(append(makeEntries(1, 5, 1), makeEntries(6, 7, 2)...), makeEntries(8, 9, 3)...)
			w = reopen(t, w)
			requireState(t, w, raft.HardState{Term: 3}, nil, want,
				"entries 6-7 of term 2 replaced 6-10 of term 1, then 8-9 of term 3 replaced 8 of term 2 (handout: \"The record format\")")
		})
	}
}

// TestGivenSaveRejectsBadEntries checks Save's arguments: entries that
// are not consecutive, that leave a gap after the log, or that the
// snapshot covers are refused, and nothing is written (handout: "6. The write-ahead log").
func TestGivenSaveRejectsBadEntries(t *testing.T) {
	w := openWAL(t, t.TempDir(), testOptions)
	save(t, w, raft.HardState{Term: 1}, makeEntries(1, 3, 1))
	require.ErrorContains(t, w.Save(raft.HardState{}, makeEntries(5, 5, 1)), "gap")
	require.ErrorContains(t, w.Save(raft.HardState{}, []raft.Entry{{Term: 1, Index: 4}, {Term: 1, Index: 6}}), "consecutive")
	require.NoError(t, w.SaveSnapshot(raft.Snapshot{LastIncludedIndex: 2, LastIncludedTerm: 1, Data: []byte("state")}))
	require.ErrorContains(t, w.Save(raft.HardState{}, makeEntries(2, 4, 1)), "snapshot")
	require.ErrorContains(t, w.SaveSnapshot(raft.Snapshot{LastIncludedIndex: 2, LastIncludedTerm: 1}), "not newer")
	require.NoError(t, w.Close())
	require.ErrorIs(t, w.Save(raft.HardState{Term: 9}, nil), ErrClosed)
}

// TestGivenOneFsyncPerSave counts the fsyncs of Save: exactly one for a
// call that writes entries or a new term or vote, however many entries it
// holds (group commit); none for a call with nothing new; and none for a
// call that only moves the commit index, which the next fsync, or Close,
// makes durable (handout: "6. The write-ahead log", "Measuring fsync").
func TestGivenOneFsyncPerSave(t *testing.T) {
	w := openWAL(t, t.TempDir(), Options{})
	for i, tc := range []struct {
		hs        raft.HardState
		entries   []raft.Entry
		wantSyncs int
	}{
		{raft.HardState{Term: 1, Vote: 1}, nil, 1},
		{raft.HardState{}, makeEntries(1, 1, 1), 1},
		{raft.HardState{Term: 1, Vote: 1, Commit: 1}, makeEntries(2, 65, 1), 1},
		{raft.HardState{}, nil, 0},
		{raft.HardState{Term: 1, Vote: 1, Commit: 1}, nil, 0},
		{raft.HardState{Term: 1, Vote: 1, Commit: 40}, nil, 0},
		{raft.HardState{Term: 1, Vote: 1, Commit: 65}, makeEntries(66, 66, 1), 1},
		{raft.HardState{Term: 2, Vote: 3, Commit: 65}, nil, 1},
	} {
		before := w.syncs
		save(t, w, tc.hs, tc.entries)
		require.Equal(t, tc.wantSyncs, w.syncs-before, "fsyncs of Save call %d", i)
	}
}

// TestCommitOnlySaveIsDurableAfterClose saves a commit-only hard state,
// which Save does not sync: Close must sync it, and a reopened WAL must
// hold it. When the segment fills up first, the WAL must sync it before it
// starts the next, so that only the last segment can ever be torn.
func TestCommitOnlySaveIsDurableAfterClose(t *testing.T) {
	for _, segmentSize := range []int64{DefaultSegmentSize, 1} {
		w := openWAL(t, t.TempDir(), Options{SegmentSize: segmentSize})
		entries := makeEntries(1, 3, 1)
		save(t, w, raft.HardState{Term: 1, Vote: 1}, entries)
		hs := raft.HardState{Term: 1, Vote: 1, Commit: 3}
		before := w.syncs
		save(t, w, hs, nil)
		if segmentSize == DefaultSegmentSize {
			require.Zero(t, w.syncs-before, "a commit-only Save is not synced")
			require.NoError(t, w.Close(), "Close")
			require.Equal(t, 1, w.syncs-before, "Close syncs the commit-only Save")
		} else {
			require.Positive(t, w.syncs-before, "a Save that fills its segment syncs it before the next segment starts")
			require.False(t, w.unsynced, "the full segment was synced")
		}
		w = reopen(t, w)
		requireState(t, w, hs, nil, entries, "a commit-only Save, then Close and Open (segment size %d)", segmentSize)
	}
}

// TestGivenOpenLocksTheFolder opens a folder twice: the second Open must
// fail while the first WAL is open, and succeed after it is closed
// (handout: "6. The write-ahead log").
func TestGivenOpenLocksTheFolder(t *testing.T) {
	switch runtime.GOOS {
	case "darwin", "dragonfly", "freebsd", "linux", "netbsd", "openbsd":
	default:
		t.Skip("no flock(2) on " + runtime.GOOS)
	}
	dir := t.TempDir()
	w := openWAL(t, dir, testOptions)
	_, err := Open(dir, testOptions)
	require.ErrorContains(t, err, "in use", "a second Open of an open folder")
	require.NoError(t, w.Close())
	openWAL(t, dir, testOptions)
}

// TestSegmentRollover saves with a small SegmentSize: the WAL must start
// new segments, name each by its sequence number and the first index it
// was created to hold, and read them all back in order (handout: "6. The write-ahead log",
// "The record format").
func TestSegmentRollover(t *testing.T) {
	opts := testOptions
	opts.SegmentSize = 300
	dir := t.TempDir()
	w := openWAL(t, dir, opts)
	var want []raft.Entry
	for i := raft.Index(1); i <= 60; i++ {
		e := makeEntries(i, i, 1)
		save(t, w, raft.HardState{Term: 1, Commit: i - 1}, e)
		want = append(want, e...)
	}
	paths := segmentFiles(t, dir)
	require.Greater(t, len(paths), 5, "60 saves of about 50 bytes with SegmentSize 300 make many segments")
	for i, p := range paths {
		seq, first, ok := parseSegmentName(filepath.Base(p))
		require.True(t, ok, p)
		require.Equal(t, uint64(i+1), seq, "sequence number of %s", p)
		if i > 0 {
			require.Greater(t, first, raft.Index(1), "first index of %s", p)
		}
	}
	w = reopen(t, w)
	requireState(t, w, raft.HardState{Term: 1, Commit: 59}, nil, want, "after a restart, over %d segments (handout: \"The record format\")", len(paths))
	save(t, w, raft.HardState{}, makeEntries(61, 61, 1))
	w = reopen(t, w)
	_, _, entries := w.State()
	require.Len(t, entries, 61, "a reopened WAL appends after what it recovered")
}

// TestSnapshotCompaction saves a snapshot in the middle of a log of many
// segments: the segments it covers go, the snapshot and the entries after
// it survive a restart, and the next snapshot replaces the first. A
// snapshot whose last entry the log does not hold (its term differs, or
// the log is shorter) replaces the whole log (Figure 13, InstallSnapshot
// rules 6 and 7; handout: "6. The write-ahead log", "The record format").
func TestSnapshotCompaction(t *testing.T) {
	opts := testOptions
	opts.SegmentSize = 300
	dir := t.TempDir()
	w := openWAL(t, dir, opts)
	hs := raft.HardState{Term: 2, Vote: 1, Commit: 50}
	for i := raft.Index(1); i <= 50; i += 5 {
		save(t, w, hs, makeEntries(i, i+4, 2))
	}
	before := len(segmentFiles(t, dir))

	snap := raft.Snapshot{LastIncludedIndex: 40, LastIncludedTerm: 2, Voters: []raft.NodeID{1, 2, 3}, Data: []byte("state at 40")}
	require.NoError(t, w.SaveSnapshot(snap))
	after := len(segmentFiles(t, dir))
	require.Less(t, after, before, "SaveSnapshot deletes the segments the snapshot covers")
	w = reopen(t, w)
	requireState(t, w, hs, &snap, makeEntries(41, 50, 2), "after a snapshot at 40 and a restart")

	// A snapshot at 45 from a leader whose entry 45 has another term: the
	// log conflicts with it, and goes.
	snap2 := raft.Snapshot{LastIncludedIndex: 45, LastIncludedTerm: 3, Voters: []raft.NodeID{1, 2, 3}, Data: []byte("state at 45")}
	require.NoError(t, w.SaveSnapshot(snap2))
	save(t, w, raft.HardState{Term: 3, Commit: 45}, nil)
	w = reopen(t, w)
	requireState(t, w, raft.HardState{Term: 3, Commit: 45}, &snap2, nil, "a snapshot that conflicts with the log discards it")
	matches, err := filepath.Glob(filepath.Join(dir, "snapshot-*"))
	require.NoError(t, err)
	require.Len(t, matches, 1, "the newer snapshot replaces the older one's file")

	// A snapshot past the end of the log, then entries after it.
	snap3 := raft.Snapshot{LastIncludedIndex: 70, LastIncludedTerm: 4, Voters: []raft.NodeID{1, 2, 3}}
	require.NoError(t, w.SaveSnapshot(snap3))
	save(t, w, raft.HardState{Term: 4, Commit: 70}, makeEntries(71, 72, 4))
	w = reopen(t, w)
	requireState(t, w, raft.HardState{Term: 4, Commit: 70}, &snap3, makeEntries(71, 72, 4), "entries after a snapshot past the end of the old log")
}

// TestSnapshotAfterReplacedTail covers a subtle case of compaction: a
// replaced tail whose first index lies before the first index of the
// segment that holds it, after the older segments are deleted (handout:
// "6. The write-ahead log", "The record format").
func TestSnapshotAfterReplacedTail(t *testing.T) {
	opts := testOptions
	opts.SegmentSize = 200
	w := openWAL(t, t.TempDir(), opts)
	for i := raft.Index(1); i <= 10; i++ {
		save(t, w, raft.HardState{Term: 1}, makeEntries(i, i, 1))
	}
	save(t, w, raft.HardState{Term: 2}, makeEntries(8, 9, 2)) // in a segment created to hold entry 10 or later
	save(t, w, raft.HardState{}, makeEntries(10, 20, 2))
	snap := raft.Snapshot{LastIncludedIndex: 15, LastIncludedTerm: 2}
	require.NoError(t, w.SaveSnapshot(snap))
	w = reopen(t, w)
	requireState(t, w, raft.HardState{Term: 2}, &snap, makeEntries(16, 20, 2), "after a replaced tail, a snapshot and a restart")
}

// TestMissingSnapshotFileIsCorruption deletes the snapshot file that the
// log records: Open must refuse with a *CorruptError, not start from an
// empty state machine (handout: "6. The write-ahead log", "The record format").
func TestMissingSnapshotFileIsCorruption(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, testOptions)
	save(t, w, raft.HardState{Term: 1}, makeEntries(1, 5, 1))
	require.NoError(t, w.SaveSnapshot(raft.Snapshot{LastIncludedIndex: 3, LastIncludedTerm: 1}))
	require.NoError(t, w.Close())
	matches, err := filepath.Glob(filepath.Join(dir, "snapshot-*"))
	require.NoError(t, err)
	require.Len(t, matches, 1)
	require.NoError(t, removeFile(matches[0]))

	_, err = Open(dir, testOptions)
	var corrupt *CorruptError
	require.ErrorAs(t, err, &corrupt, "Open with the snapshot file gone (handout: \"The record format\")")
	require.Contains(t, corrupt.Reason, "missing")
}
