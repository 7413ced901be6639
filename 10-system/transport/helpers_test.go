package transport

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// wait bounds every wait of the tests on real sockets: far more than
// loopback needs, even on a busy machine under -race.
const wait = 3 * time.Second

// testBackoff are the backoff bounds of the tests: short, so that a
// reconnection takes milliseconds.
const testMinBackoff, testMaxBackoff = 5 * time.Millisecond, 50 * time.Millisecond

// logBuffer collects a transport's log; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newLogger returns a debug-level logger into a buffer that the test
// prints if it fails.
func newLogger(t *testing.T, name string) (*slog.Logger, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, logs)
		}
	})
	return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), logs
}

// listen returns a listener on a free port of 127.0.0.1.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// A node is one transport of a test cluster.
type node struct {
	*Transport
	id   raft.NodeID
	addr string
	cfg  Config
	logs *logBuffer
}

// startCluster starts n transports, nodes 1 to n, on 127.0.0.1, each
// advertising {"http": "http-of-<id>"}. tweak, if not nil, changes each
// Config before New. The transports close when the test ends.
func startCluster(t *testing.T, n int, tweak func(*Config)) []*node {
	t.Helper()
	listeners := make([]net.Listener, n)
	peers := make(map[raft.NodeID]string)
	for i := range listeners {
		listeners[i] = listen(t)
		peers[raft.NodeID(i+1)] = listeners[i].Addr().String()
	}
	nodes := make([]*node, n)
	for i, ln := range listeners {
		id := raft.NodeID(i + 1)
		log, logs := newLogger(t, fmt.Sprintf("node %d", id))
		cfg := Config{
			ID: id, Listener: ln, Peers: peers,
			Advertise:  map[string]string{"http": fmt.Sprintf("http-of-%d", id)},
			Logger:     log,
			MinBackoff: testMinBackoff, MaxBackoff: testMaxBackoff,
		}
		if tweak != nil {
			tweak(&cfg)
		}
		tr, err := New(cfg)
		require.NoError(t, err, "New for node %d", id)
		t.Cleanup(func() { tr.Close() })
		nodes[i] = &node{Transport: tr, id: id, addr: ln.Addr().String(), cfg: cfg, logs: logs}
	}
	return nodes
}

// message returns the i-th test message from from to to: an AppendEntries
// with two entries, so that a message's body makes the trip too.
func message(from, to raft.NodeID, i int) raft.Message {
	return raft.Message{From: from, To: to, Term: 3, Body: raft.AppendEntries{
		PrevLogIndex: raft.Index(i), PrevLogTerm: 2, LeaderCommit: raft.Index(i),
		Entries: []raft.Entry{
			{Term: 3, Index: raft.Index(i + 1), Data: fmt.Appendf(nil, "set k%d", i)},
			{Term: 3, Index: raft.Index(i + 2), Type: raft.EntryConfChange, Data: []byte("conf")},
		},
	}}
}

// receive returns the next message n receives, and fails the test if none
// comes within wait.
func receive(t *testing.T, n *node, why string) raft.Message {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case m, ok := <-n.Receive():
		require.True(t, ok, "node %d's Receive channel closed while waiting for %s", n.id, why)
		return m
	case <-timer.C:
		require.FailNow(t, fmt.Sprintf("node %d received nothing within %v, waiting for %s", n.id, wait, why), "Stats: %+v", n.Stats())
		return raft.Message{}
	}
}

// eventually waits, within wait, until cond holds.
func eventually(t *testing.T, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	require.Eventually(t, cond, wait, time.Millisecond, msgAndArgs...)
}
