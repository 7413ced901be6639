package sim

import (
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	statemachine "raftgo/solutions/06-consensus"
)

// server is one simulated machine: a node core, the disk it persists to,
// and the key-value store it applies committed commands to.
type server struct {
	id   raft.NodeID
	addr Addr
	sim  *simulation

	node   raft.Node   // nil while the server is down
	life   int         // how many times it has started; events of an older life are void
	status raft.Status // the node's status after its last Ready

	// disk is what survives a crash. pending are the Readys handed out and
	// not yet durable, oldest first; diskFree is when the disk finishes
	// the last of them.
	disk     storage
	pending  []pendingReady
	diskFree time.Duration

	store   *kvserver.Store
	applier *statemachine.Applier
	every   time.Duration // this server's tick period: its clock runs a little fast or slow

	// Stage 11: a spare starts outside the first configuration, with no
	// Peers, and may join it (Options.Spares); snapshotAt is the index of
	// its store's last snapshot (Options.SnapshotEvery).
	spare      bool
	snapshotAt raft.Index
	// lost is set when the server's disk was wiped (Control.Wipe): it stays
	// down, even when the faults end, unless a script restarts it.
	lost bool
}

// storage is a server's durable state: what a restarted node gets back.
// With stage 11's core, a snapshot may stand for the entries up to its
// index, and entries then holds only those after it.
type storage struct {
	hard    raft.HardState
	snap    *raft.Snapshot
	entries []raft.Entry
}

// first returns the index of the first entry the storage can hold: 1, or
// the one after its snapshot.
func (st *storage) first() raft.Index {
	if st.snap == nil {
		return 1
	}
	return st.snap.LastIncludedIndex + 1
}

// lastIndex returns the index of the last durable entry (or of the
// snapshot's last entry, if no entry follows it).
func (st *storage) lastIndex() raft.Index { return st.first() - 1 + raft.Index(len(st.entries)) }

// save makes a Ready's hard state, snapshot and entries durable. A
// snapshot replaces the whole log (the entries kept after it come again in
// the Ready); the entries replace any at or after the first one's index.
// The slice is the storage's own (boot hands the node a copy), so it may
// grow in place.
func (st *storage) save(rd raft.Ready) {
	if !rd.HardState.IsZero() {
		st.hard = rd.HardState
	}
	if rd.Snapshot != nil {
		st.snap, st.entries = rd.Snapshot, nil
	}
	entries := rd.Entries
	for len(entries) > 0 && entries[0].Index < st.first() {
		entries = entries[1:] // already in the snapshot
	}
	if len(entries) > 0 {
		keep := min(len(st.entries), int(entries[0].Index-st.first()))
		st.entries = append(st.entries[:keep], entries...)
	}
}

// compact makes a snapshot the server's state machine took durable, and
// drops the entries it stands for (stage 11). The write is atomic, as a
// runtime writes a snapshot to a new file and renames it.
func (st *storage) compact(snap raft.Snapshot) {
	drop := min(len(st.entries), int(snap.LastIncludedIndex+1-st.first()))
	st.entries = slices.Clone(st.entries[drop:])
	st.snap = &snap
}

// pendingReady is a Ready whose writes are on their way to the disk.
type pendingReady struct {
	rd        raft.Ready
	status    raft.Status // the node's status right after Ready returned
	durableAt time.Duration
}

// newServer makes server id, not yet started.
func newServer(id raft.NodeID, s *simulation) *server {
	drift := 1 + 0.04*(s.rand.Float64()-0.5) // ±2%
	return &server{id: id, addr: Addr(id), sim: s, every: time.Duration(float64(s.params.tick) * drift)}
}

