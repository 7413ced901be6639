package transport

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzGivenHandshake feeds arbitrary bytes to the decoders of the peer
// port: readFrame, with a small limit, and parseHandshake. Neither may
// panic or return more than the limit; a handshake that parses must encode
// again and parse to itself. Run it with go test -fuzz=FuzzGivenHandshake
// (handout: "7. The transport").
func FuzzGivenHandshake(f *testing.F) {
	f.Add(appendHandshake(nil, handshake{kind: kindHello, from: 1, to: 2, meta: map[string]string{"http": "127.0.0.1:8001", "resp": "127.0.0.1:6381"}}))
	f.Add(appendHandshake(nil, handshake{kind: kindWelcome, from: 2, to: 1}))
	f.Add(appendHandshake(nil, handshake{kind: kindRefusal, from: 2, to: 9, reason: "node 9 is not in the cluster"}))
	f.Add(frameOf(appendHandshake(nil, handshake{kind: kindHello, from: 1, to: 2})))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte{})
	const limit = 64
	f.Fuzz(func(t *testing.T, data []byte) {
		payload, err := readFrame(bufio.NewReader(bytes.NewReader(data)), limit, nil)
		if err == nil {
			require.LessOrEqual(t, len(payload), limit)
			require.Equal(t, data[4:4+len(payload)], payload)
		}
		h, err := parseHandshake(data)
		if err != nil {
			return
		}
		again, err := parseHandshake(appendHandshake(nil, h))
		require.NoError(t, err, "a parsed handshake encodes to one that parses: %+v", h)
		require.Equal(t, h, again)
	})
}
