package kvserver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
)

// A step of a fake server's script: the exact bytes it expects, and the
// bytes it answers.
type step struct{ request, reply string }

// fakeServer listens on a loopback port, accepts one connection and follows
// the script: for each step it reads exactly the request's bytes, checks
// them, and writes the reply. It tests the client alone, whatever state
// the Server is in.
func fakeServer(t *testing.T, script ...step) (addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("fake server: %v", err)
			}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(waitTimeout))
		for _, s := range script {
			got := make([]byte, len(s.request))
			if n, err := io.ReadFull(conn, got); err != nil {
				t.Errorf("fake server: waiting for the request %q, got %q and then %v (handout: \"7. The client\")", s.request, got[:n], err)
				return
			}
			if string(got) != s.request {
				t.Errorf("fake server: got the request %q, want %q (handout: \"7. The client\")", got, s.request)
				return
			}
			if _, err := io.WriteString(conn, s.reply); err != nil {
				t.Errorf("fake server: %v", err)
				return
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// dialClient connects a Client to addr and closes it when the test ends.
func dialClient(t testing.TB, addr string) *kvserver.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	c, err := kvserver.Dial(ctx, addr)
	require.NoError(t, err, "Dial(%q) (handout: \"7. The client\")", addr)
	require.NotNil(t, c, "Dial returned a nil client and no error")
	t.Cleanup(func() { c.Close() })
	return c
}

// timeout returns a context that ends after waitTimeout, for one call.
func timeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// TestClientDo sends commands with Do to a fake server and checks the
// Values that come back, of every kind. An error reply is a Value of kind
// KindError, not a Go error. (Handout: "7. The client".)
func TestClientDo(t *testing.T) {
	addr := fakeServer(t,
		step{encode("PING"), "+PONG\r\n"},
		step{encode("GET", "k"), "$-1\r\n"},
		step{encode("ECHO", "a\r\nb"), bulk("a\r\nb")},
		step{encode("DEL", "a", "b"), ":2\r\n"},
		step{encode("NOSUCH"), "-ERR unknown command 'NOSUCH'\r\n"},
		step{encode("CONFIG", "GET", "save"), "*2\r\n" + bulk("save") + bulk("")},
	)
	c := dialClient(t, addr)
	tests := []struct {
		args []string
		want kvserver.Value
	}{
		{[]string{"PING"}, kvserver.Value{Kind: kvserver.KindSimpleString, Str: "PONG"}},
		{[]string{"GET", "k"}, kvserver.Value{Kind: kvserver.KindNull}},
		{[]string{"ECHO", "a\r\nb"}, kvserver.Value{Kind: kvserver.KindBulkString, Str: "a\r\nb"}},
		{[]string{"DEL", "a", "b"}, kvserver.Value{Kind: kvserver.KindInteger, Int: 2}},
		{[]string{"NOSUCH"}, kvserver.Value{Kind: kvserver.KindError, Str: "ERR unknown command 'NOSUCH'"}},
		{[]string{"CONFIG", "GET", "save"}, kvserver.Value{Kind: kvserver.KindArray, Elems: []kvserver.Value{
			{Kind: kvserver.KindBulkString, Str: "save"},
			{Kind: kvserver.KindBulkString, Str: ""},
		}}},
	}
	for _, tt := range tests {
		got, err := c.Do(timeout(t), tt.args...)
		require.NoError(t, err, "Do%q (handout: \"7. The client\")", tt.args)
		assert.Equal(t, tt.want, got, "Do%q (handout: \"7. The client\")", tt.args)
	}
}

// TestClientGetSetDel checks the typed helpers against a fake server: Get
// tells a missing key from an empty value, Set wants OK, Del returns the
// count, and a reply of the wrong kind (here an error) is a Go error that
// says what came back. (Handout: "7. The client".)
func TestClientGetSetDel(t *testing.T) {
	addr := fakeServer(t,
		step{encode("SET", "k", "v"), "+OK\r\n"},
		step{encode("GET", "k"), bulk("v")},
		step{encode("GET", "empty"), bulk("")},
		step{encode("GET", "missing"), "$-1\r\n"},
		step{encode("DEL", "k", "missing"), ":1\r\n"},
		step{encode("SET", "k", "v"), "-ERR out of space\r\n"},
		step{encode("GET", "k"), ":1\r\n"},
	)
	c := dialClient(t, addr)

	require.NoError(t, c.Set(timeout(t), "k", "v"), "Set (handout: \"7. The client\")")
	for _, tt := range []struct {
		key, value string
		ok         bool
	}{{"k", "v", true}, {"empty", "", true}, {"missing", "", false}} {
		value, ok, err := c.Get(timeout(t), tt.key)
		require.NoError(t, err, "Get(%q) (handout: \"7. The client\")", tt.key)
		assert.Equal(t, tt.value, value, "Get(%q): value", tt.key)
		assert.Equal(t, tt.ok, ok, "Get(%q): ok, which tells a missing key from an empty value", tt.key)
	}
	n, err := c.Del(timeout(t), "k", "missing")
	require.NoError(t, err, "Del (handout: \"7. The client\")")
	assert.EqualValues(t, 1, n, "Del: how many keys existed")

	err = c.Set(timeout(t), "k", "v")
	require.Error(t, err, "Set when the server replies an error (handout: \"7. The client\")")
	assert.Contains(t, err.Error(), "ERR out of space", "the error of a Set that got an error reply should include the server's message")
	_, _, err = c.Get(timeout(t), "k")
	assert.Error(t, err, "Get when the server replies an integer (handout: \"7. The client\")")
}

// TestClientPipeline sends three commands with Pipeline. The fake server
// answers only once it has all three, so a client that waits for each
// reply before it sends the next command never gets one: write them all,
// flush once, then read. (Handout: "7. The client", and "Pipelining" in
// Background.)
func TestClientPipeline(t *testing.T) {
	addr := fakeServer(t, step{
		encode("SET", "a", "1") + encode("GET", "a") + encode("INCR", "a"),
		"+OK\r\n" + bulk("1") + "-ERR unknown command 'INCR'\r\n",
	})
	c := dialClient(t, addr)
	got, err := c.Pipeline(timeout(t), []string{"SET", "a", "1"}, []string{"GET", "a"}, []string{"INCR", "a"})
	require.NoError(t, err, "Pipeline (handout: \"7. The client\")")
	assert.Equal(t, []kvserver.Value{
		{Kind: kvserver.KindSimpleString, Str: "OK"},
		{Kind: kvserver.KindBulkString, Str: "1"},
		{Kind: kvserver.KindError, Str: "ERR unknown command 'INCR'"},
	}, got, "the replies to a pipeline of SET, GET and INCR, in order")
}

// TestClientContext cancels a call while the client waits for a reply that
// never comes: the call must return at once with an error that wraps
// context.Canceled. A call with a context that has already ended must not
// wait at all. Run the reads and writes inside c.withContext, which ties the
// connection to the context. (Handout: "7. The client", and "Context" in
// Background.)
func TestClientContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	received := make(chan struct{})
	silent := make(chan struct{}) // closed when the silent server is done
	go func() {
		defer close(silent)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(waitTimeout))
		io.ReadFull(conn, make([]byte, len(encode("PING"))))
		close(received)
		io.Copy(io.Discard, conn) // never reply; wait for the client to leave
	}()
	t.Cleanup(func() { // after the client's cleanup has closed it
		ln.Close()
		<-silent
	})

	c := dialClient(t, ln.Addr().String())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, "PING")
		done <- err
	}()
	select {
	case <-received:
	case err := <-done:
		t.Fatalf("Do returned %v before the server got the command (handout: \"7. The client\")", err)
	case <-time.After(waitTimeout):
		t.Fatalf("the server did not get PING within %v (handout: \"7. The client\")", waitTimeout)
	}
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled, "Do, cancelled while it waits for the reply (handout: \"7. The client\", and \"Context\")")
	case <-time.After(waitTimeout):
		t.Fatalf("Do did not return within %v of its context being cancelled; run the I/O inside c.withContext (handout: \"7. The client\")", waitTimeout)
	}

	_, err = c.Do(ctx, "PING")
	assert.ErrorIs(t, err, context.Canceled, "Do with a context already cancelled")
}

// TestClientWithServer puts your client and your server together over
// loopback. (Handout: "7. The client".)
func TestClientWithServer(t *testing.T) {
	ts := startServer(t, nil, kvserver.Limits{})
	c := dialClient(t, ts.addr)
	require.NoError(t, c.Set(timeout(t), "language", "Go"), "Set")
	value, ok, err := c.Get(timeout(t), "language")
	require.NoError(t, err, "Get")
	assert.True(t, ok && value == "Go", `Get("language") = %q, %v; want "Go", true`, value, ok)
	n, err := c.Del(timeout(t), "language", "nothing")
	require.NoError(t, err, "Del")
	assert.EqualValues(t, 1, n, "Del of one key that exists and one that does not")
	got, err := c.Do(timeout(t), "EXISTS", "language")
	require.NoError(t, err, "Do EXISTS")
	assert.Equal(t, kvserver.Value{Kind: kvserver.KindInteger}, got, "EXISTS after DEL")
}
