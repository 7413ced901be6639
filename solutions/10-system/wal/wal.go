// Package wal is a write-ahead log: the stable storage of Figure 2 of the
// Raft paper. A node must make its hard state (current term, vote, commit)
// and its log entries durable before it answers an RPC or acknowledges a
// client; this package does that with as few fsyncs as the job allows, and
// recovers them after a crash.
//
// A WAL is a folder of segment files, each a sequence of checksummed
// records (see record.go), and at most one snapshot file. Save appends the
// records of one Ready and syncs once (group commit); SaveSnapshot writes a
// snapshot file and lets the WAL delete the segments it makes useless.
//
// Open recovers: it replays every segment and repairs the one damage a
// crash can do, a torn tail (a last record cut short, which was never
// acknowledged, since Save had not returned), by truncating it. Damage a
// crash cannot explain, such as a flipped bit in a record followed by valid
// ones, is refused with a *CorruptError that names the file and the offset:
// the records after it may hold acknowledged writes, and guessing would
// lose them silently.
//
// A WAL is used by one goroutine (the runtime's Ready loop); it is not safe
// for concurrent use. One folder holds one WAL: Open locks it.
package wal

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"raftgo/solutions/03-planning"
)

// DefaultSegmentSize is the size past which Save starts a new segment when
// Options.SegmentSize is zero.
const DefaultSegmentSize = 64 << 20

// Options configure a WAL. The zero Options are the right ones for a
// server.
type Options struct {
	// SegmentSize is the size in bytes past which the WAL starts a new
	// segment (after the Save that crossed it); zero means
	// DefaultSegmentSize. Segments are the unit that a snapshot frees.
	SegmentSize int64
	// NoSync skips every fsync. A crash may then lose what Save reported
	// durable, so never set it on a server: it exists for benchmarks that
	// measure what fsync costs, and for tests that do not crash.
	NoSync bool
	// Logger receives the repairs that Open makes; nil discards them.
	Logger *slog.Logger
}

// ErrClosed is returned by the methods of a closed WAL.
var ErrClosed = errors.New("wal: closed")

// WAL is an open write-ahead log.
type WAL struct {
	dir  string
	opts Options
	log  *slog.Logger
	lock io.Closer // the folder's lock, held until Close

	segs []segment // oldest first; the last is the active one
	file *os.File  // the active segment, open for appending
	size int64     // the active segment's size

	// What the log holds now: the hard state, the latest snapshot marker
	// (index 0 if none), and the term of each entry from index first on.
	hs    raft.HardState
	snap  marker
	first raft.Index
	terms []raft.Term

	// What Open recovered, for State.
	recoveredHS      raft.HardState
	recoveredSnap    *raft.Snapshot
	recoveredEntries []raft.Entry

	buf      []byte // reused by Save
	err      error  // the first write failure: the WAL refuses to go on after it
	syncs    int    // how many fsyncs it made, for tests
	unsynced bool   // the active segment holds a commit-only write not yet synced
}

