package raft

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current encoder (maintainers only: the files define the course's wire format)")

// goldenCases are the values whose encodings the files in testdata/golden
// pin down, one file per case: every kind of message, then an entry, a hard
// state and a snapshot on their own.
var goldenCases = []struct {
	name  string // the file is testdata/golden/<name>.hex
	value any    // a Message, Entry, HardState or Snapshot
}{
	{"request_vote", Message{From: 1, To: 2, Term: 3, Body: RequestVote{LastLogIndex: 300, LastLogTerm: 2, Transfer: true}}},
	{"request_vote_response", Message{From: 2, To: 1, Term: 3, Body: RequestVoteResponse{VoteGranted: true}}},
	{"append_entries", Message{From: 1, To: 2, Term: 3, Body: AppendEntries{
		PrevLogIndex: 5, PrevLogTerm: 2,
		Entries: []Entry{
			{Term: 3, Index: 6, Type: EntryCommand, Data: []byte("set x 1")},
			{Term: 3, Index: 7, Type: EntryConfChange, Data: []byte("add 4")},
			{Term: 3, Index: 8, Type: EntryCommand},
		},
		LeaderCommit: 5, Context: 9,
	}}},
	{"append_entries_heartbeat", Message{From: 1, To: 3, Term: 3, Body: AppendEntries{PrevLogIndex: 8, PrevLogTerm: 3, LeaderCommit: 8, Context: 10}}},
	{"append_entries_response", Message{From: 2, To: 1, Term: 3, Body: AppendEntriesResponse{Success: false, MatchIndex: 0, ConflictIndex: 4, ConflictTerm: 2, Context: 9}}},
	{"install_snapshot", Message{From: 1, To: 2, Term: 3, Body: InstallSnapshot{Snapshot: Snapshot{LastIncludedIndex: 100, LastIncludedTerm: 3, Voters: []NodeID{1, 2, 3}, Learners: []NodeID{4}, Data: []byte("x=1")}, Offset: 300, Done: true}}},
	{"install_snapshot_response", Message{From: 2, To: 1, Term: 3, Body: InstallSnapshotResponse{MatchIndex: 100, LastIncludedIndex: 100, Offset: 303}}},
	{"timeout_now", Message{From: 1, To: 2, Term: 3, Body: TimeoutNow{}}},
	{"pre_vote", Message{From: 3, To: 1, Term: 4, Body: PreVote{LastLogIndex: 7, LastLogTerm: 3}}},
	{"pre_vote_response", Message{From: 1, To: 3, Term: 4, Body: PreVoteResponse{VoteGranted: true}}},
	{"read_index", Message{From: 2, To: 1, Term: 4, Body: ReadIndex{Context: []byte("r1")}}},
	{"read_index_response", Message{From: 1, To: 2, Term: 4, Body: ReadIndexResponse{Index: 300, Context: []byte("r1")}}},
	{"entry", Entry{Term: 3, Index: 6, Type: EntryCommand, Data: []byte("set x 1")}},
	{"hard_state", HardState{Term: 3, Vote: 2, Commit: 5}},
	{"snapshot", Snapshot{LastIncludedIndex: 100, LastIncludedTerm: 3, Voters: []NodeID{1, 2, 3}, Learners: []NodeID{4}, Data: []byte("x=1")}},
}

// encode encodes a Message, Entry, HardState or Snapshot with the matching
// function of the package.
func encode(value any) ([]byte, error) {
	switch v := value.(type) {
	case Message:
		return Marshal(v)
	case Entry:
		return MarshalEntry(v)
	case HardState:
		return MarshalHardState(v), nil
	case Snapshot:
		return MarshalSnapshot(v)
	}
	panic(fmt.Sprintf("encode: %T is not a Message, Entry, HardState or Snapshot", value))
}

// decodeLike decodes data as a value of the same type as like.
func decodeLike(like any, data []byte) (any, error) {
	switch like.(type) {
	case Message:
		return Unmarshal(data)
	case Entry:
		return UnmarshalEntry(data)
	case HardState:
		return UnmarshalHardState(data)
	case Snapshot:
		return UnmarshalSnapshot(data)
	}
	panic(fmt.Sprintf("decodeLike: %T is not a Message, Entry, HardState or Snapshot", like))
}

func goldenPath(name string) string {
	return filepath.Join("testdata", "golden", name+".hex")
}

// readGolden reads a golden file: bytes in hex, separated by white space.
func readGolden(t testing.TB, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(goldenPath(name))
	require.NoError(t, err, "the golden file is missing; restore testdata/ from the reference (handout: \"Wire format\")")
	data, err := hex.DecodeString(strings.Join(strings.Fields(string(text)), ""))
	require.NoError(t, err, "%s is not hex", goldenPath(name))
	return data
}

// formatGolden formats data for a golden file: 16 bytes in hex per line.
func formatGolden(data []byte) []byte {
	var b bytes.Buffer
	for len(data) > 0 {
		n := min(16, len(data))
		fmt.Fprintf(&b, "% x\n", data[:n])
		data = data[n:]
	}
	return b.Bytes()
}

// TestMarshalGolden checks that every kind of message, and an entry, a hard
// state and a snapshot on their own, encode to exactly the bytes in
// testdata/golden: the version byte, the kind byte, the header, then the
// body's fields in order, integers as uvarints. Read the handout's "Wire
// format" and "3. Encoding". (Maintainers change the format on purpose
// with go test -run TestMarshalGolden -update, in the reference only.)
func TestMarshalGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := encode(tc.value)
			require.NoError(t, err, "encoding %v (handout: \"3. Encoding\")", tc.value)
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(goldenPath(tc.name)), 0o755))
				require.NoError(t, os.WriteFile(goldenPath(tc.name), formatGolden(got), 0o644))
			}
			want := readGolden(t, tc.name)
			assert.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got),
				"the encoding of %v, in hex, against %s (handout: \"Wire format\")", tc.value, goldenPath(tc.name))
		})
	}
}

