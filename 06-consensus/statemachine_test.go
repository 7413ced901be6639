package core_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/06-consensus"
	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
)

// TestDecodeCommand checks that DecodeCommand reads back what Encode
// wrote, for keys and values of any bytes, empty ones included. The
// encoding is documented on core.Command. Handout: "4. The state machine".
func TestDecodeCommand(t *testing.T) {
	for _, c := range []core.Command{
		core.Set("k", "v1"),
		core.Set("", ""),
		core.Set("key with spaces", "value\x00with\nbytes"),
		core.Set(string(make([]byte, 300)), "long key: a two-byte length"),
		core.Delete("k"),
		core.Delete(""),
	} {
		got, err := core.DecodeCommand(c.Encode())
		require.NoError(t, err, "decoding %s encoded as %q (handout: \"4. The state machine\")", c, c.Encode())
		require.Equal(t, c, got, "decoding %s encoded as %q should give the command back", c, c.Encode())
	}
	require.Equal(t, []byte("S\x01kv1"), core.Set("k", "v1").Encode(), "the documented encoding of SET \"k\" \"v1\"")
}

// TestDecodeCommandRejectsMalformed checks that DecodeCommand rejects
// bytes that Encode could not have written, with an error that wraps
// core.ErrMalformedCommand and says what is wrong. A log entry's bytes
// come from outside the state machine; bad ones must give an error, never
// a panic or a half-read command. Handout: "4. The state machine".
func TestDecodeCommandRejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "no bytes"},
		{"unknown operation", "X\x01k", "unknown operation"},
		{"no key length", "S", "no valid key length"},
		{"overlong key length", "D\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "no valid key length"},
		{"key past the end", "S\x05ab", "runs past the end"},
		{"key length 2^64-1", "S\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01ab", "runs past the end"},
		{"bytes after a DEL's key", "D\x01kextra", "after its key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := core.DecodeCommand([]byte(tc.data))
			require.ErrorIs(t, err, core.ErrMalformedCommand, "decoding %q should fail with an error wrapping ErrMalformedCommand (handout: \"4. The state machine\")", tc.data)
			require.ErrorContains(t, err, tc.want, "the error for %q should say what is wrong", tc.data)
		})
	}
}

// FuzzDecodeCommand checks DecodeCommand on any bytes: it never panics,
// and whatever it accepts encodes back to a command that decodes the same.
// It also checks the round trip of a SET and a DEL built from the fuzzed
// key and value. Handout: "4. The state machine".
func FuzzDecodeCommand(f *testing.F) {
	f.Add([]byte("S\x01kv1"), "k", "v1")
	f.Add([]byte("D\x01k"), "", "")
	f.Add([]byte("D\x80\x80"), "\x00", "\xff")
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		for _, c := range []core.Command{core.Set(key, value), core.Delete(key)} {
			got, err := core.DecodeCommand(c.Encode())
			require.NoError(t, err, "decoding %s", c)
			require.Equal(t, c, got, "decoding the encoding of %s", c)
		}
		c, err := core.DecodeCommand(data)
		if err != nil {
			require.ErrorIs(t, err, core.ErrMalformedCommand, "the error for %q", data)
			return
		}
		again, err := core.DecodeCommand(c.Encode())
		require.NoError(t, err, "decoding the re-encoding of %s, decoded from %q", c, data)
		require.Equal(t, c, again, "decoding the re-encoding of %s, decoded from %q", c, data)
	})
}