// Open opens the WAL in dir, creating the folder if it is missing, and
// recovers what it holds (see State). A torn tail is truncated and logged;
// damage anywhere else is a *CorruptError.
func Open(dir string, opts Options) (*WAL, error) {
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("wal: create %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	w := &WAL{dir: dir, opts: opts, log: log, lock: lock}
	if err := w.recover(); err != nil {
		if w.file != nil {
			w.file.Close()
		}
		lock.Close()
		return nil, err
	}
	return w, nil
}

// State returns what Open recovered: the hard state (zero for a new log),
// the latest snapshot (nil if none), and the entries after it, in order. A
// node restarts from them. Later Saves do not change what State returns.
func (w *WAL) State() (raft.HardState, *raft.Snapshot, []raft.Entry) {
	return w.recoveredHS, w.recoveredSnap, w.recoveredEntries
}

// Save makes a Ready's hard state and entries durable, in one write and one
// fsync (group commit): when Save returns nil, they survive a crash. A zero
// hs means that the hard state did not change. The entries must be
// consecutive, and replace every entry saved at or after entries[0].Index;
// entries[0].Index must follow the snapshot, and leave no gap after the
// last entry. When nothing changed, Save writes and syncs nothing.
//
// A Save that only moves Commit, with the same term and vote and no
// entries, is written but not synced: the next fsync (the next Save that
// syncs, a new segment, a snapshot or Close) makes it durable with
// whatever follows it. Figure 2 does not list commitIndex as persistent
// state: a node whose last commit record is lost in a crash restarts with
// an older commit index, and learns the newer one again from the leader;
// every entry it had applied is still in its log. etcd raft skips this
// fsync too (its MustSync). A leader's commit-only Readies are frequent
// under load (a follower's acknowledgement moves the commit index and
// nothing else), and this halves its fsyncs.
//
// After a failed write or fsync the WAL cannot tell what reached the disk,
// so every later call fails: reopen it to recover.
func (w *WAL) Save(hs raft.HardState, entries []raft.Entry) error {
	if err := w.usable(); err != nil {
		return err
	}
	if err := w.checkEntries(entries); err != nil {
		return err
	}
	changed := !hs.IsZero() && hs != w.hs
	if !changed && len(entries) == 0 {
		return nil
	}
	// Entries go first: a crash in the middle of the write leaves a prefix
	// of the records, and a hard state whose Commit names entries that are
	// not there would be worse than no new hard state at all.
	buf := w.buf[:0]
	for _, e := range entries {
		payload, err := raft.MarshalEntry(e)
		if err != nil {
			return fmt.Errorf("wal: save entry %d: %w", e.Index, err)
		}
		buf = appendRecord(buf, recordEntry, payload)
	}
	if changed {
		buf = appendRecord(buf, recordHardState, raft.MarshalHardState(hs))
	}
	w.buf = buf
	commitOnly := len(entries) == 0 && hs.Term == w.hs.Term && hs.Vote == w.hs.Vote
	if err := w.write(buf, !commitOnly); err != nil {
		return err
	}
	if changed {
		w.hs = hs
	}
	if len(entries) > 0 {
		w.terms = w.terms[:entries[0].Index-w.first]
		for _, e := range entries {
			w.terms = append(w.terms, e.Term)
		}
	}
	if w.size >= w.opts.SegmentSize {
		return w.cut()
	}
	return nil
}

// checkEntries checks that entries can be saved: consecutive, after the
// snapshot, and with no gap after the last entry.
func (w *WAL) checkEntries(entries []raft.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	first, last := entries[0].Index, w.lastIndex()
	switch {
	case first <= w.snap.index:
		return fmt.Errorf("wal: save entry %d: the snapshot already covers every entry up to %d", first, w.snap.index)
	case first > last+1:
		return fmt.Errorf("wal: save entry %d: it would leave a gap after the last entry, %d", first, last)
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].Index != entries[i-1].Index+1 {
			return fmt.Errorf("wal: save entries: entry %d follows entry %d; entries must be consecutive", entries[i].Index, entries[i-1].Index)
		}
	}
	return nil
}

// lastIndex returns the index of the last entry, or of the snapshot when no
// entry follows it (0 for an empty log).
func (w *WAL) lastIndex() raft.Index { return w.first - 1 + raft.Index(len(w.terms)) }

