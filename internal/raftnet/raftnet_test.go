package raftnet

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// fakeNode is a tiny raft.Node for testing the network. Propose appends an
// entry and sends it to every peer in an AppendEntries; Tick sends each peer
// an empty AppendEntries; Step records what arrives, and panics on an entry
// whose data is "panic".
type fakeNode struct {
	cfg      raft.Config
	log      []raft.Entry
	unstable int // index in log of the first entry not yet handed out
	outbox   []raft.Message
	received []raft.Message
}

func newFake(cfg raft.Config) (raft.Node, error) {
	return &fakeNode{cfg: cfg, log: slices.Clone(cfg.Entries), unstable: len(cfg.Entries)}, nil
}

func (n *fakeNode) broadcast(es []raft.Entry) {
	for _, peer := range n.cfg.Peers {
		if peer != n.cfg.ID {
			n.outbox = append(n.outbox, raft.Message{From: n.cfg.ID, To: peer, Term: 1, Body: raft.AppendEntries{Entries: es}})
		}
	}
}

func (n *fakeNode) Tick() { n.broadcast(nil) }

func (n *fakeNode) Step(m raft.Message) error {
	if ae, ok := m.Body.(raft.AppendEntries); ok && len(ae.Entries) > 0 && string(ae.Entries[0].Data) == "panic" {
		panic("fake node asked to panic")
	}
	n.received = append(n.received, m)
	return nil
}

func (n *fakeNode) Propose(data []byte) (raft.Index, raft.Term, error) {
	e := raft.Entry{Term: 1, Index: raft.Index(len(n.log) + 1), Data: data}
	n.log = append(n.log, e)
	n.broadcast([]raft.Entry{e})
	return e.Index, 1, nil
}

func (n *fakeNode) Ready() raft.Ready {
	rd := raft.Ready{Entries: slices.Clone(n.log[n.unstable:]), Messages: n.outbox}
	if len(rd.Entries) > 0 {
		rd.HardState = raft.HardState{Term: 1, Commit: raft.Index(len(n.log))}
	}
	n.unstable, n.outbox = len(n.log), nil
	return rd
}

func (n *fakeNode) Status() raft.Status { return raft.Status{ID: n.cfg.ID, Term: 1} }

// receivedData returns the data of the first entry of each message node id
// received, in order.
func receivedData(net *Network, id raft.NodeID) []string {
	var data []string
	for _, m := range net.Node(id).(*fakeNode).received {
		if ae, ok := m.Body.(raft.AppendEntries); ok && len(ae.Entries) > 0 {
			data = append(data, string(ae.Entries[0].Data))
		}
	}
	return data
}

func newFakeNetwork(t *testing.T, size int, opts Options) *Network {
	t.Helper()
	net, err := New(size, newFake, opts)
	require.NoError(t, err, "New(%d, newFake, %+v)", size, opts)
	return net
}

func proposeAll(t *testing.T, net *Network, id raft.NodeID, data ...string) {
	t.Helper()
	for _, d := range data {
		_, _, err := net.Propose(id, []byte(d))
		require.NoError(t, err, "Propose(%d, %q)", id, d)
	}
}

// TestDeliveryOrder checks that without reordering messages arrive in the
// order they were sent, and that DeliverAll empties the network.
func TestDeliveryOrder(t *testing.T) {
	net := newFakeNetwork(t, 2, Options{})
	proposeAll(t, net, 1, "a", "b", "c")
	require.Len(t, net.InFlight(), 3, "messages in flight after three proposals")
	more, err := net.DeliverOne()
	require.True(t, more, "DeliverOne with messages in flight")
	require.NoError(t, err, "DeliverOne")
	assert.Equal(t, []string{"a"}, receivedData(net, 2), "DeliverOne delivers the oldest message")
	require.NoError(t, net.DeliverAll(), "DeliverAll")
	assert.Equal(t, []string{"a", "b", "c"}, receivedData(net, 2), "messages arrive in the order sent")
	assert.Empty(t, net.InFlight(), "in flight after DeliverAll")
	assert.Equal(t, 3, net.Delivered(), "Delivered after three messages")
	more, err = net.DeliverOne()
	assert.False(t, more || err != nil, "DeliverOne on an empty network reports no message and no error")
}

