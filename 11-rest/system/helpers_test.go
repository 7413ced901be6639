package system

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
	raftkv "raftgo/solutions/10-system"
)

// testTick is the servers' tick: elections after 100 to 200 ms.
const testTick = 10 * time.Millisecond

// wait bounds every wait of these tests but elections, which electionWait
// bounds: with testTick, an election takes at most 200 ms.
const (
	wait         = 10 * time.Second
	electionWait = 3 * time.Second
	// joinWait bounds a join, which the benchmarks make with a million
	// keys to send.
	joinWait = time.Minute
)

// server is one raftkv server of a cluster, run in the test process.
type server struct {
	cfg    raftkv.Config
	srv    *raftkv.Server // nil while stopped
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned, with its error in err
	err    error
}

// node returns the server's node.
func (s *server) node() *raftkv.Node { return s.srv.Node() }

// cluster is a set of raftkv servers on loopback, with their write-ahead
// logs in t.TempDir(), that grows and shrinks by membership changes.
type cluster struct {
	t       testing.TB
	dir     string
	servers map[raft.NodeID]*server
	// checker is stage 08's invariant checker, watching every server.
	checker *invariants.Checker
}

// newCluster returns a cluster with no server yet. Its cleanup stops the
// servers still running and reports what the checker saw.
func newCluster(t testing.TB) *cluster {
	c := &cluster{t: t, dir: t.TempDir(), servers: make(map[raft.NodeID]*server), checker: invariants.NewChecker()}
	t.Cleanup(func() {
		for id, s := range c.servers {
			if s.srv != nil {
				c.stop(id)
			}
		}
		if err := c.checker.Err(); err != nil {
			t.Errorf("stage 08's invariant checker saw the cluster break Raft's safety: %v", err)
		}
	})
	return c
}

// config returns the configuration of a new server id, with fresh
// addresses and its own folder. snapshotEvery is raftkv.Config's.
func (c *cluster) config(id raft.NodeID, snapshotEvery int) raftkv.Config {
	addrs := freeAddrs(c.t, 3)
	return raftkv.Config{
		ID: id, Cluster: raft.Cluster{{ID: id, Addr: addrs[0]}}, HTTPAddr: addrs[1], RESPAddr: addrs[2],
		Dir: filepath.Join(c.dir, fmt.Sprint("node", id)), TickInterval: testTick,
		Logger: slog.New(slog.DiscardHandler), Observer: c.checker,
		NewCore: NewCore, SnapshotEvery: snapshotEvery,
	}
}

// boot starts server id as a cluster of one, which elects itself.
func (c *cluster) boot(id raft.NodeID, snapshotEvery int) *server {
	c.t.Helper()
	s := &server{cfg: c.config(id, snapshotEvery)}
	c.servers[id] = s
	c.start(id)
	return s
}

// join starts a new server id, in no configuration, and has it join the
// cluster through server via's HTTP API, as raftkv --join does; it returns
// once the server is a voter.
func (c *cluster) join(id, via raft.NodeID, snapshotEvery int) *server {
	c.t.Helper()
	cfg := c.config(id, snapshotEvery)
	cfg.Join = c.servers[via].cfg.HTTPAddr
	s := &server{cfg: cfg}
	c.servers[id] = s
	c.start(id)
	ctx, cancel := context.WithTimeout(context.Background(), joinWait)
	defer cancel()
	require.NoError(c.t, s.srv.Join(ctx, cfg.Join), "server %d joins through server %d", id, via)
	return s
}

// start starts server id from its folder.
func (c *cluster) start(id raft.NodeID) {
	c.t.Helper()
	s := c.servers[id]
	srv, err := raftkv.Open(s.cfg)
	require.NoError(c.t, err, "Open server %d", id)
	ctx, cancel := context.WithCancel(context.Background())
	s.srv, s.cancel, s.done = srv, cancel, make(chan struct{})
	go func() {
		s.err = srv.Run(ctx)
		close(s.done)
	}()
}

// stop shuts server id down and waits for Run to return.
func (c *cluster) stop(id raft.NodeID) {
	c.t.Helper()
	s := c.servers[id]
	s.cancel()
	select {
	case <-s.done:
		if s.err != nil && !errors.Is(s.err, raftkv.ErrRemoved) {
			c.t.Errorf("server %d's Run: %v", id, s.err)
		}
	case <-time.After(wait):
		c.t.Errorf("server %d's Run did not return within %v of its context's end", id, wait)
	}
	s.srv = nil
}

