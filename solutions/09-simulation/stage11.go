package sim

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	statemachine "raftgo/solutions/06-consensus"
)

// What the simulator does with stage 11's core: snapshots of the servers'
// stores, servers that join, and membership changes mixed with the
// clients' commands. Stage 09 does not import stage 11: a core offers these
// through the optional interfaces below, which stage 07's core does not
// implement, and a run asks for them in its Options (Spares,
// SnapshotEvery, Membership). With none of them set, a run is the run of
// stage 09, draw for draw.

// Compacter is a core that compacts its log behind a snapshot of the state
// machine (stage 11's core.Node): Compact takes the state as of an applied
// index and returns the snapshot to persist.
type Compacter interface {
	Compact(index raft.Index, data []byte) (raft.Snapshot, error)
}

// ConfChanger is a core whose configuration changes one server at a time
// (stage 11's core.Node): ProposeConfChange appends a change on the leader,
// and Membership returns the configuration in effect.
type ConfChanger interface {
	ProposeConfChange(cc raft.ConfChange) (raft.Index, raft.Term, error)
	Membership() (voters, learners []raft.NodeID)
}

// minVoters is the smallest configuration the membership changes leave: a
// configuration of 3 survives one crash.
const minVoters = 3

// checkStage11 checks the options of stage 11 against each other and
// against the core, which it makes once to see what it implements.
func (o *Options) checkStage11() error {
	switch {
	case o.Spares < 0 || o.Nodes+o.Spares > 9:
		return fmt.Errorf("sim: a run has at most 9 servers, not %d nodes and %d spares", o.Nodes, o.Spares)
	case o.SnapshotEvery < 0:
		return fmt.Errorf("sim: SnapshotEvery is %d; it must be 0 (never) or more", o.SnapshotEvery)
	case o.Membership && o.Nodes < minVoters:
		return fmt.Errorf("sim: membership changes need at least %d nodes, not %d", minVoters, o.Nodes)
	case o.SnapshotEvery == 0 && !o.Membership:
		return nil
	}
	node, err := o.NewNode(raft.DefaultConfig(1, []raft.NodeID{1}))
	if err != nil {
		return fmt.Errorf("sim: make a node to check the options: %w", err)
	}
	if _, ok := node.(Compacter); o.SnapshotEvery > 0 && !ok {
		return fmt.Errorf("sim: SnapshotEvery needs a core that compacts its log (a sim.Compacter, such as stage 11's); %T is not one", node)
	}
	if _, ok := node.(ConfChanger); o.Membership && !ok {
		return fmt.Errorf("sim: Membership needs a core that changes its configuration (a sim.ConfChanger, such as stage 11's); %T is not one", node)
	}
	return nil
}

// maybeSnapshot has the server snapshot its store, once it has applied
// SnapshotEvery entries since its last snapshot, hands the snapshot to the
// core to compact its log, and makes it durable.
func (s *simulation) maybeSnapshot(srv *server) {
	every := raft.Index(s.opts.SnapshotEvery)
	applied := srv.applier.Applied()
	if every == 0 || applied < srv.snapshotAt+every {
		return
	}
	core, ok := srv.node.(Compacter)
	if !ok {
		return // checkStage11 made sure it is one
	}
	data, err := json.Marshal(srv.store.Snapshot()) // a map's keys come out sorted: the same store makes the same bytes
	if err != nil {
		s.fail(PropertyNoCrash, fmt.Sprintf("node %d cannot encode its store: %v", srv.id, err))
		return
	}
	var snap raft.Snapshot
	if gerr := s.guard(srv, func() error { snap, err = core.Compact(applied, data); return nil }); gerr != nil {
		s.fail(PropertyNoCrash, gerr.Error())
		return
	}
	if err != nil {
		s.fail(PropertyNoCrash, fmt.Sprintf("node %d cannot compact its log at applied index %d: %v", srv.id, applied, err))
		return
	}
	srv.disk.compact(snap)
	srv.snapshotAt = applied
	s.snapshots++
	s.trace.note(s.now, fmt.Sprintf("n%d snapshot at index %d, %d entries left on disk", srv.id, applied, len(srv.disk.entries)))
}

