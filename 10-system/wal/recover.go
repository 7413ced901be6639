package wal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"raftgo/solutions/03-planning"
)

// A replay rebuilds the log's state from its records, in the order they
// were written.
type replay struct {
	hs      raft.HardState
	snap    marker
	snapAt  position     // where snap was recorded
	first   raft.Index   // the index of entries[0], or of the next entry
	entries []raft.Entry // the log after the snapshot
}

// A position is a record's place in the WAL.
type position struct {
	file   string
	offset int64
}

// apply applies one record.
func (r *replay) apply(typ byte, payload []byte, at position) error {
	switch typ {
	case recordEntry:
		e, err := raft.UnmarshalEntry(payload)
		if err != nil {
			return err
		}
		return r.addEntry(e)
	case recordHardState:
		hs, err := raft.UnmarshalHardState(payload)
		if err != nil {
			return err
		}
		r.hs = hs
	case recordSnapshot:
		m, err := parseMarker(payload)
		if err != nil {
			return err
		}
		return r.addMarker(m, at)
	default:
		return fmt.Errorf("unknown record type %d", typ)
	}
	return nil
}

// addEntry applies an entry record: it replaces the entries at and after
// its index, which must be in the log or just after it. An entry before
// the log's start replaces the whole log: the segments that held what came
// before it were deleted because a snapshot covers it, which recover checks
// at the end.
func (r *replay) addEntry(e raft.Entry) error {
	last := r.first - 1 + raft.Index(len(r.entries))
	switch {
	case e.Index == 0:
		return errors.New("entry at index 0; the first index is 1")
	case r.snap.index > 0 && e.Index <= r.snap.index:
		return fmt.Errorf("entry %d after the snapshot that covers the entries up to %d", e.Index, r.snap.index)
	case e.Index > last+1:
		return fmt.Errorf("entry %d leaves a gap after the last entry, %d", e.Index, last)
	case e.Index < r.first:
		r.entries, r.first = append(r.entries[:0], e), e.Index
	default:
		r.entries = append(r.entries[:e.Index-r.first], e)
	}
	return nil
}

// addMarker applies a snapshot marker. A segment's first records restate
// the snapshot of its time, so a marker no newer than the last one changes
// nothing.
func (r *replay) addMarker(m marker, at position) error {
	switch {
	case m.index < r.snap.index:
		return fmt.Errorf("snapshot at index %d after one at index %d", m.index, r.snap.index)
	case m.index == r.snap.index:
		if m.term != r.snap.term {
			return fmt.Errorf("snapshot at index %d in term %d after one at the same index in term %d", m.index, m.term, r.snap.term)
		}
		return nil
	}
	if m.discard {
		r.entries = nil
	} else if m.index >= r.first {
		r.entries = r.entries[min(int(m.index+1-r.first), len(r.entries)):]
	}
	r.first = max(r.first, m.index+1)
	r.snap, r.snapAt = m, at
	return nil
}

