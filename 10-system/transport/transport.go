// Package transport carries Raft messages between the nodes of a cluster
// over TCP, in the binary encoding of stage 03.
//
// Each node dials each of its peers and sends it messages on that
// connection; it reads its peers' messages from the connections they dial.
// A connection opens with a handshake (see frame.go) that names both ends
// and carries the dialer's metadata, such as the addresses where it serves
// clients, so that a node can redirect a client to the leader. A node that
// is not in the cluster, or that speaks another protocol, is refused and
// its connection closed, with a log line that says why.
//
// Send never blocks. Each peer has a bounded queue and one sender
// goroutine that owns the peer's connection: it dials with backoff, writes
// what the queue holds, and dials again when a write fails. When the queue
// is full, Send drops the message and counts it: Raft retries what is lost,
// and a slow or dead peer must not stall the leader.
//
// The goroutines and who owns what:
//
//   - the accept loop, one: accepts connections and starts a reader for each;
//   - a reader per accepted connection: the handshake, then messages into
//     the Receive channel;
//   - a sender per peer: the only reader of the peer's queue, and the only
//     writer of its connection.
//
// Close owns the shutdown: it closes the queues (which Send writes to, under
// a lock that Close takes to close them), the connections and the listener,
// waits for every goroutine, then closes the Receive channel.
package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"raftgo/solutions/03-planning"
)

// Config configures a Transport.
type Config struct {
	// ID is this node's ID.
	ID raft.NodeID
	// Listener accepts the peers' connections. The Transport owns it from
	// New on, and closes it in Close.
	Listener net.Listener
	// Peers maps each other node of the cluster to the address of its
	// Listener. An entry for ID itself is ignored. Connections from any
	// node not in Peers are refused, unless AcceptNewPeers is set.
	Peers map[raft.NodeID]string
	// AcceptNewPeers, for stage 11's membership changes, accepts a
	// connection from a node not in Peers when its handshake advertises
	// the address of its Listener under the key PeerAddrKey, and adds it
	// as a peer (AddPeer): a node joining a cluster learns its members as
	// they dial it. False refuses such a connection.
	AcceptNewPeers bool
	// OnRemoved, if not nil, is called once when a peer refuses this node
	// because it was removed from the cluster (RemovePeer on the peer):
	// stage 11's runtime then stops the node.
	OnRemoved func()
	// Advertise is this node's metadata, sent in every handshake, such as
	// {"http": "127.0.0.1:8001", "resp": "127.0.0.1:6381"}: how the peers
	// learn where it serves clients (PeerMeta). At most MaxMetaPairs pairs.
	Advertise map[string]string
	// MaxFrame is the largest frame, in bytes, read from a peer; zero
	// means DefaultMaxFrame.
	MaxFrame int
	// QueueSize is the capacity of each peer's send queue, and of the
	// Receive channel; zero means 256.
	QueueSize int
	// Logger receives connections, refusals and failures; nil discards them.
	Logger *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between two failed dials of
	// a peer, which doubles from MinBackoff up to MaxBackoff, with jitter;
	// zero means 20ms and 1s.
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds each dial, each handshake and each write; zero means
	// 2s.
	Timeout time.Duration
	// Dial connects to a peer's address; nil means TCP. Tests use it to
	// run the transport over an in-memory network.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
}

// Stats counts what a Transport did.
type Stats struct {
	// Peers holds the counts of each peer.
	Peers map[raft.NodeID]PeerStats
	// Unroutable counts the messages sent to a node not in Config.Peers.
	Unroutable uint64
}

// PeerStats counts the messages to and from one peer.
type PeerStats struct {
	Sent     uint64 // written to the peer's connection
	Received uint64 // read from the peer and handed to Receive
	// Dropped counts the messages lost on the way: to a full queue, to a
	// cut (Cut), or to a connection that failed before they were written;
	// and, from the peer, to a cut.
	Dropped uint64
}

// Transport is a node's end of the cluster's network. Its methods are safe
// for concurrent use.
type Transport struct {
	cfg   Config
	log   *slog.Logger
	peers map[raft.NodeID]*peer // guarded by mu; AddPeer and RemovePeer change it
	recv  chan raft.Message

	ctx    context.Context // done when Close starts: stops dials and waits
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine of the transport

	mu     sync.RWMutex // guards closed, conns and peers; Send holds it to read
	closed bool
	conns  map[net.Conn]struct{} // open connections, for Close to close

	unroutable atomic.Uint64
	// removed holds the nodes RemovePeer removed, whose connections are
	// refused from then on; guarded by mu.
	removed     map[raft.NodeID]bool
	removedOnce sync.Once // calls Config.OnRemoved
}

