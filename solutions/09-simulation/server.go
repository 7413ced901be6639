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
}

// storage is a server's durable state: what a restarted node gets back.
type storage struct {
	hard    raft.HardState
	entries []raft.Entry
}

// save makes a Ready's hard state and entries durable. The entries replace
// any at or after the first one's index. The slice is the storage's own
// (boot hands the node a copy), so it may grow in place.
func (st *storage) save(rd raft.Ready) {
	if !rd.HardState.IsZero() {
		st.hard = rd.HardState
	}
	if len(rd.Entries) > 0 {
		keep := min(len(st.entries), int(rd.Entries[0].Index-1))
		st.entries = append(st.entries[:keep], rd.Entries...)
	}
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
// log from the start).
func (s *simulation) boot(srv *server) {
	cfg := raft.DefaultConfig(srv.id, s.peerIDs())
	cfg.Seed = s.opts.Seed + uint64(srv.life)<<32
	cfg.ElectionTicks = s.params.electionTicks
	cfg.HeartbeatTicks = s.params.heartbeatTicks
	cfg.MaxEntriesPerMessage = s.params.maxEntries
	cfg.HardState = srv.disk.hard
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
	srv.status = node.Status()
	s.observe(func(o Observer) { o.NodeStarted(cfg, srv.status) })
	s.queue.Push(s.now+srv.every, event{kind: evTick, node: srv.id, life: srv.life})
}

// peerIDs returns every server's NodeID.
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
	//workshop:todo Stop the server: forget its node, its pending Readys (they never
	//workshop:todo reached the disk) and its store; keep srv.disk. Tell the observers
	//workshop:todo (NodeCrashed) (handout: "6. Crash and restart").
	srv.node, srv.pending = nil, nil
	srv.store, srv.applier = nil, nil
	srv.status = raft.Status{ID: srv.id}
	s.observe(func(o Observer) { o.NodeCrashed(srv.id) })
	//workshop:end
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
	//workshop:todo Queue the Ready behind the disk's earlier writes: a Ready with a
	//workshop:todo hard state or entries takes s.diskLatency() more after srv.diskFree
	//workshop:todo (or now, if later); one without takes none. If nothing waits and nothing
	//workshop:todo is to persist, finish it at once (s.finish); otherwise append it to
	//workshop:todo srv.pending and schedule an evDurable for its time
	//workshop:todo (handout: "7. Persist, then send").
	persists := !rd.HardState.IsZero() || len(rd.Entries) > 0
	if !persists && len(srv.pending) == 0 {
		s.finish(srv, pendingReady{rd: rd, status: st, durableAt: s.now})
		return
	}
	done := max(srv.diskFree, s.now)
	if persists {
		done += s.diskLatency()
	}
	srv.diskFree = done
	srv.pending = append(srv.pending, pendingReady{rd: rd, status: st, durableAt: done})
	s.queue.Push(done, event{kind: evDurable, node: srv.id, life: srv.life})
	//workshop:end
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
	//workshop:todo Save the Ready on srv.disk, report it to the observers (NodeReady,
	//workshop:todo with pr.status), send its messages (s.sendAll), then apply its
	//workshop:todo committed entries (s.apply) (handout: "7. Persist, then send").
	srv.disk.save(pr.rd)
	s.observe(func(o Observer) { o.NodeReady(srv.id, pr.rd, pr.status) })
	s.sendAll(srv, pr.rd.Messages)
	s.apply(srv, pr.rd.CommittedEntries)
	//workshop:end
}

// sendAll sends a node's messages to their peers, checking each against
// what the sender has made durable.
func (s *simulation) sendAll(srv *server, msgs []raft.Message) {
	for _, m := range msgs {
		if problem := unpersisted(srv.disk, m); problem != "" {
			s.fail(PropertyPersistBeforeSend, fmt.Sprintf("node %d sent %s, but %s", srv.id, describeMessage(m), problem))
			return
		}
		s.send(&packet{from: srv.addr, to: Addr(m.To), msg: m})
	}
}

// unpersisted says what a message claims that its sender has not made
// durable, or "" when the disk backs every claim: its term, a vote it
// grants or asks for, the entries it says it holds.
func unpersisted(disk storage, m raft.Message) string {
	//workshop:todo Compare the message with the durable hard state and log: its term
	//workshop:todo must not be past disk.hard.Term; a granted vote must be on disk for
	//workshop:todo m.To, a RequestVote's vote for m.From; a successful append's
	//workshop:todo MatchIndex must not be past the durable log. Say what is missing
	//workshop:todo (Figure 2, "Persistent state on all servers"; handout: "7. Persist, then send").
	switch {
	case m.Term > disk.hard.Term:
		return fmt.Sprintf("its durable term is %d", disk.hard.Term)
	case m.Term < disk.hard.Term:
		return "" // an answer of an earlier term claims nothing about this one
	}
	switch body := m.Body.(type) {
	case raft.RequestVote:
		if v := disk.hard.Vote; v != m.From {
			return fmt.Sprintf("its durable vote in term %d is %d, not itself", m.Term, v)
		}
	case raft.RequestVoteResponse:
		if v := disk.hard.Vote; body.VoteGranted && v != m.To {
			return fmt.Sprintf("its durable vote in term %d is %d", m.Term, v)
		}
	case raft.AppendEntriesResponse:
		if last := raft.Index(len(disk.entries)); body.Success && body.MatchIndex > last {
			return fmt.Sprintf("its durable log ends at index %d", last)
		}
	}
	return ""
	//workshop:stub return ""
	//workshop:end
}

// apply applies committed entries to the server's store. A read's entry
// changes nothing: the applier sees it as a no-op, and the read's answer
// is taken from the store at that point of the log.
func (s *simulation) apply(srv *server, entries []raft.Entry) {
	if len(entries) == 0 {
		return
	}
	if slices.ContainsFunc(entries, func(e raft.Entry) bool { return isRead(e.Data) }) {
		entries = slices.Clone(entries)
		for i := range entries {
			if isRead(entries[i].Data) {
				entries[i].Data = nil
			}
		}
	}
	if err := srv.applier.Apply(entries); err != nil {
		s.fail(PropertyNoCrash, fmt.Sprintf("node %d cannot apply its committed entries: %v", srv.id, err))
	}
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
