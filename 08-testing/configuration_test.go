package invariants

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// The checkers and stage 11: a log that starts after a snapshot, and a
// configuration that changes. The cores of stages 05 to 10 do neither, so
// for them the Checker's quorum is the whole cluster; these tests build by
// hand what stage 11's core does.

// confEntry is an EntryConfChange entry whose configuration after the
// change has the voters given (the change itself is a RemoveServer of
// node 0: the Checker reads only the voters).
func confEntry(t testing.TB, index raft.Index, term raft.Term, voters ...raft.NodeID) raft.Entry {
	t.Helper()
	data, err := raft.MarshalConfChange(raft.ConfChange{Type: raft.RemoveServer, Voters: voters})
	require.NoError(t, err)
	return raft.Entry{Index: index, Term: term, Type: raft.EntryConfChange, Data: data}
}

// TestElectionSafetyConfiguration checks that the Election Safety checker
// counts the votes of the voters of the new leader's configuration, which
// takes effect when its entry is appended (§4.1 of Ongaro's dissertation;
// handout: "1. Election Safety").
func TestElectionSafetyConfiguration(t *testing.T) {
	shrunk := func(h *history) {
		// Five nodes, then a configuration of voters 1, 2 and 3 on 1 and 2.
		h.write(1, confEntry(t, 1, 1, 1, 2, 3)).write(2, confEntry(t, 1, 1, 1, 2, 3))
	}
	runCheckerCases(t, ElectionSafety, "1. Election Safety", []checkerCase{
		{name: "two of three voters, in a cluster of five", size: 5, build: func(h *history) {
			shrunk(h)
			h.follow(2, raft.None, 2, 1).lead(1, 2)
		}},
		{name: "three of five nodes, but one of three voters", size: 5, breaks: true, build: func(h *history) {
			shrunk(h)
			h.follow(4, raft.None, 2, 1).follow(5, raft.None, 2, 1).lead(1, 2)
		}},
	})
}

// TestCommittedKeptConfiguration checks that the committed-kept checker
// asks a majority of the committing node's voters, not of every node it
// has seen, and that a snapshot holds every entry up to its index (§4.1
// of the dissertation, §7 of the paper; handout: "7. Committed entries are
// kept").
func TestCommittedKeptConfiguration(t *testing.T) {
	shrunk := func(h *history) {
		h.lead(1, 1).write(1, confEntry(t, 1, 1, 1, 2, 3), entry(2, 1, "a"))
	}
	runCheckerCases(t, CommittedKept, "7. Committed entries are kept", []checkerCase{
		{name: "on two of three voters, in a cluster of five", size: 5, build: func(h *history) {
			shrunk(h)
			h.write(2, confEntry(t, 1, 1, 1, 2, 3), entry(2, 1, "a")).commit(1, 2)
		}},
		{name: "on three of five nodes, but one of three voters", size: 5, breaks: true, build: func(h *history) {
			shrunk(h)
			for _, id := range []raft.NodeID{4, 5} {
				h.write(id, confEntry(t, 1, 1, 1, 2, 3), entry(2, 1, "a"))
			}
			h.commit(1, 2)
		}},
		{name: "committed, then the leader removes itself, in one Ready", size: 5, build: func(h *history) {
			h.lead(1, 1)
			for _, id := range []raft.NodeID{1, 2, 3} {
				h.write(id, entry(1, 1, "a"))
			}
			// Entry 1 committed on 1, 2 and 3 of five; the removal of node 1,
			// appended in the same Ready, came after.
			h.ready(1, raft.Ready{HardState: raft.HardState{Term: 1, Vote: 1, Commit: 1}, Entries: []raft.Entry{confEntry(t, 2, 1, 2, 3, 4, 5)}}, nil)
		}},
		{name: "a removed leader counts itself", size: 5, breaks: true, build: func(h *history) {
			h.lead(1, 1)
			for _, id := range []raft.NodeID{1, 2, 3} {
				h.write(id, entry(1, 1, "a"))
			}
			h.write(1, confEntry(t, 2, 1, 2, 3, 4, 5)).write(2, confEntry(t, 2, 1, 2, 3, 4, 5))
			h.commit(1, 2) // 1 and 2 hold entry 2: 1 of the voters 2 to 5
		}},
		{name: "a snapshot holds what it covers", build: func(h *history) {
			h.lead(1, 1).write(1, entry(1, 1, "a"), entry(2, 1, "b"))
			h.crash(2)
			h.c.NodeStarted(raft.Config{ID: 2, Peers: h.peers, HardState: raft.HardState{Term: 1},
				Snapshot: &raft.Snapshot{LastIncludedIndex: 2, LastIncludedTerm: 1, Voters: h.peers}}, raft.Status{ID: 2, Term: 1, Commit: 2, Applied: 2, LastIndex: 2})
			h.commit(1, 2)
		}},
	})
}