// fakeBody is a Body that the codec does not know.
type fakeBody struct{}

func (fakeBody) Kind() Kind { return KindAppendEntries }

// TestMarshalRejects checks that Marshal refuses what Unmarshal would reject,
// with an error wrapping the matching sentinel: a nil Body or one the package
// does not define (a pointer, another type) wraps ErrUnknownKind; too many
// entries, voters or bytes wrap ErrTooLarge; an unknown entry type wraps
// ErrUnknownEntryType. It also checks that AppendMessage returns its buffer
// unchanged on error. Read the handout's "3. Encoding".
func TestMarshalRejects(t *testing.T) {
	entries := func(n, dataSize int) []Entry {
		es := make([]Entry, n)
		for i := range es {
			es[i] = Entry{Term: 1, Index: Index(i + 1), Data: make([]byte, dataSize)}
		}
		return es
	}
	tooLargeAt3 := entries(5, 1)
	tooLargeAt3[3].Data = make([]byte, MaxEntryDataSize+1)
	unknownTypeAt2 := entries(3, 1)
	unknownTypeAt2[2].Type = EntryConfChange + 1

	tests := []struct {
		name     string
		value    any
		want     error
		wantText string // a substring of the error, if any
	}{
		{"nil Body", Message{From: 1, To: 2, Term: 3}, ErrUnknownKind, ""},
		{"pointer Body", Message{From: 1, To: 2, Term: 3, Body: &AppendEntries{}}, ErrUnknownKind, "*raft.AppendEntries"},
		{"foreign Body", Message{From: 1, To: 2, Term: 3, Body: fakeBody{}}, ErrUnknownKind, "fakeBody"},
		{"too many entries", Message{Body: AppendEntries{Entries: entries(MaxMessageEntries+1, 0)}}, ErrTooLarge, ""},
		{"entry data too large", Message{Body: AppendEntries{Entries: tooLargeAt3}}, ErrTooLarge, "entry 3"},
		{"unknown entry type", Message{Body: AppendEntries{Entries: unknownTypeAt2}}, ErrUnknownEntryType, "entry 2"},
		{"too many voters", Message{Body: InstallSnapshot{Snapshot: Snapshot{Voters: make([]NodeID, MaxVoters+1)}}}, ErrTooLarge, "Voters"},
		{"too many learners", Message{Body: InstallSnapshot{Snapshot: Snapshot{Learners: make([]NodeID, MaxVoters+1)}}}, ErrTooLarge, "Learners"},
		{"snapshot data too large", Message{Body: InstallSnapshot{Snapshot: Snapshot{Data: make([]byte, MaxSnapshotDataSize+1)}}}, ErrTooLarge, "Data"},
		{"standalone entry of unknown type", Entry{Type: EntryConfChange + 1}, ErrUnknownEntryType, ""},
		{"standalone entry too large", Entry{Data: make([]byte, MaxEntryDataSize+1)}, ErrTooLarge, ""},
		{"standalone snapshot with too many voters", Snapshot{Voters: make([]NodeID, MaxVoters+1)}, ErrTooLarge, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := encode(tc.value)
			require.ErrorIs(t, err, tc.want, "encoding must fail with an error wrapping %q (handout: \"3. Encoding\")", tc.want)
			if tc.wantText != "" {
				assert.ErrorContains(t, err, tc.wantText, "the error should say where the problem is (handout: \"3. Encoding\")")
			}
			if m, ok := tc.value.(Message); ok {
				buf := []byte("keep")
				got, err := AppendMessage(buf, m)
				require.ErrorIs(t, err, tc.want, "AppendMessage must fail like Marshal (handout: \"3. Encoding\")")
				assert.Equal(t, "keep", string(got), "AppendMessage must return its buffer as it was on error (handout: \"3. Encoding\")")
			}
		})
	}
}