// boot starts the server's node from what its disk holds, with an empty
// store that the node's committed entries fill again (stage 06 replays the
// log from the start), or, with stage 11's core, the store of its
// snapshot.
func (s *simulation) boot(srv *server) {
	cfg := raft.DefaultConfig(srv.id, s.peerIDs())
	if srv.spare {
		cfg.Peers = nil // a server that may join: it belongs to no configuration yet
	}
	cfg.Seed = s.opts.Seed + uint64(srv.life)<<32
	cfg.ElectionTicks = s.params.electionTicks
	cfg.HeartbeatTicks = s.params.heartbeatTicks
	cfg.MaxEntriesPerMessage = s.params.maxEntries
	cfg.HardState = srv.disk.hard
	cfg.Snapshot = srv.disk.snap
	cfg.Entries = slices.Clone(srv.disk.entries)
	var node raft.Node
	err := s.guard(srv, func() (err error) { node, err = s.opts.NewNode(cfg); return err })
	if err == nil && node == nil {
		err = fmt.Errorf("the factory returned no node")
	}
	if err != nil {
		s.fail(PropertyNoCrash, fmt.Sprintf("node %d cannot start from what it persisted: %v", srv.id, err))
		return
	}
	srv.life++
	srv.node, srv.pending, srv.diskFree = node, nil, s.now
	srv.store = &kvserver.Store{}
	srv.applier = statemachine.NewApplier(srv.store)
	srv.snapshotAt = 0
	if cfg.Snapshot != nil {
		s.restoreStore(srv, cfg.Snapshot)
	}
	srv.status = node.Status()
	s.observe(func(o Observer) { o.NodeStarted(cfg, srv.status) })
	s.queue.Push(s.now+srv.every, event{kind: evTick, node: srv.id, life: srv.life})
}

// serverIDs returns every server's NodeID, spares included.
func (s *simulation) serverIDs() []raft.NodeID {
	ids := make([]raft.NodeID, len(s.servers))
	for i, srv := range s.servers {
		ids[i] = srv.id
	}
	return ids
}

// peerIDs returns the NodeIDs of the servers of the first configuration.
func (s *simulation) peerIDs() []raft.NodeID {
	ids := make([]raft.NodeID, s.opts.Nodes)
	for i := range ids {
		ids[i] = raft.NodeID(i + 1)
	}
	return ids
}

// observe reports to the checker and the test's observer.
func (s *simulation) observe(f func(Observer)) {
	if s.checker != nil {
		f(s.checker)
	}
	if s.opts.Observer != nil {
		f(s.opts.Observer)
	}
}

// guard calls f, which calls into srv's node core, and turns a panic into
// an error, so that a bug in a core fails the run instead of crashing the
// simulator.
func (s *simulation) guard(srv *server, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("node %d panicked: %v\n%s", srv.id, r, debug.Stack())
		}
	}()
	return f()
}

// crash stops a server. It loses its node's volatile state, its store,
// and every Ready not yet durable, with the messages waiting on it. Its
// disk stays.
func (s *simulation) crash(srv *server) {
	// TODO: Stop the server: forget its node, its pending Readys (they never
	// reached the disk) and its store; keep srv.disk. Tell the observers
	// (NodeCrashed) (handout: "6. Crash and restart").
}

// restart starts a crashed server again from its disk.
func (s *simulation) restart(srv *server) { s.boot(srv) }

// tick advances a server's clock by one tick.
func (s *simulation) tick(ev event) {
	srv := s.servers[ev.node-1]
	if srv.node == nil || ev.life != srv.life {
		return // a tick of a life that crashed
	}
	if err := s.guard(srv, func() error { srv.node.Tick(); return nil }); err != nil {
		s.fail(PropertyNoCrash, err.Error())
		return
	}
	s.collect(srv)
	s.queue.Push(s.now+srv.every, event{kind: evTick, node: srv.id, life: srv.life})
}

// collect takes the node's Ready and starts its writes. The messages wait
// for the writes, and so do the committed entries: persist, then send,
// then apply.
func (s *simulation) collect(srv *server) {
	var rd raft.Ready
	if err := s.guard(srv, func() error { rd = srv.node.Ready(); return nil }); err != nil {
		s.fail(PropertyNoCrash, err.Error())
		return
	}
	if rd.IsEmpty() {
		return
	}
	st := srv.node.Status()
	s.noteRole(srv, st)
	if s.opts.SendBeforePersist {
		s.sendAll(srv, rd.Messages) // the planted driver bug
		rd.Messages = nil
	}
	// TODO: Queue the Ready behind the disk's earlier writes: a Ready with a
	// hard state or entries takes s.diskLatency() more after srv.diskFree
	// (or now, if later); one without takes none. If nothing waits and nothing
	// is to persist, finish it at once (s.finish); otherwise append it to
	// srv.pending and schedule an evDurable for its time
	// (handout: "7. Persist, then send").
}

// diskLatency draws how long one write takes to become durable.
func (s *simulation) diskLatency() time.Duration {
	p := s.params
	return p.diskMin + time.Duration(s.rand.Int64N(int64(p.diskMax-p.diskMin)+1))
}