// waitStopped waits until removed server id has stopped by itself, with
// raftkv.ErrRemoved.
func (c *cluster) waitStopped(id raft.NodeID) {
	c.t.Helper()
	s := c.servers[id]
	select {
	case <-s.done:
		require.ErrorIs(c.t, s.err, raftkv.ErrRemoved, "removed server %d stops and says why", id)
	case <-time.After(wait):
		c.t.Fatalf("removed server %d still runs %v after its removal: its peers refuse it, and it stops (handout: \"The system, part 1: snapshots and membership\")", id, wait)
	}
	s.srv = nil
}

// running returns the servers that run, in ID order.
func (c *cluster) running() []*server {
	var ids []raft.NodeID
	for id, s := range c.servers {
		if s.srv != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var servers []*server
	for _, id := range ids {
		servers = append(servers, c.servers[id])
	}
	return servers
}

// waitFor polls cond until it holds, and fails the test with what after
// bound.
func (c *cluster) waitFor(bound time.Duration, what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("after %v: %s", bound, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitLeader waits until the running servers agree on a leader that runs.
func (c *cluster) waitLeader() *server {
	c.t.Helper()
	var leader *server
	c.waitFor(electionWait, "the running servers agree on no leader: a server alone elects itself, and a cluster whose leader was removed elects another (handout: \"The system, part 1: snapshots and membership\")", func() bool {
		var id raft.NodeID
		for _, s := range c.running() {
			st := s.node().Status()
			if id == raft.None {
				id = st.Leader
			}
			if st.Leader != id {
				return false
			}
		}
		leader = c.servers[id]
		return leader != nil && leader.srv != nil && leader.node().Status().Role == raft.Leader
	})
	return leader
}

// waitVoters waits until every running server's configuration has exactly
// the voters ids and no learner.
func (c *cluster) waitVoters(ids ...raft.NodeID) {
	c.t.Helper()
	c.waitFor(wait, fmt.Sprintf("the running servers do not all have the voters %v", ids), func() bool {
		for _, s := range c.running() {
			conf, ok := s.node().Configuration()
			if !ok || !slices.Equal(conf.Voters, ids) || len(conf.Learners) > 0 {
				return false
			}
		}
		return true
	})
}

// waitStores waits until every running server has applied the same index
// and holds key with value.
func (c *cluster) waitStores(key, value string) {
	c.t.Helper()
	c.waitFor(wait, fmt.Sprintf("the running servers do not all hold %s=%s", key, value), func() bool {
		var applied raft.Index
		for i, s := range c.running() {
			st := s.node().Status()
			if v, ok := s.node().Store().Get(key); !ok || v != value || (i > 0 && st.Applied != applied) {
				return false
			}
			applied = st.Applied
		}
		return true
	})
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

// httpClient follows the API's redirects, as curl -L does.
var httpClient = &http.Client{Timeout: wait}

// do sends a request to the HTTP API at addr and returns the status and
// the body.
func do(method, addr, path, body string) (int, string, error) {
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), err
}

// put sets key to value through the HTTP API at addr.
func put(addr, key, value string) error {
	body, _ := json.Marshal(map[string]string{key: value})
	status, msg, err := do(http.MethodPost, addr, "/key", string(body))
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("POST /key: %d: %s", status, msg)
	}
	return err
}

// mustPut sets key to value through the HTTP API at addr, and again while
// the answer is 503 (a leader deposed under the write, or none elected
// yet, as a loaded machine may cause): setting a key twice to the same
// value changes nothing these tests check. It fails the test after wait.
func (c *cluster) mustPut(addr, key, value string) {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		err := put(addr, key, value)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), ": 503:") || time.Now().After(deadline) {
			require.NoError(c.t, err, "POST /key {%q: %q} through %s", key, value, addr)
		}
		time.Sleep(20 * time.Millisecond) // as Retry-After asks, shorter
	}
}

// get reads key through the HTTP API at addr.
func get(addr, key string) (value string, ok bool, err error) {
	status, body, err := do(http.MethodGet, addr, "/key/"+key, "")
	switch {
	case err != nil:
		return "", false, err
	case status == http.StatusNotFound:
		return "", false, nil
	case status != http.StatusOK:
		return "", false, fmt.Errorf("GET /key/%s: %d: %s", key, status, body)
	}
	var kv map[string]string
	if err := json.Unmarshal([]byte(body), &kv); err != nil {
		return "", false, fmt.Errorf("GET /key/%s: %w", key, err)
	}
	value, ok = kv[key]
	return value, ok, nil
}
