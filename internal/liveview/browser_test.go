package liveview

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/internal/cdp"
)

// fakeCluster is a Source and a Controller over a pretend cluster of
// three nodes: stopping the leader makes node 2 win term 3, and a write
// appends an entry to every live node's log.
type fakeCluster struct {
	events chan Event
	mu     sync.Mutex
	snap   *Snapshot
}

func newFakeCluster() *fakeCluster {
	return &fakeCluster{events: make(chan Event, 64), snap: threeNodes()}
}

func (c *fakeCluster) Events() <-chan Event { return c.events }

// change applies f to the cluster and sends the new snapshot.
func (c *fakeCluster) change(f func(s *Snapshot) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := f(c.snap); err != nil {
		return err
	}
	snap := *c.snap
	snap.Nodes = append([]NodeState(nil), c.snap.Nodes...)
	c.events <- Event{State: &snap}
	return nil
}

func (c *fakeCluster) StopNode(_ context.Context, id uint64) error {
	return c.change(func(s *Snapshot) error {
		n := &s.Nodes[id-1]
		if !n.Up {
			return fmt.Errorf("node %d is already stopped", id)
		}
		n.Up = false
		if n.Role == "leader" {
			for i := range s.Nodes {
				m := &s.Nodes[i]
				if m.Up {
					m.Term, m.Vote, m.Leader, m.Role = 3, 2, 2, "follower"
					m.Tail = append(m.Tail[:len(m.Tail):len(m.Tail)], Entry{Index: m.LastIndex + 1, Term: 3, Text: "no-op"})
					m.LastIndex++
					m.Commit, m.Applied = m.LastIndex, m.LastIndex
				}
			}
			s.Nodes[1].Role = "leader"
		}
		return nil
	})
}

func (c *fakeCluster) StartNode(_ context.Context, id uint64) error {
	return c.change(func(s *Snapshot) error { s.Nodes[id-1].Up = true; return nil })
}

func (c *fakeCluster) Cut(_ context.Context, id uint64) error {
	return c.change(func(s *Snapshot) error { s.Nodes[id-1].Cut = true; return nil })
}

func (c *fakeCluster) Heal(_ context.Context, id uint64) error {
	return c.change(func(s *Snapshot) error { s.Nodes[id-1].Cut = false; return nil })
}

func (c *fakeCluster) Write(_ context.Context, key, value string) (string, error) {
	var index uint64
	err := c.change(func(s *Snapshot) error {
		for i := range s.Nodes {
			m := &s.Nodes[i]
			if m.Up {
				m.LastIndex++
				m.Tail = append(m.Tail[:len(m.Tail):len(m.Tail)], Entry{Index: m.LastIndex, Term: m.Term, Text: "set " + key + " " + value})
				m.Commit, m.Applied = m.LastIndex, m.LastIndex
				index = m.LastIndex
			}
		}
		return nil
	})
	return fmt.Sprintf("committed at index %d", index), err
}

// TestPageInBrowser drives the page in headless Chromium, live and in a
// replay, and saves a screenshot of each (their paths are in the test's
// log; LIVEVIEW_SCREENSHOTS names the folder). It skips when no Chromium
// is installed.
func TestPageInBrowser(t *testing.T) {
	binary := cdp.Find()
	if binary == "" {
		t.Skip("no Chromium to drive: install it (Debian: apt-get install chromium) to run the page's browser test")
	}
	b, err := cdp.Start(binary)
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, b.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false}, nil))
	t.Run("live", func(t *testing.T) { testLivePage(t, b) })
	t.Run("replay", func(t *testing.T) { testReplayPage(t, b) })
}

