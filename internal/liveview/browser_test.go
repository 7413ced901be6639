package liveview

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
	binary := findChromium()
	if binary == "" {
		t.Skip("no Chromium to drive: install it (Debian: apt-get install chromium) to run the page's browser test")
	}
	b, err := startBrowser(binary)
	require.NoError(t, err)
	defer b.close()
	require.NoError(t, b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false}, nil))
	t.Run("live", func(t *testing.T) { testLivePage(t, b) })
	t.Run("replay", func(t *testing.T) { testReplayPage(t, b) })
}

// testLivePage loads the live page, checks that it shows the leader,
// clicks "Stop" on the leader and checks that the new leader shows, and
// sends a write and checks its answer.
func testLivePage(t *testing.T, b *browser) {
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
	require.NoError(t, b.call("Page.navigate", map[string]any{"url": ts.URL}, nil))

	b.waitFor(t, `document.getElementById('leader').dataset.leader === '1'`, "the page shows node 1 as the leader")
	b.waitFor(t, `document.querySelectorAll('.card').length === 3`, "the page shows a card per node")
	require.NoError(t, b.eval(`document.querySelector('button[data-action=stop][data-node="1"]').click()`, nil))
	b.waitFor(t, `document.getElementById('leader').dataset.leader === '2'`, "after Stop on the leader, the page shows node 2 as the new leader")
	b.waitFor(t, `document.querySelector('.card[data-node="1"]').dataset.role === 'down'`, "the stopped node shows as down")

	require.NoError(t, b.eval(`(() => { const f = document.getElementById('write');
		f.key.value = 'colour'; f.value.value = 'blue'; f.requestSubmit(); })()`, nil))
	b.waitFor(t, `document.getElementById('result').textContent === 'committed at index 5'`, "the write's answer shows")
	b.waitFor(t, `document.querySelector('.card[data-node="2"] .log').textContent.includes('5')`, "the written entry shows in the leader's log")

	// Messages in flight, for the picture.
	for _, m := range []Message{
		{From: 2, To: 3, Type: "AppendEntries", Term: 3, Entries: 1},
		{From: 3, To: 2, Type: "AppendEntriesResponse", Term: 3},
		{From: 2, To: 1, Type: "AppendEntries", Term: 3, Dropped: true},
	} {
		cluster.events <- Event{Message: &m}
	}
	b.waitFor(t, `document.querySelectorAll('#ring .msg').length > 0`, "messages show as they flow")
	b.waitFor(t, `document.querySelectorAll('#messages li').length === 3`, "messages are listed")
	b.screenshot(t, "liveview-live.png")
}

// testReplayPage loads a replay, checks that it opens at the marked step
// with its note, and steps back.
func testReplayPage(t *testing.T, b *browser) {
	s, err := NewReplay(recording())
	require.NoError(t, err)
	ts := httptest.NewServer(s)
	defer ts.Close()
	require.NoError(t, b.call("Page.navigate", map[string]any{"url": ts.URL}, nil))

	b.waitFor(t, `document.getElementById('replay').dataset.step === '2'`, "the replay opens at the marked step")
	b.waitFor(t, `document.getElementById('note').textContent.startsWith('two leaders in term 3')`, "the marked step's note shows")
	b.waitFor(t, `!document.getElementById('mark').hidden`, "the slider marks the step")
	b.waitFor(t, `document.getElementById('leader').dataset.leader === '2,3'`, "the page shows both leaders of term 3")
	b.waitFor(t, `document.querySelector('.card[data-node="1"]').dataset.role === 'follower'`, "a stale leader shows as a follower")
	b.waitFor(t, `document.querySelector('.buttons') === null && getComputedStyle(document.getElementById('write')).display === 'none'`, "a replay has no controls")
	b.screenshot(t, "liveview-replay.png")

	require.NoError(t, b.eval(`document.getElementById('back').click()`, nil))
	b.waitFor(t, `document.getElementById('replay').dataset.step === '1'`, "◀ goes a step back")
	b.waitFor(t, `document.querySelector('.card[data-node="1"]').dataset.role === 'down' && document.getElementById('note').hidden`,
		"the page shows the earlier step")
}

// screenshot saves what the page shows as a PNG.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	require.NoError(t, b.call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot))
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

// findChromium returns the path of a Chromium or Chrome, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// browser speaks the Chrome DevTools Protocol to a headless Chromium over
// the pipe that --remote-debugging-pipe opens on its file descriptors 3
// (commands in) and 4 (answers and events out), one JSON message per
// NUL-terminated record. (internal/slideshots has the same client.)
type browser struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	profile string
	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpReply
	session string
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

func startBrowser(binary string) (*browser, error) {
	profile, err := os.MkdirTemp("", "liveview-chromium-")
	if err != nil {
		return nil, err
	}
	cmdIn, toBrowser, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	fromBrowser, cmdOut, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdIn, cmdOut}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	cmdIn.Close()
	cmdOut.Close()
	b := &browser{cmd: cmd, in: toBrowser, profile: profile, waiting: map[int]chan cdpReply{}}
	go b.read(fromBrowser)

	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	deadline := time.Now().Add(wait)
	for {
		if err := b.call("Target.getTargets", nil, &targets); err != nil {
			b.close()
			return nil, err
		}
		for _, t := range targets.TargetInfos {
			if t.Type == "page" {
				var attached struct {
					SessionID string `json:"sessionId"`
				}
				err := b.call("Target.attachToTarget", map[string]any{"targetId": t.TargetID, "flatten": true}, &attached)
				if err != nil {
					b.close()
					return nil, err
				}
				b.session = attached.SessionID
				return b, nil
			}
		}
		if time.Now().After(deadline) {
			b.close()
			return nil, fmt.Errorf("chromium opened no page within %v", wait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) read(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m struct {
			ID int `json:"id"`
			cdpReply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event; none is needed
		}
		b.mu.Lock()
		ch := b.waiting[m.ID]
		delete(b.waiting, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.cdpReply
		}
	}
}

// call sends one command (to the page, once attached) and decodes its
// result.
func (b *browser) call(method string, params any, result any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpReply, 1)
	b.waiting[id] = ch
	msg := map[string]any{"id": id, "method": method, "params": params}
	if b.session != "" {
		msg["sessionId"] = b.session
	}
	data, err := json.Marshal(msg)
	if err == nil {
		_, err = b.in.Write(append(data, 0))
	}
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(r.Result, result)
	case <-time.After(wait):
		return fmt.Errorf("%s: no answer from chromium within %v", method, wait)
	}
}

// eval runs a JavaScript expression in the page and decodes its value.
func (b *browser) eval(expr string, v any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("javascript: %s %s", e.Text, e.Exception.Description)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(r.Result.Value, v)
}

// waitFor polls the page until a JavaScript condition holds, and fails the
// test with what it expected if it does not within wait.
func (b *browser) waitFor(t *testing.T, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var ok bool
		err := b.eval("(() => { try { return Boolean("+cond+"); } catch (e) { return false; } })()", &ok)
		require.NoError(t, err, what)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var text string
			b.eval(`document.body.innerText`, &text)
			t.Fatalf("%s: not within %v (%s); the page shows:\n%s", what, wait, cond, text)
		}
		time.Sleep(20 * time.Millisecond) // a real browser: poll, bounded by the deadline
	}
}

func (b *browser) close() {
	b.in.Close()
	done := make(chan struct{})
	go func() { b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		b.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(b.profile)
}
