package transport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// frameOf returns payload as a frame.
func frameOf(payload []byte) []byte { return appendFrame(nil, payload) }

// helloFrame returns the hello frame of node from to node to.
func helloFrame(from, to raft.NodeID) []byte {
	return frameOf(appendHandshake(nil, handshake{kind: kindHello, from: from, to: to}))
}

// frameHeader returns the 4-byte header of a frame of n bytes.
func frameHeader(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// TestBadInputRejected connects to node 2's peer port and sends what a
// confused or hostile client might: garbage, another protocol, oversized
// and truncated frames, a stranger's hello, a hello for another node, and,
// after a valid hello, an oversized, a truncated and an undecodable frame
// and a message that lies about its sender. Each time node 2 must close
// the connection (after a refusal that says why, for a hello it refuses)
// and log the reason, and the real node 1 must keep talking to node 2
// all along (handout: "7. The transport", "The sender goroutine").
func TestBadInputRejected(t *testing.T) {
	const maxFrame = 64 << 10
	nodes := startCluster(t, 2, func(c *Config) { c.MaxFrame = maxFrame; c.Timeout = wait })
	a, b := nodes[0], nodes[1]
	impostor, err := appendMessageFrame(nil, message(3, 2, 0))
	require.NoError(t, err)
	a.Send(message(1, 2, -1))
	require.Equal(t, message(1, 2, -1), receive(t, b, "node 1's first message"), "node 1 talks to node 2 before any bad connection (handout: \"The sender goroutine\")")

	for i, tc := range []struct {
		name    string
		send    [][]byte // written in order
		refusal string   // the reason of the refusal node 2 must answer with, if any
		log     string   // what node 2's log must say
	}{
		{"http request", [][]byte{[]byte("GET / HTTP/1.1\r\nHost: raft\r\n\r\n")}, "", "frame too large"},
		{"oversized first frame", [][]byte{frameHeader(maxHandshakeFrame + 1)}, "", "frame too large"},
		{"truncated first frame", [][]byte{frameHeader(50), []byte("0123456789")}, "", "cut short"},
		{"another protocol", [][]byte{frameOf([]byte("HELLO, I AM A REDIS CLIENT"))}, "", "magic"},
		{"another version", [][]byte{frameOf(append([]byte(magic), 9, kindHello, 1, 2, 0))}, "", "protocol version 9"},
		{"empty frame", [][]byte{frameHeader(0)}, "", "empty frame"},
		{"stranger", [][]byte{helloFrame(9, 2)}, "node 9 is not in the cluster", "node 9 is not in the cluster"},
		{"hello for another node", [][]byte{helloFrame(1, 5)}, "this is node 2", "this is node 2"},
		{"welcome instead of hello", [][]byte{frameOf(appendHandshake(nil, handshake{kind: kindWelcome, from: 1, to: 2}))}, "", "where a hello was due"},
		{"oversized message", [][]byte{helloFrame(1, 2), frameHeader(maxFrame + 1)}, "", "frame too large"},
		{"truncated message", [][]byte{helloFrame(1, 2), frameHeader(100), []byte("0123456789")}, "", "cut short"},
		{"undecodable message", [][]byte{helloFrame(1, 2), frameOf([]byte{raft.FormatVersion, 99, 1, 2})}, "", "unknown message kind"},
		{"impostor", [][]byte{helloFrame(1, 2), impostor}, "", "a message from node 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", b.addr, wait)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(wait)))
			for _, p := range tc.send {
				_, err := conn.Write(p)
				require.NoError(t, err)
			}
			conn.(*net.TCPConn).CloseWrite() // the end of what we send: a truncated frame stays truncated

			answer, err := readAll(conn)
			require.NoError(t, err, "node 2 must close the connection (%s), not leave it open (handout: \"The sender goroutine\")", tc.name)
			if tc.refusal != "" {
				h, err := parseHandshake(firstFrame(t, answer))
				require.NoError(t, err)
				require.Equal(t, kindRefusal, h.kind, "node 2 answers a hello it refuses with a refusal")
				require.Contains(t, h.reason, tc.refusal, "the refusal says why")
			}
			require.Contains(t, b.logs.String(), tc.log, "node 2 logs why it closed the connection (%s)", tc.name)

			// The real node 1 is not disturbed.
			a.Send(message(1, 2, i))
			require.Equal(t, message(1, 2, i), receive(t, b, "node 1's message after a bad connection"), "node 1 keeps talking to node 2 (handout: \"The sender goroutine\")")
		})
	}
}

// readAll reads conn until the other end closes it. A reset counts as a
// close: a node that closes a connection with unread bytes resets it.
func readAll(conn net.Conn) ([]byte, error) {
	var got bytes.Buffer
	_, err := io.Copy(&got, conn)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return got.Bytes(), err
	}
	return got.Bytes(), nil
}

// firstFrame returns the payload of the first frame in data.
func firstFrame(t *testing.T, data []byte) []byte {
	t.Helper()
	p, err := readFrame(bufio.NewReader(bytes.NewReader(data)), maxHandshakeFrame, nil)
	require.NoError(t, err, "node 2's answer: % x", data)
	return p
}
