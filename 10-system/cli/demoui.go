package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"sync"

	"raftgo/internal/liveview"
	"raftgo/solutions/03-planning"
)

// demoView is the live view of the demo cluster (raftkv demo --ui). Its
// Source merges what each node's own view streams (GET /debug/events,
// served with --debug); its Controller carries out the page's buttons on
// the real cluster: Stop kills a node's process and Start runs it again
// from its folder, Cut and Heal and the link's delay flip the nodes'
// /debug/ switches, and Write posts to the HTTP API.
type demoView struct {
	nodes  []*demoNode
	feed   *liveview.Feed
	start  time.Time
	client *http.Client // for the switches and writes, with a timeout
	stream *http.Client // for the event streams, without one
	// loop runs a function on the demo's loop, which owns the processes,
	// and returns its error.
	loop func(ctx context.Context, f func(*demoProcs) error) error

	mu     sync.Mutex
	states map[raft.NodeID]liveview.NodeState // as each node last showed itself
}

// demoProcs is what the demo's loop lets the view do to the processes.
type demoProcs struct {
	alive func(n *demoNode) bool
	kill  func(n *demoNode) error
	start func(n *demoNode) error
}

// demoRetry is how long the view waits before it subscribes again to a
// node whose stream broke (the node stopped, or is starting).
const demoRetry = 200 * time.Millisecond

func newDemoView(nodes []*demoNode, loop func(context.Context, func(*demoProcs) error) error) *demoView {
	v := &demoView{
		nodes:  nodes,
		feed:   liveview.NewFeed(4096),
		start:  time.Now(),
		client: &http.Client{Timeout: 5 * time.Second},
		stream: &http.Client{},
		loop:   loop,
		states: make(map[raft.NodeID]liveview.NodeState),
	}
	for _, n := range nodes {
		v.states[n.ID] = liveview.NodeState{ID: uint64(n.ID)}
	}
	return v
}

func (v *demoView) Events() <-chan liveview.Event { return v.feed.Events() }

// follow subscribes to every node's view until ctx ends, again and again:
// a node that stops shows as down until it streams again.
func (v *demoView) follow(ctx context.Context) {
	var wg sync.WaitGroup
	for _, n := range v.nodes {
		wg.Go(func() {
			for ctx.Err() == nil {
				liveview.Subscribe(ctx, v.stream, "http://"+n.HTTP+"/debug/events", func(ev liveview.Event) { v.fromNode(n.ID, ev) })
				v.update(n.ID, func(s *liveview.NodeState) { s.Up = false })
				select {
				case <-ctx.Done():
				case <-time.After(demoRetry):
				}
			}
		})
	}
	wg.Wait()
}

// fromNode takes an event from node id's own view: its state, or a
// message it sent.
func (v *demoView) fromNode(id raft.NodeID, ev liveview.Event) {
	if ev.Message != nil {
		v.feed.Send(ev)
		return
	}
	for _, s := range ev.State.Nodes {
		if s.ID == uint64(id) {
			v.update(id, func(old *liveview.NodeState) { *old = s })
		}
	}
}

// update changes what the view shows of node id and sends the cluster's
// new snapshot.
func (v *demoView) update(id raft.NodeID, f func(*liveview.NodeState)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.states[id]
	f(&s)
	v.states[id] = s
	snap := liveview.Snapshot{At: time.Since(v.start)}
	for _, n := range v.nodes {
		snap.Nodes = append(snap.Nodes, v.states[n.ID])
	}
	v.feed.Send(liveview.Event{State: &snap})
}

// node returns the demo's node id.
func (v *demoView) node(id uint64) (*demoNode, error) {
	for _, n := range v.nodes {
		if uint64(n.ID) == id {
			return n, nil
		}
	}
	return nil, fmt.Errorf("node %d: %w", id, liveview.ErrUnknownNode)
}

// StopNode kills node id's process, as a crash would (kill -9).
func (v *demoView) StopNode(ctx context.Context, id uint64) error {
	n, err := v.node(id)
	if err != nil {
		return err
	}
	err = v.loop(ctx, func(p *demoProcs) error {
		if !p.alive(n) {
			return fmt.Errorf("node %d is already stopped", id)
		}
		return p.kill(n)
	})
	if err == nil {
		v.update(n.ID, func(s *liveview.NodeState) { s.Up = false })
	}
	return err
}

// StartNode runs node id's process again, from its folder.
func (v *demoView) StartNode(ctx context.Context, id uint64) error {
	n, err := v.node(id)
	if err != nil {
		return err
	}
	return v.loop(ctx, func(p *demoProcs) error {
		if p.alive(n) {
			return fmt.Errorf("node %d is already running", id)
		}
		return p.start(n)
	})
}

