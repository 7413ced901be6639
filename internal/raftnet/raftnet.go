// Package raftnet is a deterministic, in-memory network of Raft node cores
// for tests. It owns every node, carries their messages, stores what each
// node's Ready says to persist, and records what each node applies.
//
// Nothing happens unless the test asks: there are no goroutines, no clocks
// and no sleeps. A test ticks the nodes, proposes commands and delivers
// messages one at a time or all at once; it can drop, duplicate and reorder
// messages (from a seeded source, so a failure replays), partition the
// cluster and heal it, and crash a node and restart it from what it
// persisted.
package raftnet

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"

	"raftgo/solutions/03-planning"
)

// Factory makes a node core from its configuration: the constructor of the
// stage under test, such as core.New.
type Factory func(raft.Config) (raft.Node, error)

// Storage is what a node has persisted: the hard state, the latest
// snapshot (stage 11) and the log entries its Ready handed out. A node
// restarts from it.
type Storage struct {
	HardState raft.HardState
	Snapshot  *raft.Snapshot
	Entries   []raft.Entry
}

// save persists a Ready's hard state, snapshot and entries, as a runtime
// must before it sends the Ready's messages. A snapshot replaces the whole
// persisted log; the entries kept after it come in the same Ready.
func (s *Storage) save(rd raft.Ready) {
	if !rd.HardState.IsZero() {
		s.HardState = rd.HardState
	}
	if rd.Snapshot != nil {
		s.Snapshot, s.Entries = rd.Snapshot, nil
	}
	if len(rd.Entries) > 0 {
		kept := s.Entries[:s.position(rd.Entries[0].Index)]
		if len(kept) < len(s.Entries) {
			// The new entries replace a tail. Clip, so that the append moves
			// to a new array and never overwrites entries handed out before.
			kept = slices.Clip(kept)
		}
		s.Entries = append(kept, rd.Entries...)
	}
}

// position returns where the entry with index i is, or would go, in
// s.Entries, which may start after index 1 once a snapshot covers a prefix.
func (s *Storage) position(i raft.Index) int {
	if len(s.Entries) == 0 || i <= s.Entries[0].Index {
		return 0
	}
	return min(len(s.Entries), int(i-s.Entries[0].Index))
}

// compact persists a snapshot the node's state machine took, and drops the
// persisted entries it covers.
func (s *Storage) compact(snap raft.Snapshot) {
	s.Snapshot = &snap
	s.Entries = slices.Clone(s.Entries[s.position(snap.LastIncludedIndex+1):])
}

// Options configure a Network.
type Options struct {
	// Seed seeds the network's random choices (drops, duplicates, reordering)
	// and, unless Configure changes them, the nodes' own seeds.
	Seed uint64
	// Configure, if not nil, adjusts each node's configuration before the
	// node is made. The hard state and entries it gives a node's first start
	// count as already persisted; a restarted node gets what it persisted
	// instead.
	Configure func(*raft.Config)
	// OnReady, if not nil, sees every Ready a node produces, after the
	// network has persisted it and before it sends the messages.
	OnReady func(id raft.NodeID, rd raft.Ready)
	// Observer, if not nil, watches every node start, produce Readys and
	// crash: the hook for stage 08's invariant checkers.
	Observer Observer
	// MaxDeliveries bounds one DeliverAll; 0 means DefaultMaxDeliveries.
	MaxDeliveries int
}

// DefaultMaxDeliveries is how many messages one DeliverAll delivers before
// it gives up on a network that does not go quiet. A test cluster's round
// of messages takes tens of deliveries; ten thousand means that nodes keep
// answering each other, and stopping early keeps a failing test fast.
const DefaultMaxDeliveries = 10_000

// Observer watches the nodes of a network run. It has the method set of
// stage 08's invariants.Observer, whose *Checker a test plugs in here;
// raftnet declares its own copy because stage 08 builds on raftnet, not the
// other way round. The network calls it from the goroutine that drives the
// network, in the order things happen.
type Observer interface {
	// NodeStarted reports that a node started, for the first time or after
	// a crash, from cfg, which holds what it had persisted; st is its status
	// once made.
	NodeStarted(cfg raft.Config, st raft.Status)
	// NodeReady reports a Ready of node id after the network persisted it
	// and before it sends its messages; st is the node's status after the
	// Ready.
	NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status)
	// NodeCrashed reports that node id stopped, keeping only what it
	// persisted.
	NodeCrashed(id raft.NodeID)
}

