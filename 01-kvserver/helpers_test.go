package kvserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/01-kvserver"
)

// waitTimeout bounds every wait on the network in these tests, so a server
// that never answers fails the test instead of hanging it.
const waitTimeout = 10 * time.Second

// encode returns the RESP encoding of a command, written out by hand so that
// the tests of the server do not depend on the Writer under test.
func encode(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, arg := range args {
		b.WriteString(bulk(arg))
	}
	return b.String()
}

// bulk returns the encoding of s as a bulk string.
func bulk(s string) string {
	return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n"
}

// A testServer is a Server listening on a loopback port.
type testServer struct {
	*kvserver.Server
	addr  string
	done  chan struct{}   // closed when Serve has returned
	err   error           // what Serve returned, once done is closed
	store *kvserver.Store // the store of the default handler
}

// startServer starts a server for handler on 127.0.0.1 and checks that it
// answers PING. A nil handler means a StoreHandler on a new Store. The
// server is shut down when the test ends.
func startServer(t testing.TB, handler kvserver.Handler, limits kvserver.Limits) *testServer {
	t.Helper()
	ts := &testServer{done: make(chan struct{}), store: new(kvserver.Store)}
	if handler == nil {
		handler = kvserver.NewStoreHandler(ts.store)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ts.addr = ln.Addr().String()
	ts.Server = kvserver.NewServer(handler, limits)
	go func() {
		defer close(ts.done)
		ts.err = ts.Serve(ln)
	}()
	t.Cleanup(func() {
		// Shut down as well as the server can; the tests of task 6 check
		// how well that is.
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		ts.shutdown(t, ctx)
		ln.Close()
	})

	// Check that the server answers, unless Serve gives up at once.
	conn := dial(t, ts.addr)
	answered := make(chan error, 1)
	go func() {
		answered <- exchange(conn, encode("PING"), "+PONG\r\n")
	}()
	select {
	case <-ts.done:
		conn.Close()
		t.Fatalf("Serve returned at once, with the error %q; it should accept connections until Shutdown (handout: \"5. The server loop\")", ts.err)
	case err := <-answered:
		require.NoError(t, err, "a new client sent PING (handout: \"5. The server loop\")")
	}
	return ts
}

// requireServeReturned checks that Serve has returned want, or returns it
// within waitTimeout.
func (ts *testServer) requireServeReturned(t testing.TB, want error) {
	t.Helper()
	select {
	case <-ts.done:
		require.ErrorIs(t, ts.err, want, "what Serve returned (handout: \"6. Graceful shutdown\")")
	case <-time.After(waitTimeout):
		t.Fatalf("Serve did not return within %v of Shutdown; it should return ErrServerClosed once the listener is closed (handout: \"6. Graceful shutdown\")", waitTimeout)
	}
}

// shutdown calls Shutdown(ctx), and fails the test if Shutdown has not
// returned shortly after ctx ended, instead of hanging it.
func (ts *testServer) shutdown(t testing.TB, ctx context.Context) error {
	t.Helper()
	result := make(chan error, 1)
	go func() { result <- ts.Shutdown(ctx) }()
	select {
	case err := <-result:
		return err
	case <-time.After(waitTimeout + time.Second):
		t.Fatalf("Shutdown did not return within %v; it must return when its context ends (handout: \"6. Graceful shutdown\")", waitTimeout+time.Second)
		return nil
	}
}

// dial connects to addr. Every read and write on the connection must finish
// within waitTimeout of the dial.
func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitTimeout)
	require.NoError(t, err)
	require.NoError(t, conn.SetDeadline(time.Now().Add(waitTimeout)))
	t.Cleanup(func() { conn.Close() })
	return conn
}

// exchange sends request on conn and reads exactly len(want) bytes back,
// and fails unless they are want.
func exchange(conn net.Conn, request, want string) error {
	if _, err := io.WriteString(conn, request); err != nil {
		return err
	}
	return readReply(conn, want)
}

// readReply reads exactly len(want) bytes from conn and fails unless they
// are want.
func readReply(conn net.Conn, want string) error {
	got := make([]byte, len(want))
	n, err := io.ReadFull(conn, got)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("no complete reply within %v: want %q, got only %q", waitTimeout, want, got[:n])
	case err != nil:
		return fmt.Errorf("reading the reply: %w; want %q, got %q before that", err, want, got[:n])
	case string(got) != want:
		return fmt.Errorf("got reply %q, want %q", got, want)
	}
	return nil
}

// readUntilClosed reads from conn until the server closes it, and returns
// what it read. A server that closes a connection with unread input makes
// the kernel reset it rather than end it cleanly; that counts as closed too.
func readUntilClosed(conn net.Conn) ([]byte, error) {
	data, err := io.ReadAll(conn)
	if errors.Is(err, syscall.ECONNRESET) {
		err = nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("the connection is still open after %v (%w)", waitTimeout, err)
	}
	return data, err
}

// requireClosed checks that the server closes conn within waitTimeout,
// without sending anything more; why says why it should.
func requireClosed(t *testing.T, conn net.Conn, why string) {
	t.Helper()
	rest, err := readUntilClosed(conn)
	require.NoError(t, err, why)
	require.Empty(t, string(rest), "the server sent more before it closed the connection: %s", why)
}

// allocatedBytes returns how many bytes the heap allocated while f ran.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
