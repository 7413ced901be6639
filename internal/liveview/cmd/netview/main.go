// Command netview serves the live view (internal/liveview) over a cluster
// of stage 07's node cores in the test network (internal/raftnet), ticked
// in real time. The page's buttons crash and restart a node, isolate it
// and heal it, and propose a write. It shows the view at work on real Raft
// code before stage 10's demo serves it, and is where to try the page.
//
//	go run ./internal/liveview/cmd/netview -ui 127.0.0.1:8080 -nodes 5
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"time"

	"raftgo/internal/liveview"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/07-election"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("netview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("ui", "127.0.0.1:8080", "the address to serve the page on")
	size := fs.Int("nodes", 3, "the number of nodes, 1 to 9")
	tick := fs.Duration("tick", 50*time.Millisecond, "the real time of one logical tick")
	seed := fs.Uint64("seed", 1, "the seed of the nodes' election timeouts")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "netview takes no arguments, got %q\n", fs.Args())
		return 2
	case *size < 1 || *size > 9:
		fmt.Fprintf(stderr, "netview: -nodes %d: want 1 to 9\n", *size)
		return 2
	case *tick < time.Millisecond:
		fmt.Fprintf(stderr, "netview: -tick %v: want at least 1ms\n", *tick)
		return 2
	}
	feed := liveview.NewFeed(4096)
	c, err := newCluster(*size, *seed, feed.Send)
	if err != nil {
		fmt.Fprintf(stderr, "netview: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "netview: %v\n", err)
		return 1
	}
	view := liveview.New(feed, c)
	srv := &http.Server{Handler: view, ReadHeaderTimeout: 10 * time.Second}
	ticker := time.NewTicker(*tick)
	defer ticker.Stop()
	go c.run(ctx, ticker.C)
	go view.Run(ctx)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(shutdown) // the event streams do not end by themselves
		srv.Close()
	}()
	fmt.Fprintf(stdout, "netview: %d nodes of stage 07's core in the test network; open http://%s (Ctrl-C to stop)\n", *size, ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "netview: %v\n", err)
		return 1
	}
	return 0
}

// cluster drives a test network from one goroutine (run), which ticks it
// and carries out the page's requests between ticks: raftnet is not safe
// for concurrent use. It is the view's Controller.
type cluster struct {
	net      *raftnet.Network
	recorder *liveview.Recorder
	requests chan request
	cut      map[raft.NodeID]bool
	writes   []*pendingWrite // proposed, waiting to commit
}

// request is a button's work, run on the cluster's goroutine.
type request struct {
	do    func() error
	reply chan error
}

// pendingWrite is a proposal waiting to be committed by its leader.
type pendingWrite struct {
	leader raft.NodeID
	index  raft.Index
	term   raft.Term
	reply  chan writeResult
}

type writeResult struct {
	text string
	err  error
}

func newCluster(size int, seed uint64, emit func(liveview.Event)) (*cluster, error) {
	rec := liveview.NewRecorder(emit)
	start := time.Now()
	rec.Clock = func() time.Duration { return time.Since(start).Round(time.Millisecond) }
	factory := func(cfg raft.Config) (raft.Node, error) { return core.New(cfg) }
	network, err := raftnet.New(size, factory, raftnet.Options{Seed: seed, Observer: rec})
	if err != nil {
		return nil, err
	}
	return &cluster{net: network, recorder: rec, requests: make(chan request), cut: map[raft.NodeID]bool{}}, nil
}

// run ticks the network at each tick, delivers every message, and answers
// the writes that committed, until ctx ends.
func (c *cluster) run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			for _, w := range c.writes {
				w.reply <- writeResult{err: ctx.Err()}
			}
			return
		case r := <-c.requests:
			r.reply <- r.do()
		case <-ticks:
			if err := c.step(); err != nil {
				fmt.Fprintf(os.Stderr, "netview: %v\n", err) // a core failed; the others go on
			}
		}
	}
}