// restoreStore replaces the server's store with the one a snapshot holds,
// as a node that restarts from its snapshot or installs its leader's does.
// Proposals waiting on the old store's applier have an unknown outcome:
// their clients time out.
func (s *simulation) restoreStore(srv *server, snap *raft.Snapshot) {
	var data map[string]string
	if err := json.Unmarshal(snap.Data, &data); err != nil {
		s.fail(PropertyNoCrash, fmt.Sprintf("node %d cannot restore the snapshot of index %d: %v", srv.id, snap.LastIncludedIndex, err))
		return
	}
	srv.store = &kvserver.Store{}
	srv.store.Restore(data)
	srv.applier = statemachine.NewApplierAt(srv.store, snap.LastIncludedIndex)
	srv.snapshotAt = snap.LastIncludedIndex
}

// nextMembershipChange returns when the nemesis next changes the
// configuration: after an exponentially distributed pause with a mean of
// half a second.
func (s *simulation) nextMembershipChange() time.Duration {
	return s.now + time.Duration(s.rand.ExpFloat64()*float64(500*time.Millisecond))
}

// changeMembership has the leader, if there is one, propose one change of
// its configuration: promote a learner that holds every committed entry;
// or else, at random, remove a voter (the leader included, never below
// minVoters) or a learner, or add a server that is in no configuration as
// a learner. The core may refuse (a change still in progress, no commit
// in its term yet): the trace says so, and the next change comes later.
func (s *simulation) changeMembership() {
	if s.healed {
		return
	}
	l := s.leader()
	if l == nil {
		return
	}
	core, ok := l.node.(ConfChanger)
	if !ok {
		return // checkStage11 made sure it is one
	}
	voters, learners := core.Membership()
	st := l.node.Status()
	var cc raft.ConfChange
	var outside []raft.NodeID
	for _, id := range s.serverIDs() {
		if !slices.Contains(voters, id) && !slices.Contains(learners, id) {
			outside = append(outside, id)
		}
	}
	caughtUp := slices.DeleteFunc(slices.Clone(learners), func(id raft.NodeID) bool { return st.Progress[id].Match < st.Commit })
	switch r := s.rand.IntN(4); {
	case len(caughtUp) > 0:
		cc = raft.ConfChange{Type: raft.AddVoter, Node: caughtUp[s.rand.IntN(len(caughtUp))]}
	case r == 0 && len(learners) > 0:
		cc = raft.ConfChange{Type: raft.RemoveServer, Node: learners[s.rand.IntN(len(learners))]}
	case (r == 1 || len(outside) == 0) && len(voters) > minVoters:
		cc = raft.ConfChange{Type: raft.RemoveServer, Node: voters[s.rand.IntN(len(voters))]}
	case len(outside) > 0:
		cc = raft.ConfChange{Type: raft.AddLearner, Node: outside[s.rand.IntN(len(outside))]}
	default:
		return
	}
	s.trace.note(s.now, fmt.Sprintf("n%d leads term %d with voters %v and learners %v", l.id, st.Term, voters, learners))
	if err := s.proposeConfChange(l, cc); err != nil {
		s.trace.note(s.now, err.Error())
	}
}

// proposeConfChange proposes a membership change on server l, whose core
// must be a ConfChanger, and collects its Ready. It returns the core's
// refusal, wrapped.
func (s *simulation) proposeConfChange(l *server, cc raft.ConfChange) error {
	changer, ok := l.node.(ConfChanger)
	if !ok {
		return fmt.Errorf("sim: the core of node %d, %T, cannot change its configuration", l.id, l.node)
	}
	var err error
	if gerr := s.guard(l, func() error { _, _, err = changer.ProposeConfChange(cc); return nil }); gerr != nil {
		s.fail(PropertyNoCrash, gerr.Error())
		return gerr
	}
	if err != nil {
		return fmt.Errorf("sim: node %d refused %s of node %d: %w", l.id, cc.Type, cc.Node, err)
	}
	s.confChanges++
	s.trace.note(s.now, fmt.Sprintf("n%d proposed %s of n%d", l.id, cc.Type, cc.Node))
	s.collect(l)
	return nil
}