// TestUnmarshalGolden checks that decoding every golden file gives back the
// value it was made from. Read the handout's "4. Decoding".
func TestUnmarshalGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeLike(tc.value, readGolden(t, tc.name))
			require.NoError(t, err, "decoding %s (handout: \"4. Decoding\")", goldenPath(tc.name))
			assert.Equal(t, tc.value, got, "decoding %s (handout: \"4. Decoding\")", goldenPath(tc.name))
		})
	}
}

// TestRoundTrip checks that Unmarshal(Marshal(m)) gives m back for every kind
// of message, with zero values, the largest values (terms and indexes of
// 2^64-1) and the largest lists the limits allow. The one exception is the
// format's rule for empty lists: an empty Entries, Voters or Data decodes as
// nil. Read the handout's "4. Decoding".
func TestRoundTrip(t *testing.T) {
	const maxU = math.MaxUint64
	manyEntries := make([]Entry, MaxMessageEntries)
	for i := range manyEntries {
		manyEntries[i] = Entry{Term: 7, Index: Index(i + 1), Data: []byte{byte(i)}}
	}
	manyVoters := make([]NodeID, MaxVoters)
	for i := range manyVoters {
		manyVoters[i] = maxU - NodeID(i)
	}
	bigData := bytes.Repeat([]byte("raft"), MaxEntryDataSize/4)

	tests := []struct {
		name string
		in   Message
		want *Message // nil when the decoded message must equal in
	}{
		{name: "RequestVote", in: Message{From: 1, To: 2, Term: 3, Body: RequestVote{LastLogIndex: 10, LastLogTerm: 2}}},
		{name: "RequestVote transfer", in: Message{From: 1, To: 2, Term: 3, Body: RequestVote{LastLogIndex: 10, LastLogTerm: 2, Transfer: true}}},
		{name: "RequestVote zero", in: Message{Body: RequestVote{}}},
		{name: "RequestVote largest", in: Message{From: maxU, To: maxU, Term: maxU, Body: RequestVote{LastLogIndex: maxU, LastLogTerm: maxU, Transfer: true}}},
		{name: "RequestVoteResponse granted", in: Message{From: 2, To: 1, Term: 3, Body: RequestVoteResponse{VoteGranted: true}}},
		{name: "RequestVoteResponse refused", in: Message{From: 2, To: 1, Term: 4, Body: RequestVoteResponse{}}},
		{name: "AppendEntries heartbeat", in: Message{From: 1, To: 2, Term: 3, Body: AppendEntries{PrevLogIndex: 9, PrevLogTerm: 3, LeaderCommit: 9}}},
		{name: "AppendEntries with entries", in: Message{From: 1, To: 2, Term: 3, Body: AppendEntries{
			PrevLogIndex: 9, PrevLogTerm: 3, LeaderCommit: 8, Context: 77,
			Entries: []Entry{
				{Term: 3, Index: 10, Data: []byte("set a 1")},
				{Term: 3, Index: 11, Type: EntryConfChange, Data: []byte{0, 1, 2, 255}},
				{Term: 3, Index: 12},
			},
		}}},
		{
			name: "AppendEntries empty Entries decode as nil",
			in:   Message{From: 1, To: 2, Term: 3, Body: AppendEntries{Entries: []Entry{}}},
			want: &Message{From: 1, To: 2, Term: 3, Body: AppendEntries{}},
		},
		{
			name: "Entry with empty Data decodes with nil Data",
			in:   Message{Body: AppendEntries{Entries: []Entry{{Term: 1, Index: 1, Data: []byte{}}}}},
			want: &Message{Body: AppendEntries{Entries: []Entry{{Term: 1, Index: 1}}}},
		},
		{name: "AppendEntries largest values", in: Message{From: maxU, To: maxU, Term: maxU, Body: AppendEntries{
			PrevLogIndex: maxU, PrevLogTerm: maxU, LeaderCommit: maxU, Context: maxU,
			Entries: []Entry{{Term: maxU, Index: maxU, Type: EntryConfChange, Data: bigData}},
		}}},
		{name: "AppendEntries most entries", in: Message{From: 1, To: 2, Term: 7, Body: AppendEntries{Entries: manyEntries}}},
		{name: "AppendEntriesResponse success", in: Message{From: 2, To: 1, Term: 3, Body: AppendEntriesResponse{Success: true, MatchIndex: 12, Context: 77}}},
		{name: "AppendEntriesResponse conflict", in: Message{From: 2, To: 1, Term: 3, Body: AppendEntriesResponse{ConflictIndex: 4, ConflictTerm: 2}}},
		{name: "AppendEntriesResponse largest", in: Message{From: maxU, To: maxU, Term: maxU, Body: AppendEntriesResponse{Success: true, MatchIndex: maxU, ConflictIndex: maxU, ConflictTerm: maxU, Context: maxU}}},
		{name: "InstallSnapshot", in: Message{From: 1, To: 2, Term: 5, Body: InstallSnapshot{Snapshot: Snapshot{LastIncludedIndex: 1000, LastIncludedTerm: 4, Voters: []NodeID{1, 2, 3}, Data: []byte("a=1\nb=2\n")}}}},
		{name: "InstallSnapshot chunk", in: Message{From: 1, To: 2, Term: 5, Body: InstallSnapshot{Snapshot: Snapshot{LastIncludedIndex: 1000, LastIncludedTerm: 4, Voters: []NodeID{1, 2, 3}, Learners: []NodeID{4, 5}, Data: []byte("b=2\n")}, Offset: 4, Done: true}}},
		{name: "InstallSnapshot largest", in: Message{From: 1, To: 2, Term: 5, Body: InstallSnapshot{Snapshot: Snapshot{LastIncludedIndex: maxU, LastIncludedTerm: maxU, Voters: manyVoters, Learners: manyVoters, Data: bigData}, Offset: maxU, Done: true}}},
		{
			name: "InstallSnapshot empty Voters and Data decode as nil",
			in:   Message{Body: InstallSnapshot{Snapshot: Snapshot{Voters: []NodeID{}, Data: []byte{}}}},
			want: &Message{Body: InstallSnapshot{}},
		},
		{name: "InstallSnapshotResponse", in: Message{From: 2, To: 1, Term: 5, Body: InstallSnapshotResponse{MatchIndex: 1000}}},
		{name: "InstallSnapshotResponse chunk received", in: Message{From: 2, To: 1, Term: 5, Body: InstallSnapshotResponse{LastIncludedIndex: 1000, Offset: 4096}}},
		{name: "InstallSnapshotResponse largest", in: Message{From: 2, To: 1, Term: 5, Body: InstallSnapshotResponse{MatchIndex: maxU, LastIncludedIndex: maxU, Offset: maxU}}},
		{name: "TimeoutNow", in: Message{From: 1, To: 3, Term: 6, Body: TimeoutNow{}}},
		{name: "TimeoutNow largest header", in: Message{From: maxU, To: maxU, Term: maxU, Body: TimeoutNow{}}},
		{name: "PreVote", in: Message{From: 3, To: 1, Term: 7, Body: PreVote{LastLogIndex: 12, LastLogTerm: 6}}},
		{name: "PreVoteResponse granted", in: Message{From: 1, To: 3, Term: 7, Body: PreVoteResponse{VoteGranted: true}}},
		{name: "PreVoteResponse refused", in: Message{From: 1, To: 3, Term: 7, Body: PreVoteResponse{}}},
		{name: "ReadIndex", in: Message{From: 2, To: 1, Term: 7, Body: ReadIndex{Context: []byte("read 42")}}},
		{name: "ReadIndex empty Context decodes as nil", in: Message{From: 2, To: 1, Term: 7, Body: ReadIndex{Context: []byte{}}}, want: &Message{From: 2, To: 1, Term: 7, Body: ReadIndex{}}},
		{name: "ReadIndexResponse", in: Message{From: 1, To: 2, Term: 7, Body: ReadIndexResponse{Index: 99, Context: []byte("read 42")}}},
		{name: "ReadIndexResponse largest", in: Message{From: maxU, To: maxU, Term: maxU, Body: ReadIndexResponse{Index: maxU, Context: bigData}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := Marshal(tc.in)
			require.NoError(t, err, "Marshal(%v) (handout: \"3. Encoding\")", tc.in)
			got, err := Unmarshal(data)
			require.NoError(t, err, "Unmarshal(Marshal(%v)) (handout: \"4. Decoding\")", tc.in)
			want := tc.in
			if tc.want != nil {
				want = *tc.want
			}
			assert.Equal(t, want, got, "Unmarshal(Marshal(m)) must give m back, with empty lists as nil (handout: \"4. Decoding\")")
		})
	}
}

