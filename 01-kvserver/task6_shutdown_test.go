package kvserver_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/01-kvserver"
)

// A blocker is a Handler with one more command, BLOCK, that runs until the
// test releases it or the command's context ends. It lets a test hold a
// connection busy for exactly as long as it needs, without sleeping.
type blocker struct {
	store    *kvserver.Store
	started  chan struct{} // receives once per BLOCK that starts
	released chan struct{} // closed by the test to let every BLOCK finish
}

func newBlocker() *blocker {
	return &blocker{store: new(kvserver.Store), started: make(chan struct{}, 10), released: make(chan struct{})}
}

func (b *blocker) ServeRESP(ctx context.Context, w *kvserver.Writer, args []string) error {
	if !strings.EqualFold(args[0], "BLOCK") {
		return kvserver.NewStoreHandler(b.store).ServeRESP(ctx, w, args)
	}
	b.started <- struct{}{}
	select {
	case <-b.released:
		return w.WriteSimpleString("RELEASED")
	case <-ctx.Done():
		return w.WriteError("ERR " + ctx.Err().Error())
	}
}

// waitStarted waits until a BLOCK command is running on the server.
func (b *blocker) waitStarted(t *testing.T) {
	t.Helper()
	select {
	case <-b.started:
	case <-time.After(waitTimeout):
		t.Fatalf("the server did not start BLOCK within %v (handout: \"5. The server loop\")", waitTimeout)
	}
}

// TestShutdownIdleAndBusy shuts the server down with two clients connected:
// one idle, one running a command (BLOCK, in a pipeline with a SET after
// it). Shutdown must stop accepting connections, close the idle one at
// once, let the running command finish and send its reply, start no new
// command (the SET), and return only when every connection is closed.
// Serve then returns ErrServerClosed. (Handout: "6. Graceful shutdown".)
func TestShutdownIdleAndBusy(t *testing.T) {
	b := newBlocker()
	ts := startServer(t, b, kvserver.Limits{})
	idle := dial(t, ts.addr)
	require.NoError(t, exchange(idle, encode("PING"), "+PONG\r\n"))
	busy := dial(t, ts.addr)
	_, err := io.WriteString(busy, encode("BLOCK")+encode("SET", "after", "shutdown"))
	require.NoError(t, err)
	b.waitStarted(t)

	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	shutdown := make(chan error, 1)
	go func() { shutdown <- ts.Shutdown(ctx) }()

	requireClosed(t, idle, "Shutdown closes idle connections at once (handout: \"6. Graceful shutdown\")")
	late, err := net.DialTimeout("tcp", ts.addr, waitTimeout)
	if err == nil {
		// The dial may have raced the listener's close; the connection
		// must not be served in any case.
		late.SetDeadline(time.Now().Add(waitTimeout))
		assert.Error(t, exchange(late, encode("PING"), "+PONG\r\n"), "a client that connects after Shutdown began must not be served (handout: \"6. Graceful shutdown\")")
		late.Close()
	}
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned %v while a command was still running; it must wait for busy connections (handout: \"6. Graceful shutdown\")", err)
	default:
	}

	close(b.released)
	require.NoError(t, readReply(busy, "+RELEASED\r\n"), "the reply to the command that was running when Shutdown began (handout: \"6. Graceful shutdown\")")
	requireClosed(t, busy, "after the command that was running, the connection closes and runs no new command (handout: \"6. Graceful shutdown\")")
	_, ok := b.store.Get("after")
	assert.False(t, ok, "the SET pipelined after BLOCK ran after Shutdown began (handout: \"6. Graceful shutdown\")")

	select {
	case err := <-shutdown:
		require.NoError(t, err, "Shutdown, once every connection has closed")
	case <-time.After(waitTimeout):
		t.Fatalf("Shutdown did not return within %v of the last connection closing (handout: \"6. Graceful shutdown\")", waitTimeout)
	}
	ts.requireServeReturned(t, kvserver.ErrServerClosed)
}

// TestShutdownTimeoutThenClose gives Shutdown a context that ends while a
// command is still running: Shutdown must return the context's error and
// leave the command running. Close then ends everything at once: it closes
// the connection and cancels the command's context, so the command
// returns. A second Shutdown then returns nil when all is done.
// (Handout: "6. Graceful shutdown", and "Context" in Background.)
func TestShutdownTimeoutThenClose(t *testing.T) {
	b := newBlocker()
	ts := startServer(t, b, kvserver.Limits{})
	busy := dial(t, ts.addr)
	_, err := io.WriteString(busy, encode("BLOCK"))
	require.NoError(t, err)
	b.waitStarted(t)

	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the grace period is over before it began
	require.ErrorIs(t, ts.shutdown(t, ctx), context.Canceled, "Shutdown with a context that ends while a command runs (handout: \"6. Graceful shutdown\")")

	require.NoError(t, ts.Close(), "Close")
	rest, err := readUntilClosed(busy)
	require.NoError(t, err, "Close closes every connection (handout: \"6. Graceful shutdown\")")
	assert.Contains(t, []string{"", "-ERR context canceled\r\n"}, string(rest), "what the client got after Close: nothing, or the reply BLOCK makes when its context is cancelled")

	ctx, cancel = context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	require.NoError(t, ts.shutdown(t, ctx), "Shutdown after Close: it returns once the command has seen its context cancelled and returned (handout: \"6. Graceful shutdown\")")
	ts.requireServeReturned(t, kvserver.ErrServerClosed)
}

// TestShutdownStopsServe shuts down a server with no connection: Shutdown
// returns nil at once, Serve returns ErrServerClosed, and a later Serve
// returns ErrServerClosed at once and closes its listener.
// (Handout: "6. Graceful shutdown".)
func TestShutdownStopsServe(t *testing.T) {
	ts := startServer(t, nil, kvserver.Limits{})
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	require.NoError(t, ts.shutdown(t, ctx), "Shutdown of a server with no connection (handout: \"6. Graceful shutdown\")")
	ts.requireServeReturned(t, kvserver.ErrServerClosed)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan error, 1)
	go func() { served <- ts.Serve(ln) }()
	select {
	case err := <-served:
		require.ErrorIs(t, err, kvserver.ErrServerClosed, "Serve after Shutdown (handout: \"6. Graceful shutdown\")")
	case <-time.After(waitTimeout):
		ln.Close()
		t.Fatalf("Serve after Shutdown did not return within %v; it must return ErrServerClosed at once (handout: \"6. Graceful shutdown\")", waitTimeout)
	}
	_, err = net.DialTimeout("tcp", ln.Addr().String(), waitTimeout)
	assert.Error(t, err, "dialing the listener given to Serve after Shutdown: Serve must close it")
}