// Network is a cluster of node cores joined by a simulated network. It is
// not safe for concurrent use.
type Network struct {
	ids     []raft.NodeID
	factory Factory
	opts    Options
	rand    *rand.Rand

	nodes   map[raft.NodeID]raft.Node // nil for a crashed node
	storage map[raft.NodeID]*Storage
	applied map[raft.NodeID][]raft.Entry

	inFlight  []raft.Message
	group     map[raft.NodeID]int // partition group of each node; all 0 when healed
	dropRate  float64
	dupRate   float64
	reorder   bool
	delivered int
	last      raft.Message // the message delivered last
}

// DefaultConfig is the configuration a network gives node id in a cluster
// of peers, before Options.Configure adjusts it: raft.DefaultConfig with the
// given seed.
func DefaultConfig(id raft.NodeID, peers []raft.NodeID, seed uint64) raft.Config {
	cfg := raft.DefaultConfig(id, peers)
	cfg.Seed = seed
	return cfg
}

// New makes a network of size nodes with IDs 1 to size.
func New(size int, factory Factory, opts Options) (*Network, error) {
	if size < 1 {
		return nil, fmt.Errorf("raftnet: a cluster needs at least one node, not %d", size)
	}
	net := &Network{
		factory: factory,
		opts:    opts,
		rand:    rand.New(rand.NewPCG(opts.Seed, 0x5eed)),
		nodes:   make(map[raft.NodeID]raft.Node),
		storage: make(map[raft.NodeID]*Storage),
		applied: make(map[raft.NodeID][]raft.Entry),
		group:   make(map[raft.NodeID]int),
	}
	for i := 1; i <= size; i++ {
		net.ids = append(net.ids, raft.NodeID(i))
	}
	for _, id := range net.ids {
		if err := net.start(id); err != nil {
			return nil, err
		}
	}
	return net, nil
}

// start makes node id from its configuration and what it has persisted.
func (net *Network) start(id raft.NodeID) error {
	cfg := DefaultConfig(id, slices.Clone(net.ids), net.opts.Seed)
	if net.opts.Configure != nil {
		net.opts.Configure(&cfg)
	}
	if st := net.storage[id]; st != nil {
		// A restart: the node comes back with what it persisted.
		cfg.HardState, cfg.Snapshot, cfg.Entries = st.HardState, st.Snapshot, slices.Clone(st.Entries)
	} else {
		// The first start: what Configure gave the node counts as persisted,
		// so a test can start nodes with logs of its choosing.
		net.storage[id] = &Storage{HardState: cfg.HardState, Snapshot: cfg.Snapshot, Entries: slices.Clone(cfg.Entries)}
	}
	// The state machine starts from the snapshot, if there is one.
	restored, err := snapshotEntries(cfg.Snapshot)
	if err != nil {
		return fmt.Errorf("raftnet: start node %d: %w", id, err)
	}
	var node raft.Node
	err = guard(id, func() (err error) { node, err = net.factory(cfg); return err })
	if err != nil {
		return fmt.Errorf("raftnet: start node %d: %w", id, err)
	}
	if node == nil {
		return fmt.Errorf("raftnet: start node %d: the factory returned no node", id)
	}
	net.nodes[id] = node
	net.applied[id] = restored
	if net.opts.Observer != nil {
		net.opts.Observer.NodeStarted(cfg, net.status(node))
	}
	return nil
}

// IDs returns the IDs of every node, running or crashed, in order.
func (net *Network) IDs() []raft.NodeID { return slices.Clone(net.ids) }

// Node returns node id's core, or nil if it is crashed.
func (net *Network) Node(id raft.NodeID) raft.Node { return net.nodes[id] }

// Storage returns what node id has persisted. The caller must not change it.
func (net *Network) Storage(id raft.NodeID) Storage { return *net.storage[id] }

