package system

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
	raftkv "raftgo/solutions/10-system"
	"raftgo/solutions/10-system/wal"
)

// The benchmarks of snapshots and catch-up, at 100k and 1M keys of 16-byte
// values (figures in the handout, "The system, part 1: snapshots and
// membership"):
//
//	go test -run '^$' -bench 'Snapshot|Restore|CatchUp' -benchtime 3x ./solutions/11-rest/system

// benchSizes are the store sizes the benchmarks measure.
var benchSizes = []int{100_000, 1_000_000}

// storeOf returns a store's content of n keys.
func storeOf(n int) map[string]string {
	data := make(map[string]string, n)
	for i := range n {
		data[fmt.Sprintf("key%07d", i)] = fmt.Sprintf("value-%010d", i)
	}
	return data
}

// seed writes, into a new write-ahead log in dir, a snapshot at index 1 of
// a store with data, taken by a cluster of voters, so that a node started
// from dir holds data.
func seed(b *testing.B, dir string, data []byte, voters []raft.NodeID) {
	b.Helper()
	w, err := wal.Open(dir, wal.Options{})
	require.NoError(b, err)
	require.NoError(b, w.SaveSnapshot(raft.Snapshot{LastIncludedIndex: 1, LastIncludedTerm: 1, Voters: voters, Data: data}))
	require.NoError(b, w.Save(raft.HardState{Term: 1, Commit: 1}, nil))
	require.NoError(b, w.Close())
}

// idleTransport is the transport of a cluster of one: it sends nothing.
type idleTransport struct{ recv chan raft.Message }

func (t idleTransport) Send(...raft.Message)         {}
func (t idleTransport) Receive() <-chan raft.Message { return t.recv }

// startAlone starts a node of a cluster of one from the log in dir.
func startAlone(b *testing.B, dir string) (*raftkv.Node, *wal.WAL) {
	b.Helper()
	w, err := wal.Open(dir, wal.Options{})
	require.NoError(b, err)
	n, err := raftkv.StartNode(raftkv.NodeConfig{
		ID: 1, Peers: []raft.NodeID{1}, Storage: w, Transport: idleTransport{make(chan raft.Message)},
		TickInterval: time.Millisecond, NewCore: NewCore, SnapshotEvery: -1,
	})
	require.NoError(b, err)
	return n, w
}

// BenchmarkSnapshot measures a snapshot of a node whose store holds n
// keys: the state machine's encoding, the core's Compact, and the write of
// the snapshot file with its fsyncs and the log's truncation behind it.
func BenchmarkSnapshot(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("keys=%d", size), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "node")
			data := raftkv.MarshalStore(storeOf(size))
			seed(b, dir, data, []raft.NodeID{1})
			n, w := startAlone(b, dir)
			defer w.Close()
			defer n.Stop(context.Background())
			b.SetBytes(int64(len(data)))
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				waitLeading(b, n)
				_, err := n.Propose(context.Background(), []byte{'B'}) // a barrier: something new to snapshot
				require.NoError(b, err)
				b.StartTimer()
				require.NoError(b, n.Snapshot(context.Background()))
			}
		})
	}
}

// BenchmarkRestore measures a restart from a snapshot of n keys: opening
// the write-ahead log, reading and checking the snapshot file, and
// rebuilding the store from it.
func BenchmarkRestore(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("keys=%d", size), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "node")
			data := raftkv.MarshalStore(storeOf(size))
			seed(b, dir, data, []raft.NodeID{1})
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				n, w := startAlone(b, dir)
				b.StopTimer()
				_, ok := n.Store().Get(fmt.Sprintf("key%07d", size-1))
				require.True(b, ok, "the restored store holds the last key")
				require.NoError(b, n.Stop(context.Background()))
				require.NoError(b, w.Close())
				b.StartTimer()
			}
		})
	}
}

// waitLeading waits until a cluster of one has elected itself.
func waitLeading(b *testing.B, n *raftkv.Node) {
	b.Helper()
	deadline := time.Now().Add(wait)
	for n.Status().Role != raft.Leader {
		require.True(b, time.Now().Before(deadline), "a cluster of one elects itself")
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkCatchUp measures how long a new member, which has lost its
// disk and joins under a new ID, takes to catch up with a cluster of three
// whose store holds n keys: from its start to the moment it has applied the
// leader's commit index, through POST /join and an InstallSnapshot of the
// whole store, in 64 KiB chunks, over loopback TCP with fsync. Each
// iteration removes the new member again.
func BenchmarkCatchUp(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("keys=%d", size), func(b *testing.B) {
			c := newCluster(b)
			data := raftkv.MarshalStore(storeOf(size))
			voters := []raft.NodeID{1, 2, 3}
			var cl raft.Cluster
			for _, id := range voters {
				cfg := c.config(id, -1)
				cl = append(cl, cfg.Cluster[0])
				c.servers[id] = &server{cfg: cfg}
			}
			for _, id := range voters {
				c.servers[id].cfg.Cluster = cl
				seed(b, c.servers[id].cfg.Dir, data, voters)
				c.start(id)
			}
			leader := c.waitLeader()
			b.SetBytes(int64(len(data)))
			next := raft.NodeID(4)
			for b.Loop() {
				s := c.join(next, leader.cfg.ID, -1)
				commit := leader.node().Status().Commit
				c.waitFor(wait*6, fmt.Sprintf("node %d catches up", next), func() bool { return s.node().Status().Applied >= commit })
				b.StopTimer()
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				require.NoError(b, leader.node().RemoveMember(ctx, next))
				cancel()
				c.stop(next)
				next++
				b.StartTimer()
			}
		})
	}
}
