package system

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
	raftkv "raftgo/solutions/10-system"
	core "raftgo/solutions/11-rest"
)

// The helpers of the tests of part 2 (reads, sessions, transfer): a
// cluster whose servers know each other from the start, the debug switches
// that cut a server off for real, and porcupine's model of one register.

// staticCluster starts servers 1 to n that know each other from the start,
// as raftkv --cluster starts them, with the core that newCore makes and
// the debug switches on (raftkv.Config.Debug), and waits for a leader.
func staticCluster(t testing.TB, n int, newCore func(raft.Config) (raft.Node, error)) (*cluster, *server) {
	t.Helper()
	c := newCluster(t)
	addrs := freeAddrs(t, 3*n)
	var peers raft.Cluster
	for i := range n {
		peers = append(peers, raft.Peer{ID: raft.NodeID(i + 1), Addr: addrs[3*i]})
	}
	for i, p := range peers {
		c.servers[p.ID] = &server{cfg: raftkv.Config{
			ID: p.ID, Cluster: peers, HTTPAddr: addrs[3*i+1], RESPAddr: addrs[3*i+2],
			Dir: filepath.Join(c.dir, fmt.Sprint("node", p.ID)), TickInterval: testTick,
			Logger: slog.New(slog.DiscardHandler), Observer: c.checker,
			NewCore: newCore, Debug: true,
		}}
		c.start(p.ID)
	}
	return c, c.waitLeader()
}

// withoutCheckQuorum makes this stage's core with CheckQuorum off: a
// leader cut off from its majority then believes it leads for as long as
// the cut lasts, the worst case for reads, in which only ReadIndex keeps
// them linearizable.
func withoutCheckQuorum(cfg raft.Config) (raft.Node, error) {
	opts := core.DefaultOptions
	opts.CheckQuorum = false
	return core.NewWithOptions(cfg, opts)
}

// cutOff cuts server id's links to every other server, both ways, with
// its debug switches (POST /debug/cut/{peer}); heal joins them again.
func (c *cluster) cutOff(id raft.NodeID) { c.switchLinks(id, "cut") }

func (c *cluster) heal(id raft.NodeID) { c.switchLinks(id, "heal") }

func (c *cluster) switchLinks(id raft.NodeID, how string) {
	c.t.Helper()
	for peer := range c.servers {
		if peer == id {
			continue
		}
		code, body, err := do(http.MethodPost, c.servers[id].cfg.HTTPAddr, fmt.Sprintf("/debug/%s/%d", how, peer), "")
		require.NoError(c.t, err)
		require.Equal(c.t, http.StatusOK, code, "POST /debug/%s/%d on server %d: %s", how, peer, id, body)
	}
}

// leaderAmong waits until one of the servers ids leads, as its own status
// says, in a term after term, and returns it.
func (c *cluster) leaderAmong(term raft.Term, ids ...raft.NodeID) *server {
	c.t.Helper()
	var leader *server
	c.eventually(fmt.Sprintf("none of the servers %v leads in a term after %d", ids, term), func() bool {
		for _, id := range ids {
			if st := c.servers[id].node().Status(); st.Role == raft.Leader && st.Term > term {
				leader = c.servers[id]
				return true
			}
		}
		return false
	})
	return leader
}

// others returns the IDs of the servers other than id.
func (c *cluster) others(id raft.NodeID) []raft.NodeID {
	var ids []raft.NodeID
	for other := range c.servers {
		if other != id {
			ids = append(ids, other)
		}
	}
	return ids
}

// session sends a request of client's session, with the session headers,
// and returns the status and the body.
func session(method, addr, path, body string, client, seq uint64) (int, string, error) {
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set(raftkv.ClientIDHeader, strconv.FormatUint(client, 10))
	req.Header.Set(raftkv.SequenceHeader, strconv.FormatUint(seq, 10))
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), err
}

// registerInput is one operation on the register: a read, or a write of
// value.
type registerInput struct {
	write bool
	value string
}

// registerModel is porcupine's sequential specification of one register
// that starts empty: a read returns the last value written ("" for none).
var registerModel = porcupine.Model{
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(registerInput)
		if in.write {
			return true, in.value
		}
		return output.(string) == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		if in := input.(registerInput); in.write {
			return fmt.Sprintf("put(%s)", in.value)
		}
		return fmt.Sprintf("get() -> %q", output)
	},
}

// eventually polls cond until it holds, and fails the test with what
// after wait.
func (c *cluster) eventually(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("after %v: %s", wait, what)
		}
		<-time.After(5 * time.Millisecond)
	}
}
