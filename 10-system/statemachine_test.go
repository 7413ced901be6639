package raftkv

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzGivenUnmarshalStore checks the snapshot codec of the store, which is
// given: any bytes decode to a store or to an error wrapping
// ErrMalformedSnapshot, never a panic; and whatever decodes survives a
// round trip through MarshalStore.
func FuzzGivenUnmarshalStore(f *testing.F) {
	f.Add(MarshalStore(map[string]string{"a": "1", "b": "", "": "empty key", "k\x00": "\xff"}))
	f.Add(MarshalStore(nil))
	f.Add([]byte{0x05, 'a'})
	f.Add([]byte{0x01, 'a', 0x01, 'b', 0x01, 'a', 0x01, 'c'})
	f.Fuzz(func(t *testing.T, b []byte) {
		data, err := UnmarshalStore(b)
		if err != nil {
			require.True(t, errors.Is(err, ErrMalformedSnapshot), "UnmarshalStore's errors wrap ErrMalformedSnapshot: %v", err)
			return
		}
		again := MarshalStore(data)
		back, err := UnmarshalStore(again)
		require.NoError(t, err, "what MarshalStore encodes must decode")
		require.Equal(t, data, back, "a round trip must keep every key and value")
	})
}
