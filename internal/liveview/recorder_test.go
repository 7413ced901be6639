package liveview

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/07-election"
	"raftgo/solutions/08-testing"
	"raftgo/solutions/09-simulation"
)

// The Recorder plugs into every cluster that reports to an Observer.
var (
	_ invariants.Observer = (*Recorder)(nil)
	_ sim.Observer        = (*Recorder)(nil)
	_ raftnet.Observer    = (*Recorder)(nil)
)

// TestRecorderOnCluster runs a cluster of three in the test network with
// a Recorder watching: the view shows the leader the network elected, the
// entries it committed in every log, the messages they sent, and a crashed
// node down.
func TestRecorderOnCluster(t *testing.T) {
	var events []Event
	rec := NewRecorder(func(ev Event) { events = append(events, ev) })
	var ticks time.Duration
	rec.Clock = func() time.Duration { return ticks * 10 * time.Millisecond }
	factory := func(cfg raft.Config) (raft.Node, error) { return core.New(cfg) }
	net, err := raftnet.New(3, factory, raftnet.Options{Seed: 1, Observer: rec})
	require.NoError(t, err)
	var leader raft.NodeID
	for range 1000 {
		ticks++
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
		if l := net.Leaders(); len(l) == 1 {
			leader = l[0]
			break
		}
	}
	require.NotZero(t, leader, "the test network elected no leader in 1000 ticks")
	for i := range 3 {
		_, _, err := net.Propose(leader, fmt.Appendf(nil, "set k%d %d", i, i))
		require.NoError(t, err)
	}
	for range 3 {
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
	}

	snap := rec.Snapshot()
	require.Equal(t, ticks*10*time.Millisecond, snap.At, "a snapshot's time is the Recorder's Clock")
	require.Len(t, snap.Nodes, 3)
	require.Equal(t, uint64(leader), snap.Leader(), "the view's leader")
	for _, n := range snap.Nodes {
		require.True(t, n.Up)
		require.Equal(t, uint64(4), n.Commit, "node %d: the no-op and three writes are committed", n.ID)
		require.Equal(t, uint64(4), n.LastIndex)
		require.Len(t, n.Tail, 4, "node %d's tail", n.ID)
		require.Equal(t, Entry{Index: 1, Term: n.Term, Text: "no-op"}, n.Tail[0])
		require.Equal(t, Entry{Index: 4, Term: n.Term, Text: "set k2 2"}, n.Tail[3])
	}
	kinds := map[string]bool{}
	for _, ev := range events {
		if ev.Message != nil {
			kinds[ev.Message.Type] = true
		}
	}
	require.True(t, kinds["RequestVote"] && kinds["AppendEntries"] && kinds["AppendEntriesResponse"],
		"the votes and appends the nodes sent are shown: %v", kinds)

	net.Crash(leader)
	snap = rec.Snapshot()
	require.False(t, snap.Nodes[leader-1].Up, "a crashed node shows down")
	require.Zero(t, snap.Leader(), "a crashed leader does not lead")
	rec.SetCut(1, true)
	require.True(t, rec.Snapshot().Nodes[0].Cut)
	require.True(t, events[len(events)-1].State.Nodes[0].Cut, "cutting a node sends a snapshot")
}

// TestAppendTail checks how the view follows a log: entries replace those
// at or after their first index, and only the last TailLength are kept.
func TestAppendTail(t *testing.T) {
	entries := func(from, to, term int) []raft.Entry {
		var es []raft.Entry
		for i := from; i <= to; i++ {
			es = append(es, raft.Entry{Index: raft.Index(i), Term: raft.Term(term), Data: []byte("x")})
		}
		return es
	}
	indexes := func(tail []Entry) (out []string) {
		for _, e := range tail {
			out = append(out, fmt.Sprintf("%d@%d", e.Index, e.Term))
		}
		return out
	}
	tail := appendTail(nil, entries(1, 3, 1))
	require.Equal(t, []string{"1@1", "2@1", "3@1"}, indexes(tail))
	tail = appendTail(tail, entries(2, 2, 2))
	require.Equal(t, []string{"1@1", "2@2"}, indexes(tail), "a conflicting entry replaces it and those after it")
	tail = appendTail(tail, entries(3, 12, 2))
	require.Len(t, tail, TailLength)
	require.Equal(t, uint64(12), tail[TailLength-1].Index)
	require.Equal(t, uint64(12-TailLength+1), tail[0].Index)

	require.Equal(t, "no-op", entryText(raft.Entry{}))
	require.Equal(t, "0123456789abcdef…", entryText(raft.Entry{Data: []byte("0123456789abcdefXYZ")}))
}

// TestFeedNeverWaits checks that a Feed drops, and counts, what the view
// has no room for, rather than block the cluster that reports.
func TestFeedNeverWaits(t *testing.T) {
	f := NewFeed(2)
	for range 5 {
		f.Send(Event{State: &Snapshot{}})
	}
	require.Equal(t, int64(3), f.Dropped())
	require.Len(t, f.Events(), 2)
}
