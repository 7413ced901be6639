package transport

import (
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// TestTwoPeersExchange starts two transports on 127.0.0.1 and sends
// messages both ways: each must arrive whole and in order, be counted in
// Stats, and each node must learn what the other advertised in its
// handshake (handout: "7. The transport", "The sender goroutine").
func TestTwoPeersExchange(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	a, b := nodes[0], nodes[1]
	for i := range 5 {
		a.Send(message(1, 2, i))
		b.Send(message(2, 1, 100+i))
	}
	for i := range 5 {
		require.Equal(t, message(1, 2, i), receive(t, b, "the messages of node 1"), "message %d from node 1 to node 2, in order (handout: \"The sender goroutine\")", i)
		require.Equal(t, message(2, 1, 100+i), receive(t, a, "the messages of node 2"), "message %d from node 2 to node 1, in order (handout: \"The sender goroutine\")", i)
	}
	require.Equal(t, map[string]string{"http": "http-of-1"}, b.PeerMeta(1), "node 2 learns node 1's metadata from the handshake")
	require.Equal(t, map[string]string{"http": "http-of-2"}, a.PeerMeta(2), "node 1 learns node 2's metadata from the handshake")
	require.Nil(t, a.PeerMeta(7), "no metadata for a node outside the cluster")
	eventually(t, func() bool { return a.Stats().Peers[2].Sent == 5 }, "node 1's Stats count 5 messages sent to node 2: %+v", a.Stats())
	require.Equal(t, PeerStats{Sent: 5, Received: 5}, a.Stats().Peers[2], "node 1's counts for node 2")
}

// TestThreePeersExchange starts three transports, and each sends ten
// messages to each other one: every message arrives, in the order it was
// sent from its sender (handout: "7. The transport", "The sender goroutine").
func TestThreePeersExchange(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	const count = 10
	for i := range count {
		for _, from := range nodes {
			for _, to := range nodes {
				if from != to {
					from.Send(message(from.id, to.id, i))
				}
			}
		}
	}
	for _, to := range nodes {
		next := make(map[raft.NodeID]int) // the next i expected from each sender
		for range 2 * count {
			m := receive(t, to, "the messages of the other two nodes")
			require.Equal(t, message(m.From, to.id, next[m.From]), m, "node %d's next message from node %d (handout: \"The sender goroutine\")", to.id, m.From)
			next[m.From]++
		}
	}
}

// TestPeerRestartReconnects stops a peer and starts it again on the same
// address, as a restarted process does: the other node's sender must dial
// it again (with backoff) and deliver, and must learn what the restarted
// peer advertises (handout: "7. The transport", "Reconnecting with backoff").
func TestPeerRestartReconnects(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	a, b := nodes[0], nodes[1]
	a.Send(message(1, 2, 0))
	receive(t, b, "a first message")
	require.NoError(t, b.Close())

	var ln net.Listener
	eventually(t, func() bool {
		var err error
		ln, err = net.Listen("tcp", b.addr)
		return err == nil
	}, "listen again on node 2's address %s", b.addr)
	cfg := b.cfg
	cfg.Listener = ln
	cfg.Advertise = map[string]string{"http": "http-of-2-restarted"}
	restarted, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { restarted.Close() })
	b2 := &node{Transport: restarted, id: 2, addr: b.addr, cfg: cfg, logs: b.logs}

	// Messages sent before node 1 notices that the connection died are
	// lost, as Raft expects of a network: send until one arrives.
	deadline := time.Now().Add(wait)
	for i := 1; ; i++ {
		require.True(t, time.Now().Before(deadline), "node 1 did not reach the restarted node 2 within %v (handout: \"Reconnecting with backoff\"); node 1's stats: %+v", wait, a.Stats())
		a.Send(message(1, 2, i))
		select {
		case m := <-b2.Receive():
			require.Equal(t, raft.NodeID(1), m.From)
			eventually(t, func() bool { return a.PeerMeta(2)["http"] == "http-of-2-restarted" }, "node 1 learns the restarted node's metadata")
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestQueueFullDropsAndCounts sends to a peer that is down: Send must not
// block, the peer's queue keeps QueueSize messages, and Send drops and
// counts the rest. A message to a node outside the cluster is counted as
// unroutable (handout: "7. The transport", "The send queue").
func TestQueueFullDropsAndCounts(t *testing.T) {
	down := listen(t)
	downAddr := down.Addr().String()
	require.NoError(t, down.Close())
	log, _ := newLogger(t, "node 1")
	tr, err := New(Config{
		ID: 1, Listener: listen(t), Peers: map[raft.NodeID]string{2: downAddr},
		QueueSize: 8, Logger: log, MinBackoff: testMinBackoff, MaxBackoff: testMaxBackoff,
	})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close() })

	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range 20 {
			tr.Send(message(1, 2, i))
		}
		tr.Send(message(1, 7, 0))
	}()
	select {
	case <-sent:
	case <-time.After(wait):
		require.FailNow(t, "Send blocked on a full queue; it must drop instead (handout: \"The send queue\")")
	}
	stats := tr.Stats()
	require.Equal(t, PeerStats{Dropped: 12}, stats.Peers[2], "20 messages to a peer that is down, with QueueSize 8: 8 wait in the queue, 12 are dropped (handout: \"The send queue\")")
	require.Equal(t, uint64(1), stats.Unroutable, "a message to node 7, which is not in the cluster (handout: \"The send queue\")")
}

