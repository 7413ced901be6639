package raftkv

// This file is given code that serves the live view (internal/liveview)
// and stage 11's system tests: a node's window for the view, and switches
// that make its network faulty for real. Open mounts it under /debug/ on
// the HTTP API when Config.Debug is set (the raftkv command's --debug,
// which raftkv demo --ui gives its nodes). Anyone who can reach the HTTP
// API can then cut the node off: keep it for a cluster on one machine.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"raftgo/internal/liveview"
	"raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
)

// CuttableTransport is a PeerTransport whose links to its peers can be cut
// and healed: every message to and from a cut peer is dropped. The TCP
// transport of package transport is one.
type CuttableTransport interface {
	PeerTransport
	Cut(id raft.NodeID)
	Heal(id raft.NodeID)
}

// slowTransport is a CuttableTransport whose links can also be slowed:
// each message to a slowed peer leaves after the peer's delay. Messages
// on a slowed link may overtake each other, as on a real network; Raft
// tolerates it.
type slowTransport struct {
	CuttableTransport
	mu     sync.Mutex
	delays map[raft.NodeID]time.Duration // only peers with a delay
}

// Send sends the messages to peers without a delay at once, and each of
// the others after its peer's delay. It never blocks.
func (t *slowTransport) Send(msgs ...raft.Message) {
	t.mu.Lock()
	if len(t.delays) == 0 {
		t.mu.Unlock()
		t.CuttableTransport.Send(msgs...)
		return
	}
	now := make([]raft.Message, 0, len(msgs))
	for _, m := range msgs {
		if d := t.delays[m.To]; d > 0 {
			time.AfterFunc(d, func() { t.CuttableTransport.Send(m) })
		} else {
			now = append(now, m)
		}
	}
	t.mu.Unlock()
	if len(now) > 0 {
		t.CuttableTransport.Send(now...)
	}
}

// slow sets the delay of the link to peer id; zero restores it.
func (t *slowTransport) slow(id raft.NodeID, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d == 0 {
		delete(t.delays, id)
	} else {
		t.delays[id] = d
	}
}

// debugger is a node's debug endpoints: the live view of the node (its
// own state and the messages it sends, from a liveview.Recorder on the
// node's Observer) and the switches of its links.
type debugger struct {
	id        raft.NodeID
	peers     []raft.NodeID // the other nodes
	transport *slowTransport
	recorder  *liveview.Recorder
	view      *liveview.Server

	mu    sync.Mutex // guards cut and the links the recorder shows
	cut   map[raft.NodeID]bool
	delay map[raft.NodeID]time.Duration
}

// newDebugger wraps the node's transport with slow links, and records
// what the node does for its view.
func newDebugger(id raft.NodeID, cluster []raft.NodeID, tr CuttableTransport) *debugger {
	d := &debugger{
		id:        id,
		transport: &slowTransport{CuttableTransport: tr, delays: map[raft.NodeID]time.Duration{}},
		cut:       map[raft.NodeID]bool{},
		delay:     map[raft.NodeID]time.Duration{},
	}
	for _, p := range cluster {
		if p != id {
			d.peers = append(d.peers, p)
		}
	}
	feed := liveview.NewFeed(4096)
	d.recorder = liveview.NewRecorder(func(ev liveview.Event) {
		if ev.State != nil {
			ev.State = d.own(ev.State)
		}
		feed.Send(ev)
	})
	start := time.Now()
	d.recorder.Clock = func() time.Duration { return time.Since(start) }
	d.view = liveview.New(feed, nil)
	return d
}

// own returns the part of a snapshot that shows this node: the recorder
// adds every peer, which this node cannot see.
func (d *debugger) own(s *liveview.Snapshot) *liveview.Snapshot {
	s.Nodes = slices.DeleteFunc(s.Nodes, func(n liveview.NodeState) bool { return n.ID != uint64(d.id) })
	return s
}

// mount serves the debug endpoints on the server's HTTP API, and feeds
// the node's view until the node stops.
func (d *debugger) mount(s *Server) {
	s.http.Handler = d.handler(s.http.Handler)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-s.node.Done()
		cancel()
	}()
	go d.view.Run(ctx)
}

// observer returns the Observer to give the node: the recorder, and next
// too if it is not nil.
func (d *debugger) observer(next invariants.Observer) invariants.Observer {
	if next == nil {
		return d.recorder
	}
	return observers{d.recorder, next}
}

// observers tells each of several Observers what the node does.
type observers []invariants.Observer