// deliveryOrder returns the order in which node 2 receives ten messages
// from node 1 with reordering on and the given seed.
func deliveryOrder(t *testing.T, seed uint64) []string {
	net := newFakeNetwork(t, 2, Options{Seed: seed})
	net.SetReorder(true)
	proposeAll(t, net, 1, "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
	require.NoError(t, net.DeliverAll(), "DeliverAll with reordering, seed %d", seed)
	return receivedData(net, 2)
}

// TestReorderIsDeterministic checks that reordering depends only on the
// seed: the same seed gives the same order, and some seed gives another.
func TestReorderIsDeterministic(t *testing.T) {
	first := deliveryOrder(t, 1)
	assert.Equal(t, first, deliveryOrder(t, 1), "two runs with seed 1 must deliver in the same order")
	assert.ElementsMatch(t, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, first, "reordering must deliver every message once")
	differs := false
	for seed := uint64(2); seed < 10 && !differs; seed++ {
		differs = !slices.Equal(first, deliveryOrder(t, seed))
	}
	assert.True(t, differs, "seeds 2 to 9 all delivered in seed 1's order %v: reordering does not depend on the seed", first)
}

// TestDropAndDuplicateRates checks that a drop rate loses about that share
// of messages and a duplicate rate delivers some messages more than once.
func TestDropAndDuplicateRates(t *testing.T) {
	const sent = 2000
	run := func(configure func(*Network)) int {
		net := newFakeNetwork(t, 2, Options{Seed: 7})
		configure(net)
		for range sent {
			require.NoError(t, net.TickNode(1), "TickNode(1)")
		}
		require.NoError(t, net.DeliverAll(), "DeliverAll")
		return len(net.Node(2).(*fakeNode).received)
	}
	assert.Zero(t, run(func(net *Network) { net.SetDropRate(1) }), "messages delivered with drop rate 1")
	dropped := sent - run(func(net *Network) { net.SetDropRate(0.3) })
	assert.InDelta(t, 0.3*sent, dropped, 0.05*sent, "messages lost with drop rate 0.3 out of %d", sent)
	// With duplicate rate p, a message is delivered 1/(1-p) times on average.
	delivered := run(func(net *Network) { net.SetDuplicateRate(0.5) })
	assert.InDelta(t, 2*sent, delivered, 0.2*sent, "deliveries with duplicate rate 0.5 of %d messages", sent)
}

// TestPartitionAndHeal checks that a partition loses messages across it,
// including those already in flight, keeps those within a group, and that
// Heal restores delivery.
func TestPartitionAndHeal(t *testing.T) {
	net := newFakeNetwork(t, 3, Options{})
	proposeAll(t, net, 1, "before") // in flight to 2 and 3 when the partition starts
	net.Partition([]raft.NodeID{1, 2})
	proposeAll(t, net, 3, "from 3")
	require.NoError(t, net.DeliverAll(), "DeliverAll during the partition")
	assert.Equal(t, []string{"before"}, receivedData(net, 2), "node 2 is with node 1: it gets 1's message")
	assert.Empty(t, receivedData(net, 3), "node 3 is cut off from 1: the message in flight is lost")
	assert.Empty(t, receivedData(net, 1), "node 1 is cut off from 3")

	net.Heal()
	proposeAll(t, net, 3, "after")
	require.NoError(t, net.DeliverAll(), "DeliverAll after the heal")
	assert.Equal(t, []string{"after"}, receivedData(net, 1), "after Heal, 3 reaches 1")
}

// TestCrashAndRestart checks that a crash loses the node's messages in
// flight and what it had not persisted, and that Restart makes the node
// again from what it persisted.
func TestCrashAndRestart(t *testing.T) {
	net := newFakeNetwork(t, 2, Options{Configure: func(cfg *raft.Config) {
		if cfg.ID == 1 {
			cfg.Entries = []raft.Entry{{Term: 1, Index: 1, Data: []byte("configured")}}
		}
	}})
	proposeAll(t, net, 1, "persisted")
	_, _, err := net.Node(1).Propose([]byte("never collected"))
	require.NoError(t, err, "Propose on the fake node")
	proposeAll(t, net, 2, "to 1")

	net.Crash(1)
	assert.Nil(t, net.Node(1), "Node(1) after Crash")
	assert.Empty(t, net.InFlight(), "a crash loses every message to and from the crashed node")
	_, _, err = net.Propose(1, []byte("x"))
	assert.Error(t, err, "Propose on a crashed node")
	require.NoError(t, net.TickNode(1), "ticking a crashed node does nothing")
	assert.Error(t, net.Restart(2), "Restart of a running node")

	require.NoError(t, net.Restart(1), "Restart(1)")
	restarted := net.Node(1).(*fakeNode).cfg.Entries
	var data []string
	for _, e := range restarted {
		data = append(data, string(e.Data))
	}
	assert.Equal(t, []string{"configured", "persisted"}, data, "the restarted node gets what it persisted, not the entry it never handed out")
	assert.Equal(t, raft.HardState{Term: 1, Commit: 2}, net.Node(1).(*fakeNode).cfg.HardState, "the restarted node gets its persisted hard state")
}

// TestStorageReplacesEntries checks that entries in a Ready replace the
// persisted entries from their first index on.
func TestStorageReplacesEntries(t *testing.T) {
	var s Storage
	s.save(raft.Ready{Entries: []raft.Entry{{Term: 1, Index: 1}, {Term: 1, Index: 2}, {Term: 1, Index: 3}}})
	s.save(raft.Ready{HardState: raft.HardState{Term: 2}, Entries: []raft.Entry{{Term: 2, Index: 2}}})
	s.save(raft.Ready{})
	assert.Equal(t, []raft.Entry{{Term: 1, Index: 1}, {Term: 2, Index: 2}}, s.Entries, "entries after a Ready whose entries start at index 2")
	assert.Equal(t, raft.HardState{Term: 2}, s.HardState, "a zero HardState in a Ready leaves the persisted one")
}

// panicky is a node that panics in every method.
type panicky struct{}

func (panicky) Tick()                                         { panic("tick") }
func (panicky) Step(raft.Message) error                       { panic("step") }
func (panicky) Propose([]byte) (raft.Index, raft.Term, error) { panic("propose") }
func (panicky) Ready() raft.Ready                             { panic("ready") }
func (panicky) Status() raft.Status                           { panic("status") }

// TestPanicsBecomeErrors checks that a node's panic comes back as an error
// naming the node, so a buggy core fails a test instead of the test binary.
func TestPanicsBecomeErrors(t *testing.T) {
	_, err := New(2, func(raft.Config) (raft.Node, error) { panic("factory") }, Options{})
	assert.ErrorContains(t, err, "node 1 panicked: factory", "New with a factory that panics")

	net := newFakeNetwork(t, 2, Options{})
	proposeAll(t, net, 1, "panic")
	_, err = net.DeliverOne()
	assert.ErrorContains(t, err, "node 2 panicked: fake node asked to panic", "DeliverOne of a message the node panics on")

	net, err = New(2, func(raft.Config) (raft.Node, error) { return panicky{}, nil }, Options{})
	require.NoError(t, err, "New with panicky nodes")
	assert.ErrorContains(t, net.Tick(), "node 1 panicked: tick", "Tick")
	_, _, err = net.Propose(2, nil)
	assert.ErrorContains(t, err, "node 2 panicked: propose", "Propose")
	assert.ErrorContains(t, net.Collect(2), "node 2 panicked: ready", "Collect")
	assert.Empty(t, net.Leaders(), "Leaders with nodes whose Status panics")
}

// TestFactoryErrors checks that a factory's error or nil node fails New.
func TestFactoryErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := New(1, func(raft.Config) (raft.Node, error) { return nil, boom }, Options{})
	assert.ErrorIs(t, err, boom, "New with a factory that fails")
	_, err = New(1, func(raft.Config) (raft.Node, error) { return nil, nil }, Options{})
	assert.ErrorContains(t, err, "returned no node", "New with a factory that returns nil")
	_, err = New(0, newFake, Options{})
	assert.Error(t, err, "New with no nodes")
}

