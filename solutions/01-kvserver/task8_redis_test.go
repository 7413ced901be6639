package kvserver_test

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
)

// redisTool returns the path of a Redis program, or skips the test when it
// is not installed.
func redisTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed, so this test cannot run; install it with `sudo apt-get install redis-tools` (Debian, Ubuntu) or `brew install redis` (macOS)", name)
	}
	return path
}

// TestRedisCLI drives your server with the real redis-cli, which sends the
// commands as RESP arrays of bulk strings and prints the replies as it does
// for Redis. It is skipped when redis-cli is not installed.
// (Handout: "8. Meet redis-cli".)
func TestRedisCLI(t *testing.T) {
	cli := redisTool(t, "redis-cli")
	ts := startServer(t, nil, kvserver.Limits{})
	host, port, err := net.SplitHostPort(ts.addr)
	require.NoError(t, err)

	input := strings.Join([]string{
		`PING`,
		`SET greeting "hello world"`,
		`GET greeting`,
		`EXISTS greeting nope`,
		`DEL greeting`,
		`GET greeting`,
		`NOSUCH arg`,
		`ECHO "a\r\nb"`,
		`CONFIG GET save`,
	}, "\n")
	want := strings.Join([]string{
		`PONG`,
		`OK`,
		`"hello world"`,
		`(integer) 1`,
		`(integer) 1`,
		`(nil)`,
		`(error) ERR unknown command 'NOSUCH'`,
		`"a\r\nb"`,
		`1) "save"`,
		`2) ""`,
	}, "\n") + "\n"

	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "-h", host, "-p", port, "--no-raw")
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "redis-cli failed; it printed:\n%s", out)
	assert.Equal(t, want, string(out), "what redis-cli printed for these commands:\n%s\n(handout: \"8. Meet redis-cli\")", input)
}

// TestRedisBenchmark runs a short redis-benchmark of SET and GET, with 50
// connections and pipelines of 16 commands, and checks that it finishes
// without an error or a warning (it asks CONFIG GET first). It is skipped
// when redis-benchmark is not installed. (Handout: "8. Meet redis-cli", and
// "Performance".)
func TestRedisBenchmark(t *testing.T) {
	bench := redisTool(t, "redis-benchmark")
	ts := startServer(t, nil, kvserver.Limits{})
	host, port, err := net.SplitHostPort(ts.addr)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bench, "-h", host, "-p", port, "-t", "set,get", "-n", "5000", "-P", "16", "-q").CombinedOutput()
	require.NoError(t, err, "redis-benchmark failed; it printed:\n%s", out)
	for _, line := range strings.Split(string(out), "\n") {
		assert.NotContains(t, line, "ERR", "redis-benchmark printed an error (handout: \"8. Meet redis-cli\")")
		assert.NotContains(t, line, "WARNING", "redis-benchmark printed a warning; it asks CONFIG GET save and CONFIG GET appendonly (handout: \"4. Commands\")")
	}
	assert.Contains(t, string(out), "SET: ", "redis-benchmark's report:\n%s", out)
	assert.Contains(t, string(out), "GET: ", "redis-benchmark's report:\n%s", out)
}
