// Package raftkv is a replicated key-value service: the Raft core of stage
// 07 driven by a real runtime, with a write-ahead log (package wal), a TCP
// transport between peers (package transport), the stage 01 store as its
// state machine, and two front doors for clients, HTTP and RESP.
//
// A Node is the runtime of one server: one goroutine that owns the core,
// ticks it with a real ticker, and carries out its Ready in the order Raft
// requires: persist, then send, then apply. A Server puts a Node behind the
// HTTP and RESP APIs and shuts everything down in order.
package raftkv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"raftgo/solutions/03-planning"
	election "raftgo/solutions/07-election"
	invariants "raftgo/solutions/08-testing"
)

// Storage is a node's stable storage: what it must persist before it sends
// a Ready's messages, and what it restarts from. The write-ahead log of
// package wal satisfies it.
type Storage interface {
	// State returns what was persisted: the hard state, the latest
	// snapshot (nil if none) and the entries after it.
	State() (raft.HardState, *raft.Snapshot, []raft.Entry)
	// Save makes a hard state and entries durable with one fsync. A zero
	// hard state means "unchanged"; entries replace any persisted entries
	// at or after entries[0].Index.
	Save(hs raft.HardState, entries []raft.Entry) error
	// SaveSnapshot makes a snapshot durable, and drops the entries it
	// covers.
	SaveSnapshot(snap raft.Snapshot) error
}

// Transport carries messages between nodes. The TCP transport of package
// transport satisfies it. Send must never block: it drops what it cannot
// queue, and Raft's retries make up for the loss.
type Transport interface {
	Send(msgs ...raft.Message)
	Receive() <-chan raft.Message
}

// NodeConfig configures a Node.
type NodeConfig struct {
	// ID is this node's ID, and Peers every voter's, this node's included.
	ID    raft.NodeID
	Peers []raft.NodeID
	// Storage holds what the node persisted, and persists what it must.
	Storage Storage
	// Transport carries messages to and from the peers.
	Transport Transport
	// TickInterval is the real time of one logical tick. The default, 20
	// ms, with raft.DefaultConfig's ticks, gives heartbeats every 20 ms and
	// election timeouts from 200 to 400 ms.
	TickInterval time.Duration
	// Seed seeds the core's election timeouts.
	Seed uint64
	// NewCore makes the node core; the default is stage 07's. Stage 11
	// plugs its bigger core in here.
	NewCore func(raft.Config) (raft.Node, error)
	// Logger receives the node's log; the default discards it.
	Logger *slog.Logger
	// OnConfChange, if not nil, is called with each configuration change
	// entry as it applies (§6; stage 11), for the system to update what it
	// knows of the cluster, such as the transport's addresses. The core
	// changes its own membership; to the store, the entry is a no-op.
	OnConfChange func(raft.Entry) error
	// Observer, if not nil, is told what the node does (its start, each
	// Ready once persisted, its stop), so that stage 08's invariant
	// checkers (invariants.Checker) check a running cluster as they check
	// the test network and the simulator.
	Observer invariants.Observer

	// Self and Members are where this node and the others listen (stage
	// 11): the node keeps every member's addresses in its snapshots, and
	// adds the servers that configuration changes add to its Transport
	// when it is a PeerSet. Self may be zero, and Members nil, for a node
	// whose core has no membership changes.
	Self    Member
	Members map[raft.NodeID]Member
	// SnapshotEvery is how many applied entries a node whose core compacts
	// (CompactingCore, stage 11) lets pass between two snapshots; zero
	// means DefaultSnapshotEvery, a negative value never.
	SnapshotEvery int
	// Removed, if not nil, is closed when a peer tells this node that it
	// was removed from the cluster (stage 11: its transport's OnRemoved);
	// the node then stops with ErrRemoved.
	Removed <-chan struct{}
}

// DefaultTickInterval is NodeConfig.TickInterval's default.
const DefaultTickInterval = 20 * time.Millisecond

// maxBatch bounds how many messages and proposals one Ready covers. It
// matches raft.MaxMessageEntries, the entries one AppendEntries may carry,
// so that a Ready's proposals can reach each follower in one message.
const maxBatch = raft.MaxMessageEntries

// ErrStopped is returned by Propose and Barrier once the node has stopped.
var ErrStopped = errors.New("raftkv: node stopped")

// ErrLeadershipLost is returned for a proposal whose node lost its
// leadership before the command applied. The command may still apply (a
// new leader may hold it and commit it) or may never apply: its outcome is
// unknown, and only a read can tell.
var ErrLeadershipLost = errors.New("raftkv: leadership changed before the command applied; it may or may not take effect")

