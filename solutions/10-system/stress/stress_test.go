package stress

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// TestStressShort runs the stress command's code in a short form: 16
// clients, 2000 commands, and a follower restarted from its folder halfway.
// It checks what the command checks (every node applied the same entries
// in the same order, their stores hold each client's last write, their
// write-ahead logs hold what they applied, and stage 08's Checker found no
// violation) and that its figures are sane. When it fails, the cluster
// itself failed: run the stage's own tests first, the loop and the Ready
// (handout: "1. The loop", "2. The Ready") and the shutdown (handout:
// "4. Shutdown") above all.
func TestStressShort(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 25*time.Second)
	defer cancel()
	cfg, err := parseFlags([]string{"-clients", "16", "-entries", "2000", "-down", "100ms", "-timeout", "5s", "-invariants"}, io.Discard)
	require.NoError(t, err)
	out := new(lockedBuffer) // stress writes from several goroutines
	res, err := stress(ctx, cfg, out)
	require.NoError(t, err, "the stress run failed; its output:\n%s", out.String())
	require.Contains(t, out.String(), "check: PASS", "the run's last line")
	t.Logf("the stress run's output:\n%s", out.String())

	require.Equal(t, 2000, res.entries, "commands acknowledged, with -entries 2000")
	require.GreaterOrEqual(t, res.applied, raft.Index(res.entries), "every acknowledged command is an entry every node applied")
	require.NotEqual(t, raft.None, res.restarted, "a follower restarts halfway through the run; output:\n%s", out.String())
	require.Contains(t, out.String(), "caught up", "the restarted follower catches up")
	require.Len(t, res.latencies, res.entries, "one latency per acknowledged command")
	require.Greater(t, res.rate(), 0.0, "entries per second")
	p50, p99, p999 := res.percentile(0.50), res.percentile(0.99), res.percentile(0.999)
	require.Positive(t, p50, "p50 commit latency")
	require.LessOrEqual(t, p50, p99, "p50 ≤ p99")
	require.LessOrEqual(t, p99, p999, "p99 ≤ p999")
	require.LessOrEqual(t, p999, cfg.timeout, "no command waited longer than -timeout")
	require.LessOrEqual(t, res.elapsed, 25*time.Second, "the load's duration")
}

// lockedBuffer is a bytes.Buffer that several goroutines may write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestGivenCompareLogs checks the check itself: logs that differ at an
// index, or in length, fail it with the index and the nodes named.
func TestGivenCompareLogs(t *testing.T) {
	same := map[raft.NodeID][]uint64{1: {7, 8, 9}, 2: {7, 8, 9}, 3: {7, 8, 9}}
	require.NoError(t, compareLogs(same))

	differ := map[raft.NodeID][]uint64{1: {7, 8, 9}, 2: {7, 8, 9}, 3: {7, 5, 9}}
	err := compareLogs(differ)
	require.ErrorContains(t, err, "nodes 1 and 3 applied different entries at index 2")

	short := map[raft.NodeID][]uint64{1: {7, 8, 9}, 2: {7, 8}, 3: {7, 8, 9}}
	require.ErrorContains(t, compareLogs(short), "node 1 applied 3 entries and node 2 2")
}

