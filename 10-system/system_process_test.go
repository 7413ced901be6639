package raftkv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// raftkvProcess is a raftkv server running as a process of its own.
type raftkvProcess struct {
	args   []string
	http   string
	cmd    *exec.Cmd
	output *syncBuffer
	exited chan struct{}
}

// syncBuffer is a bytes.Buffer that a process's output and the test may
// use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (p *raftkvProcess) start(t *testing.T, bin string) {
	t.Helper()
	p.output = new(syncBuffer)
	p.cmd = exec.Command(bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	require.NoError(t, p.cmd.Start(), "start %s", bin)
	p.exited = make(chan struct{})
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
}

// kill sends SIGKILL, as kill -9 does: the process gets no chance to
// flush or close anything. It waits until the process is gone.
func (p *raftkvProcess) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("process %d is still there 10 s after SIGKILL", p.cmd.Process.Pid)
	}
}

// processLeader waits up to 15 s until a process reports itself leader in
// GET /status, and returns it.
func processLeader(t *testing.T, procs []*raftkvProcess) *raftkvProcess {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		alive := 0
		for _, p := range procs {
			select {
			case <-p.exited:
				continue
			default:
				alive++
			}
			resp, err := client.Get("http://" + p.http + "/status")
			if err != nil {
				continue
			}
			var st struct{ Role string }
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err == nil && st.Role == "leader" {
				return p
			}
		}
		if alive == 0 {
			break
		}
		<-time.After(20 * time.Millisecond)
	}
	var out strings.Builder
	for _, p := range procs {
		fmt.Fprintf(&out, "\n--- %s\n%s", strings.Join(p.args, " "), p.output)
	}
	t.Fatalf("no raftkv process became leader (within 15 s, or before they all exited); their output:%s", out.String())
	return nil
}

// TestKill9DuringWritesLosesNothing builds the raftkv command, runs a
// cluster of three processes, and writes to it from three clients. In the
// middle of the load it kills the leader with SIGKILL; the others go on.
// Then it kills every process at once, restarts all three from their
// write-ahead logs, and reads back every write that was acknowledged: none
// may be missing, since a write is acknowledged only once a majority has
// it on disk (fsync before send, handout: "2. The Ready").
// Handout: "10. The whole system", which rests on every task, above all
// "6. The write-ahead log", "7. The transport", "8. The HTTP API" and
// "9. The RESP front door".
func TestKill9DuringWritesLosesNothing(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "raftkv")
	build := exec.Command("go", "build", "-o", bin, "./cmd/raftkv")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/raftkv: %s", out)

	addrs := freeAddrs(t, 9)
	var cluster []string
	for i := range 3 {
		cluster = append(cluster, fmt.Sprintf("%d=%s", i+1, addrs[3*i]))
	}
	dir := t.TempDir()
	procs := make([]*raftkvProcess, 3)
	for i := range procs {
		procs[i] = &raftkvProcess{http: addrs[3*i+1], args: []string{
			"--id", fmt.Sprint(i + 1), "--cluster", strings.Join(cluster, ","),
			"--http", addrs[3*i+1], "--resp", addrs[3*i+2],
			"--data", filepath.Join(dir, fmt.Sprint("node", i+1)), "--tick", "10ms", "--log", "warn",
		}}
		procs[i].start(t, bin)
	}
	t.Cleanup(func() {
		for _, p := range procs {
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	leader := processLeader(t, procs)

	var (
		mu    sync.Mutex
		acked = make(map[string]string)
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	for w := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; !stop.Load(); i++ {
				p := procs[rng.IntN(len(procs))]
				key, value := fmt.Sprintf("w%d-%d", w, i), fmt.Sprint(i)
				if put(p.http, key, value) == nil {
					mu.Lock()
					acked[key] = value
					mu.Unlock()
				}
			}
		})
	}
	waitAcked := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			require.True(t, time.Now().Before(deadline), "only %d writes acknowledged after 30 s, waiting for %d", got, n)
			<-time.After(5 * time.Millisecond)
		}
	}
	waitAcked(50)
	leader.kill(t)
	waitAcked(150) // the two others elect a leader and go on
	for _, p := range procs {
		p.kill(t)
	}
	stop.Store(true)
	wg.Wait()

	for _, p := range procs {
		p.start(t, bin)
	}
	leader = processLeader(t, procs)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for key, want := range acked {
		require.NoError(t, ctx.Err(), "reading back %d acknowledged writes took over 30 s", len(acked))
		v, ok, err := get(leader.http, key)
		require.NoError(t, err, "GET /key/%s after the restart", key)
		require.True(t, ok && v == want, "acknowledged write %s=%s is lost after kill -9 and restart: got %q, %v", key, want, v, ok)
	}
}