// testLivePage loads the live page, checks that it shows the leader,
// clicks "Stop" on the leader and checks that the new leader shows, and
// sends a write and checks its answer.
func testLivePage(t *testing.T, b *cdp.Browser) {
	cluster := newFakeCluster()
	s := New(cluster, cluster)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	ts := httptest.NewServer(s)
	defer func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
		<-done
	}()
	require.NoError(t, cluster.change(func(*Snapshot) error { return nil }))
	require.NoError(t, b.Call("Page.navigate", map[string]any{"url": ts.URL}, nil))

	waitFor(t, b, `document.getElementById('leader').dataset.leader === '1'`, "the page shows node 1 as the leader")
	waitFor(t, b, `document.querySelectorAll('.card').length === 3`, "the page shows a card per node")
	require.NoError(t, b.Eval(`document.querySelector('button[data-action=stop][data-node="1"]').click()`, nil))
	waitFor(t, b, `document.getElementById('leader').dataset.leader === '2'`, "after Stop on the leader, the page shows node 2 as the new leader")
	waitFor(t, b, `document.querySelector('.card[data-node="1"]').dataset.role === 'down'`, "the stopped node shows as down")

	require.NoError(t, b.Eval(`(() => { const f = document.getElementById('write');
		f.key.value = 'colour'; f.value.value = 'blue'; f.requestSubmit(); })()`, nil))
	waitFor(t, b, `document.getElementById('result').textContent === 'committed at index 5'`, "the write's answer shows")
	waitFor(t, b, `document.querySelector('.card[data-node="2"] .log').textContent.includes('5')`, "the written entry shows in the leader's log")

	// Messages in flight, for the picture.
	for _, m := range []Message{
		{From: 2, To: 3, Type: "AppendEntries", Term: 3, Entries: 1},
		{From: 3, To: 2, Type: "AppendEntriesResponse", Term: 3},
		{From: 2, To: 1, Type: "AppendEntries", Term: 3, Dropped: true},
	} {
		cluster.events <- Event{Message: &m}
	}
	waitFor(t, b, `document.querySelectorAll('#ring .msg').length > 0`, "messages show as they flow")
	waitFor(t, b, `document.querySelectorAll('#messages li').length === 3`, "messages are listed")
	screenshot(t, b, "liveview-live.png")
}

// testReplayPage loads a replay, checks that it opens at the marked step
// with its note, and steps back.
func testReplayPage(t *testing.T, b *cdp.Browser) {
	s, err := NewReplay(recording())
	require.NoError(t, err)
	ts := httptest.NewServer(s)
	defer ts.Close()
	require.NoError(t, b.Call("Page.navigate", map[string]any{"url": ts.URL}, nil))

	waitFor(t, b, `document.getElementById('replay').dataset.step === '2'`, "the replay opens at the marked step")
	waitFor(t, b, `document.getElementById('note').textContent.startsWith('two leaders in term 3')`, "the marked step's note shows")
	waitFor(t, b, `!document.getElementById('mark').hidden`, "the slider marks the step")
	waitFor(t, b, `document.getElementById('leader').dataset.leader === '2,3'`, "the page shows both leaders of term 3")
	waitFor(t, b, `document.querySelector('.card[data-node="1"]').dataset.role === 'follower'`, "a stale leader shows as a follower")
	waitFor(t, b, `document.querySelector('.buttons') === null && getComputedStyle(document.getElementById('write')).display === 'none'`, "a replay has no controls")
	screenshot(t, b, "liveview-replay.png")

	require.NoError(t, b.Eval(`document.getElementById('back').click()`, nil))
	waitFor(t, b, `document.getElementById('replay').dataset.step === '1'`, "◀ goes a step back")
	waitFor(t, b, `document.querySelector('.card[data-node="1"]').dataset.role === 'down' && document.getElementById('note').hidden`,
		"the page shows the earlier step")
}

// screenshot saves what the page shows as a PNG.
func screenshot(t *testing.T, b *cdp.Browser, name string) {
	t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	require.NoError(t, b.Call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot))
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	require.NoError(t, err)
	dir := os.Getenv("LIVEVIEW_SCREENSHOTS")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
}

// waitFor polls the page until a JavaScript condition holds, and fails the
// test with what it expected if it does not within wait.
func waitFor(t *testing.T, b *cdp.Browser, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var ok bool
		err := b.Eval("(() => { try { return Boolean("+cond+"); } catch (e) { return false; } })()", &ok)
		require.NoError(t, err, what)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var text string
			b.Eval(`document.body.innerText`, &text)
			t.Fatalf("%s: not within %v (%s); the page shows:\n%s", what, wait, cond, text)
		}
		time.Sleep(20 * time.Millisecond) // a real browser: poll, bounded by the deadline
	}
}