// recover replays the segments into w, truncating a torn tail, then loads
// the snapshot and opens the last segment for appending. An empty folder
// gets its first segment.
func (w *WAL) recover() error {
	if err := removeTemporaries(w.dir); err != nil {
		return err
	}
	segs, err := listSegments(w.dir)
	if err != nil {
		return err
	}
	if len(segs) == 0 {
		w.first = 1
		return w.createSegment(1, 1)
	}
	r := replay{first: segs[0].first}
	for i, seg := range segs {
		if err := w.replaySegment(&r, seg, i == len(segs)-1); err != nil {
			return err
		}
	}
	if r.first > r.snap.index+1 {
		return &CorruptError{File: segs[0].path, Offset: 0, Reason: fmt.Sprintf(
			"the log starts at entry %d, but the snapshot covers only the entries up to %d: a segment is missing", r.first, r.snap.index)}
	}
	if r.snap.index > 0 {
		snap, err := loadSnapshot(w.dir, r.snap, r.snapAt)
		if err != nil {
			return err
		}
		w.recoveredSnap = &snap
	}
	if err := removeSnapshotsBut(w.dir, snapshotName(r.snap.index, r.snap.term)); err != nil {
		return err
	}

	w.hs, w.snap, w.first = r.hs, r.snap, r.first
	for _, e := range r.entries {
		w.terms = append(w.terms, e.Term)
	}
	w.recoveredHS, w.recoveredEntries = r.hs, r.entries

	active := segs[len(segs)-1]
	f, err := os.OpenFile(active.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("wal: open segment: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("wal: open segment: %w", err)
	}
	w.segs, w.file, w.size = segs, f, info.Size()
	return nil
}

// replaySegment applies the records of one segment. Only the last segment
// may end in a torn record, which it truncates; every other segment was
// complete and synced before the next one was created.
func (w *WAL) replaySegment(r *replay, seg segment, last bool) error {
	f, err := os.Open(seg.path)
	if err != nil {
		return fmt.Errorf("wal: open segment: %w", err)
	}
	torn, err := replayRecords(r, f, seg.path)
	f.Close()
	switch {
	case err != nil:
		return err
	case torn == nil:
		return nil
	case !last:
		return &CorruptError{File: seg.path, Offset: torn.offset,
			Reason: fmt.Sprintf("a record cut short after %d bytes by the end of a segment that is not the last one", torn.size)}
	}
	return w.truncateTail(seg.path, torn)
}

// replayRecords applies the records that rd holds, until its end or a torn
// record, which it returns.
func replayRecords(r *replay, rd io.Reader, file string) (*tornError, error) {
	rr := newRecordReader(rd, file, maxRecordSize)
	for {
		at := position{file: file, offset: rr.off}
		typ, payload, err := rr.next()
		var torn *tornError
		switch {
		case err == io.EOF:
			return nil, nil
		case errors.As(err, &torn):
			return torn, nil
		case err != nil:
			return nil, err
		}
		if err := r.apply(typ, payload, at); err != nil {
			return nil, &CorruptError{File: file, Offset: at.offset, Reason: err.Error()}
		}
	}
}

// truncateTail cuts a torn record off the end of the last segment, so that
// the next Save appends after the last whole record, and logs what it cut.
func (w *WAL) truncateTail(path string, torn *tornError) error {
	// TODO: Open the file for writing, truncate it at the torn record's offset,
	// sync it (w.sync, so a crash cannot bring the tail back), close it, and
	// log a warning with the file, the offset and the bytes cut. Each error
	// says which file failed (handout: "Recovery: the torn tail").
	return nil
}

// loadSnapshot reads the snapshot that marker m names. The snapshot file
// was synced and renamed into place before m was written, so a missing or
// damaged file is corruption.
func loadSnapshot(dir string, m marker, at position) (raft.Snapshot, error) {
	path := filepath.Join(dir, snapshotName(m.index, m.term))
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return raft.Snapshot{}, &CorruptError{File: at.file, Offset: at.offset, Reason: fmt.Sprintf(
			"it records a snapshot at index %d in term %d, whose file %s is missing", m.index, m.term, filepath.Base(path))}
	}
	if err != nil {
		return raft.Snapshot{}, fmt.Errorf("wal: open snapshot: %w", err)
	}
	defer f.Close()
	rr := newRecordReader(f, path, maxSnapshotRecordSize)
	typ, payload, err := rr.next()
	var torn *tornError
	switch {
	case err == io.EOF:
		return raft.Snapshot{}, &CorruptError{File: path, Offset: 0, Reason: "the snapshot file is empty"}
	case errors.As(err, &torn):
		return raft.Snapshot{}, &CorruptError{File: path, Offset: torn.offset, Reason: fmt.Sprintf("the snapshot's record is cut short after %d bytes", torn.size)}
	case err != nil:
		return raft.Snapshot{}, err
	case typ != recordSnapshotData:
		return raft.Snapshot{}, &CorruptError{File: path, Offset: 0, Reason: fmt.Sprintf("record type %d, want a snapshot (%d)", typ, recordSnapshotData)}
	}
	s, err := raft.UnmarshalSnapshot(payload)
	if err != nil {
		return raft.Snapshot{}, &CorruptError{File: path, Offset: 0, Reason: err.Error()}
	}
	if s.LastIncludedIndex != m.index || s.LastIncludedTerm != m.term {
		return raft.Snapshot{}, &CorruptError{File: path, Offset: 0, Reason: fmt.Sprintf(
			"it holds the snapshot at index %d in term %d, the log wants index %d in term %d", s.LastIncludedIndex, s.LastIncludedTerm, m.index, m.term)}
	}
	if _, _, err := rr.next(); err != io.EOF {
		return raft.Snapshot{}, &CorruptError{File: path, Offset: rr.off, Reason: "bytes after the snapshot's record"}
	}
	return s, nil
}