// TestCutAndHeal cuts node 1 off from node 2: nothing goes either way, and
// the drops are counted; after Heal, messages flow again (handout: "7. The transport",
// "The send queue").
func TestCutAndHeal(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	a, b := nodes[0], nodes[1]
	a.Send(message(1, 2, 0))
	receive(t, b, "a message before the cut")
	b.Send(message(2, 1, 0))
	receive(t, a, "a message before the cut")

	a.Cut(2)
	a.Send(message(1, 2, 1))
	b.Send(message(2, 1, 1))
	eventually(t, func() bool { return a.Stats().Peers[2].Dropped == 2 }, "node 1 drops one message to node 2 and one from it while cut (handout: \"The send queue\"): %+v", a.Stats())

	a.Heal(2)
	a.Send(message(1, 2, 2))
	b.Send(message(2, 1, 2))
	require.Equal(t, message(1, 2, 2), receive(t, b, "a message after Heal"), "the message sent during the cut never arrives")
	require.Equal(t, message(2, 1, 2), receive(t, a, "a message after Heal"), "the message sent during the cut never arrives")
}

// TestCloseLeavesNoGoroutine exchanges messages among three transports,
// then closes them. When Close returns, every goroutine of the transport
// has returned, so Receive is already closed; and the number of
// goroutines falls back to what it was before (handout: "7. The transport", "Shutting down").
func TestCloseLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	nodes := startCluster(t, 3, nil)
	for _, from := range nodes {
		for _, to := range nodes {
			if from != to {
				from.Send(message(from.id, to.id, 0))
			}
		}
	}
	for _, n := range nodes {
		receive(t, n, "a message from each other node")
		receive(t, n, "a message from each other node")
	}
	for _, n := range nodes {
		require.NoError(t, n.Close(), "Close of node %d", n.id)
		require.True(t, closedNow(n.Receive()),
			"node %d's Receive channel must be closed when Close returns: Close waits for every goroutine, then closes it (handout: \"Shutting down\")", n.id)
		require.NoError(t, n.Close(), "a second Close does nothing")
		n.Send(message(n.id, 1, 0)) // does nothing, and must not panic
	}
	// Goroutines that are not the transport's (the runtime's, the test
	// framework's) may take a moment to end.
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		require.FailNow(t, fmt.Sprintf("goroutines left after Close: %d before the transports, %d after (handout: \"Shutting down\")", before, after), stacks())
	}
}

// closedNow reports whether ch is closed, draining what it still buffers,
// without waiting.
func closedNow(ch <-chan raft.Message) bool {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return true
			}
		default:
			return false
		}
	}
}

// stacks returns the stacks of every goroutine.
func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// TestSendDuringClose calls Send from several goroutines while Close runs:
// nothing may panic (a send on a closed queue would), and under -race no
// data race may show (handout: "7. The transport", "Shutting down").
func TestSendDuringClose(t *testing.T) {
	nodes := startCluster(t, 2, func(c *Config) { c.QueueSize = 4 })
	a := nodes[0]
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
					a.Send(message(1, 2, g*1_000_000+i))
				}
			}
		})
	}
	// Let the senders run a little, then close under their feet.
	receive(t, nodes[1], "a message before Close")
	require.NoError(t, a.Close())
	close(stop)
	wg.Wait()
	require.True(t, closedNow(a.Receive()), "Receive is closed when Close returns (handout: \"Shutting down\")")
}

// TestGivenNewChecksConfig gives New bad configurations: each is an error that
// says what is wrong (handout: "7. The transport").
func TestGivenNewChecksConfig(t *testing.T) {
	ln := listen(t)
	defer ln.Close()
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Listener: ln}, "ID is 0"},
		{Config{ID: 1}, "Listener is nil"},
		{Config{ID: 1, Listener: ln, Peers: map[raft.NodeID]string{2: ""}}, "no address for node 2"},
		{Config{ID: 1, Listener: ln, Peers: map[raft.NodeID]string{0: "x:1"}}, "node 0"},
		{Config{ID: 1, Listener: ln, MaxFrame: 100}, "MaxFrame"},
		{Config{ID: 1, Listener: ln, MinBackoff: time.Second, MaxBackoff: time.Millisecond}, "MaxBackoff"},
		{Config{ID: 1, Listener: ln, Advertise: map[string]string{"k": string(make([]byte, MaxMetaValue+1))}}, "metadata"},
	} {
		_, err := New(tc.cfg)
		require.ErrorContains(t, err, tc.want, fmt.Sprintf("New(%+v)", tc.cfg))
	}
}
