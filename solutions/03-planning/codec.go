package raft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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
	//workshop:todo Append the version, the kind, the header and the body's fields in
	//workshop:todo the order of the table in the handout ("Wire format"): a type switch
	//workshop:todo on m.Body picks the fields. A Body this package does not define
	//workshop:todo (nil, a pointer, another type) is an error wrapping ErrUnknownKind;
	//workshop:todo entries and snapshots over the limits are errors too, so that Marshal
	//workshop:todo never produces what Unmarshal rejects (handout: "3. Encoding").
	orig := buf
	buf = append(buf, FormatVersion, byte(m.Kind()))
	buf = binary.AppendUvarint(buf, uint64(m.From))
	buf = binary.AppendUvarint(buf, uint64(m.To))
	buf = binary.AppendUvarint(buf, uint64(m.Term))
	var err error
	switch b := m.Body.(type) {
	case RequestVote:
		buf = binary.AppendUvarint(buf, uint64(b.LastLogIndex))
		buf = binary.AppendUvarint(buf, uint64(b.LastLogTerm))
		buf = appendBool(buf, b.Transfer)
	case RequestVoteResponse:
		buf = appendBool(buf, b.VoteGranted)
	case AppendEntries:
		buf = binary.AppendUvarint(buf, uint64(b.PrevLogIndex))
		buf = binary.AppendUvarint(buf, uint64(b.PrevLogTerm))
		buf, err = appendEntries(buf, b.Entries)
		buf = binary.AppendUvarint(buf, uint64(b.LeaderCommit))
		buf = binary.AppendUvarint(buf, b.Context)
	case AppendEntriesResponse:
		buf = appendBool(buf, b.Success)
		buf = binary.AppendUvarint(buf, uint64(b.MatchIndex))
		buf = binary.AppendUvarint(buf, uint64(b.ConflictIndex))
		buf = binary.AppendUvarint(buf, uint64(b.ConflictTerm))
		buf = binary.AppendUvarint(buf, b.Context)
	case InstallSnapshot:
		buf, err = appendSnapshot(buf, b.Snapshot)
		buf = binary.AppendUvarint(buf, b.Offset)
		buf = appendBool(buf, b.Done)
	case InstallSnapshotResponse:
		buf = binary.AppendUvarint(buf, uint64(b.MatchIndex))
		buf = binary.AppendUvarint(buf, uint64(b.LastIncludedIndex))
		buf = binary.AppendUvarint(buf, b.Offset)
	case TimeoutNow:
		// No fields.
	case PreVote:
		buf = binary.AppendUvarint(buf, uint64(b.LastLogIndex))
		buf = binary.AppendUvarint(buf, uint64(b.LastLogTerm))
	case PreVoteResponse:
		buf = appendBool(buf, b.VoteGranted)
	case ReadIndex:
		buf, err = appendContext(buf, b.Context)
	case ReadIndexResponse:
		buf = binary.AppendUvarint(buf, uint64(b.Index))
		buf, err = appendContext(buf, b.Context)
	default:
		return orig, fmt.Errorf("raft: encode message: Body %T: %w", m.Body, ErrUnknownKind)
	}
	if err != nil {
		return orig, fmt.Errorf("raft: encode %s: %w", m.Kind(), err)
	}
	return buf, nil
	//workshop:stub return buf, errors.New("not implemented")
	//workshop:end
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
	//workshop:todo Refuse more than MaxMessageEntries entries (wrap ErrTooLarge), then
	//workshop:todo append the count and each entry; say which entry failed, as in
	//workshop:todo "entry 3: ..." (handout: "3. Encoding").
	if len(entries) > MaxMessageEntries {
		return buf, fmt.Errorf("Entries: %w: %d entries, the limit is %d", ErrTooLarge, len(entries), MaxMessageEntries)
	}
	buf = binary.AppendUvarint(buf, uint64(len(entries)))
	for i, e := range entries {
		var err error
		if buf, err = appendEntry(buf, e); err != nil {
			return buf, fmt.Errorf("entry %d: %w", i, err)
		}
	}
	return buf, nil
	//workshop:stub return buf, errors.New("not implemented")
	//workshop:end
}

