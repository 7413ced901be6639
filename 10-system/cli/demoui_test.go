package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/internal/liveview"
	"raftgo/solutions/03-planning"
)

// fakeNodes serves three nodes' HTTP APIs that record the requests they
// get; node 2 takes writes at index 7, the others answer 503.
type fakeNodes struct {
	mu    sync.Mutex
	calls []string
	nodes []*demoNode
}

func newFakeNodes(t *testing.T) *fakeNodes {
	f := &fakeNodes{}
	for id := raft.NodeID(1); id <= 3; id++ {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			f.mu.Lock()
			f.calls = append(f.calls, strings.TrimSpace(fmt.Sprintf("%d %s %s %s", id, r.Method, r.URL.RequestURI(), body)))
			f.mu.Unlock()
			switch {
			case r.URL.Path == "/key" && id != 2:
				http.Error(w, "no leader", http.StatusServiceUnavailable)
			case r.URL.Path == "/key":
				fmt.Fprint(w, `{"index": 7}`)
			default:
				fmt.Fprint(w, `{"result": "done"}`)
			}
		}))
		t.Cleanup(ts.Close)
		f.nodes = append(f.nodes, &demoNode{ID: id, HTTP: strings.TrimPrefix(ts.URL, "http://")})
	}
	return f
}

func (f *fakeNodes) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls := f.calls
	f.calls = nil
	return calls
}

// TestGivenDemoView checks what the demo's page does to the nodes: Cut off
// and Heal flip a node's switches for each peer, a slowed link is slowed at
// both ends, a write goes to the leader the nodes show, and Stop and Start
// ask the demo's loop, which refuses to stop a stopped node.
func TestGivenDemoView(t *testing.T) {
	f := newFakeNodes(t)
	alive := map[raft.NodeID]bool{1: true, 2: true, 3: true}
	v := newDemoView(f.nodes, func(_ context.Context, op func(*demoProcs) error) error {
		return op(&demoProcs{
			alive: func(n *demoNode) bool { return alive[n.ID] },
			kill:  func(n *demoNode) error { alive[n.ID] = false; return nil },
			start: func(n *demoNode) error { alive[n.ID] = true; return nil },
		})
	})
	ctx := context.Background()

	require.NoError(t, v.Cut(ctx, 1))
	require.Equal(t, []string{"1 POST /debug/cut/2", "1 POST /debug/cut/3"}, f.take())
	require.NoError(t, v.Heal(ctx, 1))
	require.Equal(t, []string{"1 POST /debug/heal/2", "1 POST /debug/heal/3"}, f.take())
	require.NoError(t, v.SlowLink(ctx, 2, 3, 300*time.Millisecond))
	require.Equal(t, []string{"2 POST /debug/slow/3?delay=300ms", "3 POST /debug/slow/2?delay=300ms"}, f.take())

	// Node 2 shows itself leading: the write goes there first.
	v.fromNode(2, liveview.Event{State: &liveview.Snapshot{Nodes: []liveview.NodeState{
		{ID: 1, Up: true, Role: "leader", Term: 1}, // what node 2 cannot know: ignored
		{ID: 2, Up: true, Role: "leader", Term: 2},
	}}})
	result, err := v.Write(ctx, "colour", "blue")
	require.NoError(t, err)
	require.Equal(t, "colour = blue committed at index 7 (through node 2)", result)
	require.Equal(t, []string{`2 POST /key {"colour":"blue"}`}, f.take())
	snap := drain(t, v)
	require.Len(t, snap.Nodes, 3, "the view shows every node of the demo")
	require.Equal(t, uint64(2), snap.Leader())
	require.False(t, snap.Nodes[0].Up, "node 1 has shown nothing yet: not up")

	require.NoError(t, v.StopNode(ctx, 3))
	require.False(t, alive[3])
	require.ErrorContains(t, v.StopNode(ctx, 3), "node 3 is already stopped")
	require.ErrorContains(t, v.StartNode(ctx, 1), "node 1 is already running")
	require.NoError(t, v.StartNode(ctx, 3))
	require.True(t, alive[3])
	require.True(t, errors.Is(v.StopNode(ctx, 9), liveview.ErrUnknownNode), "an unknown node is the page's 404")
	require.Empty(t, f.take(), "Stop and Start act on processes, not on the API")
}

// drain returns the last snapshot the view has sent.
func drain(t *testing.T, v *demoView) liveview.Snapshot {
	t.Helper()
	var last *liveview.Snapshot
	for {
		select {
		case ev := <-v.Events():
			if ev.State != nil {
				last = ev.State
			}
			continue
		default:
		}
		break
	}
	require.NotNil(t, last, "the view sent no snapshot")
	return *last
}
