package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The binary encoding of messages, entries, hard states and snapshots.
//
// Every encoding starts with the version byte, FormatVersion. A message then
// holds its kind byte, its header (From, To, Term) and its body's fields in
// the order the body's struct declares them. Integers are unsigned varints
// (encoding/binary's Uvarint); a bool is one byte, 0 or 1; an EntryType is
// one byte; a byte string or a list is its length as a uvarint, then its
// elements. The handout's "Wire format" section draws every layout.
//
// An encoding cannot tell a nil slice from an empty one, so decoding gives
// nil for every empty list and byte string: an Entry whose Data is []byte{}
// comes back with Data nil.
//
// Decoding copies: a decoded message shares no memory with its input, so the
// caller may reuse its buffer.

// FormatVersion is the version of the encoding, the first byte of every
// encoding. A decoder rejects every other version.
const FormatVersion byte = 1

// The limits of the encoding. Marshal refuses to encode more, and Unmarshal
// rejects an input that declares more, before it allocates anything, so that
// a corrupt or hostile input cannot make a node allocate without bound.
const (
	// MaxMessageEntries is the most entries one AppendEntries carries.
	MaxMessageEntries = 1024
	// MaxEntryDataSize is the most bytes of Data one entry carries.
	MaxEntryDataSize = 64 << 10
	// MaxVoters is the most voters a cluster, and so a snapshot, has.
	MaxVoters = 64
	// MaxSnapshotDataSize is the most bytes of Data one snapshot carries.
	MaxSnapshotDataSize = 64 << 20
)

// The errors that encoding and decoding wrap, so that a caller can tell the
// failures apart with errors.Is. Input that ends early gives an error that
// wraps io.ErrUnexpectedEOF.
var (
	// ErrUnknownVersion means that the version byte is not FormatVersion.
	ErrUnknownVersion = errors.New("unknown format version")
	// ErrUnknownKind means that the kind byte names no kind of message, or
	// that a message's Body is nil or not one of this package's body types.
	ErrUnknownKind = errors.New("unknown message kind")
	// ErrUnknownEntryType means that an entry's type is neither EntryCommand
	// nor EntryConfChange.
	ErrUnknownEntryType = errors.New("unknown entry type")
	// ErrTooLarge means that a count or a length exceeds one of the limits
	// above.
	ErrTooLarge = errors.New("too large")
	// ErrMalformed means that a value is not encoded as the format says: a
	// bool byte other than 0 and 1, or a uvarint that overflows 64 bits.
	ErrMalformed = errors.New("malformed value")
	// ErrTrailingData means that bytes follow a complete encoding.
	ErrTrailingData = errors.New("trailing data")
)

// The fewest bytes one element of a list takes, which bounds how many
// elements the rest of an input can hold.
const (
	minEntrySize = 4 // Term, Index, Type and the length of Data
	minVoterSize = 1 // one uvarint
)

// Marshal returns the encoding of m.
func Marshal(m Message) ([]byte, error) {
	return AppendMessage(nil, m)
}

// AppendMessage appends the encoding of m to buf and returns the extended
// buffer. On error it returns buf as it was. Passing a buffer to reuse, as in
// AppendMessage(buf[:0], m), saves the allocations of Marshal.
func AppendMessage(buf []byte, m Message) ([]byte, error) {
	// TODO: Append the version, the kind, the header and the body's fields in
	// the order of the table in the handout ("Wire format"): a type switch
	// on m.Body picks the fields. A Body this package does not define
	// (nil, a pointer, another type) is an error wrapping ErrUnknownKind;
	// entries and snapshots over the limits are errors too, so that Marshal
	// never produces what Unmarshal rejects (handout: "3. Encoding").
	return buf, errors.New("not implemented")
}

// appendBool appends b as one byte, 1 for true and 0 for false.
func appendBool(buf []byte, b bool) []byte {
	if b {
		return append(buf, 1)
	}
	return append(buf, 0)
}

// appendEntries appends a list of entries: their number, then each entry.
func appendEntries(buf []byte, entries []Entry) ([]byte, error) {
	// TODO: Refuse more than MaxMessageEntries entries (wrap ErrTooLarge), then
	// append the count and each entry; say which entry failed, as in
	// "entry 3: ..." (handout: "3. Encoding").
	return buf, errors.New("not implemented")
}

// appendEntry appends one entry: Term, Index, Type, then Data with its length.
func appendEntry(buf []byte, e Entry) ([]byte, error) {
	// TODO: Refuse an unknown Type (wrap ErrUnknownEntryType) and Data longer
	// than MaxEntryDataSize (wrap ErrTooLarge), then append the fields
	// (handout: "3. Encoding").
	return buf, errors.New("not implemented")
}

