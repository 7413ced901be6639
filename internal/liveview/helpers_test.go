package liveview

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// wait bounds every wait on a real socket in these tests.
const wait = 10 * time.Second

// chanSource is a Source the test sends events to.
type chanSource chan Event

func (c chanSource) Events() <-chan Event { return c }

// fakeController records the calls the buttons make.
type fakeController struct {
	mu    sync.Mutex
	calls []string
	err   error // returned by every call when not nil
}

func (f *fakeController) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.err
}

func (f *fakeController) StopNode(_ context.Context, id uint64) error {
	return f.record(fmt.Sprint("stop ", id))
}
func (f *fakeController) StartNode(_ context.Context, id uint64) error {
	return f.record(fmt.Sprint("start ", id))
}
func (f *fakeController) Cut(_ context.Context, id uint64) error {
	return f.record(fmt.Sprint("cut ", id))
}
func (f *fakeController) Heal(_ context.Context, id uint64) error {
	return f.record(fmt.Sprint("heal ", id))
}
func (f *fakeController) Write(_ context.Context, key, value string) (string, error) {
	if err := f.record(fmt.Sprintf("write %s=%s", key, value)); err != nil {
		return "", err
	}
	return "committed at index 4", nil
}

func (f *fakeController) SlowLink(_ context.Context, a, b uint64, delay time.Duration) error {
	return f.record(fmt.Sprintf("slow %d-%d %v", a, b, delay))
}

func (f *fakeController) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// threeNodes is a snapshot of a cluster of three where node 1 leads term 2.
func threeNodes() *Snapshot {
	tail := []Entry{{Index: 1, Term: 1, Text: "set a 1"}, {Index: 2, Term: 2, Text: "no-op"}, {Index: 3, Term: 2, Text: "set b 2"}}
	return &Snapshot{At: 1500 * time.Millisecond, Nodes: []NodeState{
		{ID: 1, Up: true, Role: "leader", Term: 2, Vote: 1, Leader: 1, Commit: 3, Applied: 3, LastIndex: 3, Tail: tail},
		{ID: 2, Up: true, Role: "follower", Term: 2, Vote: 1, Leader: 1, Commit: 3, Applied: 3, LastIndex: 3, Tail: tail},
		{ID: 3, Up: true, Role: "follower", Term: 2, Vote: 1, Leader: 1, Commit: 2, Applied: 2, LastIndex: 3, Tail: tail},
	}}
}

// startServer serves a view fed by the returned source on a real socket,
// with its feeder running until the test ends.
func startServer(t *testing.T, ctl Controller) (*Server, chanSource, *httptest.Server) {
	t.Helper()
	src := make(chanSource)
	s := New(src, ctl)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
		<-done
	})
	return s, src, ts
}

// feed sends an event to the server's feeder, failing the test if the
// feeder does not take it in time.
func feed(t *testing.T, src chanSource, ev Event) {
	t.Helper()
	select {
	case src <- ev:
	case <-time.After(wait):
		t.Fatalf("the feeder did not take an event within %v: something blocks it", wait)
	}
}

// sseEvent is one server-sent event as a client reads it.
type sseEvent struct{ name, data string }

// sseStream reads server-sent events from GET /events.
type sseStream struct {
	resp *http.Response
	r    *bufio.Reader
}

// openEvents opens the event stream and reads up to its retry field, which
// the server writes once the page is subscribed.
func openEvents(t *testing.T, ctx context.Context, url string) *sseStream {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"), "an EventSource accepts only text/event-stream")
	s := &sseStream{resp: resp, r: bufio.NewReader(resp.Body)}
	line, err := s.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "retry: 1000\n", line, "the stream starts with the page's reconnection delay")
	blank, err := s.r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "\n", blank, "a blank line ends the retry field's event")
	return s
}

// next reads one event: its lines up to a blank line. Every event the
// server sends has exactly one event line and one data line.
func (s *sseStream) next(t *testing.T) sseEvent {
	t.Helper()
	var ev sseEvent
	for lines := 0; ; lines++ {
		line, err := s.r.ReadString('\n')
		require.NoError(t, err, "reading the event stream")
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			require.Equal(t, 2, lines, "an event is one event line and one data line, then a blank line")
			return ev
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		default:
			t.Fatalf("a line that is neither event nor data in the stream: %q", line)
		}
	}
}