// Applied returns the committed entries node id has handed out to apply
// since it last started, in order. A node that restored a snapshot (stage
// 11) starts from the entries the snapshot's state machine had applied.
func (net *Network) Applied(id raft.NodeID) []raft.Entry { return slices.Clone(net.applied[id]) }

// guard calls f, which calls into node id, and turns a panic into an
// error, so that a bug in a node core fails a test instead of crashing the
// test binary.
func guard(id raft.NodeID, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("raftnet: node %d panicked: %v\n%s", id, r, debug.Stack())
		}
	}()
	return f()
}

// collect takes node id's Ready and does what a runtime does with it:
// persist, then send, then apply.
func (net *Network) collect(id raft.NodeID) error {
	node := net.nodes[id]
	if node == nil {
		return nil
	}
	var rd raft.Ready
	if err := guard(id, func() error { rd = node.Ready(); return nil }); err != nil {
		return err
	}
	net.storage[id].save(rd)
	if net.opts.OnReady != nil {
		net.opts.OnReady(id, rd)
	}
	if net.opts.Observer != nil {
		net.opts.Observer.NodeReady(id, rd, net.status(node))
	}
	net.inFlight = append(net.inFlight, rd.Messages...)
	if rd.Snapshot != nil {
		restored, err := snapshotEntries(rd.Snapshot)
		if err != nil {
			return fmt.Errorf("raftnet: node %d handed out a snapshot: %w", id, err)
		}
		net.applied[id] = restored
	}
	net.applied[id] = append(net.applied[id], rd.CommittedEntries...)
	return nil
}

// Compacter is a node core that compacts its log behind a snapshot of its
// state machine (stage 11): Compact takes the state machine's snapshot as
// of an applied index and returns it complete, for the caller to persist.
type Compacter interface {
	Compact(index raft.Index, data []byte) (raft.Snapshot, error)
}

// Compact has node id's state machine take a snapshot of what it has
// applied, hands it to the node, which must be a Compacter, and persists
// what the node returns, dropping the persisted entries it covers. The
// network's state machine is the list of applied entries: the snapshot's
// Data encodes them all, so that a node restored from it applies the same
// entries as one that applied them one by one.
func (net *Network) Compact(id raft.NodeID) error {
	node, ok := net.nodes[id].(Compacter)
	if !ok {
		return fmt.Errorf("raftnet: node %d is crashed, or its core cannot compact (it is not a raftnet.Compacter)", id)
	}
	applied := net.applied[id]
	if len(applied) == 0 {
		return fmt.Errorf("raftnet: node %d has applied nothing to take a snapshot of", id)
	}
	var data []byte
	for _, e := range applied {
		b, err := raft.MarshalEntry(e)
		if err != nil {
			return fmt.Errorf("raftnet: node %d: encode applied entry %d: %w", id, e.Index, err)
		}
		data = binary.AppendUvarint(data, uint64(len(b)))
		data = append(data, b...)
	}
	var snap raft.Snapshot
	err := guard(id, func() (err error) { snap, err = node.Compact(applied[len(applied)-1].Index, data); return err })
	if err != nil {
		return fmt.Errorf("raftnet: node %d: compact: %w", id, err)
	}
	net.storage[id].compact(snap)
	return net.collect(id)
}

// snapshotEntries decodes the applied entries a snapshot's Data holds, as
// Compact encoded them; nil for no snapshot.
func snapshotEntries(snap *raft.Snapshot) ([]raft.Entry, error) {
	if snap == nil {
		return nil, nil
	}
	var entries []raft.Entry
	for data := snap.Data; len(data) > 0; {
		size, n := binary.Uvarint(data)
		if n <= 0 || size > uint64(len(data)-n) {
			return nil, fmt.Errorf("snapshot %d: Data is not a list of entries encoded by Network.Compact", snap.LastIncludedIndex)
		}
		e, err := raft.UnmarshalEntry(data[n : n+int(size)])
		if err != nil {
			return nil, fmt.Errorf("snapshot %d: %w", snap.LastIncludedIndex, err)
		}
		entries = append(entries, e)
		data = data[n+int(size):]
	}
	return entries, nil
}