// TestGivenAppliedLogs checks that the Observer that records applied
// entries catches a node that applies a different entry at an index after
// a restart, or skips one, and that the digest covers term and data.
func TestGivenAppliedLogs(t *testing.T) {
	entry := func(index raft.Index, term raft.Term, data string) raft.Entry {
		return raft.Entry{Index: index, Term: term, Type: raft.EntryCommand, Data: []byte(data)}
	}
	ready := func(es ...raft.Entry) raft.Ready { return raft.Ready{CommittedEntries: es} }

	a := newAppliedLogs()
	a.NodeReady(1, ready(entry(1, 1, "a"), entry(2, 1, "b")), raft.Status{})
	a.NodeReady(2, ready(entry(1, 1, "a"), entry(2, 1, "b")), raft.Status{})
	a.NodeReady(3, ready(entry(1, 1, "a"), entry(2, 1, "b")), raft.Status{})
	a.NodeReady(2, ready(entry(1, 1, "a")), raft.Status{}) // re-applied after a restart
	require.NoError(t, a.compare())

	a.NodeReady(3, ready(entry(3, 2, "c")), raft.Status{})
	require.ErrorContains(t, a.compare(), "applied 2 entries and node 3 3")

	a.NodeReady(1, ready(entry(3, 1, "c")), raft.Status{}) // same data, other term
	a.NodeReady(2, ready(entry(3, 2, "c")), raft.Status{})
	require.ErrorContains(t, a.compare(), "nodes 1 and 2 applied different entries at index 3")

	b := newAppliedLogs()
	b.NodeReady(1, ready(entry(1, 1, "a")), raft.Status{})
	b.NodeReady(1, ready(entry(1, 1, "x")), raft.Status{})
	require.ErrorContains(t, b.compare(), "node 1 applied a different entry 1 (term 1) after its restart")

	c := newAppliedLogs()
	c.NodeReady(1, ready(entry(2, 1, "a")), raft.Status{})
	require.ErrorContains(t, c.compare(), "node 1 applied entry 2 right after entry 0")
}

// TestGivenFlags checks that bad flags get exit status 2 and a message
// that names the flag, before anything starts.
func TestGivenFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-clients", "0"}, "-clients 0"},
		{[]string{"-size", "8"}, "-size 8: with 64 clients a command takes from 13 bytes"},
		{[]string{"-size", "100000"}, "-size 100000"},
		{[]string{"-entries", "-1"}, "-entries -1"},
		{[]string{"-duration", "0s"}, "-duration 0s"},
		{[]string{"-tick", "0s"}, "-tick 0s"},
		{[]string{"-timeout", "-1s"}, "-timeout -1s"},
		{[]string{"-down", "-1s"}, "-down -1s"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-colour", "red"}, "flag provided but not defined: -colour"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), tc.args, &stdout, &stderr, Options{})
		require.Equal(t, 2, code, "exit status of stress %s; stderr:\n%s", strings.Join(tc.args, " "), stderr.String())
		require.Contains(t, stderr.String(), tc.want, "stderr of stress %s", strings.Join(tc.args, " "))
		require.Empty(t, stdout.String(), "stress %s must start nothing", strings.Join(tc.args, " "))
	}
}

// TestGivenCommand checks that commands have the size asked for, and
// that the sequence number reads back from the value a store holds.
func TestGivenCommand(t *testing.T) {
	for _, tc := range []struct{ client, size int }{{0, 13}, {63, 16}, {99999, 100}} {
		data := newCommands(tc.client, tc.size).command(42)
		require.Len(t, data, tc.size, "command of client %d with -size %d", tc.client, tc.size)
	}
	value := string(newCommands(5, 16).command(0x2a)[4:])
	require.Equal(t, "00000000002a", value)
	require.True(t, holdsLastWrite(value, writes{acked: 42, tried: 43}))
	require.False(t, holdsLastWrite(value, writes{acked: 43, tried: 43}), "a store older than the last acknowledged write")
	require.True(t, holdsLastWrite("", writes{}), "a client that wrote nothing")
}

// TestGivenWatchdog checks that a client that waits longer than -timeout
// for its command fails the run, with the client named, and that a client
// between commands does not. It runs in a synctest bubble: its clock is
// fake.
func TestGivenWatchdog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &cluster{cfg: config{timeout: 20 * time.Millisecond}}
		since := make([]atomic.Int64, 3)
		since[2].Store(time.Now().Add(-time.Second).UnixNano())
		err := c.watchdog(t.Context(), since, nil)
		require.ErrorContains(t, err, "client 2's command has not applied after 20ms")

		since[2].Store(0)
		over := make(chan struct{})
		time.AfterFunc(time.Second, func() { close(over) })
		require.NoError(t, c.watchdog(t.Context(), since, over), "no client waits")
	})
}