func (c *cluster) step() error {
	if err := c.net.Tick(); err != nil {
		return err
	}
	if err := c.net.DeliverAll(); err != nil {
		return err
	}
	c.writes = slices.DeleteFunc(c.writes, func(w *pendingWrite) bool {
		node := c.net.Node(w.leader)
		if node == nil {
			w.reply <- writeResult{err: fmt.Errorf("node %d crashed before index %d committed; it may still commit", w.leader, w.index)}
			return true
		}
		st := node.Status()
		switch {
		case st.Term != w.term:
			w.reply <- writeResult{err: fmt.Errorf("node %d lost its leadership of term %d before index %d committed; it may still commit", w.leader, w.term, w.index)}
			return true
		case st.Commit >= w.index:
			w.reply <- writeResult{text: fmt.Sprintf("committed at index %d in term %d by node %d", w.index, w.term, w.leader)}
			return true
		}
		return false
	})
	return nil
}

// do runs f on the cluster's goroutine and returns its error.
func (c *cluster) do(ctx context.Context, f func() error) error {
	r := request{do: f, reply: make(chan error, 1)}
	select {
	case c.requests <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *cluster) StopNode(ctx context.Context, id uint64) error {
	return c.do(ctx, func() error {
		if c.net.Node(raft.NodeID(id)) == nil {
			return fmt.Errorf("node %d is already stopped", id)
		}
		c.net.Crash(raft.NodeID(id))
		return nil
	})
}

func (c *cluster) StartNode(ctx context.Context, id uint64) error {
	return c.do(ctx, func() error {
		if c.net.Node(raft.NodeID(id)) != nil {
			return fmt.Errorf("node %d is already running", id)
		}
		return c.net.Restart(raft.NodeID(id))
	})
}

func (c *cluster) Cut(ctx context.Context, id uint64) error {
	return c.do(ctx, func() error { return c.setCut(raft.NodeID(id), true) })
}

func (c *cluster) Heal(ctx context.Context, id uint64) error {
	return c.do(ctx, func() error { return c.setCut(raft.NodeID(id), false) })
}

// setCut cuts node id off, or heals it: every cut node is alone, the rest
// together.
func (c *cluster) setCut(id raft.NodeID, cut bool) error {
	if c.cut[id] == cut {
		if cut {
			return fmt.Errorf("node %d is already cut off", id)
		}
		return fmt.Errorf("node %d is not cut off", id)
	}
	if cut {
		c.cut[id] = true
	} else {
		delete(c.cut, id)
	}
	var groups [][]raft.NodeID
	for _, n := range c.net.IDs() {
		if c.cut[n] {
			groups = append(groups, []raft.NodeID{n})
		}
	}
	c.net.Partition(groups...)
	c.recorder.SetCut(id, cut)
	return nil
}

// Write proposes "set key value" to the leader and waits until it commits.
func (c *cluster) Write(ctx context.Context, key, value string) (string, error) {
	reply := make(chan writeResult, 1)
	err := c.do(ctx, func() error {
		leaders := c.net.Leaders()
		if len(leaders) == 0 {
			return errors.New("no leader to write to yet: wait for an election")
		}
		leader := leaders[0] // a stale leader may still run: take the highest term's
		for _, id := range leaders[1:] {
			if c.net.Node(id).Status().Term > c.net.Node(leader).Status().Term {
				leader = id
			}
		}
		index, term, err := c.net.Propose(leader, fmt.Appendf(nil, "set %s %s", key, value))
		if err != nil {
			return fmt.Errorf("propose to node %d: %w", leader, err)
		}
		c.writes = append(c.writes, &pendingWrite{leader: leader, index: index, term: term, reply: reply})
		return nil
	})
	if err != nil {
		return "", err
	}
	select {
	case r := <-reply:
		return r.text, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("the write did not commit in time: %w", ctx.Err())
	}
}
