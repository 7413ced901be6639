package raftkv

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
)

// The runtime's tests run nodes inside testing/synctest bubbles, joined by
// an in-memory network and with in-memory storage: time is fake, so an
// election that takes 300 ms of ticks takes no real time, and a test never
// sleeps for real. time.Sleep inside a bubble advances the fake clock once
// every goroutine in the bubble is blocked.

// testTick is the tick of the nodes in the tests.
const testTick = 10 * time.Millisecond

// memNet is an in-memory network between nodes. Every message goes
// through the stage 03 codec, so that no two nodes ever share memory, as
// over a real network. A message to a full inbox, or to or from an
// isolated node, is dropped.
type memNet struct {
	mu       sync.Mutex
	inbox    map[raft.NodeID]chan raft.Message
	isolated map[raft.NodeID]bool
}

func newMemNet(ids ...raft.NodeID) *memNet {
	n := &memNet{inbox: make(map[raft.NodeID]chan raft.Message), isolated: make(map[raft.NodeID]bool)}
	for _, id := range ids {
		n.inbox[id] = make(chan raft.Message, 1024)
	}
	return n
}

// isolate cuts node id off from every other node; heal joins them all
// again.
func (n *memNet) isolate(id raft.NodeID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isolated[id] = true
}

func (n *memNet) heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.isolated)
}

func (n *memNet) isIsolated(id raft.NodeID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.isolated[id]
}

func (n *memNet) deliver(m raft.Message) {
	n.mu.Lock()
	defer n.mu.Unlock()
	inbox, ok := n.inbox[m.To]
	if !ok || n.isolated[m.From] || n.isolated[m.To] {
		return
	}
	b, err := raft.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("memNet: the core sent a message the codec refuses: %v", err))
	}
	m, err = raft.Unmarshal(b)
	if err != nil {
		panic(fmt.Sprintf("memNet: the codec cannot read its own message: %v", err))
	}
	select {
	case inbox <- m:
	default:
	}
}

// memTransport is one node's end of a memNet. It satisfies PeerTransport.
type memTransport struct {
	net *memNet
	id  raft.NodeID
}

func (t *memTransport) Send(msgs ...raft.Message) {
	for _, m := range msgs {
		t.net.deliver(m)
	}
}

func (t *memTransport) Receive() <-chan raft.Message { return t.net.inbox[t.id] }

func (t *memTransport) PeerMeta(id raft.NodeID) map[string]string {
	return map[string]string{"http": memAddr(id, "http"), "resp": memAddr(id, "resp")}
}

func (t *memTransport) Close() error { return nil }

// memAddr is the address a node of a memCluster pretends to serve a kind
// of client at: node 2's HTTP API is at 127.0.0.1:8002, its RESP at
// 127.0.0.1:6302.
func memAddr(id raft.NodeID, kind string) string {
	if kind == "http" {
		return fmt.Sprintf("127.0.0.1:%d", 8000+id)
	}
	return fmt.Sprintf("127.0.0.1:%d", 6300+id)
}

// memStorage is in-memory stable storage. It satisfies DurableStorage.
type memStorage struct {
	mu      sync.Mutex
	hs      raft.HardState
	snap    *raft.Snapshot
	entries []raft.Entry
	saves   int // calls of Save
	// entrySaves counts the calls of Save with entries.
	entrySaves int
	onSave     func() error // if set, runs in Save and may fail it
	onRecord   func(event string)
}

func (s *memStorage) State() (raft.HardState, *raft.Snapshot, []raft.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hs, s.snap, slices.Clone(s.entries)
}

func (s *memStorage) Save(hs raft.HardState, entries []raft.Entry) error {
	s.mu.Lock()
	hook := s.onSave
	s.mu.Unlock()
	if hook != nil {
		if err := hook(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves++
	if len(entries) > 0 {
		s.entrySaves++
	}
	if s.onRecord != nil {
		s.onRecord("save")
	}
	if !hs.IsZero() {
		s.hs = hs
	}
	if len(entries) > 0 {
		first := entries[0].Index
		kept := slices.DeleteFunc(slices.Clone(s.entries), func(e raft.Entry) bool { return e.Index >= first })
		s.entries = append(kept, entries...)
	}
	return nil
}

func (s *memStorage) SaveSnapshot(snap raft.Snapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.onRecord != nil {
		s.onRecord("snapshot")
	}
	s.snap = &snap
	s.entries = slices.DeleteFunc(s.entries, func(e raft.Entry) bool { return e.Index <= snap.LastIncludedIndex })
	return nil
}

func (s *memStorage) Close() error { return nil }

func (s *memStorage) entrySaveCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entrySaves
}

// setOnSave sets the hook that Save runs first.
func (s *memStorage) setOnSave(hook func() error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onSave = hook
}

// memCluster is a cluster of Nodes on a memNet. It must be made and used
// inside a synctest bubble, and stopped (stopAll) before the bubble ends.
type memCluster struct {
	t       *testing.T
	ids     []raft.NodeID
	net     *memNet
	storage map[raft.NodeID]*memStorage
	nodes   map[raft.NodeID]*Node // nil for a stopped node
	// checker is stage 08's invariant checker, watching every node.
	checker *invariants.Checker
}

func newMemCluster(t *testing.T, size int) *memCluster {
	t.Helper()
	c := &memCluster{t: t, storage: make(map[raft.NodeID]*memStorage), nodes: make(map[raft.NodeID]*Node), checker: invariants.NewChecker()}
	for i := 1; i <= size; i++ {
		c.ids = append(c.ids, raft.NodeID(i))
	}
	c.net = newMemNet(c.ids...)
	for _, id := range c.ids {
		c.storage[id] = new(memStorage)
		c.start(id)
	}
	return c
}

// start starts node id from what its storage holds.
func (c *memCluster) start(id raft.NodeID) {
	c.t.Helper()
	n, err := StartNode(NodeConfig{
		ID: id, Peers: c.ids, Storage: c.storage[id],
		Transport: &memTransport{net: c.net, id: id}, TickInterval: testTick, Seed: 1,
		Observer: c.checker,
	})
	require.NoError(c.t, err, "StartNode(%d)", id)
	c.nodes[id] = n
}

// stop stops node id, waiting at most 5 s of the bubble's fake time.
func (c *memCluster) stop(id raft.NodeID) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n := c.nodes[id]; n != nil {
		require.NoError(c.t, n.Stop(ctx), "Stop node %d (handout: \"4. Shutdown\")", id)
		c.nodes[id] = nil
	}
}

