package wal

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// tornFixture is a WAL whose last Save wrote three records, entry 6,
// entry 7 and a hard state, after an earlier Save of entries 1 to 5.
type tornFixture struct {
	dir     string
	segment string
	// bounds are the offsets where the last Save's records start, and
	// where the last one ends.
	bounds [4]int64
	hs     [2]raft.HardState // before and after the last Save
}

func newTornFixture(t *testing.T) tornFixture {
	t.Helper()
	dir := t.TempDir()
	w, err := Open(dir, testOptions)
	require.NoError(t, err)
	f := tornFixture{dir: dir, hs: [2]raft.HardState{{Term: 1, Vote: 1}, {Term: 1, Vote: 1, Commit: 7}}}
	save(t, w, f.hs[0], makeEntries(1, 5, 1))
	f.segment = segmentFiles(t, dir)[0]
	f.bounds[0] = fileSize(t, f.segment)
	last := makeEntries(6, 7, 1)
	save(t, w, f.hs[1], last)
	require.NoError(t, w.Close())
	f.bounds[1] = f.bounds[0] + entryRecordSize(t, last[0])
	f.bounds[2] = f.bounds[1] + entryRecordSize(t, last[1])
	f.bounds[3] = f.bounds[2] + hardStateRecordSize(f.hs[1])
	require.Equal(t, f.bounds[3], fileSize(t, f.segment), "the last Save writes an entry record, an entry record and a hard state record")
	return f
}

// TestTornTailEveryOffset cuts the last segment at every byte offset of
// the records written by the last Save, as a crash in the middle of that
// write could. Open must recover every whole record before the cut,
// truncate the partial one (so the file ends at the last whole record),
// and append after it: a torn tail was never acknowledged, since Save had
// not returned (handout: "6. The write-ahead log", "Recovery: the torn tail").
func TestTornTailEveryOffset(t *testing.T) {
	f := newTornFixture(t)
	data, err := os.ReadFile(f.segment)
	require.NoError(t, err)
	for cut := f.bounds[0]; cut < f.bounds[3]; cut++ {
		// The records wholly before the cut survive.
		whole := 0
		for whole < 3 && f.bounds[whole+1] <= cut {
			whole++
		}
		wantEntries := makeEntries(1, 5+raft.Index(min(whole, 2)), 1)
		wantHS := f.hs[0]
		if whole == 3 {
			wantHS = f.hs[1]
		}
		dir := t.TempDir()
		path := filepath.Join(dir, filepath.Base(f.segment))
		require.NoError(t, os.WriteFile(path, data[:cut], 0o640))

		w, err := Open(dir, testOptions)
		require.NoError(t, err, "Open of a segment cut at byte %d (records end at %v) must truncate the torn tail, not fail (handout: \"Recovery: the torn tail\")", cut, f.bounds)
		requireState(t, w, wantHS, nil, wantEntries, "segment cut at byte %d, records end at %v", cut, f.bounds)
		require.Equal(t, f.bounds[whole], fileSize(t, path),
			"after Open, a segment cut at byte %d must end at the last whole record, byte %d (handout: \"Recovery: the torn tail\")", cut, f.bounds[whole])

		next := lastIndex(wantEntries) + 1
		require.NoError(t, w.Save(raft.HardState{Term: 2}, makeEntries(next, next, 2)), "Save after recovering from a cut at byte %d", cut)
		require.NoError(t, w.Close())
		w, err = Open(dir, testOptions)
		require.NoError(t, err, "reopen after a Save that followed the truncation of a cut at byte %d (handout: \"Recovery: the torn tail\")", cut)
		requireState(t, w, raft.HardState{Term: 2}, nil, append(wantEntries, makeEntries(next, next, 2)...), "segment cut at byte %d, then one more Save", cut)
		require.NoError(t, w.Close())
	}
}