// appendEntry appends one entry: Term, Index, Type, then Data with its length.
func appendEntry(buf []byte, e Entry) ([]byte, error) {
	//workshop:todo Refuse an unknown Type (wrap ErrUnknownEntryType) and Data longer
	//workshop:todo than MaxEntryDataSize (wrap ErrTooLarge), then append the fields
	//workshop:todo (handout: "3. Encoding").
	if e.Type > EntryConfChange {
		return buf, fmt.Errorf("Type: %w %d", ErrUnknownEntryType, e.Type)
	}
	if len(e.Data) > MaxEntryDataSize {
		return buf, fmt.Errorf("Data: %w: %d bytes, the limit is %d", ErrTooLarge, len(e.Data), MaxEntryDataSize)
	}
	buf = binary.AppendUvarint(buf, uint64(e.Term))
	buf = binary.AppendUvarint(buf, uint64(e.Index))
	buf = append(buf, byte(e.Type))
	buf = binary.AppendUvarint(buf, uint64(len(e.Data)))
	return append(buf, e.Data...), nil
	//workshop:stub return buf, errors.New("not implemented")
	//workshop:end
}

// appendSnapshot appends a snapshot: LastIncludedIndex, LastIncludedTerm, the
// voters and the learners, each with their count, then Data with its length.
func appendSnapshot(buf []byte, s Snapshot) ([]byte, error) {
	//workshop:todo Refuse more than MaxVoters voters or learners and Data longer
	//workshop:todo than MaxSnapshotDataSize (wrap ErrTooLarge), then append the fields
	//workshop:todo (handout: "3. Encoding").
	if len(s.Voters) > MaxVoters {
		return buf, fmt.Errorf("Voters: %w: %d voters, the limit is %d", ErrTooLarge, len(s.Voters), MaxVoters)
	}
	if len(s.Learners) > MaxVoters {
		return buf, fmt.Errorf("Learners: %w: %d learners, the limit is %d", ErrTooLarge, len(s.Learners), MaxVoters)
	}
	if len(s.Data) > MaxSnapshotDataSize {
		return buf, fmt.Errorf("Data: %w: %d bytes, the limit is %d", ErrTooLarge, len(s.Data), MaxSnapshotDataSize)
	}
	buf = binary.AppendUvarint(buf, uint64(s.LastIncludedIndex))
	buf = binary.AppendUvarint(buf, uint64(s.LastIncludedTerm))
	buf = appendIDs(buf, s.Voters)
	buf = appendIDs(buf, s.Learners)
	buf = binary.AppendUvarint(buf, uint64(len(s.Data)))
	return append(buf, s.Data...), nil
	//workshop:stub return buf, errors.New("not implemented")
	//workshop:end
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
	//workshop:todo Append the version byte and the three fields as uvarints
	//workshop:todo (handout: "3. Encoding").
	buf := []byte{FormatVersion}
	buf = binary.AppendUvarint(buf, uint64(h.Term))
	buf = binary.AppendUvarint(buf, uint64(h.Vote))
	return binary.AppendUvarint(buf, uint64(h.Commit))
	//workshop:stub return nil
	//workshop:end
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
	//workshop:todo Decode with a decoder, the way UnmarshalEntry below does: the version,
	//workshop:todo the kind (see decoder.kind), the header, the body of that kind
	//workshop:todo (decoder.message), and nothing after it (decoder.finish). Check the
	//workshop:todo decoder's error once the kind is read, and once at the end; prefix
	//workshop:todo the first with "raft: decode message: " and the second with
	//workshop:todo "raft: decode <kind>: " (handout: "4. Decoding").
	d := decoder{data: data}
	d.version()
	kind := d.kind()
	if d.err != nil {
		return Message{}, fmt.Errorf("raft: decode message: %w", d.err)
	}
	m := d.message(kind)
	d.finish()
	if d.err != nil {
		return Message{}, fmt.Errorf("raft: decode %s: %w", kind, d.err)
	}
	return m, nil
	//workshop:stub return Message{}, errors.New("not implemented")
	//workshop:end
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
	//workshop:todo Decode as UnmarshalEntry does: the version, Term, Vote and Commit,
	//workshop:todo then nothing (handout: "4. Decoding").
	d := decoder{data: data}
	d.version()
	h := HardState{
		Term:   Term(d.uvarint("Term")),
		Vote:   NodeID(d.uvarint("Vote")),
		Commit: Index(d.uvarint("Commit")),
	}
	d.finish()
	if d.err != nil {
		return HardState{}, fmt.Errorf("raft: decode HardState: %w", d.err)
	}
	return h, nil
	//workshop:stub return HardState{}, errors.New("not implemented")
	//workshop:end
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
	//workshop:todo Once d.err is set, return 0 and read nothing: every read does. Else
	//workshop:todo read the next byte, or fail with io.ErrUnexpectedEOF when there is
	//workshop:todo none (handout: "4. Decoding").
	if d.err != nil {
		return 0
	}
	if d.off == len(d.data) {
		d.fail(d.off, what, io.ErrUnexpectedEOF)
		return 0
	}
	b := d.data[d.off]
	d.off++
	return b
	//workshop:stub return 0
	//workshop:end
}

