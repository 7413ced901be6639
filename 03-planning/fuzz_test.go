package raft

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzUnmarshal feeds Unmarshal arbitrary bytes, starting from the golden
// encodings of every kind of message. Whatever the input, Unmarshal must not
// panic; when it fails, its error must wrap one of the package's sentinels
// (or io.ErrUnexpectedEOF); when it succeeds, the message must encode again
// and decode to itself. Before fuzzing it checks that a golden encoding
// decodes. Run it with go test -fuzz=FuzzUnmarshal -fuzztime=30s. Read the
// handout's "5. Hostile input".
func FuzzUnmarshal(f *testing.F) {
	for _, tc := range goldenCases {
		if _, ok := tc.value.(Message); ok {
			f.Add(readGolden(f, tc.name))
		}
	}
	if _, err := Unmarshal(readGolden(f, "append_entries")); err != nil {
		f.Fatalf("Unmarshal of testdata/golden/append_entries.hex failed: %v; the fuzz test needs a working Unmarshal (handout: \"4. Decoding\")", err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Unmarshal(data)
		if err != nil {
			require.True(t, wrapsAny(err, decodeErrors),
				"Unmarshal(% x) failed with %q, which wraps none of the package's errors (handout: \"4. Decoding\")", data, err)
			return
		}
		again, err := Marshal(m)
		require.NoError(t, err, "Unmarshal(% x) accepted %v, which Marshal rejects (handout: \"3. Encoding\")", data, m)
		back, err := Unmarshal(again)
		require.NoError(t, err, "Unmarshal(Marshal(m)) for m = %v (handout: \"4. Decoding\")", m)
		require.Equal(t, m, back, "Unmarshal(Marshal(m)) must give m back (handout: \"4. Decoding\")")
	})
}

// decodeErrors are the errors that every decoding error wraps one of.
var decodeErrors = []error{
	io.ErrUnexpectedEOF, ErrUnknownVersion, ErrUnknownKind, ErrUnknownEntryType,
	ErrTooLarge, ErrMalformed, ErrTrailingData,
}

// wrapsAny reports whether err wraps any of targets.
func wrapsAny(err error, targets []error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