// TestRoundTripStandalone checks that entries, hard states and snapshots
// encoded on their own, as a write-ahead log stores them, decode to what was
// encoded (with empty lists as nil). Read the handout's "4. Decoding".
func TestRoundTripStandalone(t *testing.T) {
	const maxU = math.MaxUint64
	tests := []struct {
		name string
		in   any
		want any // nil when the decoded value must equal in
	}{
		{name: "entry", in: Entry{Term: 2, Index: 40, Data: []byte("del k")}},
		{name: "no-op entry", in: Entry{Term: 2, Index: 41}},
		{name: "entry with empty data", in: Entry{Term: 2, Index: 42, Data: []byte{}}, want: Entry{Term: 2, Index: 42}},
		{name: "largest entry", in: Entry{Term: maxU, Index: maxU, Type: EntryConfChange, Data: make([]byte, MaxEntryDataSize)}},
		{name: "hard state", in: HardState{Term: 4, Vote: 3, Commit: 17}},
		{name: "zero hard state", in: HardState{}},
		{name: "largest hard state", in: HardState{Term: maxU, Vote: maxU, Commit: maxU}},
		{name: "snapshot", in: Snapshot{LastIncludedIndex: 9, LastIncludedTerm: 2, Voters: []NodeID{1, 2, 3, 4, 5}, Data: []byte("state")}},
		{name: "snapshot with learners", in: Snapshot{LastIncludedIndex: 9, LastIncludedTerm: 2, Voters: []NodeID{1, 2, 3}, Learners: []NodeID{4}, Data: []byte("state")}},
		{name: "empty snapshot", in: Snapshot{Voters: []NodeID{}, Learners: []NodeID{}, Data: []byte{}}, want: Snapshot{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := encode(tc.in)
			require.NoError(t, err, "encoding %v (handout: \"3. Encoding\")", tc.in)
			got, err := decodeLike(tc.in, data)
			require.NoError(t, err, "decoding the encoding of %v (handout: \"4. Decoding\")", tc.in)
			want := tc.want
			if want == nil {
				want = tc.in
			}
			assert.Equal(t, want, got, "decode(encode(v)) must give v back, with empty lists as nil (handout: \"4. Decoding\")")
		})
	}
}