// Add starts a node with an ID the network does not have yet, as a new
// server that will join the cluster (stage 11). Its configuration is
// DefaultConfig with every node as a peer, itself included, adjusted by
// Options.Configure; a test makes it a joining node there.
func (net *Network) Add(id raft.NodeID) error {
	if id == raft.None || slices.Contains(net.ids, id) {
		return fmt.Errorf("raftnet: cannot add node %d: the network has nodes %v, and 0 is no ID", id, net.ids)
	}
	net.ids = append(net.ids, id)
	slices.Sort(net.ids)
	return net.start(id)
}

// Tick ticks every running node once, collecting each one's Ready.
func (net *Network) Tick() error {
	for _, id := range net.ids {
		if err := net.TickNode(id); err != nil {
			return err
		}
	}
	return nil
}

// TickNode ticks one node once and collects its Ready. A crashed node does
// not tick.
func (net *Network) TickNode(id raft.NodeID) error {
	node := net.nodes[id]
	if node == nil {
		return nil
	}
	if err := guard(id, func() error { node.Tick(); return nil }); err != nil {
		return err
	}
	return net.collect(id)
}

// Propose proposes a command on node id and collects its Ready.
func (net *Network) Propose(id raft.NodeID, data []byte) (raft.Index, raft.Term, error) {
	node := net.nodes[id]
	if node == nil {
		return 0, 0, fmt.Errorf("raftnet: node %d is crashed", id)
	}
	var (
		index raft.Index
		term  raft.Term
		err   error
	)
	if perr := guard(id, func() error { index, term, err = node.Propose(data); return nil }); perr != nil {
		return 0, 0, perr
	}
	if cerr := net.collect(id); cerr != nil {
		return 0, 0, cerr
	}
	return index, term, err
}

// Collect collects node id's Ready without ticking or stepping it, for a
// test that changed the node through methods of its own.
func (net *Network) Collect(id raft.NodeID) error { return net.collect(id) }

// InFlight returns the messages sent and not yet delivered or dropped, in
// the order they were sent.
func (net *Network) InFlight() []raft.Message { return slices.Clone(net.inFlight) }

// Delivered returns how many messages the network has handed to nodes.
func (net *Network) Delivered() int { return net.delivered }

// DeliverOne delivers one in-flight message: the oldest, or a random one
// when reordering is on. It reports whether there was a message to take.
// A message to a crashed node, or across a partition, is lost; with a drop
// rate set, a message may be lost; with a duplicate rate set, a delivered
// message may stay in flight to be delivered again.
func (net *Network) DeliverOne() (bool, error) {
	if len(net.inFlight) == 0 {
		return false, nil
	}
	i := 0
	if net.reorder {
		i = net.rand.IntN(len(net.inFlight))
	}
	m := net.inFlight[i]
	duplicate := net.dupRate > 0 && net.rand.Float64() < net.dupRate
	if !duplicate {
		net.inFlight = slices.Delete(net.inFlight, i, i+1)
	}
	if net.dropRate > 0 && net.rand.Float64() < net.dropRate {
		return true, nil
	}
	node := net.nodes[m.To]
	if node == nil || net.nodes[m.From] == nil || net.group[m.From] != net.group[m.To] {
		return true, nil
	}
	net.delivered++
	net.last = m
	if err := guard(m.To, func() error { return node.Step(m) }); err != nil {
		return true, fmt.Errorf("raftnet: node %d rejected %s: %w", m.To, m, err)
	}
	return true, net.collect(m.To)
}

// ErrNoQuiescence reports that DeliverAll gave up because messages kept
// coming.
var ErrNoQuiescence = errors.New("raftnet: the network did not go quiet")

// busyTrace is how many of the last deliveries a runaway's error shows.
const busyTrace = 8