// Cut cuts node id off from every peer: the node drops every message to
// and from them. A node that restarts starts with its links whole.
func (v *demoView) Cut(ctx context.Context, id uint64) error {
	return v.switchAll(ctx, id, "cut")
}

// Heal undoes Cut.
func (v *demoView) Heal(ctx context.Context, id uint64) error {
	return v.switchAll(ctx, id, "heal")
}

// switchAll flips node id's switch (cut or heal) for each of its peers.
func (v *demoView) switchAll(ctx context.Context, id uint64, action string) error {
	n, err := v.node(id)
	if err != nil {
		return err
	}
	for _, p := range v.nodes {
		if p != n {
			if err := v.post(ctx, n, fmt.Sprintf("/debug/%s/%d", action, p.ID), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// SlowLink delays the messages between nodes a and b, both ways, at each
// end that runs.
func (v *demoView) SlowLink(ctx context.Context, a, b uint64, delay time.Duration) error {
	na, err := v.node(a)
	if err != nil {
		return err
	}
	nb, err := v.node(b)
	if err != nil {
		return err
	}
	var errs []error
	for _, end := range [][2]*demoNode{{na, nb}, {nb, na}} {
		errs = append(errs, v.post(ctx, end[0], fmt.Sprintf("/debug/slow/%d?delay=%s", end[1].ID, url.QueryEscape(delay.String())), nil))
	}
	if errs[0] != nil && errs[1] != nil {
		return errors.Join(errs...)
	}
	return nil
}

// Write sets key to value through the HTTP API of the node that leads, or
// else of each node in turn (a follower redirects to the leader).
func (v *demoView) Write(ctx context.Context, key, value string) (string, error) {
	body, err := json.Marshal(map[string]string{key: value})
	if err != nil {
		return "", err
	}
	v.mu.Lock()
	snap := liveview.Snapshot{}
	for _, n := range v.nodes {
		snap.Nodes = append(snap.Nodes, v.states[n.ID])
	}
	v.mu.Unlock()
	order := v.nodes
	if leader, err := v.node(snap.Leader()); err == nil {
		order = append([]*demoNode{leader}, v.nodes...)
	}
	var errs []error
	for _, n := range order {
		var answer struct{ Index uint64 }
		err := v.post(ctx, n, "/key", body, &answer)
		if err == nil {
			return fmt.Sprintf("%s = %s committed at index %d (through node %d)", key, value, answer.Index, n.ID), nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return "", fmt.Errorf("no node took the write: %w", errors.Join(errs...))
}

// post sends a POST to node n's HTTP API and decodes its JSON answer into
// out, if given. An answer other than 200 is an error with the node's
// words.
func (v *demoView) post(ctx context.Context, n *demoNode, path string, body []byte, out ...any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.HTTP+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("node %d is not answering (stopped?): %w", n.ID, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("node %d: %w", n.ID, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("node %d: %s: %s", n.ID, resp.Status, bytes.TrimSpace(data))
	}
	for _, o := range out {
		if err := json.Unmarshal(data, o); err != nil {
			return fmt.Errorf("node %d: an answer that does not decode: %w", n.ID, err)
		}
	}
	return nil
}

// demoOp is a request of the live view for the demo's loop, which owns
// the processes: f runs there, and its error comes back on done.
type demoOp struct {
	f    func(*demoProcs) error
	done chan error
}

// serveDemoView serves the live view of the demo's nodes on ln, its
// buttons sent to the demo's loop on ops, and returns the function that
// stops it.
func serveDemoView(ln net.Listener, nodes []*demoNode, ops chan<- demoOp, stderr io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	view := newDemoView(nodes, func(opCtx context.Context, f func(*demoProcs) error) error {
		op := demoOp{f: f, done: make(chan error, 1)}
		select {
		case ops <- op:
		case <-opCtx.Done():
			return opCtx.Err()
		case <-ctx.Done():
			return errors.New("the demo is stopping")
		}
		return <-op.done
	})
	page := liveview.New(view, view)
	srv := &http.Server{Handler: page, ReadHeaderTimeout: 5 * time.Second}
	var wg sync.WaitGroup
	wg.Go(func() { page.Run(ctx) })
	wg.Go(func() { view.follow(ctx) })
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "raftkv demo: the live view: %v\n", err)
		}
	})
	return func() {
		cancel()
		srv.Close()
		wg.Wait()
	}
}