// durable finishes every pending Ready whose write is now on disk.
func (s *simulation) durable(ev event) {
	srv := s.servers[ev.node-1]
	if srv.node == nil || ev.life != srv.life {
		return // the server crashed: the write never finished
	}
	for len(srv.pending) > 0 && srv.pending[0].durableAt <= s.now && s.failure == nil {
		pr := srv.pending[0]
		srv.pending = srv.pending[1:]
		s.finish(srv, pr)
	}
}

// finish does what a durable Ready asks, in order: record its writes on
// the disk, report it, send its messages, apply its committed entries.
func (s *simulation) finish(srv *server, pr pendingReady) {
	// TODO: Save the Ready on srv.disk, report it to the observers (NodeReady,
	// with pr.status), send its messages (s.sendAll), then apply its
	// committed entries (s.apply) (handout: "7. Persist, then send").
}

// sendAll sends a node's messages to their peers, checking each against
// what the sender has made durable. A pre-vote (stage 11) is the one
// message that claims a term its sender has not persisted, on purpose: it
// asks whether the sender could win that term, and changes nothing.
func (s *simulation) sendAll(srv *server, msgs []raft.Message) {
	for _, m := range msgs {
		if isPreVote(m) {
			s.send(&packet{from: srv.addr, to: Addr(m.To), msg: m})
			continue
		}
		if problem := unpersisted(srv.disk, m); problem != "" {
			s.fail(PropertyPersistBeforeSend, fmt.Sprintf("node %d sent %s, but %s", srv.id, describeMessage(m), problem))
			return
		}
		s.send(&packet{from: srv.addr, to: Addr(m.To), msg: m})
	}
}

// isPreVote reports whether m is a PreVote or its answer (§9.6 of Ongaro's
// dissertation; stage 11).
func isPreVote(m raft.Message) bool {
	switch m.Body.(type) {
	case raft.PreVote, raft.PreVoteResponse:
		return true
	}
	return false
}

// unpersisted says what a message claims that its sender has not made
// durable, or "" when the disk backs every claim: its term, a vote it
// grants or asks for, the entries it says it holds.
func unpersisted(disk storage, m raft.Message) string {
	// TODO: Compare the message with the durable hard state and log: its term
	// must not be past disk.hard.Term; a granted vote must be on disk for
	// m.To, a RequestVote's vote for m.From; a successful append's
	// MatchIndex must not be past the durable log. Say what is missing
	// (Figure 2, "Persistent state on all servers"; handout: "7. Persist, then send").
	return ""
}

// apply applies committed entries to the server's store. A read's entry
// changes nothing: the applier sees it as a no-op, and the read's answer
// is taken from the store at that point of the log.
//
// A snapshot on the disk past what the store has applied is one the node
// installed from its leader (stage 11): the store restores it first. A
// configuration change is a no-op for the store too.
func (s *simulation) apply(srv *server, entries []raft.Entry) {
	if snap := srv.disk.snap; snap != nil && snap.LastIncludedIndex > srv.applier.Applied() {
		s.restoreStore(srv, snap)
		s.installs++
	}
	if len(entries) == 0 {
		return
	}
	noop := func(e raft.Entry) bool { return isRead(e.Data) || e.Type == raft.EntryConfChange }
	if slices.ContainsFunc(entries, noop) {
		entries = slices.Clone(entries)
		for i := range entries {
			if noop(entries[i]) {
				entries[i].Data = nil
			}
		}
	}
	if err := srv.applier.Apply(entries); err != nil {
		s.fail(PropertyNoCrash, fmt.Sprintf("node %d cannot apply its committed entries: %v", srv.id, err))
		return
	}
	s.maybeSnapshot(srv)
}

// noteRole records a server's new status, and notes an election in the
// trace and the timeline.
func (s *simulation) noteRole(srv *server, st raft.Status) {
	before := srv.status
	srv.status = st
	if st.Role == raft.Leader && (before.Role != raft.Leader || before.Term != st.Term) {
		s.trace.note(s.now, fmt.Sprintf("n%d is leader of term %d", srv.id, st.Term))
		s.annotate(srv.addr.String(), s.now, s.now, fmt.Sprintf("leader t%d", st.Term), colorLeader)
		s.leaderElected(srv)
	}
}
