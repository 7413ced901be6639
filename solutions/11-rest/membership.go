package core

import (
	"errors"
	"fmt"
	"slices"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/11-rest/quorum"
)

// membership is a cluster configuration: the servers that vote, and the
// learners that receive the log without voting. Both are sorted.
type membership struct {
	voters   []raft.NodeID
	learners []raft.NodeID
}

func newMembership(voters, learners []raft.NodeID) membership {
	m := membership{voters: slices.Clone(voters), learners: slices.Clone(learners)}
	slices.Sort(m.voters)
	slices.Sort(m.learners)
	return m
}

func (m membership) isVoter(id raft.NodeID) bool   { return slices.Contains(m.voters, id) }
func (m membership) isLearner(id raft.NodeID) bool { return slices.Contains(m.learners, id) }
func (m membership) isMember(id raft.NodeID) bool  { return m.isVoter(id) || m.isLearner(id) }
func (m membership) majority() quorum.Majority     { return quorum.Majority(m.voters) }

// members returns the voters and the learners, in order.
func (m membership) members() []raft.NodeID {
	return slices.Sorted(slices.Values(append(slices.Clone(m.voters), m.learners...)))
}

// The errors of ProposeConfChange, which a caller can tell apart with
// errors.Is.
var (
	// ErrConfChangePending means that the last configuration change is not
	// committed yet: changes go one at a time (§4.1 of the dissertation).
	ErrConfChangePending = errors.New("core: a configuration change is still in progress")
	// ErrNoCommitInTerm means that the leader has not yet committed an
	// entry of its own term, without which it may not change the
	// configuration (the fix of the single-server change bug, 2015).
	ErrNoCommitInTerm = errors.New("core: the leader has not yet committed an entry of its term")
	// ErrBadConfChange means that the change makes no sense in the
	// configuration in effect, such as adding a member twice.
	ErrBadConfChange = errors.New("core: configuration change refused")
)

// ProposeConfChange appends a change of one server's membership to the
// leader's log, with the whole configuration it leads to, and returns the
// entry's index and term. The configuration takes effect at once, on the
// leader as on each follower when the entry reaches its log (§4.1 of the
// dissertation). A new server is added as a learner (AddLearner), and
// promoted (AddVoter) once it holds every committed entry; RemoveServer
// removes a voter, the leader included, or a learner. Context is kept as
// given, for the runtime.
//
// A node that is not the leader returns raft.ErrNotLeader. The leader
// refuses a change while another is uncommitted (ErrConfChangePending),
// before it has committed an entry of its own term (ErrNoCommitInTerm), and
// a change that does not fit the configuration (ErrBadConfChange).
func (n *Node) ProposeConfChange(cc raft.ConfChange) (raft.Index, raft.Term, error) {
	if n.role != raft.Leader {
		return 0, 0, raft.ErrNotLeader
	}
	if n.transferee != raft.None {
		return 0, 0, fmt.Errorf("%w: to node %d", ErrTransferring, n.transferee)
	}
	//workshop:todo Refuse a change while the entry of the last one (n.confIndex) is not
	//workshop:todo committed (§4.1: "a leader ... may not begin a new configuration change
	//workshop:todo until the previous change has committed"; handout: "8. One change at a
	//workshop:todo time"), and before this leader has committed an entry of its own term
	//workshop:todo (handout: "The 2015 bug"). Wrap ErrConfChangePending and ErrNoCommitInTerm.
	if n.confIndex > n.commit {
		return 0, 0, fmt.Errorf("%w: the change at index %d has not committed (commit index %d)", ErrConfChangePending, n.confIndex, n.commit)
	}
	if term, _ := n.log.Term(n.commit); term != n.term {
		return 0, 0, fmt.Errorf("%w: term %d; its commit index %d is of term %d", ErrNoCommitInTerm, n.term, n.commit, term)
	}
	//workshop:end
	next, err := n.changed(cc)
	if err != nil {
		return 0, 0, err
	}
	cc.Voters, cc.Learners = next.voters, next.learners
	data, err := raft.MarshalConfChange(cc)
	if err != nil {
		return 0, 0, fmt.Errorf("core: encode %s of node %d: %w", cc.Type, cc.Node, err)
	}
	//workshop:todo Append the entry, then make its configuration the one in effect
	//workshop:todo (n.setConf) at once, not when it commits (handout: "6. A configuration
	//workshop:todo takes effect when appended").
	index := n.appendEntry(raft.EntryConfChange, data)
	n.setConf(next, index)
	//workshop:stub index := n.appendEntry(raft.EntryConfChange, data)
	//workshop:end
	n.maybeCommit() // under the new configuration: see appendEntry
	return index, n.term, nil
}