// SaveSnapshot makes a snapshot durable and lets the WAL drop the log it
// replaces. It writes the snapshot to a temporary file, syncs it, renames
// it into place and syncs the folder, so a crash leaves the old snapshot or
// the new one, never half of one; then it records the snapshot in the log
// and syncs, which is the moment it counts. Following Figure 13, the
// entries after the snapshot are kept if the log holds the snapshot's last
// entry (same index and term), and discarded with the rest of the log
// otherwise. Finally it deletes the older snapshot and the segments that
// hold only entries the snapshot covers.
func (w *WAL) SaveSnapshot(s raft.Snapshot) error {
	if err := w.usable(); err != nil {
		return err
	}
	if s.LastIncludedIndex <= w.snap.index {
		return fmt.Errorf("wal: save snapshot at index %d: not newer than the saved snapshot, at index %d", s.LastIncludedIndex, w.snap.index)
	}
	data, err := raft.MarshalSnapshot(s)
	if err != nil {
		return fmt.Errorf("wal: save snapshot at index %d: %w", s.LastIncludedIndex, err)
	}
	name := snapshotName(s.LastIncludedIndex, s.LastIncludedTerm)
	if err := w.writeFileAtomically(name, appendRecord(nil, recordSnapshotData, data)); err != nil {
		return err
	}
	m := marker{index: s.LastIncludedIndex, term: s.LastIncludedTerm, discard: !w.holds(s.LastIncludedIndex, s.LastIncludedTerm)}
	if err := w.write(appendRecord(w.buf[:0], recordSnapshot, appendMarker(nil, m)), true); err != nil {
		return err
	}
	w.applyMarker(m)
	if err := removeSnapshotsBut(w.dir, name); err != nil {
		return err
	}
	if err := w.compact(); err != nil {
		return err
	}
	if w.size >= w.opts.SegmentSize {
		return w.cut()
	}
	return nil
}

// holds reports whether the log holds an entry at index in term.
func (w *WAL) holds(index raft.Index, term raft.Term) bool {
	return index >= w.first && index <= w.lastIndex() && w.terms[index-w.first] == term
}

// applyMarker drops the entries a snapshot replaces from what the WAL
// tracks.
func (w *WAL) applyMarker(m marker) {
	if m.discard || m.index >= w.lastIndex() {
		w.terms = w.terms[:0]
	} else if m.index >= w.first {
		w.terms = append(w.terms[:0], w.terms[m.index+1-w.first:]...)
	}
	w.first = m.index + 1
	w.snap = m
}

// compact deletes the oldest segments while every entry they hold is
// covered by the snapshot: segment i+1 was created when the log ended at
// its first index minus one, so the live entries of segments 0 to i end
// there. Every segment starts with the hard state and the snapshot marker
// of its time, so the deleted ones take nothing else with them. The oldest
// goes first, so a crash halfway leaves segments that still follow each
// other.
func (w *WAL) compact() error {
	n := 0
	for n+1 < len(w.segs) && w.segs[n+1].first-1 <= w.snap.index {
		n++
	}
	for _, seg := range w.segs[:n] {
		if err := os.Remove(seg.path); err != nil {
			return w.fail(fmt.Errorf("wal: remove segment %s: %w", seg.path, err))
		}
	}
	w.segs = w.segs[n:]
	if n == 0 {
		return nil
	}
	return w.syncDir()
}

// Close closes the WAL and releases its folder. Everything Save and
// SaveSnapshot returned nil for is durable once Close returns nil: all of
// it was synced already but a commit-only hard state, which Close syncs.
func (w *WAL) Close() error {
	if w.file == nil {
		return nil
	}
	var err error
	if w.unsynced && w.err == nil {
		if err = w.sync(w.file); err != nil {
			err = fmt.Errorf("sync %s: %w", w.file.Name(), err)
		}
	}
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	if lerr := w.lock.Close(); err == nil {
		err = lerr
	}
	w.file = nil
	if err != nil {
		return fmt.Errorf("wal: close: %w", err)
	}
	return nil
}

// usable returns an error when the WAL can no longer be written.
func (w *WAL) usable() error {
	switch {
	case w.file == nil:
		return ErrClosed
	case w.err != nil:
		return fmt.Errorf("wal: unusable after an earlier failure (reopen it to recover): %w", w.err)
	}
	return nil
}