// hexBytes parses bytes written in hex, separated by spaces.
func hexBytes(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// uvarint returns the uvarint encoding of v.
func uvarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

// Hand-made encodings for the rejection tests. Each comment names the
// fields; see the handout's "Wire format".
var (
	// version 1, kind AppendEntries, From 1, To 2, Term 3, PrevLogIndex 5,
	// PrevLogTerm 2: an entry count comes next.
	appendEntriesHead = hexBytes("01 03 01 02 03 05 02")
	// version 1, kind InstallSnapshot, From 1, To 2, Term 3,
	// LastIncludedIndex 100, LastIncludedTerm 3: a voter count comes next.
	installSnapshotHead = hexBytes("01 05 01 02 03 64 03")
	// one entry: Term 3, Index 6, Type command, Data "x"
	oneEntry = hexBytes("03 06 00 01 78")
)

// join concatenates byte slices.
func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestUnmarshalRejects checks that Unmarshal, UnmarshalEntry and
// UnmarshalHardState reject malformed input with an error wrapping the
// matching sentinel: an unknown version or kind, an unknown entry type, a
// bool byte other than 0 and 1, a uvarint that overflows 64 bits, bytes after
// the end. Read the handout's "4. Decoding".
func TestUnmarshalRejects(t *testing.T) {
	tests := []struct {
		name     string
		decode   func([]byte) (any, error)
		input    []byte
		want     error
		wantText string // a substring of the error, if any
	}{
		{"empty input", unmarshalAny, nil, io.ErrUnexpectedEOF, ""},
		{"version 0", unmarshalAny, hexBytes("00 07 01 02 03"), ErrUnknownVersion, ""},
		{"version 2", unmarshalAny, hexBytes("02 07 01 02 03"), ErrUnknownVersion, ""},
		{"kind 0 (KindInvalid)", unmarshalAny, hexBytes("01 00 01 02 03"), ErrUnknownKind, ""},
		{"kind 12", unmarshalAny, hexBytes("01 0c 01 02 03"), ErrUnknownKind, ""},
		{"kind 255, nothing after it", unmarshalAny, hexBytes("01 ff"), ErrUnknownKind, ""},
		{"entry type 2", unmarshalAny, join(appendEntriesHead, hexBytes("02"), oneEntry, hexBytes("03 07 02 00 05 00")), ErrUnknownEntryType, "entry 1"},
		{"bool byte 2", unmarshalAny, hexBytes("01 02 02 01 03 02"), ErrMalformed, "VoteGranted"},
		{"uvarint over 64 bits", unmarshalAny, hexBytes("01 07 01 02 ff ff ff ff ff ff ff ff ff 02"), ErrMalformed, "Term"},
		{"trailing byte", unmarshalAny, hexBytes("01 07 01 02 03 00"), ErrTrailingData, ""},
		{"trailing bytes after AppendEntries", unmarshalAny, join(appendEntriesHead, hexBytes("01"), oneEntry, hexBytes("05 00 ff ff")), ErrTrailingData, ""},
		{"entry of version 2", unmarshalEntryAny, join(hexBytes("02"), oneEntry), ErrUnknownVersion, ""},
		{"entry of type 9", unmarshalEntryAny, hexBytes("01 03 06 09 00"), ErrUnknownEntryType, ""},
		{"entry with a trailing byte", unmarshalEntryAny, join(hexBytes("01"), oneEntry, hexBytes("00")), ErrTrailingData, ""},
		{"hard state with a trailing byte", unmarshalHardStateAny, hexBytes("01 03 02 05 00"), ErrTrailingData, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.decode(tc.input)
			require.ErrorIs(t, err, tc.want, "decoding % x returned %v; want an error wrapping %q (handout: \"4. Decoding\")", tc.input, got, tc.want)
			if tc.wantText != "" {
				assert.ErrorContains(t, err, tc.wantText, "the error should say where the problem is (handout: \"4. Decoding\")")
			}
		})
	}
}

