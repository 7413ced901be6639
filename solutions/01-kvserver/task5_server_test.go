package kvserver_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"raftgo/solutions/01-kvserver"
)

// TestServerAnswers starts a server on a loopback port and talks to it over
// TCP: PING, SET, GET, and a command split across two writes, which the
// server must wait for, since TCP is a stream of bytes and not of messages.
// (Handout: "5. The server loop".)
func TestServerAnswers(t *testing.T) {
	ts := startServer(t, nil, kvserver.Limits{})
	conn := dial(t, ts.addr)
	for _, step := range []struct{ request, reply string }{
		{encode("PING"), "+PONG\r\n"},
		{encode("SET", "greeting", "hello"), "+OK\r\n"},
		{encode("GET", "greeting"), bulk("hello")},
		{encode("NOSUCH"), "-ERR unknown command 'NOSUCH'\r\n"},
	} {
		require.NoError(t, exchange(conn, step.request, step.reply), "request %q (handout: \"5. The server loop\")", step.request)
	}

	split := encode("GET", "greeting")
	_, err := io.WriteString(conn, split[:10])
	require.NoError(t, err)
	require.NoError(t, exchange(conn, split[10:], bulk("hello")),
		"a GET sent in two writes, %q then %q: the reply comes once the command is complete (handout: \"5. The server loop\")", split[:10], split[10:])
}

// TestServerManyClients runs 50 clients at once, each with its own
// connection, each setting and reading its own keys. One goroutine per
// connection, one Store shared by all: run it with -race.
// (Handout: "5. The server loop".)
func TestServerManyClients(t *testing.T) {
	const clients, rounds = 50, 20
	ts := startServer(t, nil, kvserver.Limits{})
	conns := make([]net.Conn, clients)
	for i := range conns {
		conns[i] = dial(t, ts.addr)
	}
	var g errgroup.Group
	for i, conn := range conns {
		g.Go(func() error {
			for r := range rounds {
				key, value := fmt.Sprintf("client%d/key%d", i, r), strings.Repeat("v", r)
				if err := exchange(conn, encode("SET", key, value), "+OK\r\n"); err != nil {
					return fmt.Errorf("client %d: SET %s: %w", i, key, err)
				}
				if err := exchange(conn, encode("GET", key), bulk(value)); err != nil {
					return fmt.Errorf("client %d: GET %s: %w", i, key, err)
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait(), "(handout: \"5. The server loop\")")
	assert.Len(t, ts.store.Snapshot(), clients*rounds, "keys in the store after %d clients set %d keys each", clients, rounds)
}

// TestServerPipelining sends 200 commands in one write, without waiting
// for any reply, and then reads all 200 replies, in order. The server must
// answer every command it has read, and send its replies when it has read
// everything the client sent: when the Reader has nothing buffered, flush.
// (Handout: "5. The server loop", and "Pipelining" in Background.)
func TestServerPipelining(t *testing.T) {
	ts := startServer(t, nil, kvserver.Limits{})
	conn := dial(t, ts.addr)
	var requests, replies strings.Builder
	for i := range 100 {
		key, value := fmt.Sprint("key", i), fmt.Sprint("value", i)
		requests.WriteString(encode("SET", key, value) + encode("GET", key))
		replies.WriteString("+OK\r\n" + bulk(value))
	}
	require.NoError(t, exchange(conn, requests.String(), replies.String()),
		"replies to 100 SETs and 100 GETs sent in one write (handout: \"5. The server loop\", and \"Pipelining\")")
}

// TestServerProtocolErrors sends bad requests, each on its own connection:
// malformed, over the server's limits, or cut short. A bad request gets the
// reply "-ERR Protocol error: ..." (except a truncated one: the client has
// gone) and then the server closes that connection, after sending the
// replies to the good commands before it. Meanwhile a client connected
// before must be served as if nothing happened.
// (Handout: "5. The server loop", and "3. Reading requests".)
func TestServerProtocolErrors(t *testing.T) {
	limits := kvserver.Limits{MaxArrayLen: 4, MaxBulkLen: 16, MaxLineLen: 32}
	ts := startServer(t, nil, limits)
	bystander := dial(t, ts.addr)
	tests := []struct {
		name, request string
		before        string // the replies to the good commands before the bad one
	}{
		{"inline command", "PING\r\n", ""},
		{"not a number", "*x\r\n", ""},
		{"element not a bulk string", "*1\r\n:1\r\n", ""},
		{"bulk longer than declared", "*1\r\n$2\r\nPING\r\n", ""},
		{"too many arguments", encode("DEL", "a", "b", "c", "d"), ""},
		{"bulk string too long", encode("SET", "k", strings.Repeat("v", 17)), ""},
		{"bulk length huge", "*2\r\n$3\r\nGET\r\n$99999999999\r\n", ""},
		{"line too long", "*" + strings.Repeat("1", 40) + "\r\n", ""},
		{"good commands first", encode("SET", "k", "v") + encode("PING") + "*1\r\n$4\r\nPINGxx", "+OK\r\n+PONG\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := dial(t, ts.addr)
			_, err := io.WriteString(conn, tt.request)
			require.NoError(t, err)
			got, err := readUntilClosed(conn)
			require.NoError(t, err, "after %q the server must reply and close the connection (handout: \"5. The server loop\")", tt.request)
			before, protoErr, found := strings.Cut(string(got), "-ERR Protocol error: ")
			require.True(t, found, "after %q the server sent %q and closed; want an error reply \"-ERR Protocol error: <what was wrong>\\r\\n\" (handout: \"5. The server loop\")", tt.request, got)
			assert.Equal(t, tt.before, before, "replies to the good commands before the bad one")
			assert.True(t, strings.HasSuffix(protoErr, "\r\n") && strings.Count(protoErr, "\r\n") == 1, "the protocol error reply %q must be one line", protoErr)

			require.NoError(t, exchange(bystander, encode("PING"), "+PONG\r\n"),
				"another client, after the server closed a connection for %q: one bad client must not affect the others", tt.request)
		})
	}

	t.Run("truncated", func(t *testing.T) {
		conn := dial(t, ts.addr)
		_, err := io.WriteString(conn, encode("SET", "k", "v")[:12])
		require.NoError(t, err)
		require.NoError(t, conn.(*net.TCPConn).CloseWrite()) // the client sends nothing more
		requireClosed(t, conn, "the client sent part of a command and then closed its side (handout: \"5. The server loop\")")
		require.NoError(t, exchange(bystander, encode("PING"), "+PONG\r\n"), "another client, after a client went away mid-command")
	})
}