// appendSnapshot appends a snapshot: LastIncludedIndex, LastIncludedTerm, the
// voters and the learners, each with their count, then Data with its length.
func appendSnapshot(buf []byte, s Snapshot) ([]byte, error) {
	// TODO: Refuse more than MaxVoters voters or learners and Data longer
	// than MaxSnapshotDataSize (wrap ErrTooLarge), then append the fields
	// (handout: "3. Encoding").
	return buf, errors.New("not implemented")
}

// appendContext appends a read's context, a byte string of at most
// MaxEntryDataSize bytes, with its length.
func appendContext(buf []byte, ctx []byte) ([]byte, error) {
	if len(ctx) > MaxEntryDataSize {
		return buf, fmt.Errorf("Context: %w: %d bytes, the limit is %d", ErrTooLarge, len(ctx), MaxEntryDataSize)
	}
	buf = binary.AppendUvarint(buf, uint64(len(ctx)))
	return append(buf, ctx...), nil
}

// appendIDs appends a list of node IDs: its count, then each ID.
func appendIDs(buf []byte, ids []NodeID) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(ids)))
	for _, id := range ids {
		buf = binary.AppendUvarint(buf, uint64(id))
	}
	return buf
}

// MarshalEntry returns the encoding of one entry, as a write-ahead log
// stores it: the version byte, then the entry as an AppendEntries holds it.
func MarshalEntry(e Entry) ([]byte, error) {
	buf, err := appendEntry([]byte{FormatVersion}, e)
	if err != nil {
		return nil, fmt.Errorf("raft: encode Entry: %w", err)
	}
	return buf, nil
}

// MarshalHardState returns the encoding of a hard state: the version byte,
// then Term, Vote and Commit.
func MarshalHardState(h HardState) []byte {
	// TODO: Append the version byte and the three fields as uvarints
	// (handout: "3. Encoding").
	return nil
}

// MarshalSnapshot returns the encoding of a snapshot: the version byte, then
// the snapshot as an InstallSnapshot holds it.
func MarshalSnapshot(s Snapshot) ([]byte, error) {
	buf, err := appendSnapshot([]byte{FormatVersion}, s)
	if err != nil {
		return nil, fmt.Errorf("raft: encode Snapshot: %w", err)
	}
	return buf, nil
}

// Unmarshal decodes a message that Marshal encoded. It rejects, with an error
// that says what failed and at which byte, input that is truncated, that
// has bytes left over, whose version, kind or entry type is unknown, or that
// declares more than the limits allow.
func Unmarshal(data []byte) (Message, error) {
	// TODO: Decode with a decoder, the way UnmarshalEntry below does: the version,
	// the kind (see decoder.kind), the header, the body of that kind
	// (decoder.message), and nothing after it (decoder.finish). Check the
	// decoder's error once the kind is read, and once at the end; prefix
	// the first with "raft: decode message: " and the second with
	// "raft: decode <kind>: " (handout: "4. Decoding").
	return Message{}, errors.New("not implemented")
}

// UnmarshalEntry decodes an entry that MarshalEntry encoded.
func UnmarshalEntry(data []byte) (Entry, error) {
	d := decoder{data: data}
	d.version()
	e := d.entry()
	d.finish()
	if d.err != nil {
		return Entry{}, fmt.Errorf("raft: decode Entry: %w", d.err)
	}
	return e, nil
}

// UnmarshalHardState decodes a hard state that MarshalHardState encoded.
func UnmarshalHardState(data []byte) (HardState, error) {
	// TODO: Decode as UnmarshalEntry does: the version, Term, Vote and Commit,
	// then nothing (handout: "4. Decoding").
	return HardState{}, errors.New("not implemented")
}

// UnmarshalSnapshot decodes a snapshot that MarshalSnapshot encoded.
func UnmarshalSnapshot(data []byte) (Snapshot, error) {
	d := decoder{data: data}
	d.version()
	s := d.snapshot()
	d.finish()
	if d.err != nil {
		return Snapshot{}, fmt.Errorf("raft: decode Snapshot: %w", d.err)
	}
	return s, nil
}

// A decoder reads an encoding from front to back. Its first error sticks:
// after it, every read returns a zero value and leaves the error alone, so
// a decoding function can read all its fields and check err once, at the
// end.
//
// Go evaluates the function calls of an expression, including those in a
// composite literal, from left to right, so a struct literal whose fields
// are reads, such as HardState{Term: Term(d.uvarint("Term")), ...}, reads
// its fields in the order it lists them.
type decoder struct {
	data []byte // the whole input
	off  int    // the offset of the next unread byte
	err  error  // the first error, or nil
}