// TestZeroFilledTail appends zero bytes to the last segment, as a crash
// can leave when the file system extended the file but never wrote the
// data: Open treats them as a torn tail, truncates them and logs a warning
// (handout: "6. The write-ahead log", "Recovery: the torn tail").
func TestZeroFilledTail(t *testing.T) {
	f := newTornFixture(t)
	file, err := os.OpenFile(f.segment, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = file.Write(make([]byte, 5000))
	require.NoError(t, err)
	require.NoError(t, file.Close())

	var logs bytes.Buffer
	opts := testOptions
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	w := openWAL(t, f.dir, opts)
	requireState(t, w, f.hs[1], nil, makeEntries(1, 7, 1), "a zero-filled tail after the records (handout: \"Recovery: the torn tail\")")
	require.Equal(t, f.bounds[3], fileSize(t, f.segment), "Open truncates the zero-filled tail (handout: \"Recovery: the torn tail\")")
	require.Contains(t, logs.String(), "level=WARN", "Open logs a warning when it truncates a torn tail (handout: \"Recovery: the torn tail\")")
	require.Contains(t, logs.String(), f.segment, "the warning names the file")
	require.Contains(t, logs.String(), fmt.Sprint(f.bounds[3]), "the warning names the offset")
}

// TestTornRecordInOlderSegment cuts a record short at the end of a segment
// that is not the last one. Only the last segment can be torn by a crash,
// since the WAL syncs a segment before it starts the next, so this is
// corruption (handout: "6. The write-ahead log", "Recovery: the torn tail").
func TestTornRecordInOlderSegment(t *testing.T) {
	opts := testOptions
	opts.SegmentSize = 200
	dir := t.TempDir()
	w := openWAL(t, dir, opts)
	for i := raft.Index(1); i <= 20; i++ {
		save(t, w, raft.HardState{Term: 1}, makeEntries(i, i, 1))
	}
	require.NoError(t, w.Close())
	paths := segmentFiles(t, dir)
	require.Greater(t, len(paths), 2)
	size := fileSize(t, paths[0])
	require.NoError(t, os.Truncate(paths[0], size-3))

	_, err := Open(dir, opts)
	var corrupt *CorruptError
	require.ErrorAs(t, err, &corrupt, "a record cut short in a segment that is not the last (handout: \"Recovery: the torn tail\")")
	require.Equal(t, paths[0], corrupt.File)
}

// TestFlippedBitInMiddleRecord flips, one at a time, every bit of a record
// that valid records follow. A crash cannot do that, so Open must refuse
// with a *CorruptError that names the segment and the record's offset,
// and must not truncate anything: the records after the damage may hold
// acknowledged writes (handout: "6. The write-ahead log", "The record format").
func TestFlippedBitInMiddleRecord(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, testOptions)
	require.NoError(t, err)
	save(t, w, raft.HardState{Term: 1}, makeEntries(1, 3, 1))
	segment := segmentFiles(t, dir)[0]
	start := fileSize(t, segment)
	save(t, w, raft.HardState{}, makeEntries(4, 4, 1))
	end := fileSize(t, segment)
	save(t, w, raft.HardState{Term: 1, Commit: 4}, makeEntries(5, 6, 1))
	require.NoError(t, w.Close())
	data, err := os.ReadFile(segment)
	require.NoError(t, err)

	copyDir := t.TempDir()
	path := filepath.Join(copyDir, filepath.Base(segment))
	for at := start; at < end; at++ {
		for bit := range 8 {
			flipped := append([]byte(nil), data...)
			flipped[at] ^= 1 << bit
			require.NoError(t, os.WriteFile(path, flipped, 0o640))

			w, err := Open(copyDir, testOptions)
			if err == nil {
				w.Close()
			}
			var corrupt *CorruptError
			require.ErrorAs(t, err, &corrupt, "Open after flipping bit %d of byte %d, in the record at bytes %d to %d, must refuse with a *CorruptError (handout: \"The record format\")", bit, at, start, end)
			require.Equal(t, path, corrupt.File, "the error names the damaged segment")
			require.Equal(t, start, corrupt.Offset, "the error names the damaged record's offset")
			require.Contains(t, err.Error(), path, "the message names the file")
			require.Contains(t, err.Error(), fmt.Sprintf("byte %d", start), "the message names the offset")
			require.Equal(t, int64(len(data)), fileSize(t, path), "a refused Open changes nothing")
		}
	}
}