// stopAll stops every running node. Deferred by every test, so that the
// bubble ends with no goroutine left; it does not fail the test again if
// Stop fails.
func (c *memCluster) stopAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for id, n := range c.nodes {
		if n != nil {
			if err := n.Stop(ctx); err != nil {
				c.t.Errorf("stopping node %d: %v (handout: \"4. Shutdown\")", id, err)
			}
			c.nodes[id] = nil
		}
	}
	if err := c.checker.Err(); err != nil {
		c.t.Errorf("stage 08's invariant checker saw the cluster break Raft's safety. In this runtime that means a Ready's duties ran out of order: persist, report it (n.observe), and only then send (handout: \"2. The Ready\"). %v", err)
	}
}

// waitLeader waits, for up to 5 s of fake time, until one running node is
// the leader of the highest term and every running node that is not cut
// off knows it; it returns that leader. It fails the test at once if a
// node's loop has stopped.
func (c *memCluster) waitLeader() *Node {
	c.t.Helper()
	for range 500 {
		if leader := c.leader(); leader != nil {
			return leader
		}
		for id, n := range c.nodes {
			if n == nil {
				continue
			}
			select {
			case <-n.Done():
				c.t.Fatalf("node %d's loop has returned: %v (handout: \"1. The loop\")", id, n.Err())
			default:
			}
		}
		time.Sleep(testTick)
	}
	c.t.Fatalf("no leader after 5 s of ticks (election timeouts are 100 to 200 ms): the loop must tick the core with a time.Ticker and carry out its Ready (handout: \"1. The loop\", \"2. The Ready\"); statuses: %v", c.statuses())
	return nil
}

// leader returns the leader that every running node that is not isolated
// agrees on, or nil.
func (c *memCluster) leader() *Node {
	var leader *Node
	for _, n := range c.running() {
		if n.Status().Role == raft.Leader {
			if leader != nil {
				return nil
			}
			leader = n
		}
	}
	if leader == nil {
		return nil
	}
	want := leader.Status()
	for _, n := range c.running() {
		if st := n.Status(); st.Leader != want.ID || st.Term != want.Term {
			return nil
		}
	}
	return leader
}

// running returns the running nodes that are not isolated.
func (c *memCluster) running() []*Node {
	var nodes []*Node
	for _, id := range c.ids {
		if n := c.nodes[id]; n != nil && !c.net.isIsolated(id) {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// follower returns a running node other than leader.
func (c *memCluster) follower(leader *Node) *Node {
	for _, id := range c.ids {
		if n := c.nodes[id]; n != nil && n != leader {
			return n
		}
	}
	c.t.Fatal("no running follower")
	return nil
}

func (c *memCluster) statuses() []Status {
	var sts []Status
	for _, id := range c.ids {
		if n := c.nodes[id]; n != nil {
			sts = append(sts, n.Status())
		}
	}
	return sts
}

// waitApplied waits, for up to 5 s of fake time, until node n has applied
// index.
func waitApplied(t *testing.T, n *Node, index raft.Index) {
	t.Helper()
	for range 500 {
		if n.Status().Applied >= index {
			return
		}
		time.Sleep(testTick)
	}
	t.Fatalf("node %d has applied up to %d after 5 s, not %d (handout: \"2. The Ready\")", n.Status().ID, n.Status().Applied, index)
}

// inBubble runs f in a synctest bubble with a fresh cluster of size nodes,
// and stops the cluster before the bubble ends.
func inBubble(t *testing.T, size int, f func(t *testing.T, c *memCluster)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		c := newMemCluster(t, size)
		defer c.stopAll()
		f(t, c)
	})
}
