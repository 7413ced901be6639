package system

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"

	raft "raftgo/solutions/03-planning"
	raftkv "raftgo/solutions/10-system"
)

// statusBody is the part of GET /status these tests read.
type statusBody struct {
	Voters []raft.NodeID `json:"voters"`
	Peers  []struct {
		ID   raft.NodeID `json:"id"`
		Raft string      `json:"raft"`
		HTTP string      `json:"http"`
	} `json:"peers"`
}

// status reads GET /status of the server at addr.
func status(t *testing.T, addr string) statusBody {
	t.Helper()
	code, body, err := do(http.MethodGet, addr, "/status", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "GET /status: %s", body)
	var st statusBody
	require.NoError(t, json.Unmarshal([]byte(body), &st), "GET /status: %s", body)
	return st
}

// TestJoinGrowsAClusterFromOne starts one server, which elects itself, and
// two more that join it with --join (Server.Join, the command's code
// path), the third through the second, which redirects it to the leader.
// A write through any server reads back through every one, every store
// holds it, and every server's /status lists the three voters with their
// addresses.
func TestJoinGrowsAClusterFromOne(t *testing.T) {
	c := newCluster(t)
	c.boot(1, 0)
	c.waitLeader()
	c.join(2, 1, 0)
	c.join(3, 2, 0)
	c.waitVoters(1, 2, 3)
	for _, s := range c.running() {
		c.mustPut(s.cfg.HTTPAddr, fmt.Sprint("via", s.cfg.ID), "v")
	}
	for _, s := range c.running() {
		v, ok, err := get(s.cfg.HTTPAddr, "via3")
		require.NoError(t, err, "GET through server %d", s.cfg.ID)
		require.True(t, ok && v == "v", "GET /key/via3 through server %d: %q, %v", s.cfg.ID, v, ok)
	}
	c.waitStores("via1", "v")
	for _, s := range c.running() {
		st := status(t, s.cfg.HTTPAddr)
		require.Equal(t, []raft.NodeID{1, 2, 3}, st.Voters, "GET /status of server %d lists the configuration", s.cfg.ID)
		require.Len(t, st.Peers, 3, "server %d lists every member", s.cfg.ID)
		for _, p := range st.Peers {
			require.Equal(t, c.servers[p.ID].cfg.HTTPAddr, p.HTTP, "server %d knows where member %d serves HTTP", s.cfg.ID, p.ID)
			require.Equal(t, c.servers[p.ID].cfg.Cluster[0].Addr, p.Raft, "server %d knows member %d's peer address", s.cfg.ID, p.ID)
		}
	}

	code, body, err := do(http.MethodPost, c.servers[1].cfg.HTTPAddr, "/join", `{"id":2,"raft":"127.0.0.1:1"}`)
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, code, "a join under a member's ID at another address is refused: %s", body)
	code, body, err = do(http.MethodPost, c.servers[1].cfg.HTTPAddr, "/join", `{"id":0,"raft":"127.0.0.1:1"}`)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, code, "a join without an ID: %s", body)
	code, body, err = do(http.MethodDelete, c.servers[1].cfg.HTTPAddr, "/members/9", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, code, "removing a server that is no member: %s", body)
}

