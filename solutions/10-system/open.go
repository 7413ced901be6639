package raftkv

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
	"raftgo/solutions/10-system/transport"
	"raftgo/solutions/10-system/wal"
)

// Config configures a raftkv server the way the raftkv command's flags
// do.
type Config struct {
	// ID is this server's ID in Cluster, which lists every server's peer
	// address ("host:port"): this server listens for its peers on its own.
	ID      raft.NodeID
	Cluster raft.Cluster
	// HTTPAddr and RESPAddr are where the server listens for clients. They
	// are also what it advertises to its peers, so that they can redirect
	// clients to it: they must name a host clients can reach, not 0.0.0.0.
	HTTPAddr, RESPAddr string
	// Dir is the folder of the server's write-ahead log.
	Dir string
	// TickInterval is the node's tick; zero means DefaultTickInterval.
	TickInterval time.Duration
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// Observer, if not nil, watches the node (NodeConfig.Observer).
	Observer invariants.Observer
	// NewCore makes the node's core; nil means stage 07's
	// (NodeConfig.NewCore). Stage 11's command plugs its core in here.
	NewCore func(raft.Config) (raft.Node, error)
	// Debug, if true, serves the node's live view and the switches that
	// cut, heal and slow its links under /debug/ on the HTTP API
	// (debug.go). Only for a cluster on one machine: whoever reaches the
	// API can cut the node off.
	Debug bool
	// Join, for stage 11, is the HTTP address of a member of a running
	// cluster that this new server joins (Server.Join): Cluster then lists
	// this server alone, and the server starts in no configuration.
	Join string
	// SnapshotEvery is NodeConfig.SnapshotEvery (stage 11).
	SnapshotEvery int
}

// Open opens a server's write-ahead log and its three listeners (peers,
// HTTP, RESP), and returns the server, ready to Run. Nodes learn each
// other's HTTP and RESP addresses from the handshake of the peer
// connections: each advertises its own in the transport's handshake
// (transport.Config.Advertise), and the others read them with PeerMeta.
func Open(cfg Config) (_ *Server, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	self, ok := cfg.Cluster.Addr(cfg.ID)
	if !ok {
		return nil, fmt.Errorf("raftkv: node %d is not in the cluster %s", cfg.ID, cfg.Cluster)
	}
	for _, a := range []struct{ what, addr string }{{"peer", self}, {"HTTP", cfg.HTTPAddr}, {"RESP", cfg.RESPAddr}} {
		if err := checkAdvertisable(a.addr); err != nil {
			return nil, fmt.Errorf("raftkv: node %d's %s address: %w", cfg.ID, a.what, err)
		}
	}
	var closers []io.Closer
	defer func() {
		if err != nil {
			for _, c := range closers {
				c.Close()
			}
		}
	}()
	listen := func(what, addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("raftkv: node %d: listen for %s: %w", cfg.ID, what, err)
		}
		closers = append(closers, ln)
		return ln, nil
	}
	peerLn, err := listen("peer", self)
	if err != nil {
		return nil, err
	}
	httpLn, err := listen("HTTP", cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	respLn, err := listen("RESP", cfg.RESPAddr)
	if err != nil {
		return nil, err
	}
	log, err := wal.Open(cfg.Dir, wal.Options{Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("raftkv: node %d: %w", cfg.ID, err)
	}
	closers = append(closers, log)
	peers := make(map[raft.NodeID]string)
	members := make(map[raft.NodeID]Member)
	for _, p := range cfg.Cluster {
		if p.ID != cfg.ID {
			peers[p.ID] = p.Addr
			members[p.ID] = Member{Raft: p.Addr}
		}
	}
	removed := make(chan struct{})
	me := Member{Raft: self, HTTP: httpLn.Addr().String(), RESP: respLn.Addr().String()}
	tr, err := transport.New(transport.Config{
		ID:        cfg.ID,
		Listener:  peerLn,
		Peers:     peers,
		Advertise: map[string]string{"http": me.HTTP, "resp": me.RESP, transport.PeerAddrKey: me.Raft},
		Logger:    cfg.Logger,
		// Stage 11: members join and leave; a new one dials in.
		AcceptNewPeers: changesMembership(cfg.NewCore),
		OnRemoved:      func() { close(removed) },
	})
	if err != nil {
		return nil, fmt.Errorf("raftkv: node %d: %w", cfg.ID, err)
	}
	closers = append(closers, tr)
	var peerTransport PeerTransport = tr
	var dbg *debugger
	if cfg.Debug {
		dbg = newDebugger(cfg.ID, cfg.Cluster.IDs(), tr)
		peerTransport, cfg.Observer = dbg.transport, dbg.observer(cfg.Observer)
	}
	voters := cfg.Cluster.IDs()
	if cfg.Join != "" {
		voters = nil // a joining server belongs to no configuration yet
	}
	s, err := NewServer(ServerConfig{
		ID: cfg.ID, Peers: voters, Storage: log, Transport: peerTransport,
		HTTP: httpLn, RESP: respLn, TickInterval: cfg.TickInterval, Logger: cfg.Logger,
		Observer: cfg.Observer, NewCore: cfg.NewCore,
		Self: me, Members: members, SnapshotEvery: cfg.SnapshotEvery, Removed: removed,
	})
	if err == nil && dbg != nil {
		dbg.mount(s)
	}
	return s, err
}

// changesMembership reports whether the cores that newCore makes change
// their membership (MembershipCore, stage 11), by making one for a
// single-node cluster: a core is a pure state machine, cheap to make and
// to drop.
func changesMembership(newCore func(raft.Config) (raft.Node, error)) bool {
	if newCore == nil {
		return false
	}
	c, err := newCore(raft.DefaultConfig(1, []raft.NodeID{1}))
	_, ok := c.(MembershipCore)
	return err == nil && ok
}

// checkAdvertisable checks that addr is a host and port that a client on
// another machine could dial: not ":8001", not "0.0.0.0:8001".
func checkAdvertisable(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return fmt.Errorf("%q names no host: nodes advertise it to their peers, so give one clients can reach, such as 127.0.0.1", addr)
	}
	return nil
}