func unmarshalAny(data []byte) (any, error)          { return Unmarshal(data) }
func unmarshalEntryAny(data []byte) (any, error)     { return UnmarshalEntry(data) }
func unmarshalHardStateAny(data []byte) (any, error) { return UnmarshalHardState(data) }
func unmarshalSnapshotAny(data []byte) (any, error)  { return UnmarshalSnapshot(data) }

// TestUnmarshalRejectsTruncated cuts every golden encoding short at every
// byte and checks that decoding each cut fails with an error wrapping
// io.ErrUnexpectedEOF: every field, and every declared length, must be
// checked against the bytes left. Read the handout's
// "5. Hostile input".
func TestUnmarshalRejectsTruncated(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			data := readGolden(t, tc.name)
			for n := range len(data) {
				got, err := decodeLike(tc.value, data[:n:n])
				require.ErrorIs(t, err, io.ErrUnexpectedEOF,
					"decoding the first %d of the %d bytes of %s returned %v; want an error wrapping io.ErrUnexpectedEOF (handout: \"5. Hostile input\")",
					n, len(data), goldenPath(tc.name), got)
			}
		})
	}
}

// TestUnmarshalRejectsOversized checks that a count or a length above the
// limits (MaxMessageEntries, MaxEntryDataSize, MaxVoters,
// MaxSnapshotDataSize) is rejected with an error wrapping ErrTooLarge, even
// when it is so large that it does not fit an int, and that the error says
// where. Read the handout's "5. Hostile input".
func TestUnmarshalRejectsOversized(t *testing.T) {
	threeEntries := join(oneEntry, oneEntry, oneEntry)
	tests := []struct {
		name     string
		decode   func([]byte) (any, error)
		input    []byte
		wantText string // a substring of the error, if any
	}{
		{"2^40 entries", unmarshalAny, join(appendEntriesHead, uvarint(1<<40)), "Entries"},
		{"2^64-1 entries", unmarshalAny, join(appendEntriesHead, uvarint(math.MaxUint64)), "Entries"},
		{"MaxMessageEntries+1 entries", unmarshalAny, join(appendEntriesHead, uvarint(MaxMessageEntries+1), bytes.Repeat(oneEntry, MaxMessageEntries+1)), "Entries"},
		{"entry 3 with 70000 bytes of data", unmarshalAny, join(appendEntriesHead, uvarint(4), threeEntries, hexBytes("03 09 00"), uvarint(70000)), "entry 3"},
		{"entry data of 2^64-1 bytes", unmarshalAny, join(appendEntriesHead, uvarint(1), hexBytes("03 06 00"), uvarint(math.MaxUint64)), "entry 0"},
		{"MaxVoters+1 voters", unmarshalAny, join(installSnapshotHead, uvarint(MaxVoters+1), bytes.Repeat([]byte{1}, MaxVoters+1), hexBytes("00")), "Voters"},
		{"MaxVoters+1 learners", unmarshalAny, join(installSnapshotHead, hexBytes("00"), uvarint(MaxVoters+1), bytes.Repeat([]byte{1}, MaxVoters+1), hexBytes("00")), "Learners"},
		{"snapshot data over MaxSnapshotDataSize", unmarshalAny, join(installSnapshotHead, hexBytes("00 00"), uvarint(MaxSnapshotDataSize+1)), "Data"},
		{"standalone entry data over MaxEntryDataSize", unmarshalEntryAny, join(hexBytes("01 03 06 00"), uvarint(MaxEntryDataSize+1)), "Data"},
		{"standalone snapshot with 2^40 voters", unmarshalSnapshotAny, join(hexBytes("01 64 03"), uvarint(1<<40)), "Voters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.decode(tc.input)
			require.ErrorIs(t, err, ErrTooLarge, "decoding returned %v; want an error wrapping ErrTooLarge (handout: \"5. Hostile input\")", got)
			assert.ErrorContains(t, err, tc.wantText, "the error should say where the problem is (handout: \"5. Hostile input\")")
		})
	}
}

