// Package corebench drives the course's Raft core and etcd raft's RawNode
// with one lean driver, so that their committed entries per second can be
// compared in one run on one machine.
//
// The driver is what a runtime does, minus the disk and the network. For
// every Ready, each node persists its hard state and entries to the same
// in-memory stand-in for a write-ahead log (stable), steps every message
// straight into its receiver in FIFO order, and counts the entries the
// leader hands out as committed. On top of that, etcd's runtime appends the
// entries to its MemoryStorage, because etcd raft reads its log from the
// Storage its runtime keeps (etcd's own server does both: its WAL and its
// MemoryStorage); the course's core keeps its log itself. So each core
// keeps one in-memory log, and each runtime does the same persisting work.
// Both cores run with the same cluster (3 nodes), the same 16-byte
// command, an election timeout of 10 ticks and a heartbeat of 1, and at
// most 64 entries per AppendEntries.
package corebench

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"

	etcd "go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/07-election"
)

// command is the 16-byte command every benchmark proposes.
var command = []byte("SET key01 val001")

// maxEntrySize is the largest size etcd raft counts for an entry of
// command, whatever its term and index: a message of 64 entries fits in 64
// times this, as our core's MaxEntriesPerMessage of 64 lets it. (Sized with
// term 1 and index 1, the varints of later entries would outgrow the limit
// and etcd would split a batch of 64 into two AppendEntries.)
var maxEntrySize = uint64((&raftpb.Entry{Term: math.MaxUint64, Index: math.MaxUint64, Data: command}).Size())

// peers are the IDs of the benchmark's three nodes.
var peers = []uint64{1, 2, 3}

// A node is one core as the lean driver sees it, with M its message type.
type node[M any] interface {
	// tick advances the node's clock by one tick.
	tick()
	// step hands the node a message.
	step(m M) error
	// propose proposes n copies of a command on the node, handed to the
	// core together, as a runtime hands it the commands that arrived
	// since its last Ready.
	propose(data []byte, n int) error
	// ready persists the node's Ready in memory and returns the messages to
	// send and how many entries it hands out as committed. It reports false
	// when the node had nothing to do.
	ready() (msgs []M, committed int, busy bool)
	// isLeader reports whether the node is the leader.
	isLeader() bool
	// logged returns the last index of the core's log and how many
	// entries its runtime has persisted to the stand-in for a WAL.
	logged() (lastIndex uint64, persisted int)
}

// A cluster runs three nodes of one core with a FIFO of messages.
type cluster[M any] struct {
	nodes  map[uint64]node[M]
	to     func(M) uint64
	leader uint64
	queue  []M
	sent   int // messages delivered, heartbeats and responses included
}

// run hands out every node's Ready and delivers every message until the
// cluster is quiet, and returns how many entries the leader committed.
func (c *cluster[M]) run(tb testing.TB) int {
	committed := 0
	for {
		busy := false
		for _, id := range peers {
			msgs, n, b := c.nodes[id].ready()
			busy = busy || b
			c.queue = append(c.queue, msgs...)
			if id == c.leader {
				committed += n
			}
		}
		if !busy && len(c.queue) == 0 {
			return committed
		}
		batch := c.queue
		c.queue = nil
		c.sent += len(batch)
		for _, m := range batch {
			if err := c.nodes[c.to(m)].step(m); err != nil {
				tb.Fatalf("step: %v", err)
			}
		}
	}
}

// elect ticks the cluster until it has a leader.
func (c *cluster[M]) elect(tb testing.TB) {
	for range 1000 {
		for _, id := range peers {
			c.nodes[id].tick()
		}
		c.run(tb)
		for _, id := range peers {
			if c.nodes[id].isLeader() {
				c.leader = id
				c.run(tb) // the leader's first entry commits
				return
			}
		}
	}
	tb.Fatal("no leader after 1000 ticks")
}

// --- The course's core --------------------------------------------------

// ourNode is the course's stage-07 core with the stand-in for its
// write-ahead log.
type ourNode struct {
	n      *core.Node
	stable stable[raft.HardState, raft.Entry]
}