// NotLeaderError is returned for a proposal made on a node that is not the
// leader. It wraps raft.ErrNotLeader.
type NotLeaderError struct {
	// Leader is the leader this node knows of, or raft.None.
	Leader raft.NodeID
}

func (e *NotLeaderError) Error() string {
	if e.Leader == raft.None {
		return "raftkv: not the leader, and no leader is known yet"
	}
	return fmt.Sprintf("raftkv: not the leader; node %d is", e.Leader)
}

func (e *NotLeaderError) Unwrap() error { return raft.ErrNotLeader }

// Status is a snapshot of a node's state, safe to read from any goroutine.
type Status struct {
	ID        raft.NodeID
	Role      raft.Role
	Term      raft.Term
	Leader    raft.NodeID
	Commit    raft.Index
	Applied   raft.Index
	LastIndex raft.Index
}

// Node is the runtime of one Raft server. Its loop goroutine owns the
// core, the state machine and the proposals waiting to apply; other
// goroutines talk to it through channels (Propose, Stop) and read its
// published Status.
type Node struct {
	id         raft.NodeID
	core       raft.Node
	storage    Storage
	transport  Transport
	tick       time.Duration
	log        *slog.Logger
	sm         *stateMachine
	confChange func(raft.Entry) error // NodeConfig.OnConfChange, or nil
	observer   invariants.Observer    // nil if none

	// proposals carries proposals to the loop. It is unbuffered: a
	// proposal is either taken by the loop or still its proposer's.
	proposals chan *proposal
	// stop is closed by Stop; done is closed by the loop when it returns,
	// after it has set err.
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
	err      error

	// waiting holds the proposals waiting to apply, by index. Only the
	// loop touches it.
	waiting map[raft.Index]*proposal
	// finished holds the proposals whose outcomes the loop delivers at the
	// end of the Ready (flush).
	finished []*proposal
	status   atomic.Pointer[Status]

	// cluster is what stage 11 adds for membership and snapshots
	// (members.go).
	cluster clusterState

	// reads and transfer serve stage 11 (reads.go): the ReadIndex reads in
	// flight, and the leadership transfer this node started. Only the loop
	// touches them.
	reads    readTable
	transfer transferState
}

// StartNode restores a node from what cfg.Storage holds and starts its
// loop goroutine. Stop it with Stop.
func StartNode(cfg NodeConfig) (*Node, error) {
	if cfg.Storage == nil || cfg.Transport == nil {
		return nil, fmt.Errorf("raftkv: node %d: NodeConfig needs a Storage and a Transport", cfg.ID)
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = DefaultTickInterval
	}
	if cfg.NewCore == nil {
		cfg.NewCore = func(c raft.Config) (raft.Node, error) { return election.New(c) }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	hs, snap, entries := cfg.Storage.State()
	rc := raft.DefaultConfig(cfg.ID, cfg.Peers)
	rc.Seed = cfg.Seed
	// One AppendEntries per follower per Ready carries every entry the
	// Ready added (up to maxBatch), rather than raft.DefaultConfig's 64:
	// under load the followers then persist a whole Ready with one fsync,
	// rather than a share of it per fsync.
	rc.MaxEntriesPerMessage = raft.MaxMessageEntries
	rc.HardState, rc.Snapshot, rc.Entries = hs, snap, entries
	c, err := cfg.NewCore(rc)
	if err != nil {
		return nil, fmt.Errorf("raftkv: node %d: %w", cfg.ID, err)
	}
	var members addressBook
	if snap != nil {
		var store raft.Snapshot
		if store, members, err = storeSnapshot(*snap); err != nil {
			return nil, fmt.Errorf("raftkv: node %d: %w", cfg.ID, err)
		}
		snap = &store
	}
	sm, err := newStateMachine(snap)
	if err != nil {
		return nil, fmt.Errorf("raftkv: node %d: %w", cfg.ID, err)
	}
	n := &Node{
		id:         cfg.ID,
		core:       c,
		storage:    cfg.Storage,
		transport:  cfg.Transport,
		tick:       cfg.TickInterval,
		log:        cfg.Logger.With("node", uint64(cfg.ID)),
		sm:         sm,
		confChange: cfg.OnConfChange,
		observer:   cfg.Observer,
		proposals:  make(chan *proposal),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		waiting:    make(map[raft.Index]*proposal),
	}
	if _, ok := c.(MembershipCore); ok {
		n.confChange = n.applyConfChange(cfg.OnConfChange)
	}
	n.initCluster(cfg, snap, members, entries)
	if cfg.Removed != nil {
		go n.watchRemoval(cfg.Removed)
	}
	if n.observer != nil {
		n.observer.NodeStarted(rc, c.Status())
	}
	n.publish()
	go n.run()
	return n, nil
}

// run is the node's loop. It waits for something to happen (a tick, a
// message, a proposal, or Stop), hands it to the core, and then carries
// out the core's Ready. It returns when Stop is called or a Ready cannot be
// carried out, and then releases every waiting proposal.
func (n *Node) run() {
	defer close(n.done)
	defer n.releaseAll()
	if n.observer != nil {
		defer n.observer.NodeCrashed(n.id)
	}
	//workshop:todo Drive the core from one goroutine (handout: "1. The loop"). Make a
	//workshop:todo time.Ticker of n.tick and stop it on the way out. Then loop: select on
	//workshop:todo n.stop (return), the ticker (n.core.Tick), the transport's Receive
	//workshop:todo channel (n.step; if it is closed, stop listening to it: a nil channel
	//workshop:todo is never ready) and n.proposals (n.propose). After each event, take whatever else is already waiting
	//workshop:todo (n.drain) so that one Ready covers it all, then carry out the Ready
	//workshop:todo (n.advance). If that fails, the node cannot go on: keep the error in
	//workshop:todo n.err, log it and return.
	recv := n.transport.Receive()
	ticker := time.NewTicker(n.tick)
	defer ticker.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-ticker.C:
			n.core.Tick()
		case m, ok := <-recv:
			if !ok {
				recv = nil
				continue
			}
			n.step(m)
		case p := <-n.proposals:
			n.propose(p)
		}
		n.drain(recv)
		if err := n.advance(); err != nil {
			n.err = err
			n.log.Error("node stopped", "err", err)
			return
		}
	}
	//workshop:stub n.err = errors.New("the node's loop is not implemented")
	//workshop:end
}

