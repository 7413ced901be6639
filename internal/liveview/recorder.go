package liveview

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"raftgo/solutions/03-planning"
)

// TailLength is how many entries at the end of each node's log a Recorder
// shows.
const TailLength = 8

// entryTextLength bounds the text of an entry the page shows.
const entryTextLength = 16

// Recorder turns what a cluster's nodes report into the view's events. Its
// three methods are stage 08's invariants.Observer, which stage 09's
// simulator (Options.Observer) and stage 10's runtime (NodeConfig.Observer)
// call: give it to either, and it emits, for each report, the new snapshot
// of every node and then the messages the Ready sends. It is safe for
// concurrent use; emit is called with the Recorder's lock held, in order.
type Recorder struct {
	// Clock, if not nil, gives each snapshot its time (Snapshot.At): the
	// simulator's virtual clock, or the time since the demo started. Set
	// it before the cluster reports.
	Clock func() time.Duration

	mu    sync.Mutex
	emit  func(Event)
	nodes []*NodeState // ordered by ID
}

// NewRecorder returns a Recorder that passes its events to emit: a Feed's
// Send for a live view, or an append for a replay.
func NewRecorder(emit func(Event)) *Recorder { return &Recorder{emit: emit} }

// node returns the state of node id, adding it if new.
func (r *Recorder) node(id raft.NodeID) *NodeState {
	i, found := slices.BinarySearchFunc(r.nodes, uint64(id), func(n *NodeState, id uint64) int {
		switch {
		case n.ID < id:
			return -1
		case n.ID > id:
			return 1
		}
		return 0
	})
	if !found {
		r.nodes = slices.Insert(r.nodes, i, &NodeState{ID: uint64(id)})
	}
	return r.nodes[i]
}

// NodeStarted shows node cfg.ID up, with the log it persisted.
func (r *Recorder) NodeStarted(cfg raft.Config, st raft.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range cfg.Peers {
		r.node(id) // show every peer, even before it reports
	}
	n := r.node(cfg.ID)
	n.Up = true
	n.Tail = appendTail(nil, cfg.Entries)
	setStatus(n, st)
	r.emitState()
}

// NodeReady shows what the Ready changed on node id, then the messages it
// sends.
func (r *Recorder) NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.node(id)
	n.Up = true
	if rd.Snapshot != nil {
		n.Tail = nil // the snapshot replaces the log; what follows it comes in Entries
	}
	n.Tail = appendTail(n.Tail, rd.Entries)
	setStatus(n, st)
	r.emitState()
	for _, m := range rd.Messages {
		msg := Message{From: uint64(m.From), To: uint64(m.To), Type: m.Kind().String(), Term: uint64(m.Term)}
		if ae, ok := m.Body.(raft.AppendEntries); ok {
			msg.Entries = len(ae.Entries)
		}
		r.emit(Event{Message: &msg})
	}
}

// NodeCrashed shows node id down.
func (r *Recorder) NodeCrashed(id raft.NodeID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.node(id).Up = false
	r.emitState()
}

// SetCut shows node id cut off from its peers, or not: the transport's
// faults are not reported to an Observer, so whoever cuts says so.
func (r *Recorder) SetCut(id raft.NodeID, cut bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.node(id).Cut = cut
	r.emitState()
}

// SetLinks shows the faults on node id's links to its peers (nil for
// none), as whoever switched them says.
func (r *Recorder) SetLinks(id raft.NodeID, links []Link) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.node(id).Links = slices.Clone(links)
	r.emitState()
}

// Snapshot returns every node's state as last reported.
func (r *Recorder) Snapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snapshot()
}

func (r *Recorder) snapshot() Snapshot {
	s := Snapshot{Nodes: make([]NodeState, len(r.nodes))}
	if r.Clock != nil {
		s.At = r.Clock()
	}
	for i, n := range r.nodes {
		s.Nodes[i] = *n
		s.Nodes[i].Tail = slices.Clone(n.Tail)
		s.Nodes[i].Links = slices.Clone(n.Links)
	}
	return s
}

func (r *Recorder) emitState() {
	s := r.snapshot()
	r.emit(Event{State: &s})
}

func setStatus(n *NodeState, st raft.Status) {
	n.Role = st.Role.String()
	n.Term = uint64(st.Term)
	n.Vote = uint64(st.Vote)
	n.Leader = uint64(st.Leader)
	n.Commit = uint64(st.Commit)
	n.Applied = uint64(st.Applied)
	n.LastIndex = uint64(st.LastIndex)
}

// appendTail appends entries to a log's tail, replacing those at or after
// the first one's index (as persisting a Ready does), and keeps the last
// TailLength.
func appendTail(tail []Entry, entries []raft.Entry) []Entry {
	if len(entries) == 0 {
		return tail
	}
	first := uint64(entries[0].Index)
	tail = slices.DeleteFunc(tail, func(e Entry) bool { return e.Index >= first })
	if len(entries) > TailLength {
		entries = entries[len(entries)-TailLength:]
	}
	for _, e := range entries {
		tail = append(tail, Entry{Index: uint64(e.Index), Term: uint64(e.Term), Text: entryText(e)})
	}
	if len(tail) > TailLength {
		tail = slices.Delete(tail, 0, len(tail)-TailLength)
	}
	return tail
}

// entryText describes an entry in a few characters.
func entryText(e raft.Entry) string {
	switch {
	case e.Type != raft.EntryCommand:
		return e.Type.String()
	case len(e.Data) == 0:
		return "no-op"
	case len(e.Data) > entryTextLength:
		return string(e.Data[:entryTextLength]) + "…"
	}
	return string(e.Data)
}

// Feed is a Source that producers send to without ever waiting: when the
// view falls behind by more than the feed's buffer, an event is dropped
// and counted. A Recorder's next report sends a whole snapshot again, so a
// dropped snapshot only delays the view.
type Feed struct {
	events  chan Event
	dropped atomic.Int64
}

// NewFeed returns a Feed that holds up to buffer events for the view.
func NewFeed(buffer int) *Feed { return &Feed{events: make(chan Event, buffer)} }

// Send passes an event to the view, or drops it if the buffer is full.
func (f *Feed) Send(ev Event) {
	select {
	case f.events <- ev:
	default:
		f.dropped.Add(1)
	}
}

// Dropped returns how many events Send dropped.
func (f *Feed) Dropped() int64 { return f.dropped.Load() }

func (f *Feed) Events() <-chan Event { return f.events }