func newOurs(tb testing.TB) *cluster[raft.Message] {
	c := &cluster[raft.Message]{nodes: make(map[uint64]node[raft.Message]), to: func(m raft.Message) uint64 { return uint64(m.To) }}
	ids := []raft.NodeID{1, 2, 3}
	for _, id := range ids {
		cfg := raft.DefaultConfig(id, ids)
		cfg.ElectionTicks, cfg.HeartbeatTicks, cfg.MaxEntriesPerMessage, cfg.Seed = 10, 1, 64, 1
		n, err := core.New(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		c.nodes[uint64(id)] = &ourNode{n: n, stable: stable[raft.HardState, raft.Entry]{index: func(e raft.Entry) uint64 { return uint64(e.Index) }}}
	}
	c.elect(tb)
	return c
}

func (o *ourNode) tick()                     { o.n.Tick() }
func (o *ourNode) step(m raft.Message) error { return o.n.Step(m) }
func (o *ourNode) isLeader() bool            { return o.n.Status().Role == raft.Leader }
func (o *ourNode) logged() (uint64, int) {
	return uint64(o.n.Status().LastIndex), len(o.stable.entries)
}

func (o *ourNode) propose(data []byte, n int) error {
	for range n {
		if _, _, err := o.n.Propose(data); err != nil {
			return err
		}
	}
	return nil
}

func (o *ourNode) ready() ([]raft.Message, int, bool) {
	rd := o.n.Ready()
	o.stable.save(rd.HardState, !rd.HardState.IsZero(), rd.Entries)
	return rd.Messages, len(rd.CommittedEntries), !rd.IsEmpty()
}

// --- etcd raft's RawNode --------------------------------------------------

// etcdNode is etcd raft's RawNode with its MemoryStorage, the log it reads,
// and the stand-in for its write-ahead log.
type etcdNode struct {
	rn      *etcd.RawNode
	storage *etcd.MemoryStorage
	stable  stable[raftpb.HardState, raftpb.Entry]
}

func newEtcd(tb testing.TB) *cluster[raftpb.Message] {
	c := &cluster[raftpb.Message]{nodes: make(map[uint64]node[raftpb.Message]), to: func(m raftpb.Message) uint64 { return m.To }}
	var bootstrap []etcd.Peer
	for _, id := range peers {
		bootstrap = append(bootstrap, etcd.Peer{ID: id})
	}
	for _, id := range peers {
		storage := etcd.NewMemoryStorage()
		rn, err := etcd.NewRawNode(&etcd.Config{
			ID:              id,
			ElectionTick:    10,
			HeartbeatTick:   1,
			Storage:         storage,
			MaxSizePerMsg:   64 * maxEntrySize,
			MaxInflightMsgs: 256,
			Logger:          discard{},
		})
		if err != nil {
			tb.Fatal(err)
		}
		if err := rn.Bootstrap(bootstrap); err != nil {
			tb.Fatal(err)
		}
		c.nodes[id] = &etcdNode{rn: rn, storage: storage, stable: stable[raftpb.HardState, raftpb.Entry]{index: func(e raftpb.Entry) uint64 { return e.Index }}}
	}
	c.elect(tb)
	return c
}

func (e *etcdNode) tick()                       { e.rn.Tick() }
func (e *etcdNode) step(m raftpb.Message) error { return e.rn.Step(m) }

// propose hands etcd raft the commands in one MsgProp, its way of taking a
// batch: proposed one by one, each would go out in an AppendEntries of its
// own.
func (e *etcdNode) propose(data []byte, n int) error {
	ents := make([]raftpb.Entry, n)
	for i := range ents {
		ents[i].Data = data
	}
	return e.rn.Step(raftpb.Message{Type: raftpb.MsgProp, Entries: ents})
}

func (e *etcdNode) isLeader() bool { return e.rn.Status().RaftState == etcd.StateLeader }

func (e *etcdNode) logged() (uint64, int) {
	last, err := e.storage.LastIndex()
	if err != nil {
		panic(err)
	}
	return last, len(e.stable.entries)
}

func (e *etcdNode) ready() ([]raftpb.Message, int, bool) {
	if !e.rn.HasReady() {
		return nil, 0, false
	}
	rd := e.rn.Ready()
	e.stable.save(rd.HardState, !etcd.IsEmptyHardState(rd.HardState), rd.Entries)
	if !etcd.IsEmptyHardState(rd.HardState) {
		if err := e.storage.SetHardState(rd.HardState); err != nil {
			panic(err)
		}
	}
	if err := e.storage.Append(rd.Entries); err != nil {
		panic(err)
	}
	committed := 0
	for _, ent := range rd.CommittedEntries {
		if ent.Type == raftpb.EntryConfChange {
			var cc raftpb.ConfChange
			if err := cc.Unmarshal(ent.Data); err != nil {
				panic(err)
			}
			e.rn.ApplyConfChange(cc)
		}
		committed++
	}
	e.rn.Advance(rd)
	return rd.Messages, committed, true
}

// --- The runtime's stand-in for a write-ahead log -------------------------

// stable is what a runtime persists, kept in memory: the last hard state
// and the entries, as a write-ahead log would hold them. Both drivers use
// it with their core's types, so that persisting costs them the same.
type stable[H, E any] struct {
	hard    H
	entries []E
	index   func(E) uint64 // an entry's log index
}

// save persists a Ready's hard state, if it changed, and its entries,
// which replace any at or after their first index.
func (s *stable[H, E]) save(hs H, changed bool, entries []E) {
	if changed {
		s.hard = hs
	}
	if len(entries) == 0 {
		return
	}
	kept := s.entries[:min(len(s.entries), int(s.index(entries[0])-1))]
	if len(kept) < len(s.entries) {
		// Clip, so that the append moves to a new array and never
		// overwrites entries handed out before.
		kept = slices.Clip(kept)
	}
	s.entries = append(kept, entries...)
}

// discard is a logger that drops everything: etcd raft logs every election.
type discard struct{ etcd.Logger }

func (discard) Debug(...any)            {}
func (discard) Debugf(string, ...any)   {}
func (discard) Info(...any)             {}
func (discard) Infof(string, ...any)    {}
func (discard) Warning(...any)          {}
func (discard) Warningf(string, ...any) {}

// --- Benchmarks -----------------------------------------------------------

// BenchmarkCommit measures committed entries per second for both cores,
// side by side. batch=N proposes N commands before the cluster runs to
// quiet, so they share AppendEntries messages and responses.
func BenchmarkCommit(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("core=raftgo/batch=%d", batch), func(b *testing.B) {
			benchmarkCommits(b, newOurs(b), batch)
		})
		b.Run(fmt.Sprintf("core=etcd/batch=%d", batch), func(b *testing.B) {
			benchmarkCommits(b, newEtcd(b), batch)
		})
	}
}

