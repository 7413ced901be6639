package raft

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConfChangeRoundTrip checks that a configuration change, the Data of an
// EntryConfChange entry of stage 11, decodes to what was encoded, and that
// MarshalConfChange and UnmarshalConfChange refuse what they must. They are
// given, but decode with your decoder's count, bytes and uvarint, so this
// test passes once those do. Read the handout's "4. Decoding".
func TestConfChangeRoundTrip(t *testing.T) {
	for _, cc := range []ConfChange{
		{Type: AddLearner, Node: 4, Context: []byte("127.0.0.1:7004"), Voters: []NodeID{1, 2, 3}, Learners: []NodeID{4}},
		{Type: AddVoter, Node: 4, Voters: []NodeID{1, 2, 3, 4}},
		{Type: RemoveServer, Node: 1, Voters: []NodeID{2, 3, 4}},
	} {
		data, err := MarshalConfChange(cc)
		require.NoError(t, err, "MarshalConfChange(%+v)", cc)
		got, err := UnmarshalConfChange(data)
		require.NoError(t, err, "UnmarshalConfChange(MarshalConfChange(%+v)) (handout: \"4. Decoding\")", cc)
		require.Equal(t, cc, got, "UnmarshalConfChange(MarshalConfChange(cc)) must give cc back (handout: \"4. Decoding\")")
	}

	_, err := MarshalConfChange(ConfChange{Type: RemoveServer + 1})
	require.ErrorIs(t, err, ErrMalformed, "MarshalConfChange of an unknown type")
	_, err = MarshalConfChange(ConfChange{Voters: make([]NodeID, MaxVoters+1)})
	require.ErrorIs(t, err, ErrTooLarge, "MarshalConfChange of more than MaxVoters voters")

	good, err := MarshalConfChange(ConfChange{Type: AddVoter, Node: 2, Voters: []NodeID{1, 2}})
	require.NoError(t, err)
	for i := range good {
		_, err := UnmarshalConfChange(good[:i])
		require.Error(t, err, "UnmarshalConfChange of the first %d of %d bytes (handout: \"5. Hostile input\")", i, len(good))
	}
	bad := append([]byte(nil), good...)
	bad[1] = byte(RemoveServer + 1)
	_, err = UnmarshalConfChange(bad)
	require.ErrorIs(t, err, ErrMalformed, "UnmarshalConfChange(% x): the type byte names no ConfChangeType", bad)
	_, err = UnmarshalConfChange(append(good, 0))
	require.ErrorIs(t, err, ErrTrailingData, "UnmarshalConfChange with a byte after the encoding (handout: \"4. Decoding\")")
}

// FuzzUnmarshalConfChange feeds UnmarshalConfChange arbitrary bytes: it
// must never panic, and what it accepts must encode and decode to itself.
// Read the handout's "5. Hostile input".
func FuzzUnmarshalConfChange(f *testing.F) {
	want := ConfChange{Type: AddLearner, Node: 4, Context: []byte("x"), Voters: []NodeID{1, 2, 3}, Learners: []NodeID{4}}
	seed, err := MarshalConfChange(want)
	require.NoError(f, err)
	if got, err := UnmarshalConfChange(seed); err != nil || !reflect.DeepEqual(got, want) {
		f.Fatalf("UnmarshalConfChange(MarshalConfChange(%+v)) = %+v, %v; the fuzz test needs a working decoder (handout: \"4. Decoding\")", want, got, err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		cc, err := UnmarshalConfChange(data)
		if err != nil {
			require.True(t, wrapsAny(err, decodeErrors), "UnmarshalConfChange(% x) failed with %q, which wraps none of the package's errors", data, err)
			return
		}
		again, err := MarshalConfChange(cc)
		require.NoError(t, err, "UnmarshalConfChange(% x) accepted %+v, which MarshalConfChange rejects", data, cc)
		back, err := UnmarshalConfChange(again)
		require.NoError(t, err)
		require.Equal(t, cc, back, "UnmarshalConfChange(MarshalConfChange(cc)) must give cc back")
	})
}
