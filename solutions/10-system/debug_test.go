package raftkv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/internal/liveview"
	"raftgo/solutions/03-planning"
)

// switchboard is a CuttableTransport that records what is sent and cut.
type switchboard struct {
	mu   sync.Mutex
	sent []string // "to 2 at 300ms"
	cuts []string // "cut 2", "heal 2"
	now  func() time.Duration
}

func (s *switchboard) Send(msgs ...raft.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		s.sent = append(s.sent, fmt.Sprintf("to %d at %v", m.To, s.now()))
	}
}
func (s *switchboard) Receive() <-chan raft.Message           { return nil }
func (s *switchboard) PeerMeta(raft.NodeID) map[string]string { return nil }
func (s *switchboard) Close() error                           { return nil }
func (s *switchboard) Cut(id raft.NodeID)                     { s.record(fmt.Sprint("cut ", id)) }
func (s *switchboard) Heal(id raft.NodeID)                    { s.record(fmt.Sprint("heal ", id)) }

func (s *switchboard) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cuts = append(s.cuts, call)
}

func (s *switchboard) calls() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...), append([]string(nil), s.cuts...)
}

// debugNode returns the debug handler of node 1 of three over a
// switchboard, its view fed until the test ends, and the node started in
// its recorder. Requests that are not for /debug/ reach an API that
// answers "api".
func debugNode(t *testing.T) (http.Handler, *debugger, *switchboard) {
	t.Helper()
	sb := &switchboard{now: func() time.Duration { return 0 }}
	d := newDebugger(1, []raft.NodeID{1, 2, 3}, sb)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		d.view.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	d.observer(nil).NodeStarted(raft.Config{ID: 1, Peers: []raft.NodeID{1, 2, 3}}, raft.Status{ID: 1, Role: raft.Follower, Term: 1})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "api") })
	return d.handler(api), d, sb
}

// call sends one request to h and returns the status and the body.
func call(h http.Handler, method, path string) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code, rec.Body.String()
}

// faults returns what GET /debug/faults says of the node's links.
func faults(t *testing.T, h http.Handler) []liveview.Link {
	t.Helper()
	code, body := call(h, "GET", "/debug/faults")
	require.Equal(t, http.StatusOK, code, body)
	var f struct{ Links []liveview.Link }
	require.NoError(t, json.Unmarshal([]byte(body), &f))
	return f.Links
}

// TestGivenDebugSwitches checks that the switches reach the transport and
// show in /debug/faults and in the node's view, and that the other
// requests reach the API.
func TestGivenDebugSwitches(t *testing.T) {
	h, d, sb := debugNode(t)
	code, body := call(h, "GET", "/key/x")
	require.Equal(t, "api", body, "a request outside /debug/ reaches the API (%d)", code)

	code, body = call(h, "POST", "/debug/cut/2")
	require.Equal(t, http.StatusOK, code, body)
	code, body = call(h, "POST", "/debug/slow/3?delay=300ms")
	require.Equal(t, http.StatusOK, code, body)
	_, cuts := sb.calls()
	require.Equal(t, []string{"cut 2"}, cuts)
	want := []liveview.Link{{Peer: 2, Cut: true}, {Peer: 3, Delay: 300 * time.Millisecond}}
	require.Equal(t, want, faults(t, h))
	snap := d.recorder.Snapshot()
	var own liveview.NodeState
	for _, n := range snap.Nodes {
		if n.ID == 1 {
			own = n
		}
	}
	require.Equal(t, want, own.Links, "the node's view shows its links")
	require.False(t, own.Cut, "node 1 still reaches node 3: it is not cut off")

	code, body = call(h, "POST", "/debug/cut/3")
	require.Equal(t, http.StatusOK, code, body)
	require.True(t, ownState(d).Cut, "cut from both peers, node 1 is cut off")

	for _, path := range []string{"/debug/heal/2", "/debug/heal/3", "/debug/slow/3?delay=0s"} {
		code, body = call(h, "POST", path)
		require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
	}
	_, cuts = sb.calls()
	require.Equal(t, []string{"cut 2", "cut 3", "heal 2", "heal 3"}, cuts)
	require.Empty(t, faults(t, h), "healed and restored, the links are whole")
	require.False(t, ownState(d).Cut)

	code, body = call(h, "GET", "/debug/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "app.js", "GET /debug/ serves the node's live view")
}

// ownState returns node 1's state as its recorder shows it.
func ownState(d *debugger) liveview.NodeState {
	for _, n := range d.recorder.Snapshot().Nodes {
		if n.ID == 1 {
			return n
		}
	}
	return liveview.NodeState{}
}

// TestGivenDebugBadInput checks that a bad request to a switch gets a 4xx
// that says what is wrong, and changes nothing.
func TestGivenDebugBadInput(t *testing.T) {
	for _, tt := range []struct{ method, path string }{
		{"POST", "/debug/cut/1"}, // itself
		{"POST", "/debug/cut/9"},
		{"POST", "/debug/heal/0"},
		{"POST", "/debug/cut/two"},
		{"POST", "/debug/cut/-2"},
		{"POST", "/debug/slow/2"},
		{"POST", "/debug/slow/2?delay=slow"},
		{"POST", "/debug/slow/2?delay=300"},
		{"POST", "/debug/slow/2?delay=-1s"},
		{"POST", "/debug/slow/2?delay=1h"},
		{"POST", "/debug/slow/9?delay=1s"},
		{"GET", "/debug/cut/2"},
		{"DELETE", "/debug/cut/2"},
		{"POST", "/debug/explode/2"},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			h, _, sb := debugNode(t)
			code, body := call(h, tt.method, tt.path)
			require.True(t, code >= 400 && code < 500, "want a 4xx, got %d: %s", code, body)
			if strings.HasPrefix(body, "{") {
				var answer map[string]string
				require.NoError(t, json.Unmarshal([]byte(body), &answer))
				require.NotEmpty(t, answer["error"], "the answer says what is wrong")
			}
			_, cuts := sb.calls()
			require.Empty(t, cuts, "a bad request cuts nothing")
			require.Empty(t, faults(t, h), "a bad request changes no link")
		})
	}
}

// TestGivenSlowLink checks that a message to a slowed peer leaves after
// the delay, and one to another peer at once.
func TestGivenSlowLink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		sb := &switchboard{now: func() time.Duration { return time.Since(start) }}
		d := newDebugger(1, []raft.NodeID{1, 2, 3}, sb)
		d.transport.slow(2, 300*time.Millisecond)
		d.transport.Send(raft.Message{From: 1, To: 2}, raft.Message{From: 1, To: 3})
		synctest.Wait()
		sent, _ := sb.calls()
		require.Equal(t, []string{"to 3 at 0s"}, sent, "the message to node 3 leaves at once")
		time.Sleep(time.Second)
		sent, _ = sb.calls()
		require.Equal(t, []string{"to 3 at 0s", "to 2 at 300ms"}, sent, "the message to node 2 leaves 300ms later")
		d.transport.slow(2, 0)
		d.transport.Send(raft.Message{From: 1, To: 2})
		sent, _ = sb.calls()
		require.Equal(t, "to 2 at 1s", sent[2], "restored, the link sends at once")
	})
}