// benchmarkCommits proposes batches of commands on the leader until b.N
// entries have committed, and reports entries/s, allocs/entry, msgs/entry
// (messages delivered per committed entry) and, where the system can tell,
// cpu-ns/entry: the CPU time the process spent per entry, which a busy
// machine disturbs less than the wall-clock time, since a benchmark that
// waits for a core is not charged for the wait.
func benchmarkCommits[M any](b *testing.B, c *cluster[M], batch int) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpuBefore, cpuOK := processCPUTime()
	sentBefore := c.sent
	b.ResetTimer()
	committed := 0
	for committed < b.N {
		if err := c.nodes[c.leader].propose(command, min(batch, b.N-committed)); err != nil {
			b.Fatal(err)
		}
		committed += c.run(b)
	}
	b.StopTimer()
	cpuAfter, _ := processCPUTime()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(committed)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(committed), "allocs/entry")
	b.ReportMetric(float64(c.sent-sentBefore)/float64(committed), "msgs/entry")
	if cpuOK {
		b.ReportMetric(float64(cpuAfter-cpuBefore)/float64(committed), "cpu-ns/entry")
	}
}

// TestBothCoresCommit checks the driver itself: both clusters elect a
// leader and commit every proposed command, once, and every node's
// runtime has persisted its whole log to the stand-in for a WAL, so that
// both runtimes do the same work.
func TestBothCoresCommit(t *testing.T) {
	t.Run("raftgo", func(t *testing.T) { checkCommits(t, newOurs(t)) })
	t.Run("etcd", func(t *testing.T) { checkCommits(t, newEtcd(t)) })
}

func checkCommits[M any](t *testing.T, c *cluster[M]) {
	for range 10 {
		if err := c.nodes[c.leader].propose(command, 10); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.run(t); got != 100 {
		t.Fatalf("the leader committed %d entries for 100 proposals", got)
	}
	for _, id := range peers {
		last, persisted := c.nodes[id].logged()
		if last < 100 || uint64(persisted) != last {
			t.Errorf("node %d's log ends at %d, and its runtime persisted %d entries: want all of them, at least 100", id, last, persisted)
		}
	}
}
