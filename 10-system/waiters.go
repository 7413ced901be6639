package raftkv

import (
	"context"
	"errors"
	"fmt"

	"raftgo/solutions/03-planning"
	core "raftgo/solutions/06-consensus"
)

// proposal is a command on its way through the log, and the channel on
// which its proposer waits for the outcome.
type proposal struct {
	data []byte
	// call, when not nil, makes this no command but a request to run call
	// on the loop goroutine (stage 11: reads and leadership transfers);
	// data is then nil, and call reports its own outcome.
	call func()
	// index and term are where the core put the command; the loop sets
	// them.
	index raft.Index
	term  raft.Term
	// done receives the proposal's outcome, once.
	done chan outcome
	// outcome is kept here by finish until flush delivers it.
	outcome outcome
}

// outcome is what became of a proposal.
type outcome struct {
	res core.Result
	err error
	// reply is a session command's (stage 11; ProposeSession).
	reply SessionReply
}

// newProposal returns a proposal of data, ready to hand to the loop.
func newProposal(data []byte) *proposal {
	// TODO: This line hides a planted bug: under load, a client that gives up
	// makes the whole node stall. TestAbandonedProposalDoesNotStallTheNode
	// finds it with testing/synctest. Read its failure, find out where the
	// loop goroutine is stuck (deliver), and fix the bug here. Then write,
	// in a comment, why the fix works (handout: "5. The planted deadlock").
	return &proposal{data: data, done: make(chan outcome)}
}

// Propose hands a command to the node's loop and waits until it has
// applied, and returns its result. It fails with a *NotLeaderError on a
// node that is not the leader; with ErrLeadershipLost when the node lost
// its leadership before the command applied; with an error wrapping
// core.ErrProposalLost when another entry took the command's place; with
// ErrStopped once the node has stopped; and with an error wrapping ctx's
// when ctx ends first. After ErrLeadershipLost, ErrStopped or ctx's end
// the command may still apply: its outcome is unknown.
func (n *Node) Propose(ctx context.Context, data []byte) (core.Result, error) {
	// TODO: Two waits, each of which must also end when ctx ends or the node
	// stops (n.done), so that no caller waits forever (handout: "3. Waiting
	// for a command"). First hand a proposal of data (newProposal) to the
	// loop on n.proposals. Then wait
	// for its outcome on p.done: return its result, and its err, or else
	// the result's Err. Give up with ErrStopped when the node stops, or
	// with an error wrapping ctx.Err() that says whether the command may
	// still apply.
	return core.Result{}, errors.New("Propose is not implemented")
}

// Barrier waits until every command committed before it was called has
// applied to this node's store, so that a read that follows sees them: it
// proposes a barrier entry and waits for it to apply. It fails as Propose
// does, with a *NotLeaderError on a node that is not the leader.
func (n *Node) Barrier(ctx context.Context) error {
	_, err := n.Propose(ctx, barrier)
	return err
}

// propose, on the loop, hands a proposal to the core and keeps it waiting
// for its entry to apply.
func (n *Node) propose(p *proposal) {
	if p.call != nil {
		p.call()
		return
	}
	index, term, err := n.core.Propose(p.data)
	if errors.Is(err, raft.ErrNotLeader) {
		err = &NotLeaderError{Leader: n.core.Status().Leader}
	}
	err = n.duringTransfer(err)
	if err != nil {
		n.deliver(p, outcome{err: err})
		return
	}
	p.index, p.term = index, term
	if err := n.track(p); err != nil {
		n.deliver(p, outcome{err: err})
	}
}

// track asks the state machine to report the outcome of p's entry, and
// records p as waiting.
func (n *Node) track(p *proposal) error {
	err := n.sm.track(p.index, p.term, func(r core.Result, reply SessionReply) {
		n.finish(p, outcome{res: r, reply: reply})
	})
	if err != nil {
		return fmt.Errorf("raftkv: node %d: %w", n.id, err)
	}
	n.waiting[p.index] = p
	return nil
}

// finish stops a proposal's wait with its outcome, which flush delivers
// once the node's status is published: a proposer that is told its command
// has applied then sees it applied in Status too. A proposal is finished
// once: a later outcome for it (its entry applying after it was released
// as lost) is ignored.
func (n *Node) finish(p *proposal, o outcome) {
	if n.waiting[p.index] != p {
		return
	}
	delete(n.waiting, p.index)
	p.outcome = o
	n.finished = append(n.finished, p)
}

// flush delivers the outcomes of the proposals finished since the last
// flush.
func (n *Node) flush() {
	for _, p := range n.finished {
		n.deliver(p, p.outcome)
	}
	clear(n.finished)
	n.finished = n.finished[:0]
}

// deliver sends a proposal its outcome. The loop must never wait for a
// proposer for good, so the send also gives up when the node stops.
func (n *Node) deliver(p *proposal, o outcome) {
	select {
	case p.done <- o:
	case <-n.stop:
	}
}

// releaseAll, when the loop returns, releases every waiting proposal with
// ErrStopped.
func (n *Node) releaseAll() {
	for _, p := range n.waiting {
		n.finish(p, outcome{err: ErrStopped})
	}
	n.flush()
}