// TestGivenSnapshotsAndConfigurations checks the Checker's given
// bookkeeping for stage 11 on a life built by hand: a follower restarted
// from a snapshot, a snapshot installed from the leader, and a
// configuration that changes and is cut off again. Every check runs, and
// none may find anything in this correct history.
func TestGivenSnapshotsAndConfigurations(t *testing.T) {
	c := NewChecker()
	peers := []raft.NodeID{1, 2, 3}
	for _, id := range peers {
		c.NodeStarted(raft.DefaultConfig(id, peers), raft.Status{ID: id})
	}
	a, b, cc := entry(1, 1, "a"), entry(2, 1, "b"), confEntry(t, 3, 1, 1, 2)
	// Node 1 leads term 1 with node 2's vote and commits a and b on 1 and 2.
	c.NodeReady(2, raft.Ready{HardState: raft.HardState{Term: 1, Vote: 1}}, raft.Status{ID: 2, Term: 1, Vote: 1, Leader: 1})
	c.NodeReady(1, raft.Ready{HardState: raft.HardState{Term: 1, Vote: 1}}, raft.Status{ID: 1, Role: raft.Leader, Term: 1, Vote: 1, Leader: 1})
	c.NodeReady(1, raft.Ready{Entries: []raft.Entry{a, b}}, raft.Status{ID: 1, Role: raft.Leader, Term: 1, Vote: 1, Leader: 1, LastIndex: 2,
		Progress: map[raft.NodeID]raft.Progress{2: {Next: 3}, 3: {Next: 3}}})
	c.NodeReady(2, raft.Ready{Entries: []raft.Entry{a, b}}, raft.Status{ID: 2, Term: 1, Vote: 1, Leader: 1, LastIndex: 2})
	c.NodeReady(1, raft.Ready{HardState: raft.HardState{Term: 1, Vote: 1, Commit: 2}, CommittedEntries: []raft.Entry{a, b}},
		raft.Status{ID: 1, Role: raft.Leader, Term: 1, Vote: 1, Leader: 1, LastIndex: 2, Commit: 2, Applied: 2,
			Progress: map[raft.NodeID]raft.Progress{2: {Match: 2, Next: 3}, 3: {Next: 3}}})
	requireNoViolation(t, c, "after node 1 committed a and b")

	// Node 3, far behind, installs the leader's snapshot of index 2, then
	// gets the next entry, a configuration of voters 1 and 2 that takes
	// effect at once.
	snap := &raft.Snapshot{LastIncludedIndex: 2, LastIncludedTerm: 1, Voters: peers}
	c.NodeReady(3, raft.Ready{HardState: raft.HardState{Term: 1, Commit: 2}, Snapshot: snap}, raft.Status{ID: 3, Term: 1, Leader: 1, LastIndex: 2, Commit: 2, Applied: 2})
	n3 := c.nodes[3]
	require.Equal(t, raft.Index(3), n3.first, "node 3's log starts after its snapshot")
	require.Equal(t, raft.Index(2), n3.lastApplied, "node 3 has applied what its snapshot holds")
	term, ok := n3.termAt(2)
	require.True(t, ok && term == 1, "the snapshot gives the term of its last index")
	require.True(t, n3.holds(1, a), "a snapshot holds every entry up to its index")
	for _, id := range []raft.NodeID{1, 3} {
		c.NodeReady(id, raft.Ready{Entries: []raft.Entry{cc}}, raft.Status{ID: id, Role: c.nodes[id].status.Role, Term: 1, Vote: c.nodes[id].hard.Vote, Leader: 1, LastIndex: 3,
			Commit: c.nodes[id].status.Commit, Applied: c.nodes[id].status.Applied, Progress: c.nodes[id].status.Progress})
	}
	requireNoViolation(t, c, "after node 3 installed a snapshot and appended entry 3")
	require.Equal(t, []raft.NodeID{1, 2}, c.nodes[3].voters(), "a configuration takes effect when appended (§4.1 of the dissertation)")
	require.Equal(t, []raft.NodeID{1, 2, 3}, c.nodes[2].voters(), "node 2 has not appended the change: it keeps its Peers")

	// Node 3 applies entry 2's successor only once it commits; before
	// that, node 2 (term 2, with node 3's vote) replaces entry 3 on node 3
	// with an entry of its own term: the configuration falls back to the
	// snapshot's.
	c.NodeReady(3, raft.Ready{HardState: raft.HardState{Term: 2, Vote: 2, Commit: 2}}, raft.Status{ID: 3, Term: 2, Vote: 2, LastIndex: 3, Commit: 2, Applied: 2})
	c.NodeReady(3, raft.Ready{Entries: []raft.Entry{entry(3, 2, "x")}}, raft.Status{ID: 3, Term: 2, Vote: 2, Leader: 2, LastIndex: 3, Commit: 2, Applied: 2})
	requireNoViolation(t, c, "after entry 3 was replaced on node 3")
	require.Equal(t, []raft.NodeID{1, 2, 3}, c.nodes[3].voters(), "a node whose configuration entry is cut off falls back to its snapshot's configuration")
	require.Empty(t, c.nodes[3].confs)
	// Node 3 applies entry 3 right after its snapshot: no gap.
	c.NodeReady(3, raft.Ready{HardState: raft.HardState{Term: 2, Vote: 2, Commit: 3}, CommittedEntries: []raft.Entry{entry(3, 2, "x")}}, raft.Status{ID: 3, Term: 2, Vote: 2, Leader: 2, LastIndex: 3, Commit: 3, Applied: 3})
	for _, v := range c.Violations() {
		require.NotEqual(t, AppliedPrefix, v.Property, "node 3 applied index 3 right after its snapshot of index 2: %v", v)
	}
}