// recorder is an Observer that writes down what it is told, one line per
// report.
type recorder struct{ lines []string }

func (r *recorder) NodeStarted(cfg raft.Config, st raft.Status) {
	r.lines = append(r.lines, fmt.Sprintf("start %d entries=%d term=%d", cfg.ID, len(cfg.Entries), st.Term))
}

func (r *recorder) NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status) {
	r.lines = append(r.lines, fmt.Sprintf("ready %d entries=%d messages=%d", id, len(rd.Entries), len(rd.Messages)))
}

func (r *recorder) NodeCrashed(id raft.NodeID) {
	r.lines = append(r.lines, fmt.Sprintf("crash %d", id))
}

// TestObserver checks that the observer hears of every start, every Ready
// and every crash, in order, and that a restart reports what the node
// persisted.
func TestObserver(t *testing.T) {
	rec := &recorder{}
	net := newFakeNetwork(t, 2, Options{Observer: rec})
	proposeAll(t, net, 1, "a")
	net.Crash(2)
	net.Crash(2) // already down: nothing to report
	net.Crash(1)
	require.NoError(t, net.Restart(1))
	assert.Equal(t, []string{
		"start 1 entries=0 term=1",
		"start 2 entries=0 term=1",
		"ready 1 entries=1 messages=1",
		"crash 2",
		"crash 1",
		"start 1 entries=1 term=1",
	}, rec.lines)
}