func (os observers) NodeStarted(cfg raft.Config, st raft.Status) {
	for _, o := range os {
		o.NodeStarted(cfg, st)
	}
}

func (os observers) NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status) {
	for _, o := range os {
		o.NodeReady(id, rd, st)
	}
}

func (os observers) NodeCrashed(id raft.NodeID) {
	for _, o := range os {
		o.NodeCrashed(id)
	}
}

// handler serves the debug endpoints under /debug/, and everything else
// with api:
//
//	GET  /debug/                       the node's live view (page, /debug/events, /debug/api/state)
//	GET  /debug/faults                 the node's faulty links, as JSON
//	POST /debug/cut/{peer}             drop every message to and from peer
//	POST /debug/heal/{peer}            undo the cut
//	POST /debug/slow/{peer}?delay=300ms  delay every message to peer (0s restores)
//
// A bad request (a peer not in the cluster, a malformed delay) gets a 4xx
// and changes nothing.
func (d *debugger) handler(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("GET /debug/", http.StripPrefix("/debug", d.view))
	mux.HandleFunc("/debug/", func(w http.ResponseWriter, r *http.Request) {
		debugJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no debug endpoint %s %s: see debug.go", r.Method, r.URL.Path)})
	})
	mux.HandleFunc("GET /debug/faults", func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		links := d.links()
		d.mu.Unlock()
		debugJSON(w, http.StatusOK, map[string]any{"node": uint64(d.id), "links": links})
	})
	mux.HandleFunc("POST /debug/cut/{peer}", d.switchPeer(func(p raft.NodeID, _ *http.Request) (string, error) {
		d.transport.Cut(p)
		d.cut[p] = true
		return fmt.Sprintf("node %d: cut off from node %d", d.id, p), nil
	}))
	mux.HandleFunc("POST /debug/heal/{peer}", d.switchPeer(func(p raft.NodeID, _ *http.Request) (string, error) {
		d.transport.Heal(p)
		delete(d.cut, p)
		return fmt.Sprintf("node %d: the link to node %d is healed", d.id, p), nil
	}))
	mux.HandleFunc("POST /debug/slow/{peer}", d.switchPeer(func(p raft.NodeID, r *http.Request) (string, error) {
		delay, err := time.ParseDuration(r.URL.Query().Get("delay"))
		if err != nil || delay < 0 || delay > liveview.MaxLinkDelay {
			return "", fmt.Errorf("delay %q: want ?delay= a duration from 0s to %v, such as 300ms", r.URL.Query().Get("delay"), liveview.MaxLinkDelay)
		}
		d.transport.slow(p, delay)
		if delay == 0 {
			delete(d.delay, p)
			return fmt.Sprintf("node %d: the link to node %d is back to full speed", d.id, p), nil
		}
		d.delay[p] = delay
		return fmt.Sprintf("node %d: messages to node %d wait %v", d.id, p, delay), nil
	}))
	return mux
}

// switchPeer returns a handler that checks the path's peer and, if it is
// one, flips a switch with change and shows the node's links anew. An
// error from change is the request's fault: a 400 that changes nothing.
func (d *debugger) switchPeer(change func(raft.NodeID, *http.Request) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.ParseUint(r.PathValue("peer"), 10, 64)
		if err != nil {
			debugJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("peer %q is not a node ID", r.PathValue("peer"))})
			return
		}
		p := raft.NodeID(n)
		if !slices.Contains(d.peers, p) {
			debugJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("node %d is not a peer of node %d (its peers: %v)", n, d.id, d.peers)})
			return
		}
		d.mu.Lock()
		result, err := change(p, r)
		if err == nil {
			links := d.links()
			d.recorder.SetLinks(d.id, links)
			d.recorder.SetCut(d.id, countCut(links) == len(d.peers))
		}
		d.mu.Unlock()
		if err != nil {
			debugJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		debugJSON(w, http.StatusOK, map[string]string{"result": result})
	}
}

// links returns the faults on the node's links, by peer. d.mu is held.
func (d *debugger) links() []liveview.Link {
	links := []liveview.Link{}
	for _, p := range d.peers {
		if d.cut[p] || d.delay[p] > 0 {
			links = append(links, liveview.Link{Peer: uint64(p), Cut: d.cut[p], Delay: d.delay[p]})
		}
	}
	return links
}

func countCut(links []liveview.Link) int {
	n := 0
	for _, l := range links {
		if l.Cut {
			n++
		}
	}
	return n
}

func debugJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
