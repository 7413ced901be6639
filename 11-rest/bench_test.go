package core_test

import (
	"fmt"
	"testing"

	core "raftgo/11-rest"
	"raftgo/solutions/03-planning"
)

// BenchmarkSnapshotCatchUp measures how long a leader takes to bring an
// empty follower up to date by InstallSnapshot, in the core alone:
// messages are stepped straight into their receivers and nothing is
// persisted. One op is one whole transfer, in chunks of
// DefaultOptions.SnapshotChunkSize; the bytes per second are the
// snapshot's.
func BenchmarkSnapshotCatchUp(b *testing.B) {
	for _, size := range []int{1 << 20, 16 << 20} {
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) {
			data := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				catchUp(b, data)
			}
		})
	}
}

// catchUp makes a 2-node cluster whose node 1 has a snapshot of data and
// node 2 nothing, and ticks node 1 and steps every message until node 1 is
// elected and node 2 has installed the snapshot. The election is a few
// messages; the transfer is most of the time.
func catchUp(b *testing.B, data []byte) {
	b.StopTimer()
	nodes := map[raft.NodeID]*core.Node{}
	for _, id := range []raft.NodeID{1, 2} {
		cfg := raft.DefaultConfig(id, []raft.NodeID{1, 2})
		if id == 1 {
			cfg.HardState = raft.HardState{Term: 1, Commit: 1}
			cfg.Snapshot = &raft.Snapshot{LastIncludedIndex: 1000, LastIncludedTerm: 1, Voters: []raft.NodeID{1, 2}, Data: data}
		}
		n, err := core.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		nodes[id] = n
	}
	b.StartTimer()
	for nodes[2].Status().Commit < 1000 {
		nodes[1].Tick()
		deliver(b, nodes, nodes[1].Ready().Messages)
	}
}

// deliver steps msgs, and every message they cause, into their receivers.
func deliver(b *testing.B, nodes map[raft.NodeID]*core.Node, msgs []raft.Message) {
	for len(msgs) > 0 {
		m := msgs[0]
		msgs = msgs[1:]
		if err := nodes[m.To].Step(m); err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, nodes[m.To].Ready().Messages...)
	}
}