// bytesAllocated returns the average number of heap bytes one call of f
// allocates, over runs calls.
func bytesAllocated(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	f() // warm up
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestUnmarshalAllocationBound feeds Unmarshal tiny inputs that declare huge
// lists (1024 entries, 64 KiB of entry data, 64 MiB of snapshot data, 2^40
// entries) and checks that each is rejected, as truncated or too large,
// having allocated no more than a few kilobytes: a decoder must check a
// declared length against the limit and the bytes left before it allocates.
// Read the handout's "5. Hostile input".
func TestUnmarshalAllocationBound(t *testing.T) {
	const maxBytes = 4 << 10
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"1024 entries declared, none sent", join(appendEntriesHead, uvarint(MaxMessageEntries)), io.ErrUnexpectedEOF},
		{"1024 entries declared, 2 sent", join(appendEntriesHead, uvarint(MaxMessageEntries), oneEntry, oneEntry), io.ErrUnexpectedEOF},
		{"64 KiB of entry data declared, 1 byte sent", join(appendEntriesHead, uvarint(1), hexBytes("03 06 00"), uvarint(MaxEntryDataSize), hexBytes("78")), io.ErrUnexpectedEOF},
		{"64 MiB of snapshot data declared, 1 byte sent", join(installSnapshotHead, hexBytes("00 00"), uvarint(MaxSnapshotDataSize), hexBytes("78")), io.ErrUnexpectedEOF},
		{"2^40 entries declared", join(appendEntriesHead, uvarint(1<<40)), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Unmarshal(tc.input)
			require.ErrorIs(t, err, tc.want, "Unmarshal(% x) (handout: \"5. Hostile input\")", tc.input)
			allocated := bytesAllocated(20, func() { _, _ = Unmarshal(tc.input) })
			assert.LessOrEqual(t, allocated, uint64(maxBytes),
				"Unmarshal of this %d-byte input allocated %d bytes; check declared lengths against the limit and the bytes left before you make anything (handout: \"5. Hostile input\")",
				len(tc.input), allocated)
		})
	}
}

// benchmarkAppendEntries is an AppendEntries of 64 entries of 128 bytes,
// what a leader sends a follower that is catching up.
func benchmarkAppendEntries() Message {
	entries := make([]Entry, 64)
	for i := range entries {
		entries[i] = Entry{Term: 5, Index: Index(1001 + i), Data: bytes.Repeat([]byte{byte(i)}, 128)}
	}
	return Message{From: 1, To: 2, Term: 5, Body: AppendEntries{PrevLogIndex: 1000, PrevLogTerm: 5, Entries: entries, LeaderCommit: 1000}}
}

// BenchmarkMarshalAppendEntries measures encoding an AppendEntries of 64
// entries of 128 bytes, with Marshal (a new buffer each time) and with
// AppendMessage into a reused buffer.
func BenchmarkMarshalAppendEntries(b *testing.B) {
	m := benchmarkAppendEntries()
	data, err := Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendMessage", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		buf := make([]byte, 0, len(data))
		for b.Loop() {
			if buf, err = AppendMessage(buf[:0], m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUnmarshalAppendEntries measures decoding an AppendEntries of 64
// entries of 128 bytes.
func BenchmarkUnmarshalAppendEntries(b *testing.B) {
	data, err := Marshal(benchmarkAppendEntries())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}