// uvarint reads an unsigned varint.
func (d *decoder) uvarint(what string) uint64 {
	//workshop:todo Once d.err is set, return 0 and read nothing. Else read a uvarint
	//workshop:todo with binary.Uvarint. Its second result tells a
	//workshop:todo truncated input (fail with io.ErrUnexpectedEOF) from one that
	//workshop:todo overflows 64 bits (fail with ErrMalformed) (handout:
	//workshop:todo "4. Decoding").
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.data[d.off:])
	switch {
	case n == 0:
		d.fail(d.off, what, io.ErrUnexpectedEOF)
		return 0
	case n < 0:
		d.fail(d.off, what, fmt.Errorf("%w: uvarint overflows 64 bits", ErrMalformed))
		return 0
	}
	d.off += n
	return v
	//workshop:stub return 0
	//workshop:end
}

// bool reads a bool: one byte, 0 or 1.
func (d *decoder) bool(what string) bool {
	//workshop:todo Read a byte; any value but 0 and 1 is ErrMalformed (handout:
	//workshop:todo "4. Decoding").
	at := d.off
	switch b := d.uint8(what); b {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail(at, what, fmt.Errorf("%w: bool byte %d, want 0 or 1", ErrMalformed, b))
		return false
	}
	//workshop:stub return false
	//workshop:end
}

// count reads the length of a list that may hold at most limit elements of
// at least minSize bytes each. It fails, before the caller allocates
// anything, when the length exceeds the limit or when that many elements
// cannot fit in the bytes left.
func (d *decoder) count(what string, limit, minSize int) int {
	//workshop:todo Read the length as a uvarint. Compare it first with limit
	//workshop:todo (ErrTooLarge), then with what the bytes left could hold
	//workshop:todo (io.ErrUnexpectedEOF), and only then convert it to an int: it is
	//workshop:todo untrusted, and may be 2^64-1 (handout: "4. Decoding" and
	//workshop:todo "5. Hostile input").
	at := d.off
	n := d.uvarint(what)
	left := len(d.data) - d.off
	switch {
	case d.err != nil:
		return 0
	case n > uint64(limit):
		d.fail(at, what, fmt.Errorf("%w: %d elements, the limit is %d", ErrTooLarge, n, limit))
		return 0
	case n > uint64(left/minSize):
		d.fail(at, what, fmt.Errorf("%w: %d elements need at least %d bytes, %d left", io.ErrUnexpectedEOF, n, n*uint64(minSize), left))
		return 0
	}
	return int(n)
	//workshop:stub return 0
	//workshop:end
}