// echoNode answers every AppendEntries with an AppendEntriesResponse and
// every response with a new AppendEntries: two of them never go quiet.
type echoNode struct{ fakeNode }

func newEcho(cfg raft.Config) (raft.Node, error) { return &echoNode{fakeNode{cfg: cfg}}, nil }

func (n *echoNode) Step(m raft.Message) error {
	var body raft.Body = raft.AppendEntriesResponse{Success: true}
	if m.Kind() == raft.KindAppendEntriesResponse {
		body = raft.AppendEntries{}
	}
	n.outbox = append(n.outbox, raft.Message{From: n.cfg.ID, To: m.From, Term: 1, Body: body})
	return nil
}

func TestDeliverAllStopsARunawayAndSaysWhatKeptItBusy(t *testing.T) {
	net, err := New(2, newEcho, Options{MaxDeliveries: 100})
	require.NoError(t, err)
	require.NoError(t, net.TickNode(1))
	err = net.DeliverAll()
	require.ErrorIs(t, err, ErrNoQuiescence)
	assert.Equal(t, 100, net.Delivered(), "DeliverAll stops at MaxDeliveries")
	msg := err.Error()
	assert.Contains(t, msg, "after 100 deliveries")
	assert.Contains(t, msg, "Busiest: 50 AppendEntries from 1 to 2, 50 AppendEntriesResponse from 2 to 1", "the flows that kept the network busy, the busiest first")
	assert.Contains(t, msg, "The last 8 delivered:\n  1->2 t1 AppendEntries{prev=0@0 entries=[] commit=0}\n  2->1 t1 AppendEntriesResponse{ok match=0}", "the last messages, printed by their String method")
}