// drain hands the core the messages and proposals that are already
// waiting, up to maxBatch, without blocking, so that one Ready, and one
// fsync, covers them all: group commit.
func (n *Node) drain(recv <-chan raft.Message) {
	for range maxBatch {
		select {
		case m, ok := <-recv:
			if !ok {
				return
			}
			n.step(m)
		case p := <-n.proposals:
			n.propose(p)
		default:
			return
		}
	}
}

// step hands the core a message from a peer. A message the core refuses
// (not for this node, from a stranger) is logged and dropped: bad input
// from the network never stops the node.
func (n *Node) step(m raft.Message) {
	if err := n.core.Step(m); err != nil {
		n.log.Warn("dropped a message", "from", uint64(m.From), "kind", m.Kind().String(), "err", err)
	}
}

// advance carries out the core's Ready, in the order Raft requires:
// persist, then send, then apply; then it publishes the node's status.
func (n *Node) advance() error {
	if n.cluster.removed { // stage 11: told by a peer (members.go)
		return ErrRemoved
	}
	rd := n.core.Ready()
	if rd.IsEmpty() {
		// Most ticks of a follower: nothing to do, but a read's deadline
		// may pass (stage 11: reads.go).
		if n.releaseReads(nil) {
			return n.advance()
		}
		return nil
	}
	// Stage 11: a server added to the configuration must be reachable
	// before the messages of this Ready leave.
	n.learnMembers(rd.Entries)
	//workshop:todo Carry out rd in order (handout: "2. The Ready"): first persist: the
	//workshop:todo snapshot if there is one (n.storage.SaveSnapshot), then the hard state
	//workshop:todo and entries, with one n.storage.Save for the whole Ready, and only when
	//workshop:todo there is something to save. Report the persisted Ready (n.observe), and
	//workshop:todo only then send the messages (n.transport.Send).
	//workshop:todo Then apply: restore the snapshot if there is one (n.restore), then
	//workshop:todo apply the committed entries (n.sm.apply, with n.confChange). Wrap every
	//workshop:todo error with what failed (n.errorf) (Figure 2: "Persistent state …
	//workshop:todo updated on stable storage before responding to RPCs").
	if snap := rd.Snapshot; snap != nil {
		if err := n.storage.SaveSnapshot(*snap); err != nil {
			return n.errorf("persist snapshot %d: %w",
				snap.LastIncludedIndex, err)
		}
	}
	if !rd.HardState.IsZero() || len(rd.Entries) > 0 {
		err := n.storage.Save(rd.HardState, rd.Entries)
		if err != nil {
			return n.errorf("persist %d entries: %w",
				len(rd.Entries), err)
		}
	}
	n.observe(rd)
	n.transport.Send(rd.Messages...)
	if snap := rd.Snapshot; snap != nil {
		if err := n.restore(*snap); err != nil {
			return err
		}
	}
	err := n.sm.apply(rd.CommittedEntries, n.confChange)
	if err != nil {
		return n.errorf("%w", err)
	}
	//workshop:stub _ = rd
	//workshop:end
	if err := n.maybeSnapshot(); err != nil { // stage 11
		return err
	}
	n.publishCluster()
	n.publish()
	asked := n.releaseReads(rd.ReadStates) // stage 11: reads.go
	n.flush()
	if n.cluster.removed {
		return ErrRemoved
	}
	if asked {
		return n.advance() // send the new read index's heartbeats now
	}
	return nil
}