// bytes reads a byte string of at most limit bytes, with its length in
// front, and returns a copy of it: nil when it is empty.
func (d *decoder) bytes(what string, limit int) []byte {
	//workshop:todo Read the length as a uvarint and check it as count does, first
	//workshop:todo against limit, then against the bytes left, before you copy
	//workshop:todo anything. Copy: the result must not share memory with the input
	//workshop:todo (handout: "4. Decoding" and "5. Hostile input").
	at := d.off
	n := d.uvarint(what)
	left := len(d.data) - d.off
	switch {
	case d.err != nil || n == 0:
		return nil
	case n > uint64(limit):
		d.fail(at, what, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, n, limit))
		return nil
	case n > uint64(left):
		d.fail(at, what, fmt.Errorf("%w: %d bytes declared, %d left", io.ErrUnexpectedEOF, n, left))
		return nil
	}
	b := bytes.Clone(d.data[d.off : d.off+int(n)])
	d.off += int(n)
	return b
	//workshop:stub return nil
	//workshop:end
}

// version reads the version byte and checks that it is FormatVersion.
func (d *decoder) version() {
	//workshop:todo Read a byte; fail with ErrUnknownVersion if it is not FormatVersion
	//workshop:todo (handout: "4. Decoding").
	at := d.off
	if v := d.uint8("version"); d.err == nil && v != FormatVersion {
		d.fail(at, "version", fmt.Errorf("%w %d; this package reads version %d", ErrUnknownVersion, v, FormatVersion))
	}
	//workshop:end
}

// kind reads a message's kind byte and checks that it names a kind of
// message, from KindRequestVote to KindReadIndexResponse.
func (d *decoder) kind() Kind {
	//workshop:todo Read a byte; fail with ErrUnknownKind if it is not one of the kinds
	//workshop:todo (handout: "4. Decoding").
	at := d.off
	k := Kind(d.uint8("kind"))
	if d.err == nil && (k < KindRequestVote || k > KindReadIndexResponse) {
		d.fail(at, "kind", fmt.Errorf("%w %d", ErrUnknownKind, k))
	}
	return k
	//workshop:stub return KindInvalid
	//workshop:end
}

// message reads the header and the body of a message of a kind that
// decoder.kind accepted.
func (d *decoder) message(kind Kind) Message {
	//workshop:todo Read From, To and Term, then switch on kind to read the body's
	//workshop:todo fields in the order AppendMessage wrote them (handout:
	//workshop:todo "4. Decoding").
	m := Message{
		From: NodeID(d.uvarint("From")),
		To:   NodeID(d.uvarint("To")),
		Term: Term(d.uvarint("Term")),
	}
	switch kind {
	case KindRequestVote:
		m.Body = RequestVote{
			LastLogIndex: Index(d.uvarint("LastLogIndex")),
			LastLogTerm:  Term(d.uvarint("LastLogTerm")),
			Transfer:     d.bool("Transfer"),
		}
	case KindRequestVoteResponse:
		m.Body = RequestVoteResponse{VoteGranted: d.bool("VoteGranted")}
	case KindAppendEntries:
		m.Body = AppendEntries{
			PrevLogIndex: Index(d.uvarint("PrevLogIndex")),
			PrevLogTerm:  Term(d.uvarint("PrevLogTerm")),
			Entries:      d.entries(),
			LeaderCommit: Index(d.uvarint("LeaderCommit")),
			Context:      d.uvarint("Context"),
		}
	case KindAppendEntriesResponse:
		m.Body = AppendEntriesResponse{
			Success:       d.bool("Success"),
			MatchIndex:    Index(d.uvarint("MatchIndex")),
			ConflictIndex: Index(d.uvarint("ConflictIndex")),
			ConflictTerm:  Term(d.uvarint("ConflictTerm")),
			Context:       d.uvarint("Context"),
		}
	case KindInstallSnapshot:
		m.Body = InstallSnapshot{
			Snapshot: d.snapshot(),
			Offset:   d.uvarint("Offset"),
			Done:     d.bool("Done"),
		}
	case KindInstallSnapshotResponse:
		m.Body = InstallSnapshotResponse{
			MatchIndex:        Index(d.uvarint("MatchIndex")),
			LastIncludedIndex: Index(d.uvarint("LastIncludedIndex")),
			Offset:            d.uvarint("Offset"),
		}
	case KindTimeoutNow:
		m.Body = TimeoutNow{}
	case KindPreVote:
		m.Body = PreVote{
			LastLogIndex: Index(d.uvarint("LastLogIndex")),
			LastLogTerm:  Term(d.uvarint("LastLogTerm")),
		}
	case KindPreVoteResponse:
		m.Body = PreVoteResponse{VoteGranted: d.bool("VoteGranted")}
	case KindReadIndex:
		m.Body = ReadIndex{Context: d.bytes("Context", MaxEntryDataSize)}
	case KindReadIndexResponse:
		m.Body = ReadIndexResponse{
			Index:   Index(d.uvarint("Index")),
			Context: d.bytes("Context", MaxEntryDataSize),
		}
	}
	return m
	//workshop:stub return Message{}
	//workshop:end
}

