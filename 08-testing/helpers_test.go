package invariants

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/07-election"
)

// newNode is the reference core of stage 07 as a raftnet factory.
func newNode(cfg raft.Config) (raft.Node, error) {
	n, err := core.New(cfg)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// history feeds a Checker a cluster's life written by hand, one report at a
// time, so that a test can build exactly the situation a property is about.
// It keeps a model of each node (its persisted hard state and log, and its
// status) and reports every change as a Ready with a status that agrees
// with the model, unless the test edits the status.
type history struct {
	t     testing.TB
	c     *Checker
	peers []raft.NodeID
	nodes map[raft.NodeID]*model
}

// model is what a history knows of one node.
type model struct {
	hard raft.HardState
	log  []raft.Entry
	st   raft.Status
	up   bool
}

// newHistory starts a cluster of size nodes, with nothing persisted, in
// front of a new Checker of the properties named (every property if none
// is).
func newHistory(t testing.TB, size int, properties ...Property) *history {
	h := &history{t: t, c: NewChecker(properties...), nodes: make(map[raft.NodeID]*model)}
	for id := raft.NodeID(1); int(id) <= size; id++ {
		h.peers = append(h.peers, id)
	}
	for _, id := range h.peers {
		h.nodes[id] = &model{}
		h.restart(id)
	}
	return h
}

// entry is shorthand for a log entry.
func entry(index raft.Index, term raft.Term, data string) raft.Entry {
	return raft.Entry{Index: index, Term: term, Data: []byte(data)}
}

// node returns the model of node id.
func (h *history) node(id raft.NodeID) *model {
	h.t.Helper()
	m, ok := h.nodes[id]
	require.True(h.t, ok, "the history has no node %d", id)
	return m
}

// ready reports a Ready of node id: it persists rd into the model, hands
// out rd.CommittedEntries as applied, and reports the model's status after
// edit (if not nil) changed it.
func (h *history) ready(id raft.NodeID, rd raft.Ready, edit func(*raft.Status)) *history {
	h.t.Helper()
	m := h.node(id)
	require.True(h.t, m.up, "node %d is crashed: restart it before it produces a Ready", id)
	if !rd.HardState.IsZero() {
		m.hard = rd.HardState
	}
	if len(rd.Entries) > 0 {
		keep := min(int(rd.Entries[0].Index-1), len(m.log))
		m.log = append(slices.Clip(m.log[:keep]), rd.Entries...)
	}
	if n := len(rd.CommittedEntries); n > 0 {
		m.st.Applied = rd.CommittedEntries[n-1].Index
	}
	m.st.Term, m.st.Vote, m.st.Commit = m.hard.Term, m.hard.Vote, m.hard.Commit
	m.st.LastIndex = raft.Index(len(m.log))
	if m.st.Role == raft.Leader {
		m.st.Progress = make(map[raft.NodeID]raft.Progress)
		for _, peer := range h.peers {
			if peer != id {
				m.st.Progress[peer] = raft.Progress{Match: 0, Next: m.st.LastIndex + 1}
			}
		}
	}
	st := m.st
	if edit != nil {
		edit(&st)
	}
	h.c.NodeReady(id, rd, st)
	return h
}

// lead makes node id the leader of term, having voted for itself.
func (h *history) lead(id raft.NodeID, term raft.Term) *history {
	h.t.Helper()
	m := h.node(id)
	m.st.Role, m.st.Leader = raft.Leader, id
	return h.ready(id, raft.Ready{HardState: raft.HardState{Term: term, Vote: id, Commit: m.hard.Commit}}, nil)
}

// elect makes node id the leader of term with the votes of a majority:
// its own and those of the next nodes in ID order, which follow it.
func (h *history) elect(id raft.NodeID, term raft.Term) *history {
	h.t.Helper()
	votes := 1
	for _, voter := range h.peers {
		if votes >= len(h.peers)/2+1 {
			break
		}
		if voter != id && h.node(voter).up {
			h.follow(voter, raft.None, term, id)
			votes++
		}
	}
	return h.lead(id, term)
}

// follow makes node id a follower of leader in term, with the vote it cast
// in term (None for none).
func (h *history) follow(id, leader raft.NodeID, term raft.Term, vote raft.NodeID) *history {
	h.t.Helper()
	m := h.node(id)
	m.st.Role, m.st.Leader = raft.Follower, leader
	return h.ready(id, raft.Ready{HardState: raft.HardState{Term: term, Vote: vote, Commit: m.hard.Commit}}, nil)
}

// write persists entries on node id, replacing what it held from the first
// entry's index on.
func (h *history) write(id raft.NodeID, entries ...raft.Entry) *history {
	h.t.Helper()
	return h.ready(id, raft.Ready{Entries: entries}, nil)
}

// commit moves node id's commit index to index.
func (h *history) commit(id raft.NodeID, index raft.Index) *history {
	h.t.Helper()
	hs := h.node(id).hard
	hs.Commit = index
	return h.ready(id, raft.Ready{HardState: hs}, nil)
}

// apply hands out the entries of node id's log up to index to apply, from
// the one after the last it applied.
func (h *history) apply(id raft.NodeID, index raft.Index) *history {
	h.t.Helper()
	m := h.node(id)
	require.LessOrEqual(h.t, int(index), len(m.log), "node %d cannot apply index %d: its log ends at %d", id, index, len(m.log))
	return h.ready(id, raft.Ready{CommittedEntries: slices.Clone(m.log[m.st.Applied:index])}, nil)
}

// crash stops node id.
func (h *history) crash(id raft.NodeID) *history {
	h.t.Helper()
	h.node(id).up = false
	h.c.NodeCrashed(id)
	return h
}

// restart starts node id from what it persisted, as a follower that has
// applied nothing.
func (h *history) restart(id raft.NodeID) *history {
	h.t.Helper()
	m := h.node(id)
	m.up = true
	m.st = raft.Status{ID: id, Role: raft.Follower, Term: m.hard.Term, Vote: m.hard.Vote, Commit: m.hard.Commit, LastIndex: raft.Index(len(m.log))}
	cfg := raft.DefaultConfig(id, h.peers)
	cfg.HardState, cfg.Entries = m.hard, slices.Clone(m.log)
	h.c.NodeStarted(cfg, m.st)
	return h
}

// properties returns the properties of the violations found so far, in
// order, without repeats.
func (h *history) properties() []Property {
	var ps []Property
	for _, v := range h.c.Violations() {
		if !slices.Contains(ps, v.Property) {
			ps = append(ps, v.Property)
		}
	}
	return ps
}

// describeAllViolations renders violations one per line, for failure
// messages.
func describeAllViolations(vs []Violation) string {
	if len(vs) == 0 {
		return "none"
	}
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = "\n  " + v.Error()
	}
	return strings.Join(lines, "")
}