// observe reports a persisted Ready to the observer, if there is one,
// before its messages leave: an effect (a vote counted, an entry
// acknowledged) must never be reported before its cause.
func (n *Node) observe(rd raft.Ready) {
	if n.observer != nil {
		n.observer.NodeReady(n.id, rd, n.core.Status())
	}
}

// errorf returns an error that names the node.
func (n *Node) errorf(format string, args ...any) error {
	return fmt.Errorf("raftkv: node %d: "+format, append([]any{n.id}, args...)...)
}

// restore replaces the state machine's state with a snapshot's. Proposals
// waiting on entries the snapshot covers learn nothing more of them: their
// outcome is unknown. The others keep waiting.
func (n *Node) restore(snap raft.Snapshot) error {
	store, members, err := storeSnapshot(snap)
	if err != nil {
		return n.errorf("%w", err)
	}
	if err := n.sm.restore(store); err != nil {
		return n.errorf("%w", err)
	}
	n.restoreBook(members)
	n.cluster.snapIndex = max(n.cluster.snapIndex, snap.LastIncludedIndex)
	for index, p := range n.waiting {
		if index <= snap.LastIncludedIndex {
			n.finish(p, outcome{err: ErrLeadershipLost})
		} else if err := n.track(p); err != nil {
			return err
		}
	}
	return nil
}

// publish stores the node's status for other goroutines to read, and
// releases the proposals of a leadership this node no longer holds.
func (n *Node) publish() {
	st := n.core.Status()
	if old := n.status.Load(); old == nil || old.Role != st.Role || old.Term != st.Term || old.Leader != st.Leader {
		n.log.Info("status", "role", st.Role.String(), "term", uint64(st.Term), "leader", uint64(st.Leader))
	}
	n.status.Store(&Status{
		ID:        st.ID,
		Role:      st.Role,
		Term:      st.Term,
		Leader:    st.Leader,
		Commit:    st.Commit,
		Applied:   n.sm.applied(),
		LastIndex: st.LastIndex,
	})
	for _, p := range n.waiting {
		if st.Role != raft.Leader || st.Term != p.term {
			n.finish(p, outcome{err: ErrLeadershipLost})
		}
	}
}

// Status returns the node's status as of its last Ready.
func (n *Node) Status() Status { return *n.status.Load() }

// Store returns the node's store, the state machine's content. Reading it
// directly is a dirty read: it may lag the leader's and miss acknowledged
// writes. Call Read (or Barrier) first for a linearizable read.
func (n *Node) Store() StoreReader { return n.sm.store }

// StoreReader reads a store. The *kvserver.Store of stage 01 satisfies it.
type StoreReader interface {
	Get(key string) (string, bool)
	Exists(keys ...string) int
}

// Done returns a channel that is closed when the node's loop has returned.
func (n *Node) Done() <-chan struct{} { return n.done }

// Err returns why the node's loop returned: nil after Stop, or the error
// that stopped it. It returns nil while the loop runs.
func (n *Node) Err() error {
	select {
	case <-n.done:
		return n.err
	default:
		return nil
	}
}

// Stop stops the node's loop and waits for it to return, or for ctx to
// end. Proposals still waiting get ErrStopped. It returns the error that
// stopped the loop earlier, if one did. Stop may be called more than once,
// from any goroutine.
func (n *Node) Stop(ctx context.Context) error {
	n.stopOnce.Do(func() { close(n.stop) })
	//workshop:todo Wait until the loop has returned (n.done is closed) and return n.err;
	//workshop:todo but wait no longer than ctx allows: a stop that can hang makes a
	//workshop:todo shutdown that hangs. When ctx ends first, return an error that names
	//workshop:todo the node and wraps ctx.Err() (handout: "4. Shutdown").
	select {
	case <-n.done:
		return n.err
	case <-ctx.Done():
		return n.errorf("did not stop: %w", ctx.Err())
	}
	//workshop:stub return errors.New("Stop does not wait for the loop yet")
	//workshop:end
}