// fail records the first write failure and returns err.
func (w *WAL) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// write appends buf to the active segment and, if sync, syncs it with
// every earlier write not yet synced.
func (w *WAL) write(buf []byte, sync bool) error {
	n, err := w.file.Write(buf)
	w.size += int64(n)
	if err != nil {
		return w.fail(fmt.Errorf("wal: write %s: %w", w.file.Name(), err))
	}
	if !sync {
		w.unsynced = true
		return nil
	}
	return w.syncActive()
}

// syncActive syncs the active segment.
func (w *WAL) syncActive() error {
	if err := w.sync(w.file); err != nil {
		return w.fail(fmt.Errorf("wal: sync %s: %w", w.file.Name(), err))
	}
	w.unsynced = false
	return nil
}

// sync flushes f to stable storage, unless Options.NoSync.
func (w *WAL) sync(f *os.File) error {
	if w.opts.NoSync {
		return nil
	}
	w.syncs++
	return f.Sync()
}

// syncDir makes the WAL folder's changes durable, unless Options.NoSync.
func (w *WAL) syncDir() error {
	if w.opts.NoSync {
		return nil
	}
	w.syncs++
	if err := syncDir(w.dir); err != nil {
		return w.fail(err)
	}
	return nil
}

// cut starts a new segment after the active one, once that one is synced:
// a segment is complete before the next begins, so only the last one can
// have a torn tail.
func (w *WAL) cut() error {
	if w.unsynced {
		if err := w.syncActive(); err != nil {
			return err
		}
	}
	last := w.segs[len(w.segs)-1]
	if err := w.createSegment(last.seq+1, w.lastIndex()+1); err != nil {
		return w.fail(err)
	}
	return nil
}

// createSegment creates the segment seq, which is to hold the entries from
// first on, syncs it and the folder, and makes it the active segment. It
// starts with the hard state and the snapshot marker, so that the older
// segments can go without taking them along.
func (w *WAL) createSegment(seq uint64, first raft.Index) error {
	path := filepath.Join(w.dir, segmentName(seq, first))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("wal: create segment: %w", err)
	}
	var head []byte
	if !w.hs.IsZero() {
		head = appendRecord(head, recordHardState, raft.MarshalHardState(w.hs))
	}
	if w.snap.index > 0 {
		head = appendRecord(head, recordSnapshot, appendMarker(nil, marker{index: w.snap.index, term: w.snap.term}))
	}
	if _, err := f.Write(head); err != nil {
		f.Close()
		return fmt.Errorf("wal: write segment %s: %w", path, err)
	}
	if err := w.sync(f); err != nil {
		f.Close()
		return fmt.Errorf("wal: sync segment %s: %w", path, err)
	}
	if err := w.syncDir(); err != nil {
		f.Close()
		return err
	}
	if w.file != nil {
		if err := w.file.Close(); err != nil {
			f.Close()
			return fmt.Errorf("wal: close segment %s: %w", w.file.Name(), err)
		}
	}
	w.file, w.size = f, int64(len(head))
	w.segs = append(w.segs, segment{seq: seq, first: first, path: path})
	return nil
}

// writeFileAtomically writes a file in the WAL folder so that a crash
// leaves either no file or all of it: it writes a temporary file, syncs
// it, renames it and syncs the folder.
func (w *WAL) writeFileAtomically(name string, data []byte) error {
	path := filepath.Join(w.dir, name)
	tmp := path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("wal: create %s: %w", tmp, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = w.sync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("wal: write %s: %w", path, err)
	}
	return w.syncDir()
}

// removeSnapshotsBut removes every snapshot file in dir but keep.
func removeSnapshotsBut(dir, keep string) error {
	names, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("wal: list %s: %w", dir, err)
	}
	for _, e := range names {
		if n := e.Name(); n != keep && strings.HasPrefix(n, "snapshot-") && strings.HasSuffix(n, ".snap") {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("wal: remove an old snapshot: %w", err)
			}
		}
	}
	return nil
}
