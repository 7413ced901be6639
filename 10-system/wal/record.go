package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"raftgo/solutions/03-planning"
)

// The record format.
//
// A segment file and a snapshot file are sequences of records. A record is a
// 12-byte header and a body:
//
//	offset 0   uint32, little endian   n, the length of the body (1 to a limit)
//	offset 4   uint32, little endian   CRC-32C of the body
//	offset 8   uint32, little endian   CRC-32C of bytes 0 to 7 of the header
//	offset 12  n bytes                 the body: a type byte, then its payload
//
// The header checks itself, so the reader trusts the length before it reads
// the body: a flipped bit in a length can then never pass for a record that
// runs past the end of the file, which would look like a torn tail and cost
// every record after it. The payloads use the stage-03 codec:
//
//	recordEntry         raft.MarshalEntry
//	recordHardState     raft.MarshalHardState
//	recordSnapshot      a snapshot marker: uvarint index, uvarint term, then
//	                    one byte, 1 if the entries after the index were
//	                    discarded with the rest of the log, else 0
//	recordSnapshotData  raft.MarshalSnapshot (in a snapshot file only)
const (
	headerSize = 12
	// maxRecordSize bounds the body of a segment's record: an entry with the
	// most data the codec allows, and room for its header fields.
	maxRecordSize = 1 + raft.MaxEntryDataSize + 64
	// maxSnapshotRecordSize bounds the body of a snapshot file's record.
	maxSnapshotRecordSize = 1 + raft.MaxSnapshotDataSize + raft.MaxVoters*10 + 64
)

// The types of record.
const (
	recordEntry        byte = 1
	recordHardState    byte = 2
	recordSnapshot     byte = 3
	recordSnapshotData byte = 4
)

// castagnoli is the table of CRC-32C, the checksum that storage systems use
// (iSCSI, ext4, LevelDB, etcd) and that modern CPUs compute in hardware.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum returns the CRC-32C of b.
func checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// appendRecord appends a record of type typ with payload to buf.
func appendRecord(buf []byte, typ byte, payload []byte) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, headerSize)...)
	buf = append(buf, typ)
	buf = append(buf, payload...)
	header, body := buf[start:start+headerSize], buf[start+headerSize:]
	binary.LittleEndian.PutUint32(header[0:4], uint32(len(body)))
	binary.LittleEndian.PutUint32(header[4:8], checksum(body))
	binary.LittleEndian.PutUint32(header[8:12], checksum(header[0:8]))
	return buf
}

// CorruptError reports a record that fails its checks somewhere a crash
// cannot explain: in the middle of the log, or in a file that was complete
// when it was written. The WAL refuses to open rather than guess, because
// the records after a damaged one may hold acknowledged writes.
type CorruptError struct {
	File   string // the file's path
	Offset int64  // the offset of the damaged record in the file
	Reason string // what is wrong with it
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("wal: corrupt record in %s at byte %d: %s; refusing to open: restore this node's data from a backup or a peer", e.File, e.Offset, e.Reason)
}

// A tornError reports a record cut short by the end of its file: a write
// that a crash interrupted. Open truncates it away in the last segment.
type tornError struct {
	offset int64 // where the partial record starts
	size   int64 // how many bytes of it the file holds
}

func (e *tornError) Error() string {
	return fmt.Sprintf("wal: %d bytes of a partial record at byte %d", e.size, e.offset)
}

// A recordReader reads the records of one file from front to back.
type recordReader struct {
	r       *bufio.Reader
	file    string // the file's path, for errors
	off     int64  // the offset of the next record
	maxBody int    // the longest body accepted
	header  [headerSize]byte
	body    []byte // reused between records
}

// newRecordReader returns a reader of the records in r, read from file.
func newRecordReader(r io.Reader, file string, maxBody int) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, 64<<10), file: file, maxBody: maxBody}
}

// corrupt returns a *CorruptError for the record at off.
func (rr *recordReader) corrupt(off int64, format string, args ...any) error {
	return &CorruptError{File: rr.file, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// next reads the next record and returns its type and payload, which stay
// valid until the next call. At the end of the file, exactly after a record,
// it returns io.EOF. When the file ends inside a record, or when the rest of
// the file is zero bytes (space a file system allocated but a crash never
// let us fill), it returns a *tornError. A record that fails a check is a
// *CorruptError.
func (rr *recordReader) next() (typ byte, payload []byte, err error) {
	// TODO: Read the 12-byte header with io.ReadFull. No byte at all is io.EOF,
	// the clean end; part of a header is a torn tail (a *tornError, its
	// size what the file holds). Then trust nothing before it is checked:
	// the header's own checksum first (an all-zero header is a torn tail
	// when restAllZero says the rest of the file is zero too), then the
	// length (at least 1, at most rr.maxBody, checked before you allocate),
	// then the body, read in full (a short body is a torn tail), and its
	// checksum. Every failed check is rr.corrupt(offset, "what failed").
	// Advance rr.off past the record (handout: "The record format").
	return 0, nil, io.EOF
}

// allZero reports whether every byte of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// restAllZero reads r to its end and returns how many bytes it held when
// they are all zero, or -1 as soon as one is not.
func restAllZero(r io.Reader) (int64, error) {
	var buf [4096]byte
	var total int64
	for {
		n, err := r.Read(buf[:])
		if !allZero(buf[:n]) {
			return -1, nil
		}
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// A marker records that a snapshot took the place of the entries up to
// its index.
type marker struct {
	index   raft.Index
	term    raft.Term
	discard bool // the entries after index were discarded too
}

// appendMarker appends the payload of a recordSnapshot.
func appendMarker(buf []byte, m marker) []byte {
	buf = binary.AppendUvarint(buf, uint64(m.index))
	buf = binary.AppendUvarint(buf, uint64(m.term))
	if m.discard {
		return append(buf, 1)
	}
	return append(buf, 0)
}

// parseMarker decodes the payload of a recordSnapshot.
func parseMarker(p []byte) (marker, error) {
	index, n := binary.Uvarint(p)
	if n <= 0 {
		return marker{}, errors.New("snapshot marker: bad index")
	}
	p = p[n:]
	term, n := binary.Uvarint(p)
	if n <= 0 {
		return marker{}, errors.New("snapshot marker: bad term")
	}
	p = p[n:]
	if len(p) != 1 || p[0] > 1 {
		return marker{}, fmt.Errorf("snapshot marker: want one flag byte 0 or 1 after the term, got % x", p)
	}
	return marker{index: raft.Index(index), term: raft.Term(term), discard: p[0] == 1}, nil
}
