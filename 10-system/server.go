package raftkv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
)

// PeerTransport is a Transport that also tells what each peer advertised
// in its handshake (the "http" and "resp" addresses its clients use), and
// that the server closes when it stops. The TCP transport of package
// transport satisfies it.
type PeerTransport interface {
	Transport
	PeerMeta(id raft.NodeID) map[string]string
	io.Closer
}

// DurableStorage is a Storage that the server closes when it stops. The
// write-ahead log of package wal satisfies it.
type DurableStorage interface {
	Storage
	io.Closer
}

// ServerConfig configures a Server.
type ServerConfig struct {
	ID    raft.NodeID
	Peers []raft.NodeID
	// Storage and Transport are the node's; the server closes them when
	// it stops.
	Storage   DurableStorage
	Transport PeerTransport
	// HTTP and RESP are the listeners of the client APIs. Their addresses
	// are what this node advertises to its peers, so they must be
	// addresses clients can reach, not 0.0.0.0.
	HTTP, RESP net.Listener
	// TickInterval and Seed are the node's (NodeConfig).
	TickInterval time.Duration
	Seed         uint64
	// RequestTimeout bounds how long a client request waits for its
	// commands to apply; the default is DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Logger receives the server's log; the default discards it.
	Logger *slog.Logger
	// Observer is the node's (NodeConfig).
	Observer invariants.Observer
	// NewCore makes the node's core (NodeConfig.NewCore).
	NewCore func(raft.Config) (raft.Node, error)
	// Self, Members and SnapshotEvery are the node's (NodeConfig; stage
	// 11).
	Self          Member
	Members       map[raft.NodeID]Member
	SnapshotEvery int
	Removed       <-chan struct{}
}

// DefaultRequestTimeout is ServerConfig.RequestTimeout's default.
const DefaultRequestTimeout = 5 * time.Second

// shutdownTimeout bounds the whole of a server's shutdown.
const shutdownTimeout = 10 * time.Second

// Server is one raftkv server: a Node behind the HTTP and RESP APIs.
type Server struct {
	id        raft.NodeID
	node      *Node
	storage   DurableStorage
	transport PeerTransport
	httpLn    net.Listener
	respLn    net.Listener
	http      *http.Server
	resp      *kvserver.Server
	log       *slog.Logger
	self      Member // this server's addresses, for Join (stage 11)
}

// NewServer starts the node of cfg and prepares its APIs; Run serves them.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.HTTP == nil || cfg.RESP == nil {
		return nil, fmt.Errorf("raftkv: server %d: ServerConfig needs an HTTP and a RESP listener", cfg.ID)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	node, err := StartNode(NodeConfig{
		ID: cfg.ID, Peers: cfg.Peers, Storage: cfg.Storage, Transport: cfg.Transport,
		TickInterval: cfg.TickInterval, Seed: cfg.Seed, Logger: cfg.Logger,
		Observer: cfg.Observer, NewCore: cfg.NewCore,
		Self: cfg.Self, Members: cfg.Members, SnapshotEvery: cfg.SnapshotEvery, Removed: cfg.Removed,
	})
	if err != nil {
		return nil, err
	}
	s := &Server{
		id: cfg.ID, node: node, storage: cfg.Storage, transport: cfg.Transport,
		httpLn: cfg.HTTP, respLn: cfg.RESP, log: cfg.Logger, self: cfg.Self,
	}
	s.http = &http.Server{
		Handler:           newHTTPHandler(node, cfg.Peers, s.Addr, cfg.RequestTimeout, cfg.Logger),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.resp = kvserver.NewServer(&respHandler{
		node: node, addrs: s.Addr, timeout: cfg.RequestTimeout,
		local: kvserver.NewStoreHandler(node.sm.store),
	}, kvserver.Limits{})
	return s, nil
}

// Node returns the server's node.
func (s *Server) Node() *Node { return s.node }

// Addr returns where node id serves clients of a kind, "http" or "resp":
// this server's own listeners, or what a peer advertised in its handshake.
// It satisfies AddressBook.
func (s *Server) Addr(id raft.NodeID, kind string) (string, bool) {
	if id == raft.None {
		return "", false
	}
	if id == s.id {
		switch kind {
		case "http":
			return s.httpLn.Addr().String(), true
		case "resp":
			return s.respLn.Addr().String(), true
		}
		return "", false
	}
	if addr := s.transport.PeerMeta(id)[kind]; addr != "" {
		return addr, true
	}
	// Stage 11: a member this node has not shaken hands with yet, known
	// from the configuration change that added it or from a snapshot.
	m, _ := s.node.member(id)
	switch kind {
	case "http":
		return m.HTTP, m.HTTP != ""
	case "resp":
		return m.RESP, m.RESP != ""
	case "raft":
		return m.Raft, m.Raft != ""
	}
	return "", false
}

// Run serves the HTTP and RESP APIs until ctx ends or something fails: an
// API's listener, or the node itself (its storage failed). Then it shuts
// the server down in order and returns the first error, or nil after a
// shutdown that ctx asked for.
func (s *Server) Run(ctx context.Context) error {
	// TODO: Run four goroutines in an errgroup.Group made with
	// errgroup.WithContext(ctx) (handout: "4. Shutdown"): s.serveHTTP,
	// s.serveRESP, a watcher of the node, and the shutdown. The watcher
	// returns nil when the group's ctx ends; when s.node.Done() closes, the
	// node stopped: that is an error naming s.node.Err(), unless the group's
	// ctx has ended (the shutdown stopped it). The last waits for the group's
	// ctx to end and shuts everything down (s.shutdown). Return g.Wait().
	return errors.New("Run is not implemented")
}

// serveHTTP serves the HTTP API until the shutdown.
func (s *Server) serveHTTP() error { return ignoreClosed(s.http.Serve(s.httpLn)) }

// serveRESP serves the RESP front door until the shutdown.
func (s *Server) serveRESP() error { return ignoreClosed(s.resp.Serve(s.respLn)) }

// errorf returns an error that names the server.
func (s *Server) errorf(format string, args ...any) error {
	return fmt.Errorf("raftkv: server %d: "+format, append([]any{s.id}, args...)...)
}

// shutdown stops the server from the outside in: first the APIs, so that
// no new request comes and the requests in flight finish while the node
// still runs; then the node; then the transport; and the write-ahead log
// last, once nothing can write to it. The whole takes at most
// shutdownTimeout.
func (s *Server) shutdown() error {
	ctx, cancel := context.WithTimeout(
		context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	if err := s.http.Shutdown(ctx); err != nil {
		errs = append(errs, s.errorf("HTTP: %w", err), s.http.Close())
	}
	if err := s.resp.Shutdown(ctx); err != nil {
		errs = append(errs, s.errorf("RESP: %w", err), s.resp.Close())
	}
	stopErr := s.node.Stop(ctx)
	errs = append(errs, stopErr, s.transport.Close())
	select {
	case <-s.node.Done():
		errs = append(errs, s.storage.Close())
	default:
		// The loop may still be writing: leave the log open rather than
		// close it under a write.
	}
	return errors.Join(errs...)
}

// ignoreClosed returns nil for the error a server's Serve returns after a
// shutdown, and err otherwise.
func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, kvserver.ErrServerClosed) {
		return nil
	}
	return err
}
