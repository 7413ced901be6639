package raftkv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
)

// The cluster tests run real servers (Open: write-ahead log, TCP
// transport, HTTP and RESP listeners) in the test process, on 127.0.0.1,
// and wait for them with deadlines.

// liveNode is one server of a liveCluster.
type liveNode struct {
	cfg    Config
	srv    *Server // nil while stopped
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned, with its error in err
	err    error
}

// liveCluster is a cluster of real servers on loopback.
type liveCluster struct {
	t     testing.TB
	nodes map[raft.NodeID]*liveNode
	ids   []raft.NodeID
	// checker is stage 08's invariant checker, watching every server.
	checker *invariants.Checker
}

// freeAddrs returns n loopback addresses with ports nobody listens on.
func freeAddrs(t testing.TB, n int) []string {
	t.Helper()
	var addrs []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return addrs
}

// newLiveCluster starts a cluster of size servers, with their logs in
// t.TempDir(). Its cleanup stops them.
func newLiveCluster(t testing.TB, size int) *liveCluster {
	t.Helper()
	addrs := freeAddrs(t, 3*size)
	c := &liveCluster{t: t, nodes: make(map[raft.NodeID]*liveNode), checker: invariants.NewChecker()}
	var cluster raft.Cluster
	for i := range size {
		id := raft.NodeID(i + 1)
		c.ids = append(c.ids, id)
		cluster = append(cluster, raft.Peer{ID: id, Addr: addrs[3*i]})
	}
	dir := t.TempDir()
	for i, id := range c.ids {
		c.nodes[id] = &liveNode{cfg: Config{
			ID: id, Cluster: cluster, HTTPAddr: addrs[3*i+1], RESPAddr: addrs[3*i+2],
			Dir: filepath.Join(dir, fmt.Sprint("node", id)), TickInterval: testTick,
			Logger: slog.New(slog.DiscardHandler), Observer: c.checker,
		}}
		c.start(id)
	}
	t.Cleanup(func() {
		for _, id := range c.ids {
			if c.nodes[id].srv != nil {
				c.stop(id)
			}
		}
		if err := c.checker.Err(); err != nil {
			t.Errorf("stage 08's invariant checker saw the cluster break Raft's safety: a Ready's duties out of order (handout: \"2. The Ready\"), or a write-ahead log that loses what it saved (handout: \"6. The write-ahead log\"). %v", err)
		}
	})
	return c
}

// start starts server id from its write-ahead log.
func (c *liveCluster) start(id raft.NodeID) {
	c.t.Helper()
	n := c.nodes[id]
	srv, err := Open(n.cfg)
	require.NoError(c.t, err, "Open server %d", id)
	ctx, cancel := context.WithCancel(context.Background())
	n.srv, n.cancel, n.done = srv, cancel, make(chan struct{})
	go func() {
		n.err = srv.Run(ctx)
		close(n.done)
	}()
}

// stop shuts server id down and waits for Run to return. If Run fails or
// hangs, stop closes what it left open.
func (c *liveCluster) stop(id raft.NodeID) {
	c.t.Helper()
	n := c.nodes[id]
	n.cancel()
	select {
	case <-n.done:
		if n.err != nil {
			c.t.Errorf("server %d's Run: %v (handout: \"4. Shutdown\")", id, n.err)
			forceClose(n.srv)
		}
	case <-time.After(15 * time.Second):
		c.t.Errorf("server %d's Run did not return within 15 s of its context's end (handout: \"4. Shutdown\")", id)
		forceClose(n.srv)
	}
	n.srv = nil
}

// forceClose closes what a server whose Run failed may have left open.
func forceClose(s *Server) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.http.Close()
	s.resp.Close()
	s.httpLn.Close()
	s.respLn.Close()
	if s.node.Stop(ctx) == nil {
		s.transport.Close()
		s.storage.Close()
	}
}

// running returns the servers that run.
func (c *liveCluster) running() []*liveNode {
	var nodes []*liveNode
	for _, id := range c.ids {
		if c.nodes[id].srv != nil {
			nodes = append(nodes, c.nodes[id])
		}
	}
	return nodes
}

