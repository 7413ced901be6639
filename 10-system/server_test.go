package raftkv

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// events records what a server closes, in order.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.list...)
}

// closeRecorder wraps a listener, a transport or a storage and records
// when it is closed.
type recordingListener struct {
	net.Listener
	name string
	ev   *events
	once sync.Once
}

func (l *recordingListener) Close() error {
	l.once.Do(func() { l.ev.add(l.name + " closed") })
	return l.Listener.Close()
}

type recordingTransport struct {
	*memTransport
	ev *events
}

func (t recordingTransport) Close() error { t.ev.add("transport closed"); return nil }

type recordingStorage struct {
	*memStorage
	ev   *events
	node func() *Node
}

func (s recordingStorage) Close() error {
	select {
	case <-s.node().Done():
		s.ev.add("storage closed")
	default:
		s.ev.add("storage closed while the node runs")
	}
	return nil
}

// startOneNodeServer starts a one-node server on loopback listeners with
// in-memory storage and transport. The test's cleanup stops whatever is
// left running.
func startOneNodeServer(t *testing.T, storage *memStorage) (s *Server, ev *events, stop func() error, runErr <-chan error) {
	t.Helper()
	ev = new(events)
	listen := func(name string) net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		return &recordingListener{Listener: ln, name: name, ev: ev}
	}
	httpLn, respLn := listen("HTTP listener"), listen("RESP listener")
	s, err := NewServer(ServerConfig{
		ID: 1, Peers: []raft.NodeID{1},
		Storage:   recordingStorage{memStorage: storage, ev: ev, node: func() *Node { return s.node }},
		Transport: recordingTransport{memTransport: &memTransport{net: newMemNet(1), id: 1}, ev: ev},
		HTTP:      httpLn, RESP: respLn, TickInterval: testTick,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	stop = func() error {
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(15 * time.Second):
			return errors.New("Run did not return within 15 s of its context's end (handout: \"4. Shutdown\")")
		}
	}
	t.Cleanup(func() {
		cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.node.Stop(ctx)
		httpLn.Close()
		respLn.Close()
	})
	return s, ev, stop, errc
}

// TestServerShutsDownInOrder checks Server.Run: it serves HTTP until its
// context ends, then shuts down from the outside in: the HTTP and RESP
// listeners first, then the node, the transport, and the storage last,
// once the node's loop has returned; and Run returns nil. Handout: "4.
// Shutdown".
func TestServerShutsDownInOrder(t *testing.T) {
	s, ev, stop, _ := startOneNodeServer(t, new(memStorage))
	deadline := time.Now().Add(5 * time.Second)
	for s.Node().Status().Role != raft.Leader {
		require.True(t, time.Now().Before(deadline), "a one-node cluster should elect itself within 5 s")
		select {
		case <-s.Node().Done():
			t.Fatalf("the node stopped: %v", s.Node().Err())
		case <-time.After(testTick):
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post("http://"+s.httpLn.Addr().String()+"/key", "application/json", strings.NewReader(`{"k":"v"}`))
	require.NoError(t, err, "Run should serve HTTP (handout: \"4. Shutdown\")")
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	require.NoError(t, stop(), "Run returns nil after a shutdown its context asked for (handout: \"4. Shutdown\")")
	require.Equal(t, []string{"HTTP listener closed", "RESP listener closed", "transport closed", "storage closed"}, ev.get(),
		"the shutdown order: the front doors first, then the node, the transport, and the storage once the node's loop has returned (handout: \"4. Shutdown\")")
}

// TestServerStopsWhenItsNodeFails checks that Run notices a node that
// stopped on its own (its storage failed), shuts the server down, and
// returns the node's error. Handout: "4. Shutdown".
func TestServerStopsWhenItsNodeFails(t *testing.T) {
	diskFull := errors.New("disk full")
	storage := &memStorage{onSave: func() error { return diskFull }}
	_, ev, _, runErr := startOneNodeServer(t, storage)
	var err error
	select {
	case err = <-runErr:
	case <-time.After(10 * time.Second):
		t.Fatal("Run still runs 10 s after its node failed: watch the node's Done channel (handout: \"4. Shutdown\")")
	}
	require.ErrorIs(t, err, diskFull, "Run returns the error that stopped the node (handout: \"4. Shutdown\")")
	require.Contains(t, ev.get(), "HTTP listener closed", "after the node failed, Run shuts the server down")
}
