package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"raftgo/solutions/03-planning"
)

// A segment is one file of the log. Its name holds its sequence number,
// which orders the segments, and the index of the first entry it was
// created to hold (the log's last index then, plus one), both in
// hexadecimal: 0000000000000001-0000000000000001.wal. The index alone
// cannot order segments, because a Save that replaces the log's tail can
// make a later segment start below an earlier one.
type segment struct {
	seq   uint64
	first raft.Index
	path  string
}

// segmentName returns the file name of a segment.
func segmentName(seq uint64, first raft.Index) string {
	return fmt.Sprintf("%016x-%016x.wal", seq, uint64(first))
}

// parseSegmentName parses a segment's file name; ok is false for any other
// name, and for a first index of 0, which no entry has.
func parseSegmentName(name string) (seq uint64, first raft.Index, ok bool) {
	var s, f uint64
	if len(name) != len("0000000000000001-0000000000000001.wal") {
		return 0, 0, false
	}
	if n, err := fmt.Sscanf(name, "%016x-%016x.wal", &s, &f); err != nil || n != 2 || f == 0 || segmentName(s, raft.Index(f)) != name {
		return 0, 0, false
	}
	return s, raft.Index(f), true
}

// snapshotName returns the file name of the snapshot at index in term.
func snapshotName(index raft.Index, term raft.Term) string {
	return fmt.Sprintf("snapshot-%016x-%016x.snap", uint64(index), uint64(term))
}

// tmpSuffix ends the name of a file being written; Open removes such files,
// which a crash left behind.
const tmpSuffix = ".tmp"

// listSegments returns the segments in dir by sequence number. The
// sequence numbers must follow each other: a gap means a lost file.
func listSegments(dir string) ([]segment, error) {
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("wal: list %s: %w", dir, err)
	}
	var segs []segment
	for _, e := range names {
		if seq, first, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			segs = append(segs, segment{seq: seq, first: first, path: filepath.Join(dir, e.Name())})
		}
	}
	slices.SortFunc(segs, func(a, b segment) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	for i := 1; i < len(segs); i++ {
		if segs[i].seq != segs[i-1].seq+1 {
			return nil, &CorruptError{File: segs[i].path, Offset: 0,
				Reason: fmt.Sprintf("segment %d follows segment %d: the segments between them are missing", segs[i].seq, segs[i-1].seq)}
		}
	}
	return segs, nil
}

// removeTemporaries removes the files a crash left half written.
func removeTemporaries(dir string) error {
	names, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("wal: list %s: %w", dir, err)
	}
	for _, e := range names {
		if strings.HasSuffix(e.Name(), tmpSuffix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("wal: remove a temporary file: %w", err)
			}
		}
	}
	return nil
}

// syncDir makes the creations, renames and removals of files in dir
// durable: without it, a crash can lose a file whose data was synced.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // Windows cannot open a directory to sync it; NTFS journals its names
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("wal: sync directory: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wal: sync directory %s: %w", dir, err)
	}
	return nil
}