// waitLeader waits up to 10 s until the running servers agree on a leader
// that runs, and returns it. It fails at once if a server stopped on its
// own.
func (c *liveCluster) waitLeader() *liveNode {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var leader raft.NodeID
		agree := true
		for _, n := range c.running() {
			select {
			case <-n.done:
				c.t.Fatalf("server %d's Run returned on its own: %v (handout: \"4. Shutdown\"; a node stops when its write-ahead log fails, handout: \"6. The write-ahead log\")", n.cfg.ID, n.err)
			case <-n.srv.node.Done():
				c.t.Fatalf("server %d's node stopped on its own: %v (handout: \"1. The loop\"; a node stops when its write-ahead log fails, handout: \"6. The write-ahead log\")", n.cfg.ID, n.srv.node.Err())
			default:
			}
			st := n.srv.node.Status()
			if leader == raft.None {
				leader = st.Leader
			}
			agree = agree && st.Leader == leader
		}
		if l := c.nodes[leader]; agree && leader != raft.None && l.srv != nil && l.srv.node.Status().Role == raft.Leader {
			return l
		}
		<-time.After(10 * time.Millisecond)
	}
	c.t.Fatalf("the servers agree on no leader after 10 s: their loops must run (handout: \"1. The loop\") and the transport must carry their messages (handout: \"7. The transport\")")
	return nil
}

// follower returns a running server that is not leader.
func (c *liveCluster) follower(leader *liveNode) *liveNode {
	for _, n := range c.running() {
		if n != leader {
			return n
		}
	}
	c.t.Fatal("no running follower")
	return nil
}

// httpClient follows the API's redirects, as curl -L does.
var httpClient = &http.Client{Timeout: 10 * time.Second}

// put sets key to value through the HTTP API of the server at addr.
func put(addr, key, value string) error {
	body, _ := json.Marshal(map[string]string{key: value})
	resp, err := httpClient.Post("http://"+addr+"/key", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST /key: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// get reads key through the HTTP API of the server at addr.
func get(addr, key string) (value string, ok bool, err error) {
	resp, err := httpClient.Get("http://" + addr + "/key/" + key)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return "", false, nil
	case http.StatusOK:
		var kv map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&kv); err != nil {
			return "", false, fmt.Errorf("GET /key/%s: %w", key, err)
		}
		value, ok = kv[key]
		return value, ok, nil
	}
	msg, _ := io.ReadAll(resp.Body)
	return "", false, fmt.Errorf("GET /key/%s: %s: %s", key, resp.Status, strings.TrimSpace(string(msg)))
}

// TestClusterServesThroughAnyNode starts three real servers and checks
// that writes sent to any of them, over HTTP (following redirects, as curl
// -L does) and RESP (following MOVED, as redis-cli -c does), can be read
// back through every one of them.
// Handout: "10. The whole system", which rests on every task, above all
// "6. The write-ahead log", "7. The transport", "8. The HTTP API" and
// "9. The RESP front door".
func TestClusterServesThroughAnyNode(t *testing.T) {
	c := newLiveCluster(t, 3)
	leader := c.waitLeader()
	for _, n := range c.running() {
		require.NoError(t, put(n.cfg.HTTPAddr, fmt.Sprint("via", n.cfg.ID), fmt.Sprint("value", n.cfg.ID)), "POST /key through node %d", n.cfg.ID)
	}
	for _, n := range c.running() {
		for _, id := range c.ids {
			v, ok, err := get(n.cfg.HTTPAddr, fmt.Sprint("via", id))
			require.NoError(t, err, "GET through node %d", n.cfg.ID)
			require.True(t, ok && v == fmt.Sprint("value", id), "GET /key/via%d through node %d: got %q, %v", id, n.cfg.ID, v, ok)
		}
	}

	follower := c.follower(leader)
	resp, err := http.Get("http://" + follower.cfg.HTTPAddr + "/status")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, leader.cfg.HTTPAddr, resp.Header.Get("X-Raft-Leader"), "a follower learns the leader's HTTP address from the peer handshake, and names it in X-Raft-Leader")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := kvserver.Dial(ctx, follower.cfg.RESPAddr)
	require.NoError(t, err)
	defer rc.Close()
	reply, err := rc.Do(ctx, "SET", "resp", "1")
	require.NoError(t, err)
	require.Equal(t, kvserver.Value{Kind: kvserver.KindError, Str: "MOVED 0 " + leader.cfg.RESPAddr}, reply, "SET on a follower's RESP port")
	lc, err := kvserver.Dial(ctx, leader.cfg.RESPAddr)
	require.NoError(t, err)
	defer lc.Close()
	require.NoError(t, lc.Set(ctx, "resp", "1"), "SET on the leader's RESP port")
	v, ok, err := get(follower.cfg.HTTPAddr, "resp")
	require.NoError(t, err)
	require.True(t, ok && v == "1", "a key set over RESP reads back over HTTP")
}