// fail records, unless an error came first, that the field named what,
// which starts at byte at, could not be read because of err. The error reads
// "what at byte N: err".
func (d *decoder) fail(at int, what string, err error) {
	if d.err == nil {
		d.err = fmt.Errorf("%s at byte %d: %w", what, at, err)
	}
}

// uint8 reads one byte.
func (d *decoder) uint8(what string) uint8 {
	// TODO: Once d.err is set, return 0 and read nothing: every read does. Else
	// read the next byte, or fail with io.ErrUnexpectedEOF when there is
	// none (handout: "4. Decoding").
	return 0
}

// uvarint reads an unsigned varint.
func (d *decoder) uvarint(what string) uint64 {
	// TODO: Once d.err is set, return 0 and read nothing. Else read a uvarint
	// with binary.Uvarint. Its second result tells a
	// truncated input (fail with io.ErrUnexpectedEOF) from one that
	// overflows 64 bits (fail with ErrMalformed) (handout:
	// "4. Decoding").
	return 0
}

// bool reads a bool: one byte, 0 or 1.
func (d *decoder) bool(what string) bool {
	// TODO: Read a byte; any value but 0 and 1 is ErrMalformed (handout:
	// "4. Decoding").
	return false
}

// count reads the length of a list that may hold at most limit elements of
// at least minSize bytes each. It fails, before the caller allocates
// anything, when the length exceeds the limit or when that many elements
// cannot fit in the bytes left.
func (d *decoder) count(what string, limit, minSize int) int {
	// TODO: Read the length as a uvarint. Compare it first with limit
	// (ErrTooLarge), then with what the bytes left could hold
	// (io.ErrUnexpectedEOF), and only then convert it to an int: it is
	// untrusted, and may be 2^64-1 (handout: "4. Decoding" and
	// "5. Hostile input").
	return 0
}

// bytes reads a byte string of at most limit bytes, with its length in
// front, and returns a copy of it: nil when it is empty.
func (d *decoder) bytes(what string, limit int) []byte {
	// TODO: Read the length as a uvarint and check it as count does, first
	// against limit, then against the bytes left, before you copy
	// anything. Copy: the result must not share memory with the input
	// (handout: "4. Decoding" and "5. Hostile input").
	return nil
}

// version reads the version byte and checks that it is FormatVersion.
func (d *decoder) version() {
	// TODO: Read a byte; fail with ErrUnknownVersion if it is not FormatVersion
	// (handout: "4. Decoding").
}

// kind reads a message's kind byte and checks that it names a kind of
// message, from KindRequestVote to KindReadIndexResponse.
func (d *decoder) kind() Kind {
	// TODO: Read a byte; fail with ErrUnknownKind if it is not one of the kinds
	// (handout: "4. Decoding").
	return KindInvalid
}

// message reads the header and the body of a message of a kind that
// decoder.kind accepted.
func (d *decoder) message(kind Kind) Message {
	// TODO: Read From, To and Term, then switch on kind to read the body's
	// fields in the order AppendMessage wrote them (handout:
	// "4. Decoding").
	return Message{}
}

// entries reads a list of entries.
func (d *decoder) entries() []Entry {
	// TODO: Read the count (at most MaxMessageEntries, each at least
	// minEntrySize bytes), then each entry. On the first error, prefix it
	// with "entry <i>: " and stop (handout: "4. Decoding").
	return nil
}

// entry reads one entry.
func (d *decoder) entry() Entry {
	// TODO: Read Term, Index, Type (fail with ErrUnknownEntryType unless it is
	// EntryCommand or EntryConfChange) and Data (at most MaxEntryDataSize
	// bytes) (handout: "4. Decoding").
	return Entry{}
}

// snapshot reads a snapshot.
func (d *decoder) snapshot() Snapshot {
	// TODO: Read LastIncludedIndex, LastIncludedTerm, the voters and the
	// learners (each a count of at most MaxVoters, then each ID: d.ids) and
	// Data (at most MaxSnapshotDataSize bytes) (handout: "4. Decoding").
	return Snapshot{}
}

// ids reads a list of node IDs: a count of at most MaxVoters, then each ID.
func (d *decoder) ids(what string) []NodeID {
	n := d.count(what, MaxVoters, minVoterSize)
	if n == 0 {
		return nil
	}
	ids := make([]NodeID, n)
	for i := range ids {
		ids[i] = NodeID(d.uvarint(what))
	}
	return ids
}

// finish checks that the input has no bytes left.
func (d *decoder) finish() {
	// TODO: Fail with ErrTrailingData if bytes are left after the encoding
	// (handout: "4. Decoding").
}
