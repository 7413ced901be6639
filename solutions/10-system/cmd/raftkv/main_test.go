package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDemo builds the command and runs raftkv demo as a user would: it
// prints a banner with the nodes' addresses once a leader is elected; a
// write through one node's HTTP API reads back through another (following
// the redirect, as curl -L does); and SIGINT (Ctrl-C) stops every node and
// deletes the data.
func TestDemo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "raftkv")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	cmd := exec.Command(bin, "demo")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	logs := new(syncBuffer)
	cmd.Stderr = logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	var banner []string
	timeout := time.After(30 * time.Second)
	for len(banner) == 0 || !strings.HasPrefix(banner[len(banner)-1], "Ctrl-C stops") {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "the demo ended before its banner; its output:\n%s\n%s", strings.Join(banner, "\n"), logs.String())
			banner = append(banner, line)
		case <-timeout:
			t.Fatalf("no banner within 30 s; so far:\n%s\n%s", strings.Join(banner, "\n"), logs.String())
		}
	}
	text := strings.Join(banner, "\n")
	dir := regexp.MustCompile(`data in (\S+)`).FindStringSubmatch(text)
	require.NotNil(t, dir, "the banner names the data folder:\n%s", text)
	https := regexp.MustCompile(`(?m)^  \d+\s+\d+\s+\S+\s+(\S+)\s+\S+`).FindAllStringSubmatch(text, -1)
	require.Len(t, https, 3, "the banner lists three nodes with their addresses:\n%s", text)
	require.Contains(t, text, "redis-cli -c -p", "the banner shows a redis-cli line to try")

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post("http://"+https[0][1]+"/key", "application/json", strings.NewReader(`{"foo":"bar"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "POST /key through node 1 (followed to the leader)")
	resp, err = client.Get("http://" + https[2][1] + "/key/foo")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, `{"foo":"bar"}`, strings.TrimSpace(string(body)), "GET /key/foo through node 3")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	go func() {
		for range lines {
		}
	}()
	select {
	case err := <-exited:
		require.NoError(t, err, "the demo exits cleanly on Ctrl-C; its logs:\n%s", logs.String())
		exited <- err // for the deferred cleanup
	case <-time.After(30 * time.Second):
		t.Fatalf("the demo still runs 30 s after SIGINT; its logs:\n%s", logs.String())
	}
	_, err = os.Stat(dir[1])
	require.True(t, os.IsNotExist(err), "the demo deletes its data folder %s", dir[1])
}

// syncBuffer is a strings.Builder that a process's output and the test
// may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
