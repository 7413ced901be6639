package kvserver

import (
	"context"
	"errors"
	"net"
	"sync"
)

// A Handler runs one command and writes its reply.
//
// args holds the command's name and then its arguments; it is never empty.
// ServeRESP returns an error only when writing the reply fails, which ends
// the connection: a command that fails gets an error reply instead
// ([Writer.WriteError]). ctx is cancelled when the server is closed with
// [Server.Close], so a handler that waits for something (from stage 10 on,
// for a write to be committed by a majority) should give up when it ends.
type Handler interface {
	ServeRESP(ctx context.Context, w *Writer, args []string) error
}

// HandlerFunc lets an ordinary function be a [Handler].
type HandlerFunc func(ctx context.Context, w *Writer, args []string) error

// ServeRESP calls f(ctx, w, args).
func (f HandlerFunc) ServeRESP(ctx context.Context, w *Writer, args []string) error {
	return f(ctx, w, args)
}

// ErrServerClosed is what [Server.Serve] returns after [Server.Shutdown] or
// [Server.Close].
var ErrServerClosed = errors.New("kvserver: server closed")

// A Server serves RESP clients, one goroutine per connection, and hands
// each of their commands to its [Handler]. A client may pipeline: send many
// commands without waiting for their replies. The server answers them in
// order, and sends the replies it has ready whenever it has read everything
// the client sent.
//
// [Server.Shutdown] stops it gracefully: no new connections, no new
// commands, but the commands already running finish and their replies are
// sent. [Server.Close] stops it at once.
type Server struct {
	handler Handler
	limits  Limits

	// ctx is the context of every command. Close cancels it. A server's
	// lifetime is the one place where a context belongs in a struct.
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	listeners map[net.Listener]bool
	conns     map[*conn]connState
	// drained is nil while the server runs. Shutdown or Close make it, and
	// it is closed once the last connection has ended.
	drained chan struct{}
}

// A connState says what a connection is doing, so Shutdown knows which ones
// it may close at once.
type connState int

const (
	// stateIdle: waiting for a command. Closing the connection loses
	// nothing.
	stateIdle connState = iota
	// stateBusy: running commands, or sending their replies.
	stateBusy
)

// conn is the server's side of one client connection.
type conn struct {
	rwc net.Conn
	r   *Reader
	w   *Writer
}

// NewServer returns a Server that hands commands to handler and reads them
// within limits; a zero field of limits means its default.
func NewServer(handler Handler, limits Limits) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		handler:   handler,
		limits:    limits,
		ctx:       ctx,
		cancel:    cancel,
		listeners: make(map[net.Listener]bool),
		conns:     make(map[*conn]connState),
	}
}

// Serve accepts connections on ln and serves each in a new goroutine. It
// returns when ln fails or the server is shut down, always with an error:
// ErrServerClosed after Shutdown or Close. Serve closes ln before it returns.
func (s *Server) Serve(ln net.Listener) error {
	// TODO: Register ln (trackListener; if the server is already
	// shutting down, close ln and return ErrServerClosed), and
	// close it when you return (closeListener). Then loop:
	// accept a connection, wrap it in a conn with a Reader and a
	// Writer, register it as idle (setState: if that fails the
	// server is shutting down), and serve it in its own goroutine
	// (serveConn). When Accept fails because the server is
	// shutting down, return ErrServerClosed; otherwise return
	// Accept's error (handout: "5. The server loop").
	return errors.New("not implemented")
}

// serveConn reads commands from c and runs them until the client leaves,
// sends bad input, or the server shuts down.
func (s *Server) serveConn(c *conn) {
	// TODO: On the way out (defer): flush what is buffered, close the
	// connection, forget it (forgetConn). Loop: when the Reader
	// has nothing buffered, flush the replies and become idle
	// (setState); read a command (a *ProtocolError gets the reply
	// "ERR Protocol error: <Msg>" and ends the connection, any
	// other error just ends it); become busy (setState); run it
	// with the handler. Whenever setState says the server is
	// shutting down, return (handout: "5. The server loop" and
	// "6. Graceful shutdown").
}

// Shutdown stops the server gracefully. It closes the listeners, so no new
// connection comes in, and closes every idle connection. A busy connection
// finishes the command it is running, sends its replies, and then closes.
// Shutdown returns once every connection is closed, or when ctx ends first,
// with ctx's error; the busy connections then go on, and [Server.Close] ends
// them.
func (s *Server) Shutdown(ctx context.Context) error {
	// TODO: Under s.mu: begin the shutdown (beginShutdownLocked
	// closes the listeners) and close every idle connection.
	// Then, without the lock, wait until s.drained is closed
	// (return beginShutdownLocked's error) or ctx ends (return
	// ctx.Err()) (handout: "6. Graceful shutdown").
	return errors.New("not implemented")
}

// Close stops the server at once: it closes the listeners and every
// connection, and cancels the context of the commands still running. It
// does not wait for them to return; Shutdown does.
func (s *Server) Close() error {
	// TODO: Under s.mu: begin the shutdown, close every connection,
	// then cancel s.ctx (handout: "6. Graceful shutdown").
	return errors.New("not implemented")
}

// The helpers below keep the books: which listeners and connections the
// server has, and what each connection is doing. They all hold s.mu, so a
// connection's change of state and a shutdown cannot interleave: either
// Shutdown sees the connection idle and closes it, or the connection sees
// the shutdown and closes itself.

// trackListener registers ln. It reports false, and registers nothing, once
// the server is shutting down.
func (s *Server) trackListener(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drained != nil {
		return false
	}
	s.listeners[ln] = true
	return true
}

// closeListener closes ln unless the shutdown already has.
func (s *Server) closeListener(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listeners[ln] {
		delete(s.listeners, ln)
		ln.Close()
	}
}

// setState registers c, or records what it is doing now. It reports false,
// and changes nothing, once the server is shutting down: the connection must
// then close.
func (s *Server) setState(c *conn, state connState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drained != nil {
		return false
	}
	s.conns[c] = state
	return true
}

// forgetConn removes c, which has closed. The last connection to go after
// the shutdown has begun closes the drained channel.
func (s *Server) forgetConn(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.drained != nil && len(s.conns) == 0 {
		close(s.drained)
	}
}

// shuttingDown reports whether Shutdown or Close has been called.
func (s *Server) shuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drained != nil
}

// beginShutdownLocked starts the shutdown, the first time it is called: it
// makes the drained channel (closed at once if there is no connection) and
// closes the listeners. It returns what closing them returned. The caller
// holds s.mu.
func (s *Server) beginShutdownLocked() error {
	if s.drained != nil {
		return nil
	}
	s.drained = make(chan struct{})
	if len(s.conns) == 0 {
		close(s.drained)
	}
	var errs []error
	for ln := range s.listeners {
		errs = append(errs, ln.Close())
		delete(s.listeners, ln)
	}
	return errors.Join(errs...)
}