// TestRemoveTheLeader removes the leader of three servers through DELETE
// /members/{id}: it answers once the change has applied, steps down and
// stops cleanly (Run returns raftkv.ErrRemoved); the other two elect a new
// leader, which has every acknowledged write and takes new ones.
func TestRemoveTheLeader(t *testing.T) {
	c := newCluster(t)
	c.boot(1, 0)
	c.waitLeader()
	c.join(2, 1, 0)
	c.join(3, 1, 0)
	leader := c.waitLeader()
	c.mustPut(leader.cfg.HTTPAddr, "before", "1")
	old := leader.cfg.ID
	code, body, err := do(http.MethodDelete, leader.cfg.HTTPAddr, fmt.Sprint("/members/", old), "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "DELETE /members/%d on the leader: %s", old, body)
	select {
	case <-leader.done:
		require.ErrorIs(t, leader.err, raftkv.ErrRemoved, "the removed leader's Run says why it stopped")
	case <-time.After(wait):
		t.Fatalf("the removed leader still runs %v after its removal applied", wait)
	}
	leader.srv = nil
	var rest []raft.NodeID
	for _, s := range c.running() {
		rest = append(rest, s.cfg.ID)
	}
	c.waitVoters(rest...)
	next := c.waitLeader()
	require.NotEqual(t, old, next.cfg.ID)
	c.mustPut(next.cfg.HTTPAddr, "after", "2")
	c.waitStores("before", "1")
	c.waitStores("after", "2")
}

// TestWipedFollowerRejoinsAsANewMember loses a follower's disk, as rm -rf
// of its folder does. The cluster removes it; it comes back under a new ID
// with --join, and catches up by InstallSnapshot, since the leader has
// compacted its log: it takes no snapshot of its own, yet its folder then
// holds one, and its store holds every write.
func TestWipedFollowerRejoinsAsANewMember(t *testing.T) {
	c := newCluster(t)
	c.boot(1, 20)
	c.waitLeader()
	c.join(2, 1, 20)
	c.join(3, 1, 20)
	leader := c.waitLeader()
	for i := range 100 {
		c.mustPut(leader.cfg.HTTPAddr, fmt.Sprint("k", i), fmt.Sprint("v", i))
	}
	var lost *server
	for _, s := range c.running() {
		if s != leader {
			lost = s
		}
	}
	c.stop(lost.cfg.ID)
	require.NoError(t, os.RemoveAll(lost.cfg.Dir), "rm -rf the follower's folder")
	code, body, err := do(http.MethodDelete, leader.cfg.HTTPAddr, fmt.Sprint("/members/", lost.cfg.ID), "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "DELETE /members/%d: %s", lost.cfg.ID, body)

	code, body, err = do(http.MethodPost, leader.cfg.HTTPAddr, "/join", fmt.Sprintf(`{"id":%d,"raft":%q}`, lost.cfg.ID, lost.cfg.Cluster[0].Addr))
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, code, "server %d, removed, must never come back under its old ID, wiped or not (handout: \"The system, part 1: snapshots and membership\"): %s", lost.cfg.ID, body)
	c.join(4, leader.cfg.ID, -1)
	var voters []raft.NodeID
	for _, s := range c.running() {
		voters = append(voters, s.cfg.ID)
	}
	c.waitVoters(voters...)
	c.mustPut(leader.cfg.HTTPAddr, "after", "rejoin")
	c.waitStores("after", "rejoin")
	for i := range 100 {
		v, ok := c.servers[4].node().Store().Get(fmt.Sprint("k", i))
		require.True(t, ok && v == fmt.Sprint("v", i), "the new member holds k%d: %q, %v", i, v, ok)
	}
	snaps, err := filepath.Glob(filepath.Join(c.servers[4].cfg.Dir, "snapshot-*"))
	require.NoError(t, err)
	require.NotEmpty(t, snaps, "the new member, which never takes a snapshot itself, caught up by the leader's InstallSnapshot and persisted it")
}

// TestGrowAndShrinkUnderLoadIsLinearizable grows a cluster from three
// servers to five with --join while clients write and read, then shrinks
// it back to three by removing two of the first ones, the leader among
// them; each removed server stops by itself. Every client operation's call and return is recorded
// and porcupine checks the history: it must be linearizable. A write whose
// outcome is unknown (a timeout, a server removed under it) may take
// effect at any time after its call, or never.
func TestGrowAndShrinkUnderLoadIsLinearizable(t *testing.T) {
	c := newCluster(t)
	c.boot(1, 50)
	c.waitLeader()
	c.join(2, 1, 50)
	c.join(3, 1, 50)

	var mu sync.Mutex
	addrs := []string{c.servers[1].cfg.HTTPAddr, c.servers[2].cfg.HTTPAddr, c.servers[3].cfg.HTTPAddr}
	pick := func(rng *rand.Rand) string {
		mu.Lock()
		defer mu.Unlock()
		return addrs[rng.IntN(len(addrs))]
	}
	var history []porcupine.Operation
	var stop atomic.Bool
	var wg sync.WaitGroup
	for cl := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(cl), 11))
			for i := 0; !stop.Load(); {
				in := kvInput{write: rng.IntN(2) == 0, key: fmt.Sprint("k", rng.IntN(3)), value: fmt.Sprintf("c%d-%d", cl, i)}
				op := porcupine.Operation{ClientId: cl, Input: in, Call: time.Now().UnixNano()}
				var err error
				if in.write {
					err = put(pick(rng), in.key, in.value)
				} else {
					var out kvOutput
					out.value, out.found, err = get(pick(rng), in.key)
					op.Output = out
				}
				op.Return = time.Now().UnixNano()
				switch {
				case err == nil:
				case in.write && !definitelyNotDone(err):
					op.Return = 1 << 62 // unknown outcome
				default:
					time.Sleep(10 * time.Millisecond) // as Retry-After asks
					continue
				}
				mu.Lock()
				history = append(history, op)
				mu.Unlock()
				i++
			}
		})
	}
	ops := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(history)
	}
	waitOps := func(n int) {
		c.waitFor(wait, fmt.Sprintf("the clients completed %d operations, not %d", ops(), n), func() bool { return ops() >= n })
	}

	waitOps(30)
	for _, id := range []raft.NodeID{4, 5} {
		s := c.join(id, 1, 50)
		mu.Lock()
		addrs = append(addrs, s.cfg.HTTPAddr)
		mu.Unlock()
		waitOps(ops() + 30)
	}
	c.waitVoters(1, 2, 3, 4, 5)
	removals := []raft.NodeID{1, 2}
	if l := c.waitLeader().cfg.ID; l == 2 {
		removals = []raft.NodeID{2, 1}
	}
	for _, id := range removals {
		leader := c.waitLeader()
		code, body, err := do(http.MethodDelete, leader.cfg.HTTPAddr, fmt.Sprint("/members/", id), "")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code, "DELETE /members/%d: %s", id, body)
		mu.Lock()
		addrs = slices.DeleteFunc(addrs, func(a string) bool { return a == c.servers[id].cfg.HTTPAddr })
		mu.Unlock()
		c.waitStopped(id) // a follower told by its peers, the leader by its log
		waitOps(ops() + 30)
	}
	c.waitVoters(3, 4, 5)
	stop.Store(true)
	wg.Wait()

	result, info := porcupine.CheckOperationsVerbose(kvModel, history, 20*time.Second)
	if result == porcupine.Illegal {
		file := filepath.Join(t.TempDir(), "history.html")
		porcupine.VisualizePath(kvModel, info, file)
		t.Fatalf("the history of %d operations is not linearizable; the timeline is in %s", len(history), file)
	}
	require.Equal(t, porcupine.Ok, result, "porcupine could not decide within 20 s")
}

// TestGivenStage07CoreAnswers501 runs a server on stage 07's core, which
// has no membership changes: POST /join and DELETE /members/{id} answer
// 501 Not Implemented with a message naming stage 11, and /status lists
// no configuration. It tests given code only: stage 10's runtime.
func TestGivenStage07CoreAnswers501(t *testing.T) {
	c := newCluster(t)
	s := &server{cfg: c.config(1, 0)}
	s.cfg.NewCore = nil // stage 07's
	c.servers[1] = s
	c.start(1)
	c.waitLeader()
	for _, req := range []struct{ method, path, body string }{
		{http.MethodPost, "/join", `{"id":2,"raft":"127.0.0.1:7002"}`},
		{http.MethodDelete, "/members/1", ""},
	} {
		code, body, err := do(req.method, s.cfg.HTTPAddr, req.path, req.body)
		require.NoError(t, err)
		require.Equal(t, http.StatusNotImplemented, code, "%s %s on stage 07's core: %s", req.method, req.path, body)
		require.Contains(t, body, "stage 11", "%s %s: the error says what is missing", req.method, req.path)
	}
	require.Empty(t, status(t, s.cfg.HTTPAddr).Voters, "stage 07's core has no configuration to list")
}