// TestLeaderFailoverKeepsWritesAndRestartsFromTheLog stops the leader of a
// three-server cluster: the other two elect a new one, and every
// acknowledged write is still there. Then the old leader restarts from its
// write-ahead log, catches up, and is needed: with another server stopped,
// the cluster of it and the new leader still serves every key.
// Handout: "10. The whole system", which rests on every task, above all
// "6. The write-ahead log", "7. The transport", "8. The HTTP API" and
// "9. The RESP front door".
func TestLeaderFailoverKeepsWritesAndRestartsFromTheLog(t *testing.T) {
	c := newLiveCluster(t, 3)
	leader := c.waitLeader()
	for i := range 20 {
		require.NoError(t, put(leader.cfg.HTTPAddr, fmt.Sprint("k", i), fmt.Sprint("v", i)))
	}
	old := leader.cfg.ID
	c.stop(old)
	leader = c.waitLeader()
	require.NotEqual(t, old, leader.cfg.ID, "a stopped server cannot lead")
	for i := 20; i < 30; i++ {
		require.NoError(t, put(leader.cfg.HTTPAddr, fmt.Sprint("k", i), fmt.Sprint("v", i)), "writes go on with two servers of three")
	}
	c.start(old)
	for _, n := range c.running() {
		if n != leader && n.cfg.ID != old {
			c.stop(n.cfg.ID) // the restarted server is now needed for a majority
		}
	}
	leader = c.waitLeader()
	require.NoError(t, put(leader.cfg.HTTPAddr, "after", "restart"))
	for i := range 30 {
		v, ok, err := get(c.nodes[old].cfg.HTTPAddr, fmt.Sprint("k", i))
		require.NoError(t, err)
		require.True(t, ok && v == fmt.Sprint("v", i), "acknowledged write k%d after the failover and the restart: got %q, %v", i, v, ok)
	}
}

// TestBadInputOnEveryPortKeepsServing sends garbage to every port of a
// server (HTTP, RESP, and the peer port: junk, an oversized frame, a
// truncated one) and checks that each gets an error or a closed
// connection, and that the cluster still serves writes and reads.
// Handout: "10. The whole system", which rests on every task, above all
// "6. The write-ahead log", "7. The transport", "8. The HTTP API" and
// "9. The RESP front door".
func TestBadInputOnEveryPortKeepsServing(t *testing.T) {
	c := newLiveCluster(t, 3)
	leader := c.waitLeader()
	require.NoError(t, put(leader.cfg.HTTPAddr, "before", "1"))
	send := func(addr string, data []byte) string {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write(data)
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.CloseWrite()
		}
		reply, _ := io.ReadAll(conn)
		return string(reply)
	}
	self, _ := leader.cfg.Cluster.Addr(leader.cfg.ID)
	require.Contains(t, send(leader.cfg.HTTPAddr, []byte("NOT HTTP AT ALL\r\n\r\n")), "400 Bad Request", "garbage on the HTTP port")
	require.Contains(t, send(leader.cfg.RESPAddr, []byte("*1\r\n$99999999999\r\n")), "-ERR Protocol error", "an oversized bulk string on the RESP port")
	send(self, []byte("garbage that is no handshake\n"))
	send(self, []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3})
	send(self, []byte{0, 0, 0, 9, 1})
	leader = c.waitLeader()
	require.NoError(t, put(leader.cfg.HTTPAddr, "after", "1"), "the cluster still serves writes after bad input")
	for _, key := range []string{"before", "after"} {
		_, ok, err := get(c.follower(leader).cfg.HTTPAddr, key)
		require.NoError(t, err)
		require.True(t, ok, "key %q is still there", key)
	}
}

// TestRedisCLIFollowsMoved runs the real redis-cli -c against a follower:
// it follows the MOVED redirection to the leader. It skips when redis-cli
// is not installed (apt-get install redis-tools).
// Handout: "10. The whole system", which rests on every task, above all
// "6. The write-ahead log", "7. The transport", "8. The HTTP API" and
// "9. The RESP front door".
func TestRedisCLIFollowsMoved(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli is not installed (apt-get install redis-tools)")
	}
	c := newLiveCluster(t, 3)
	leader := c.waitLeader()
	follower := c.follower(leader)
	_, port, _ := net.SplitHostPort(follower.cfg.RESPAddr)
	redis := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, cli, append([]string{"-c", "-p", port}, args...)...).CombinedOutput()
		require.NoError(t, err, "redis-cli -c -p %s %s: %s", port, strings.Join(args, " "), out)
		return strings.TrimSpace(string(out))
	}
	require.Equal(t, "OK", redis("set", "a", "1"), "redis-cli -c set on a follower follows MOVED to the leader")
	require.Equal(t, "1", redis("get", "a"))
}