// DeliverAll delivers messages until none are in flight, including the
// messages that delivering them produces. It gives up with ErrNoQuiescence
// after Options.MaxDeliveries deliveries, and the error says which
// messages kept the network busy: the senders, receivers and kinds that
// took most deliveries, and the last few messages.
func (net *Network) DeliverAll() error {
	limit := cmp.Or(net.opts.MaxDeliveries, DefaultMaxDeliveries)
	type flow struct {
		from, to raft.NodeID
		kind     raft.Kind
	}
	flows := make(map[flow]int)
	var last []string
	for range limit {
		before := net.delivered
		more, err := net.DeliverOne()
		if err != nil || !more {
			return err
		}
		if net.delivered > before { // delivered, not lost
			m := net.last
			flows[flow{m.From, m.To, m.Kind()}]++
			if len(last) == busyTrace {
				last = last[1:]
			}
			last = append(last, m.String())
		}
	}
	busiest := slices.Collect(maps.Keys(flows))
	slices.SortFunc(busiest, func(a, b flow) int {
		return cmp.Or(cmp.Compare(flows[b], flows[a]), cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.kind, b.kind))
	})
	var top []string
	for _, f := range busiest[:min(3, len(busiest))] {
		top = append(top, fmt.Sprintf("%d %s from %d to %d", flows[f], f.kind, f.from, f.to))
	}
	return fmt.Errorf("%w after %d deliveries, %d messages still in flight: the nodes keep answering each other. Busiest: %s. The last %d delivered:\n  %s",
		ErrNoQuiescence, limit, len(net.inFlight), strings.Join(top, ", "), len(last), strings.Join(last, "\n  "))
}

// Drop removes every in-flight message for which match returns true, and
// returns how many it removed.
func (net *Network) Drop(match func(raft.Message) bool) int {
	before := len(net.inFlight)
	net.inFlight = slices.DeleteFunc(net.inFlight, match)
	return before - len(net.inFlight)
}

// SetDropRate makes the network lose each message with probability p.
func (net *Network) SetDropRate(p float64) { net.dropRate = p }

// SetDuplicateRate makes the network deliver each message again with
// probability p.
func (net *Network) SetDuplicateRate(p float64) { net.dupRate = p }

// SetReorder makes DeliverOne take a random in-flight message instead of
// the oldest.
func (net *Network) SetReorder(on bool) { net.reorder = on }

// Partition splits the cluster: nodes in different groups cannot reach each
// other, and nodes not named in any group form one more group together.
// Messages already in flight across the new boundaries are lost on
// delivery.
func (net *Network) Partition(groups ...[]raft.NodeID) {
	for _, id := range net.ids {
		net.group[id] = 0
	}
	for g, members := range groups {
		for _, id := range members {
			net.group[id] = g + 1
		}
	}
}

// Isolate cuts node id off from every other node.
func (net *Network) Isolate(id raft.NodeID) { net.Partition([]raft.NodeID{id}) }

// Heal removes every partition.
func (net *Network) Heal() { net.Partition() }

// Crash stops node id. Its messages in flight, to it or from it, are lost,
// and it loses everything it had not persisted.
func (net *Network) Crash(id raft.NodeID) {
	if net.nodes[id] != nil && net.opts.Observer != nil {
		net.opts.Observer.NodeCrashed(id)
	}
	net.nodes[id] = nil
	net.inFlight = slices.DeleteFunc(net.inFlight, func(m raft.Message) bool {
		return m.To == id || m.From == id
	})
}

// Wipe crashes node id and erases everything it persisted, as when its
// disk is lost. Restart then starts it as on its first start, from what
// Options.Configure gives it, with none of its votes or entries: a node
// that comes back like this under its old ID can break Raft's safety,
// which is why stage 11 brings such a server back as a new member.
func (net *Network) Wipe(id raft.NodeID) {
	net.Crash(id)
	delete(net.storage, id)
}

// Restart starts a crashed node again from what it persisted.
func (net *Network) Restart(id raft.NodeID) error {
	if net.nodes[id] != nil {
		return fmt.Errorf("raftnet: node %d is running; crash it before restarting it", id)
	}
	return net.start(id)
}

// Leaders returns the running nodes that believe they are leader, in order.
func (net *Network) Leaders() []raft.NodeID {
	var leaders []raft.NodeID
	for _, id := range net.ids {
		if node := net.nodes[id]; node != nil && net.status(node).Role == raft.Leader {
			leaders = append(leaders, id)
		}
	}
	return leaders
}

// status returns a node's status, or the zero Status if asking panics.
func (net *Network) status(node raft.Node) (st raft.Status) {
	_ = guard(0, func() error { st = node.Status(); return nil })
	return st
}
