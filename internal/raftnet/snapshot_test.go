package raftnet

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// compactingNode is a fakeNode that applies every entry it proposes at once
// and can compact: it records the snapshot Compact gets and hands it back.
type compactingNode struct {
	fakeNode
	applied raft.Index
	snap    *raft.Snapshot
}

func newCompacting(cfg raft.Config) (raft.Node, error) {
	return &compactingNode{fakeNode: fakeNode{cfg: cfg}, snap: cfg.Snapshot}, nil
}

func (n *compactingNode) Ready() raft.Ready {
	rd := n.fakeNode.Ready()
	rd.CommittedEntries = rd.Entries
	return rd
}

func (n *compactingNode) Compact(index raft.Index, data []byte) (raft.Snapshot, error) {
	n.snap = &raft.Snapshot{LastIncludedIndex: index, LastIncludedTerm: 1, Voters: n.cfg.Peers, Data: data}
	return *n.snap, nil
}

// TestCompactPersistsAndRestores checks Network.Compact and restarts from a
// snapshot: the snapshot's Data encodes the applied entries, the storage
// keeps the snapshot and drops the entries it covers, and a restarted node
// gets the snapshot back and starts its applied entries from it.
func TestCompactPersistsAndRestores(t *testing.T) {
	net, err := New(2, newCompacting, Options{Seed: 1})
	require.NoError(t, err)
	proposeAll(t, net, 1, "a", "b", "c")
	require.Equal(t, []string{"a", "b", "c"}, datas(net.Applied(1)))

	require.NoError(t, net.Compact(1))
	st := net.Storage(1)
	require.NotNil(t, st.Snapshot, "Compact must persist the node's snapshot")
	require.Equal(t, raft.Index(3), st.Snapshot.LastIncludedIndex, "the snapshot covers the last applied entry")
	require.Empty(t, st.Entries, "the persisted entries the snapshot covers are dropped")
	proposeAll(t, net, 1, "d")
	require.Equal(t, []raft.Index{4}, indexes(net.Storage(1).Entries), "an entry after the snapshot is persisted after it")

	net.Crash(1)
	require.NoError(t, net.Restart(1))
	require.Equal(t, []string{"a", "b", "c"}, datas(net.Applied(1)), "a node restarted from a snapshot starts from the entries its state machine held")
	require.Equal(t, raft.Index(3), net.Node(1).(*compactingNode).snap.LastIncludedIndex, "the restarted node gets its snapshot in Config.Snapshot")

	plain, err := New(1, newFake, Options{})
	require.NoError(t, err)
	require.Error(t, plain.Compact(1), "a node that is not a Compacter cannot compact")
}

// TestSaveSnapshotReplacesLog checks what a Ready with a snapshot does to
// the storage: the snapshot replaces the whole persisted log, and the
// Ready's entries follow it; later entries replace a tail counted from the
// snapshot, not from index 1.
func TestSaveSnapshotReplacesLog(t *testing.T) {
	s := &Storage{Entries: entriesFrom(1, 5)}
	s.save(raft.Ready{Snapshot: &raft.Snapshot{LastIncludedIndex: 7, LastIncludedTerm: 2}, Entries: entriesFrom(8, 2)})
	require.Equal(t, []raft.Index{8, 9}, indexes(s.Entries), "a snapshot at 7 replaces entries 1 to 5; entries 8 and 9 follow")
	s.save(raft.Ready{Entries: entriesFrom(9, 3)})
	require.Equal(t, []raft.Index{8, 9, 10, 11}, indexes(s.Entries), "entries from 9 replace the tail from 9")
	s.compact(raft.Snapshot{LastIncludedIndex: 9})
	require.Equal(t, []raft.Index{10, 11}, indexes(s.Entries), "compacting at 9 drops 8 and 9")
}

// TestAddStartsANewNode checks Network.Add: a node with a new ID starts,
// takes part in the network, and an ID already used is refused.
func TestAddStartsANewNode(t *testing.T) {
	net := newFakeNetwork(t, 2, Options{})
	require.NoError(t, net.Add(3))
	require.Equal(t, []raft.NodeID{1, 2, 3}, net.IDs())
	require.NotNil(t, net.Node(3))
	require.Error(t, net.Add(2), "node 2 exists")
	require.Error(t, net.Add(raft.None), "0 is no ID")
}

func entriesFrom(first raft.Index, n int) []raft.Entry {
	es := make([]raft.Entry, n)
	for i := range es {
		es[i] = raft.Entry{Term: 1, Index: first + raft.Index(i)}
	}
	return es
}

func indexes(es []raft.Entry) []raft.Index {
	out := make([]raft.Index, len(es))
	for i, e := range es {
		out[i] = e.Index
	}
	return out
}

func datas(es []raft.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e.Data)
	}
	return out
}

// TestWipe checks that a wiped node restarts with nothing persisted.
func TestWipe(t *testing.T) {
	net := newFakeNetwork(t, 2, Options{})
	proposeAll(t, net, 1, "a")
	require.NotEmpty(t, net.Storage(1).Entries)
	net.Wipe(1)
	require.Nil(t, net.Node(1), "a wiped node is crashed")
	require.NoError(t, net.Restart(1))
	require.Empty(t, net.Storage(1).Entries, "a wiped node restarts with no entries")
	require.Equal(t, raft.HardState{}, net.Storage(1).HardState, "a wiped node restarts with no hard state")
}