// checkerCase is a hand-built history, and whether it breaks the property
// under test.
type checkerCase struct {
	name string
	// size is the cluster's size; 3 if zero.
	size   int
	build  func(h *history)
	breaks bool
}

// runCheckerCases runs each case as a subtest, with a Checker of property
// alone: it builds the history and requires that the checker reported a
// violation of the property if the case breaks it, and nothing otherwise.
func runCheckerCases(t *testing.T, property Property, handout string, cases []checkerCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size == 0 {
				size = 3
			}
			h := newHistory(t, size, property)
			tc.build(h)
			vs := h.c.Violations()
			if !tc.breaks {
				require.Empty(t, vs, "the history breaks no rule, but the %s checker reported:%s\n(handout: %q)", property, describeAllViolations(vs), handout)
				return
			}
			require.NotEmpty(t, vs, "the history breaks %s, but the checker reported nothing. %s (handout: %q)", property, property.Rule(), handout)
			for _, v := range vs {
				require.Equal(t, property, v.Property, "a violation reported by the %s checker names another property: %v", property, v)
			}
		})
	}
}

// requireNoViolation fails the test if the checker found anything.
func requireNoViolation(t testing.TB, c *Checker, context string, args ...any) {
	t.Helper()
	require.Empty(t, c.Violations(), "%s: the checker found:%s", fmt.Sprintf(context, args...), describeAllViolations(c.Violations()))
}