// entries reads a list of entries.
func (d *decoder) entries() []Entry {
	//workshop:todo Read the count (at most MaxMessageEntries, each at least
	//workshop:todo minEntrySize bytes), then each entry. On the first error, prefix it
	//workshop:todo with "entry <i>: " and stop (handout: "4. Decoding").
	n := d.count("Entries", MaxMessageEntries, minEntrySize)
	if n == 0 {
		return nil
	}
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = d.entry()
		if d.err != nil {
			d.err = fmt.Errorf("entry %d: %w", i, d.err)
			return nil
		}
	}
	return entries
	//workshop:stub return nil
	//workshop:end
}

// entry reads one entry.
func (d *decoder) entry() Entry {
	//workshop:todo Read Term, Index, Type (fail with ErrUnknownEntryType unless it is
	//workshop:todo EntryCommand or EntryConfChange) and Data (at most MaxEntryDataSize
	//workshop:todo bytes) (handout: "4. Decoding").
	e := Entry{
		Term:  Term(d.uvarint("Term")),
		Index: Index(d.uvarint("Index")),
	}
	at := d.off
	if e.Type = EntryType(d.uint8("Type")); d.err == nil && e.Type > EntryConfChange {
		d.fail(at, "Type", fmt.Errorf("%w %d", ErrUnknownEntryType, e.Type))
	}
	e.Data = d.bytes("Data", MaxEntryDataSize)
	return e
	//workshop:stub return Entry{}
	//workshop:end
}

// snapshot reads a snapshot.
func (d *decoder) snapshot() Snapshot {
	//workshop:todo Read LastIncludedIndex, LastIncludedTerm, the voters and the
	//workshop:todo learners (each a count of at most MaxVoters, then each ID: d.ids) and
	//workshop:todo Data (at most MaxSnapshotDataSize bytes) (handout: "4. Decoding").
	return Snapshot{
		LastIncludedIndex: Index(d.uvarint("LastIncludedIndex")),
		LastIncludedTerm:  Term(d.uvarint("LastIncludedTerm")),
		Voters:            d.ids("Voters"),
		Learners:          d.ids("Learners"),
		Data:              d.bytes("Data", MaxSnapshotDataSize),
	}
	//workshop:stub return Snapshot{}
	//workshop:end
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
	//workshop:todo Fail with ErrTrailingData if bytes are left after the encoding
	//workshop:todo (handout: "4. Decoding").
	if d.err == nil && d.off < len(d.data) {
		d.err = fmt.Errorf("%w: %d bytes after the end at byte %d", ErrTrailingData, len(d.data)-d.off, d.off)
	}
	//workshop:end
}
