package liveview

import (
	"bufio"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/internal/cdp"
)

// TestDemoInBrowser runs the real demo, raftkv demo --ui (three raftkv
// processes of stage 10's reference), and drives its page in headless
// Chromium as a user would: it checks that a leader shows, clicks Stop on
// the leader, checks that another node takes over and that a write still
// commits, slows a link, starts the stopped node again, and saves a
// screenshot (demo-live.png, in LIVEVIEW_SCREENSHOTS or the temporary
// folder). It skips when no Chromium is installed, and with -short. It
// took 21 s on a 2-core VM at load average 15 (go1.26, -race), the build
// of raftkv included.
func TestDemoInBrowser(t *testing.T) {
	binary := cdp.Find()
	if binary == "" {
		t.Skip("no Chromium to drive: install it (Debian: apt-get install chromium) to run the demo's browser test")
	}
	if testing.Short() {
		t.Skip("-short: the demo's browser test starts three raftkv processes")
	}
	raftkv := filepath.Join(t.TempDir(), "raftkv")
	out, err := exec.Command("go", "build", "-o", raftkv, "raftgo/solutions/10-system/cmd/raftkv").CombinedOutput()
	require.NoError(t, err, "go build raftkv: %s", out)

	addr := freeAddr(t)
	demo := exec.Command(raftkv, "demo", "--ui", addr)
	stdout, err := demo.StdoutPipe()
	require.NoError(t, err)
	logs := &lockedWriterTest{w: new(strings.Builder)}
	demo.Stderr = logs
	require.NoError(t, demo.Start())
	exited := make(chan error, 1)
	go func() { exited <- demo.Wait() }()
	defer func() {
		demo.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			demo.Process.Kill()
			<-exited
			t.Errorf("the demo still ran 30 s after Ctrl-C")
		}
	}()
	url := "http://" + addr + "/"
	banner := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == url {
				banner <- true
			}
		}
	}()
	select {
	case <-banner:
	case err := <-exited:
		t.Fatalf("the demo exited before it showed its page's address: %v; its logs:\n%s", err, logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("the demo did not show its page's address %s within 30 s; its logs:\n%s", url, logs)
	}

	b, err := cdp.Start(binary)
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, b.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false}, nil))
	require.NoError(t, b.Call("Page.navigate", map[string]any{"url": url}, nil))

	waitFor(t, b, `document.querySelectorAll('.card').length === 3`, "the page shows a card per node")
	waitFor(t, b, `document.getElementById('leader').dataset.leader.match(/^[123]$/)`, "the page shows a leader")
	var leader string
	require.NoError(t, b.Eval(`document.getElementById('leader').dataset.leader`, &leader))

	require.NoError(t, b.Eval(`document.querySelector('button[data-action=stop][data-node="`+leader+`"]').click()`, nil))
	waitFor(t, b, `document.querySelector('.card[data-node="`+leader+`"]').dataset.role === 'down'`, "the stopped leader shows as down")
	waitFor(t, b, `['1','2','3'].filter((id) => id !== '`+leader+`').includes(document.getElementById('leader').dataset.leader)`,
		"after Stop on leader "+leader+", another node shows as the leader")

	require.NoError(t, b.Eval(`(() => { const f = document.getElementById('write');
		f.key.value = 'colour'; f.value.value = 'blue'; f.requestSubmit(); })()`, nil))
	waitFor(t, b, `/^colour = blue committed at index \d+/.test(document.getElementById('result').textContent)`, "the write commits with the leader stopped")

	require.NoError(t, b.Eval(`(() => { const others = ['1','2','3'].filter((id) => id !== '`+leader+`');
		const f = document.getElementById('slow');
		f.a.value = others[0]; f.b.value = others[1]; f.delay.value = '150'; f.requestSubmit(); })()`, nil))
	waitFor(t, b, `document.getElementById('result').textContent.includes('slowed by 150ms')`, "the link between the two live nodes is slowed")
	waitFor(t, b, `document.querySelectorAll('#ring line.slow').length === 1`, "the slowed link shows dashed")
	waitFor(t, b, `document.querySelectorAll('#messages li').length > 0`, "the messages show as they flow")
	screenshot(t, b, "demo-live.png")

	require.NoError(t, b.Eval(`document.querySelector('button[data-action=start][data-node="`+leader+`"]').click()`, nil))
	waitFor(t, b, `document.querySelector('.card[data-node="`+leader+`"]').dataset.role === 'follower'`, "the node started again rejoins as a follower")
}

// freeAddr returns a loopback address no one listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// lockedWriterTest lets the demo's process write its logs to a builder
// that the test reads.
type lockedWriterTest struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriterTest) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriterTest) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
