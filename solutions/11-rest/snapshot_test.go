package core_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// The rules the snapshot tests cite, as the paper words them.
const (
	compactRule = `§7: "the entire system state is written to a snapshot on stable storage, then the entire log up to that point is discarded"`
	sendRule    = `§7: "the leader must occasionally send snapshots to followers that lag behind … when it has already discarded the next log entry that it needs to send to a follower"`
	chunkRule   = `Figure 13, InstallSnapshot: "offset: byte offset where chunk is positioned in the snapshot file … done: true if this is the last chunk"`
)

// TestCompactKeepsTrailingWindow checks compaction (§7): after the state
// machine snapshots at its last applied index, the core keeps only
// TrailingEntries entries before that index, the snapshot carries the term
// of its last entry and the configuration as of it, and the runtime's
// storage drops the entries the snapshot covers. Handout: "2. Compaction".
func TestCompactKeepsTrailingWindow(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 1})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	propose(t, net, leader, "a", "b", "c", "d", "e")
	settle(t, net, 2)
	applied := net.Applied(leader)
	last := applied[len(applied)-1]

	require.NoError(t, net.Compact(leader), "Compact on leader %d after applying up to %d (handout: \"2. Compaction\")", leader, last.Index)
	n := coreOf(t, net, leader)
	require.Equal(t, last.Index-raft.Index(testOptions.TrailingEntries)+1, n.FirstIndex(),
		"the leader's first log index after a snapshot at %d with TrailingEntries %d (%s; handout: \"2. Compaction\")", last.Index, testOptions.TrailingEntries, compactRule)
	snap := net.Storage(leader).Snapshot
	require.NotNil(t, snap, "Compact must return the snapshot for the runtime to persist")
	require.Equal(t, last.Index, snap.LastIncludedIndex, "the snapshot's LastIncludedIndex (Figure 13)")
	require.Equal(t, last.Term, snap.LastIncludedTerm, "the snapshot's LastIncludedTerm: the term of entry %d (Figure 13)", last.Index)
	require.Equal(t, []raft.NodeID{1, 2, 3}, snap.Voters, "the snapshot's configuration as of its last index (§7: \"the latest configuration as of the last included index\")")
	require.Empty(t, net.Storage(leader).Entries, "the persisted entries the snapshot covers are dropped")

	// The log still works: a new entry is replicated and applied everywhere.
	propose(t, net, leader, "f")
	settle(t, net, 2)
	for _, id := range net.IDs() {
		require.Equal(t, []string{"a", "b", "c", "d", "e", "f"}, commands(net.Applied(id)), "node %d's applied commands after compaction on the leader", id)
	}
}

// TestLaggingFollowerGetsSnapshotInChunks checks InstallSnapshot (§7,
// Figure 13): a follower that was down while the leader compacted the
// entries it needs gets the snapshot instead, in chunks of at most
// SnapshotChunkSize bytes at increasing offsets, the last marked done; it
// installs it, gets the entries that follow, and applies exactly what the
// others applied. Handout: "4. Sending a snapshot" and "5. Installing a
// snapshot".
func TestLaggingFollowerGetsSnapshotInChunks(t *testing.T) {
	var chunks []raft.InstallSnapshot
	net := newCluster(t, 3, raftnet.Options{Seed: 2, OnReady: func(id raft.NodeID, rd raft.Ready) {
		for _, m := range rd.Messages {
			if is, ok := m.Body.(raft.InstallSnapshot); ok {
				chunks = append(chunks, is)
			}
		}
	}})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	lagging := others(net.IDs(), leader)[0]
	net.Crash(lagging)
	for i := range 10 {
		propose(t, net, leader, fmt.Sprintf("command %d", i))
	}
	settle(t, net, 2)
	require.NoError(t, net.Compact(leader))
	require.NoError(t, net.Restart(lagging))
	settle(t, net, 10)

	require.NotEmpty(t, chunks, "the leader sent no InstallSnapshot to node %d, which needs entries it compacted away (%s; handout: \"4. Sending a snapshot\")", lagging, sendRule)
	require.Greater(t, len(chunks), 1, "a snapshot of %d bytes must go in chunks of at most %d (%s)", len(net.Storage(leader).Snapshot.Data), testOptions.SnapshotChunkSize, chunkRule)
	var offset uint64
	for i, is := range chunks {
		require.LessOrEqual(t, len(is.Snapshot.Data), testOptions.SnapshotChunkSize, "chunk %d is larger than SnapshotChunkSize (%s)", i, chunkRule)
		require.Equal(t, offset, is.Offset, "chunk %d's offset: each chunk starts where the last ended (%s; handout: \"4. Sending a snapshot\")", i, chunkRule)
		require.Equal(t, i == len(chunks)-1, is.Done, "chunk %d of %d: only the last is done (%s)", i, len(chunks), chunkRule)
		offset += uint64(len(is.Snapshot.Data))
	}
	require.NotNil(t, net.Storage(lagging).Snapshot, "node %d must persist the snapshot it installed (Ready.Snapshot; handout: \"5. Installing a snapshot\")", lagging)
	want := commands(net.Applied(leader))
	require.Equal(t, want, commands(net.Applied(lagging)), "node %d restored from the snapshot and applied what followed: it must hold what the leader applied (handout: \"5. Installing a snapshot\")", lagging)
	requireSameApplied(t, net, "after a snapshot install")

	propose(t, net, leader, "after")
	settle(t, net, 2)
	require.Equal(t, append(want, "after"), commands(net.Applied(lagging)), "node %d must take entries again after the snapshot", lagging)
}

