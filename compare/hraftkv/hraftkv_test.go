package hraftkv

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startCluster starts a 3-node cluster on loopback, each node with its own
// folder and HTTP test server, and returns the nodes and their URLs.
func startCluster(t *testing.T) ([]*Node, []string) {
	t.Helper()
	var (
		servers   []Server
		listeners []net.Listener
		https     []*httptest.Server
	)
	for i := 1; i <= 3; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := httptest.NewUnstartedServer(nil)
		listeners = append(listeners, ln)
		https = append(https, srv)
		servers = append(servers, Server{ID: fmt.Sprint(i), Raft: ln.Addr().String(), HTTP: srv.Listener.Addr().String()})
	}
	var nodes []*Node
	var urls []string
	for i, s := range servers {
		n, err := Start(Config{ID: s.ID, RaftListener: listeners[i], Dir: t.TempDir(), Cluster: servers, Fast: true})
		require.NoError(t, err)
		t.Cleanup(func() { n.Close() })
		https[i].Config.Handler = n.Handler()
		https[i].Start()
		t.Cleanup(https[i].Close)
		nodes = append(nodes, n)
		urls = append(urls, https[i].URL)
	}
	return nodes, urls
}

// waitLeader waits, up to a deadline, for one node to lead and for every
// node to know it: a follower that has not yet heard the new leader answers
// 503, which is right for a client but not what these tests are about.
func waitLeader(t *testing.T, nodes []*Node) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if i, ok := agreedLeader(nodes); ok {
			return i
		}
		time.Sleep(10 * time.Millisecond) // polling for an election on real timers
	}
	t.Fatal("no leader known to every node within 10 s")
	return -1
}

// agreedLeader returns the index of the leader if one node leads and every
// node names its Raft address as the leader's.
func agreedLeader(nodes []*Node) (int, bool) {
	leader := -1
	for i, n := range nodes {
		if n.IsLeader() {
			leader = i
		}
	}
	if leader < 0 {
		return -1, false
	}
	want, _ := nodes[leader].raft.LeaderWithID()
	for _, n := range nodes {
		if got, _ := n.raft.LeaderWithID(); got == "" || got != want {
			return -1, false
		}
	}
	return leader, true
}

func TestWriteThroughFollowerReadEverywhere(t *testing.T) {
	nodes, urls := startCluster(t)
	leader := waitLeader(t, nodes)
	follower := (leader + 1) % 3

	// A write to a follower is redirected; the client follows it.
	resp, err := http.Post(urls[follower]+"/key", "application/json", strings.NewReader(`{"foo":"bar","x":"1"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "POST /key through a follower, redirected to the leader")

	// A read through any node sees it, after a barrier on the leader.
	for i, u := range urls {
		resp, err := http.Get(u + "/key/foo")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "GET /key/foo through node %d", i+1)
		require.Equal(t, "bar", string(body))
	}

	// A follower names the leader without redirecting when asked not to follow.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.Get(urls[follower] + "/key/foo")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	require.Equal(t, strings.TrimPrefix(urls[leader], "http://"), resp.Header.Get("X-Raft-Leader"))
}

func TestBadRequests(t *testing.T) {
	nodes, urls := startCluster(t)
	u := urls[waitLeader(t, nodes)]
	for _, tc := range []struct {
		body string
		want int
	}{
		{`not json`, http.StatusBadRequest},
		{`{}`, http.StatusBadRequest},
		{`{"a": 1}`, http.StatusBadRequest},
		{`{"a":"` + strings.Repeat("x", maxBody) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		resp, err := http.Post(u+"/key", "application/json", strings.NewReader(tc.body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, tc.want, resp.StatusCode, "POST /key with %.20q", tc.body)
	}
	resp, err := http.Get(u + "/key/missing")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}