// A peer is another node of the cluster, as this node sees it.
type peer struct {
	id   raft.NodeID
	addr string
	// removed is set by RemovePeer: the peer's sender stops dialing it.
	removed atomic.Bool
	// queue holds the messages waiting for the peer's sender goroutine.
	// Send writes to it; Close closes it, under Transport.mu.
	queue chan raft.Message
	cut   atomic.Bool

	sent, received, dropped atomic.Uint64

	metaMu sync.Mutex
	meta   map[string]string // from the peer's last handshake
}

// New starts a transport: it accepts the peers' connections on
// cfg.Listener and dials every peer. It fails only on a bad Config.
func New(cfg Config) (*Transport, error) {
	t, err := newTransport(cfg)
	if err != nil {
		return nil, err
	}
	t.start()
	return t, nil
}

// newTransport checks cfg, fills in its defaults and builds the Transport
// without starting it.
func newTransport(cfg Config) (*Transport, error) {
	switch {
	case cfg.ID == raft.None:
		return nil, errors.New("transport: Config.ID is 0, which is no node")
	case cfg.Listener == nil:
		return nil, errors.New("transport: Config.Listener is nil")
	case cfg.MaxFrame < 0 || cfg.QueueSize < 0 || cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 || cfg.Timeout < 0:
		return nil, errors.New("transport: negative MaxFrame, QueueSize, backoff or Timeout")
	}
	if err := checkMeta(cfg.Advertise); err != nil {
		return nil, fmt.Errorf("transport: Config.Advertise: %w", err)
	}
	if cfg.MaxFrame == 0 {
		cfg.MaxFrame = DefaultMaxFrame
	}
	if cfg.MaxFrame < maxHandshakeFrame {
		return nil, fmt.Errorf("transport: Config.MaxFrame is %d bytes, less than a handshake's %d", cfg.MaxFrame, maxHandshakeFrame)
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = 256
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 20 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		return nil, fmt.Errorf("transport: MaxBackoff %v is less than MinBackoff %v", cfg.MaxBackoff, cfg.MinBackoff)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	cfg.Advertise = maps.Clone(cfg.Advertise)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Transport{
		cfg:     cfg,
		log:     log.With("node", uint64(cfg.ID)),
		peers:   make(map[raft.NodeID]*peer),
		recv:    make(chan raft.Message, cfg.QueueSize),
		conns:   make(map[net.Conn]struct{}),
		removed: make(map[raft.NodeID]bool),
	}
	for id, addr := range cfg.Peers {
		switch {
		case id == cfg.ID:
			continue
		case id == raft.None:
			return nil, fmt.Errorf("transport: Config.Peers has node 0, which is no node (address %q)", addr)
		case addr == "":
			return nil, fmt.Errorf("transport: Config.Peers has no address for node %d", id)
		}
		t.peers[id] = &peer{id: id, addr: addr, queue: make(chan raft.Message, cfg.QueueSize)}
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t, nil
}

// start starts the transport's goroutines.
func (t *Transport) start() {
	// TODO: Start the accept loop (t.acceptLoop) and one sender goroutine per peer
	// (t.runSender), each counted by t.wg before it starts, so that Close can
	// wait for all of them (handout: "Shutting down").
}

// Send queues messages for their destinations, m.To, and returns at once.
// A message to a full queue, or to a peer that is cut off (Cut), is
// dropped and counted in Stats; so is one to an unknown node. After Close,
// Send does nothing.
func (t *Transport) Send(msgs ...raft.Message) {
	// TODO: Queue each message on its peer's channel without ever blocking: a select
	// with a default case drops it when the queue is full. Count every drop
	// (a full queue or a cut peer in p.dropped, an unknown m.To in
	// t.unroutable). Close closes the queues, and a send on a closed channel
	// panics: hold t.mu's read lock while you send, and send nothing once
	// t.closed is set (handout: "The send queue").
}

// Receive returns the channel of the messages the peers send to this node.
// It is closed when Close returns.
func (t *Transport) Receive() <-chan raft.Message { return t.recv }

// PeerMeta returns the metadata that node id advertised in its last
// handshake with this node (Config.Advertise), or nil if they have not
// shaken hands yet. The map is the caller's.
func (t *Transport) PeerMeta(id raft.NodeID) map[string]string {
	p, ok := t.peer(id)
	if !ok {
		return nil
	}
	p.metaMu.Lock()
	defer p.metaMu.Unlock()
	return maps.Clone(p.meta)
}

// removedReason is the reason of a refusal to a node removed from the
// cluster, which the dialer recognizes (Config.OnRemoved).
const removedReason = "was removed from the cluster"

// ErrRemoved is wrapped by the error of a dial that a peer refused because
// this node was removed from the cluster.
var ErrRemoved = errors.New("transport: removed from the cluster")

// PeerAddrKey is the key of Config.Advertise under which a node advertises
// the address of its own Listener, so that a node that does not know it
// yet can add it as a peer (Config.AcceptNewPeers).
const PeerAddrKey = "raft"

// peer returns the peer of ID id, if there is one.
func (t *Transport) peer(id raft.NodeID) (*peer, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p, ok := t.peers[id]
	return p, ok
}

// AddPeer adds node id, whose Listener is at addr, to the peers, and
// starts dialing it: stage 11's runtime calls it when a configuration
// change adds a server. Adding a peer again with the same address does
// nothing; with another address, the old peer is replaced. It fails for
// node 0, this node, an empty address, or once the transport is closed.
func (t *Transport) AddPeer(id raft.NodeID, addr string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.addPeerLocked(id, addr)
	return err
}

// addPeerLocked is AddPeer with t.mu held. It returns the peer.
func (t *Transport) addPeerLocked(id raft.NodeID, addr string) (*peer, error) {
	switch {
	case t.closed:
		return nil, fmt.Errorf("transport: add node %d: %w", id, errClosing)
	case id == raft.None || id == t.cfg.ID:
		return nil, fmt.Errorf("transport: node %d cannot be a peer of node %d", id, t.cfg.ID)
	case addr == "":
		return nil, fmt.Errorf("transport: add node %d: no address", id)
	}
	if old, ok := t.peers[id]; ok {
		if old.addr == addr {
			return old, nil
		}
		t.removePeerLocked(old)
	}
	p := &peer{id: id, addr: addr, queue: make(chan raft.Message, t.cfg.QueueSize)}
	t.peers[id] = p
	// Close sets t.closed under t.mu before it waits for t.wg, so this Go
	// cannot race with that Wait.
	t.wg.Go(func() { t.runSender(p) })
	t.log.Info("transport: added a peer", "peer", uint64(id), "addr", addr)
	return p, nil
}

// RemovePeer forgets node id: messages to it are unroutable from now on,
// its sender goroutine stops, its connections close after their next
// message, and its new ones are refused, with a refusal that tells it it
// was removed (Config.OnRemoved). Stage 11's runtime calls it when a
// configuration change that removes a server commits: an ID removed is
// never used again.
func (t *Transport) RemovePeer(id raft.NodeID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removed[id] = true
	if p, ok := t.peers[id]; ok && !t.closed {
		t.removePeerLocked(p)
		t.log.Info("transport: removed a peer", "peer", uint64(id))
	}
}

// removePeerLocked forgets p, with t.mu held: closing its queue stops its
// sender once it is connected, and removed stops it while it dials.
func (t *Transport) removePeerLocked(p *peer) {
	delete(t.peers, p.id)
	p.removed.Store(true)
	close(p.queue)
}

// setMeta records what peer p advertised in a handshake.
func (p *peer) setMeta(meta map[string]string) {
	if meta == nil {
		meta = map[string]string{}
	}
	p.metaMu.Lock()
	defer p.metaMu.Unlock()
	p.meta = meta
}

// Cut drops every message to and from peer id until Heal: fault injection
// for tests and demonstrations. The connections stay open.
func (t *Transport) Cut(id raft.NodeID) {
	if p, ok := t.peer(id); ok {
		p.cut.Store(true)
		t.log.Info("transport: cut off from peer", "peer", uint64(id))
	}
}

// Heal undoes Cut.
func (t *Transport) Heal(id raft.NodeID) {
	if p, ok := t.peer(id); ok {
		p.cut.Store(false)
		t.log.Info("transport: healed the cut to peer", "peer", uint64(id))
	}
}

// Stats returns the counts so far.
func (t *Transport) Stats() Stats {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s := Stats{Peers: make(map[raft.NodeID]PeerStats, len(t.peers)), Unroutable: t.unroutable.Load()}
	for id, p := range t.peers {
		s.Peers[id] = PeerStats{Sent: p.sent.Load(), Received: p.received.Load(), Dropped: p.dropped.Load()}
	}
	return s
}

// Close stops the transport: it stops sending, closes the listener and
// every connection, waits for every goroutine of the transport to return,
// then closes the Receive channel. Messages still queued are lost. Calling
// Close again does nothing. It returns the listener's Close error.
func (t *Transport) Close() error {
	// TODO: Shut down in this order (handout: "Shutting down"). Under t.mu: return
	// if t.closed is already set; set it; close every peer's queue (Close owns
	// the queues: Send checks t.closed under the same lock, so no Send can
	// write to a closed channel, and each sender sees its queue closed); close
	// every connection in t.conns. Then cancel t.ctx (it stops dials and
	// backoff waits), close the listener, wait for every goroutine with t.wg,
	// and only then close t.recv: its writers, the readers, have all returned.
	return nil
}

// track records an open connection so that Close can close it. It returns
// false, and the caller must close c, once the transport is closing.
func (t *Transport) track(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.conns[c] = struct{}{}
	return true
}

// untrack closes a connection that track recorded, and forgets it.
func (t *Transport) untrack(c net.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	c.Close()
}