// changed returns the configuration that cc makes of the one in effect, or
// an error wrapping ErrBadConfChange.
func (n *Node) changed(cc raft.ConfChange) (membership, error) {
	c, id := n.conf, cc.Node
	voters, learners := slices.Clone(c.voters), slices.Clone(c.learners)
	switch {
	case id == raft.None:
		return c, fmt.Errorf("%w: %s of node 0 (None)", ErrBadConfChange, cc.Type)
	case cc.Type == raft.AddLearner && c.isMember(id):
		return c, fmt.Errorf("%w: node %d is already a member", ErrBadConfChange, id)
	case cc.Type == raft.AddLearner:
		if len(learners) >= raft.MaxVoters {
			return c, fmt.Errorf("%w: the configuration already has %d learners, the most it can", ErrBadConfChange, len(learners))
		}
		learners = append(learners, id)
	case cc.Type == raft.AddVoter && c.isVoter(id):
		return c, fmt.Errorf("%w: node %d is already a voter", ErrBadConfChange, id)
	case cc.Type == raft.AddVoter && !c.isLearner(id):
		return c, fmt.Errorf("%w: node %d must join as a learner and catch up before it can vote (AddLearner first)", ErrBadConfChange, id)
	case cc.Type == raft.AddVoter:
		//workshop:todo Promote a learner only once it has caught up: it holds every entry
		//workshop:todo the leader has committed. Otherwise the new voter could leave the
		//workshop:todo cluster unable to commit while it catches up (§4.2.1 of the
		//workshop:todo dissertation; handout: "7. Learners").
		if pr := n.progress[id]; pr == nil || pr.match < n.commit {
			var match raft.Index
			if pr != nil {
				match = pr.match
			}
			return c, fmt.Errorf("%w: learner %d holds entries up to %d, behind the commit index %d: promote it once it has caught up", ErrBadConfChange, id, match, n.commit)
		}
		//workshop:end
		if len(voters) >= raft.MaxVoters {
			return c, fmt.Errorf("%w: the configuration already has %d voters, the most it can", ErrBadConfChange, len(voters))
		}
		learners = slices.DeleteFunc(learners, func(x raft.NodeID) bool { return x == id })
		voters = append(voters, id)
	case cc.Type == raft.RemoveServer && !c.isMember(id):
		return c, fmt.Errorf("%w: node %d is not a member", ErrBadConfChange, id)
	case cc.Type == raft.RemoveServer && c.isVoter(id) && len(voters) == 1:
		return c, fmt.Errorf("%w: node %d is the last voter", ErrBadConfChange, id)
	case cc.Type == raft.RemoveServer:
		voters = slices.DeleteFunc(voters, func(x raft.NodeID) bool { return x == id })
		learners = slices.DeleteFunc(learners, func(x raft.NodeID) bool { return x == id })
	default:
		return c, fmt.Errorf("%w: unknown type %s", ErrBadConfChange, cc.Type)
	}
	return newMembership(voters, learners), nil
}

// setConf makes conf, from the entry at index (0 for a snapshot's or the
// bootstrap configuration), the configuration in effect. A leader starts
// tracking new members and forgets removed ones.
func (n *Node) setConf(conf membership, index raft.Index) {
	n.conf, n.confIndex = conf, index
	if n.role != raft.Leader {
		return
	}
	for id := range n.progress {
		if !conf.isMember(id) {
			delete(n.progress, id)
		}
	}
	for _, id := range conf.members() {
		if id != n.id && n.progress[id] == nil {
			n.progress[id] = &progress{next: n.log.LastIndex() + 1}
		}
	}
}

// reloadConf makes the latest configuration in the log the one in effect,
// or, if the log holds none, the snapshot's, or else the bootstrap one.
func (n *Node) reloadConf() error {
	conf, index, err := n.confAt(n.log.LastIndex())
	if err != nil {
		return err
	}
	n.setConf(conf, index)
	return nil
}

// confAt returns the configuration in effect at index, which the log must
// hold (or be its base), and the index of the entry that made it (0 if it
// came from the snapshot or the bootstrap Peers).
func (n *Node) confAt(index raft.Index) (membership, raft.Index, error) {
	first := n.log.FirstIndex()
	for i := index; i >= first; i-- {
		es := n.entries(i, i)
		if es[0].Type != raft.EntryConfChange {
			continue
		}
		cc, err := raft.UnmarshalConfChange(es[0].Data)
		if err != nil {
			return membership{}, 0, fmt.Errorf("entry %d: %w", i, err)
		}
		return newMembership(cc.Voters, cc.Learners), i, nil
	}
	if n.snapshot != nil {
		return newMembership(n.snapshot.Voters, n.snapshot.Learners), 0, nil
	}
	return n.boot, 0, nil
}

// hasConfChange reports whether entries hold a configuration change.
func hasConfChange(entries []raft.Entry) bool {
	return slices.ContainsFunc(entries, func(e raft.Entry) bool { return e.Type == raft.EntryConfChange })
}
