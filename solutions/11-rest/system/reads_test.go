package system

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// noRedirects is an HTTP client that shows a redirect instead of following
// it.
var noRedirects = &http.Client{
	Timeout:       wait,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// TestReadsStayLinearizableWhileTheLeaderIsCutOff cuts the leader off
// from both followers, with CheckQuorum off so that it goes on believing
// it leads, while a writer writes through the new leader and readers read
// through every server, the deposed leader included. Porcupine checks the
// history of writes and reads: a read that returned must be linearizable.
// The deposed leader cannot confirm a read index with a round of
// heartbeats, so its reads fail (503) rather than return a stale value;
// its dirty read (?stale=true) does return the stale value, as documented.
// A follower serves reads itself, with the read index it asks its leader
// for. Handout: "The system, part 2: reads, sessions, transfer".
func TestReadsStayLinearizableWhileTheLeaderIsCutOff(t *testing.T) {
	c, old := staticCluster(t, 3, withoutCheckQuorum)
	oldID, oldTerm := old.cfg.ID, old.node().Status().Term
	var (
		mu      sync.Mutex
		history []porcupine.Operation
	)
	record := func(client int, in registerInput, out string, call time.Time, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		ret := time.Now().UnixNano()
		if !ok {
			ret = 1 << 62 // a write whose outcome is unknown may take effect at any time after its call
		}
		history = append(history, porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call.UnixNano(), Return: ret})
	}
	write := func(addr, value string) {
		call := time.Now()
		err := put(addr, "x", value)
		record(0, registerInput{write: true, value: value}, "", call, err == nil)
	}
	write(old.cfg.HTTPAddr, "before")

	follower := c.servers[c.others(oldID)[0]]
	resp, err := noRedirects.Get("http://" + follower.cfg.HTTPAddr + "/key/x")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "a follower serves a linearizable read itself, with the read index its leader confirms, instead of redirecting")

	c.cutOff(oldID)
	leader := c.leaderAmong(oldTerm, c.others(oldID)...)
	write(leader.cfg.HTTPAddr, "during-0")

	code, body, err := do(http.MethodGet, old.cfg.HTTPAddr, "/key/x?stale=true", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "GET ?stale=true on the deposed leader: %s", body)
	require.JSONEq(t, `{"x":"before"}`, body, "a dirty read (?stale=true) on the deposed leader returns its stale value, as documented")

	var stop, healed atomic.Bool
	var tried, refused, served atomic.Int64
	var wg sync.WaitGroup
	for r := range 2 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				s := c.servers[raft.NodeID((r+i)%3+1)]
				call := time.Now()
				code, body, err := do(http.MethodGet, s.cfg.HTTPAddr, "/key/x", "")
				if s.cfg.ID == oldID && !healed.Load() {
					tried.Add(1)
				}
				if err != nil || code != http.StatusOK {
					if s.cfg.ID == oldID && !healed.Load() {
						refused.Add(1) // a failed read has no effect: leave it out
					}
					continue
				}
				if s.cfg.ID == oldID && c.servers[oldID].node().Status().Role == raft.Leader {
					served.Add(1)
				}
				var v map[string]string
				if err := json.Unmarshal([]byte(body), &v); err != nil {
					t.Errorf("GET /key/x on server %d answered %s: %v", s.cfg.ID, body, err)
					return
				}
				record(r+1, registerInput{}, v["x"], call, true)
			}
		})
	}
	// Write until each reader has had an answer from the deposed leader.
	deadline := time.Now().Add(wait)
	for i := 1; tried.Load() < 2; i++ {
		require.True(t, time.Now().Before(deadline), "in %v the deposed leader answered %d reads, not 2", wait, tried.Load())
		write(leader.cfg.HTTPAddr, fmt.Sprint("during-", i))
	}
	healed.Store(true)
	c.heal(oldID)
	c.eventually(fmt.Sprintf("the deposed leader %d did not step down after the heal", oldID), func() bool {
		return c.servers[oldID].node().Status().Role != raft.Leader
	})
	write(leader.cfg.HTTPAddr, "after")
	stop.Store(true)
	wg.Wait()

	result, info := porcupine.CheckOperationsVerbose(registerModel, history, 10*time.Second)
	if result == porcupine.Illegal {
		file := t.TempDir() + "/history.html"
		porcupine.VisualizePath(registerModel, info, file)
		t.Fatalf("the history of %d operations is not linearizable: a read returned a stale value (%d reads served by the deposed leader while it believed it led); the timeline is in %s (handout: \"The system, part 2: reads, sessions, transfer\")", len(history), served.Load(), file)
	}
	require.Equal(t, porcupine.Ok, result, "porcupine could not decide within 10 s")
	require.Equal(t, tried.Load(), refused.Load(), "while cut off, the deposed leader should refuse every read (503), since no majority confirms its read index; it served %d", served.Load())
}