// TestLostChunkIsResent checks that a snapshot transfer survives lost
// messages: a chunk that does not arrive is sent again with the next
// heartbeat, from the offset the follower acknowledged, and the transfer
// completes. Handout: "4. Sending a snapshot".
func TestLostChunkIsResent(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 3})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	lagging := others(net.IDs(), leader)[0]
	net.Crash(lagging)
	for i := range 10 {
		propose(t, net, leader, fmt.Sprintf("command %d", i))
	}
	require.NoError(t, net.Compact(leader))
	require.NoError(t, net.Restart(lagging))
	dropped, seen := 0, 0
	for range 20 {
		require.NoError(t, net.Tick())
		for len(net.InFlight()) > 0 {
			// Lose every second chunk on the way, three in all.
			m := net.InFlight()[0]
			if is, ok := m.Body.(raft.InstallSnapshot); ok {
				if seen++; seen%2 == 1 && dropped < 3 {
					dropped += net.Drop(func(x raft.Message) bool {
						other, ok := x.Body.(raft.InstallSnapshot)
						return ok && x.To == m.To && other.Offset == is.Offset
					})
					continue
				}
			}
			_, err := net.DeliverOne()
			require.NoError(t, err)
		}
	}
	require.Equal(t, 3, dropped, "the test should have dropped three chunks")
	require.Equal(t, commands(net.Applied(leader)), commands(net.Applied(lagging)),
		"node %d after losing three chunks: the leader resends from the acknowledged offset on its heartbeats until the snapshot is installed (%s; handout: \"4. Sending a snapshot\")", lagging, chunkRule)
}

// TestRestartFromSnapshot checks that a node restarts from what it
// persisted, snapshot plus log: its state machine comes back from the
// snapshot, the entries after it are applied once, and it keeps working
// with the cluster. Handout: "5. Installing a snapshot".
func TestRestartFromSnapshot(t *testing.T) {
	net := newCluster(t, 3, raftnet.Options{Seed: 4})
	leader := waitLeader(t, net, net.IDs(), electionBound)
	propose(t, net, leader, "a", "b", "c", "d")
	settle(t, net, 2)
	follower := others(net.IDs(), leader)[0]
	require.NoError(t, net.Compact(follower), "Compact on follower %d", follower)
	propose(t, net, leader, "e")
	settle(t, net, 2)
	before := commands(net.Applied(follower))

	for _, id := range []raft.NodeID{follower, leader} {
		net.Crash(id)
		require.NoError(t, net.Restart(id), "restarting node %d from its snapshot, hard state and entries (handout: \"5. Installing a snapshot\")", id)
	}
	leader = waitLeader(t, net, net.IDs(), electionBound)
	settle(t, net, 2)
	require.Equal(t, before, commands(net.Applied(follower)), "follower %d restarted from snapshot plus log must hold the same state (§7)", follower)
	propose(t, net, leader, "f")
	settle(t, net, 2)
	for _, id := range net.IDs() {
		require.Equal(t, append(before, "f"), commands(net.Applied(id)), "node %d after the restarts", id)
	}
	requireSameApplied(t, net, "after restarts from snapshots")
}