// TestApplierAppliesInOrderOnce checks the Applier: it applies committed
// entries to the store in index order, skips the no-op entries a new
// leader appends (empty Data, §8), ignores entries it has already applied
// (a replay or a duplicate must not apply twice), and refuses to skip
// ahead over a gap. Handout: "4. The state machine".
func TestApplierAppliesInOrderOnce(t *testing.T) {
	store := new(kvserver.Store)
	a := core.NewApplier(store)
	command := func(index raft.Index, c core.Command) raft.Entry {
		return raft.Entry{Index: index, Term: 1, Data: c.Encode()}
	}
	first := []raft.Entry{
		command(1, core.Set("a", "1")),
		{Index: 2, Term: 1}, // a no-op
		command(3, core.Set("b", "2")),
		command(4, core.Delete("a")),
	}
	require.NoError(t, a.Apply(first), "applying entries 1 to 4 (handout: \"4. The state machine\")")
	require.Equal(t, raft.Index(4), a.Applied(), "Applied after entries 1 to 4, the no-op included")
	require.Equal(t, map[string]string{"b": "2"}, store.Snapshot(), "the store after SET a, no-op, SET b, DEL a")

	require.NoError(t, a.Apply([]raft.Entry{command(3, core.Set("b", "stale")), command(4, core.Set("a", "again")), command(5, core.Set("c", "3"))}),
		"applying entries 3 to 5, of which 3 and 4 already applied")
	require.Equal(t, map[string]string{"b": "2", "c": "3"}, store.Snapshot(), "entries 3 and 4 must not apply a second time; entry 5 applies")

	err := a.Apply([]raft.Entry{command(7, core.Set("d", "4"))})
	require.ErrorContains(t, err, "next entry to apply is 6", "applying entry 7 right after entry 5 must fail: skipping entry 6 would make this replica differ from the others")
	require.Equal(t, raft.Index(5), a.Applied(), "a refused entry must not move Applied")
}

// TestApplierReportsOutcomes checks that the Applier tells each proposer
// what became of its command when the entry at its index applies: done, a
// DEL's result, a malformed command's error, or, when an entry of another
// term was committed at the proposal's index, core.ErrProposalLost (the
// leader that took the proposal lost its place; Figure 8 shows how).
// Handout: "4. The state machine".
func TestApplierReportsOutcomes(t *testing.T) {
	store := new(kvserver.Store)
	a := core.NewApplier(store)
	results := make(map[raft.Index]core.Result)
	track := func(index raft.Index, term raft.Term) {
		t.Helper()
		require.NoError(t, a.Track(index, term, func(r core.Result) { results[index] = r }))
	}
	track(1, 1)
	track(2, 1)
	track(3, 1)
	track(4, 1)
	require.Error(t, a.Track(4, 1, func(core.Result) {}), "tracking a second proposal at index 4 should fail")

	require.NoError(t, a.Apply([]raft.Entry{
		{Index: 1, Term: 1, Data: core.Set("k", "v").Encode()},
		{Index: 2, Term: 1, Data: core.Delete("k").Encode()},
		{Index: 3, Term: 2, Data: core.Set("k", "from term 2").Encode()},
		{Index: 4, Term: 2, Data: []byte("X")},
	}), "applying entries 1 to 4 (handout: \"4. The state machine\")")

	require.Len(t, results, 4, "every tracked proposal should get its result when its index applies")
	require.NoError(t, results[1].Err, "the SET proposed at index 1 applied")
	require.Equal(t, core.Result{Index: 2, Term: 1, Deleted: true}, results[2], "the DEL at index 2 removed an existing key")
	require.ErrorIs(t, results[3].Err, core.ErrProposalLost, "the proposal at index 3 was made in term 1, but a term-2 entry committed there")
	require.ErrorIs(t, results[4].Err, core.ErrProposalLost, "the proposal at index 4 was lost too, even though the entry there is malformed")
	require.Equal(t, map[string]string{"k": "from term 2"}, store.Snapshot(), "the store applies what committed, not what was proposed")

	track(5, 2)
	require.NoError(t, a.Apply([]raft.Entry{{Index: 5, Term: 2, Data: []byte("X")}}))
	require.ErrorIs(t, results[5].Err, core.ErrMalformedCommand, "a committed entry that does not decode reports the decoding error to its proposer")
	require.Equal(t, raft.Index(5), a.Applied(), "a malformed entry is skipped alike by every replica and still counts as applied")
	require.Error(t, a.Track(5, 2, func(core.Result) {}), "tracking a proposal at an index that has already applied should fail")

	track(6, 2)
	track(6, 3)
	require.ErrorIs(t, results[6].Err, core.ErrProposalLost, "a term-3 proposal at index 6 replaces the term-2 one, which is lost at once")
	require.NoError(t, a.Apply([]raft.Entry{{Index: 6, Term: 3, Data: core.Set("k", "from term 3").Encode()}}))
	require.NoError(t, results[6].Err, "the term-3 proposal at index 6 applied")
}
