package raftkv

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"raftgo/solutions/03-planning"
)

// This file serves stage 11: linearizable reads without a log write
// (ReadIndex), client sessions and leadership transfer, for a core that
// offers them. Stage 10 cannot import stage 11, so the runtime finds them
// through the small interfaces below; stage 07's core has none of them,
// and the runtime then reads through the log (Barrier) and answers a
// transfer with ErrUnsupported.

// ReadIndexer is a core that serves linearizable reads without writing to
// the log: ReadIndex, §6.4 of Ongaro's dissertation. Stage 11's core
// satisfies it.
type ReadIndexer interface {
	// ReadIndex asks for a read named by ctx, unique among the reads in
	// flight. Once the leader has confirmed with a round of heartbeats
	// that it still leads, a later Ready's ReadStates holds {Index, ctx}:
	// the read may be served once the state machine has applied Index. A
	// follower forwards the request to its leader. ReadIndex fails with
	// raft.ErrNotLeader when no leader is known, and with another error
	// while the leader cannot serve reads yet (a new leader before its
	// first entry commits); the runtime retries those after a tick. A read
	// that is never confirmed never comes back.
	ReadIndex(ctx []byte) error
}

// LeadershipTransferer is a core that hands its leadership to another
// voter (TimeoutNow, §3.10 of the dissertation), refusing proposals while
// the transfer runs. Stage 11's core satisfies it.
type LeadershipTransferer interface {
	TransferLeadership(to raft.NodeID) error
}

// ErrReadTimeout is returned for a read whose read index was not
// confirmed, or not applied here, within the node's read timeout: the
// leader may be cut off from its majority, a message was lost, or this
// node lags far behind. Nothing was read; the client may retry.
var ErrReadTimeout = errors.New("raftkv: the read index was not confirmed and applied in time (the leader may be cut off from a majority); retry")

// ErrTransferring is wrapped by the error of a proposal refused because
// the leader is handing its leadership over: retry once the new leader is
// known.
var ErrTransferring = errors.New("raftkv: leadership transfer in progress; retry in a moment")

// ErrUnsupported is wrapped by the error of a request that the node's core
// cannot serve: leadership transfer needs stage 11's core.
var ErrUnsupported = fmt.Errorf("raftkv: the node's core does not support this (stage 11's does): %w", errors.ErrUnsupported)

// errReadNotReady marks a read the leader cannot serve yet; Read retries
// it after a tick.
var errReadNotReady = errors.New("raftkv: the leader cannot serve reads yet")

// readBatch is one read index asked of the core, for every read that was
// waiting when it was asked: the reads that arrive while a read index is
// being confirmed wait for the next one, so that one round of heartbeats
// serves them all, however many there are (etcd's server batches its reads
// the same way).
type readBatch struct {
	ctx []byte // the name the core hands back in a ReadState
	// term and leader are the node's when it asked: a read index asked of
	// another leadership will never be confirmed.
	term   raft.Term
	leader raft.NodeID
	// index is the read index, once confirmed.
	index     raft.Index
	confirmed bool
	// deadline is when the batch gives up with ErrReadTimeout.
	deadline time.Time
	// readers receive the outcome; each channel has one slot, so the loop
	// never waits for a reader that has gone.
	readers []chan<- error
}

// release sends every reader of the batch its outcome.
func (b *readBatch) release(err error) {
	for _, done := range b.readers {
		done <- err
	}
}

// readTable holds the reads in flight. Only the loop goroutine touches
// it.
type readTable struct {
	batches map[string]*readBatch // asked and not yet released, by name
	asking  *readBatch            // the batch whose read index is not confirmed yet
	next    []chan<- error        // the reads waiting for the next batch
	// nonce and seq make each batch's name: nonce is drawn when the first
	// batch starts, so that an answer to a read of an earlier run of this
	// node can never be taken for one of this run's.
	nonce, seq uint64
}

// readTimeout is how long a read waits to be confirmed and applied: twice
// the longest election timeout, by which time a cut-off leader with
// CheckQuorum has stepped down.
func (n *Node) readTimeout() time.Duration {
	return 4 * time.Duration(raft.DefaultConfig(n.id, nil).ElectionTicks) * n.tick
}

// ReadsAnywhere reports whether the node serves linearizable reads as a
// follower too: its core has ReadIndex, which a follower forwards to its
// leader.
func (n *Node) ReadsAnywhere() bool {
	_, ok := n.core.(ReadIndexer)
	return ok
}

// Read waits until this node's state machine has applied every command
// committed before Read was called, so that a read of Store that follows
// is linearizable. With a ReadIndexer core it asks for a read index, on a
// leader or a follower, and writes nothing to the log; otherwise it
// proposes a barrier entry (Barrier), on the leader only. It fails with a
// *NotLeaderError when no leader is known (or, with a barrier, on a
// follower); with ErrLeadershipLost when the leadership changed before the
// read was confirmed; with ErrReadTimeout; with ErrStopped; or with an
// error wrapping ctx's. Nothing was read then, and the client may retry.
func (n *Node) Read(ctx context.Context) error {
	ri, ok := n.core.(ReadIndexer)
	if !ok {
		return n.Barrier(ctx)
	}
	for {
		done := make(chan error, 1)
		err := n.runOnLoop(ctx, func() error {
			n.reads.next = append(n.reads.next, done)
			if n.reads.asking == nil {
				n.askReadIndex(ri)
			}
			return nil
		})
		if err == nil {
			err = n.await(ctx, done, "the read to be confirmed")
		}
		if !errors.Is(err, errReadNotReady) {
			return err
		}
		select {
		case <-time.After(n.tick):
		case <-ctx.Done():
			return fmt.Errorf("raftkv: gave up waiting for the leader to serve reads (%w): %w", err, ctx.Err())
		case <-n.done:
			return ErrStopped
		}
	}
}

// askReadIndex, on the loop, asks the core for one read index for all the
// reads waiting for the next batch.
func (n *Node) askReadIndex(ri ReadIndexer) {
	t := &n.reads
	if len(t.next) == 0 {
		return
	}
	if t.batches == nil {
		t.batches, t.nonce = make(map[string]*readBatch), rand.Uint64()
	}
	t.seq++
	b := &readBatch{
		ctx:     binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, t.nonce), t.seq),
		readers: t.next,
	}
	t.next = nil
	st := n.core.Status()
	switch err := ri.ReadIndex(b.ctx); {
	case errors.Is(err, raft.ErrNotLeader):
		b.release(&NotLeaderError{Leader: st.Leader})
	case err != nil:
		b.release(fmt.Errorf("%w: %w", errReadNotReady, err))
	default:
		b.term, b.leader = st.Term, st.Leader
		b.deadline = time.Now().Add(n.readTimeout())
		t.batches[string(b.ctx)] = b
		t.asking = b
	}
}

// releaseReads, on the loop after a Ready has applied, records the read
// indexes the Ready confirmed, and releases each batch that is confirmed
// and applied; an unconfirmed batch asked of a leadership that has
// changed fails with ErrLeadershipLost, and a batch past its deadline
// with ErrReadTimeout. Once no batch is asking, it asks for the reads
// that have been waiting, and reports whether it did: the heartbeats of
// that read index are then in the core's next Ready, to carry out at
// once. It runs after every Ready, empty or not.
func (n *Node) releaseReads(states []raft.ReadState) (asked bool) {
	t := &n.reads
	if len(t.batches) == 0 && len(t.next) == 0 {
		return false
	}
	for _, rs := range states {
		if b, ok := t.batches[string(rs.Context)]; ok {
			b.index, b.confirmed = rs.Index, true
		}
	}
	st, applied, now := n.core.Status(), n.sm.applied(), time.Now()
	for key, b := range t.batches {
		var err error
		switch {
		case b.confirmed && b.index <= applied:
		case !b.confirmed && (st.Term != b.term || st.Leader != b.leader):
			err = ErrLeadershipLost
		case now.After(b.deadline):
			err = fmt.Errorf("%w (read index %d, applied %d)", ErrReadTimeout, b.index, applied)
		default:
			continue
		}
		b.release(err)
		delete(t.batches, key)
	}
	if a := t.asking; a != nil && (a.confirmed || t.batches[string(a.ctx)] == nil) {
		t.asking = nil
	}
	if ri, ok := n.core.(ReadIndexer); ok && t.asking == nil && len(t.next) > 0 {
		n.askReadIndex(ri)
		return true
	}
	return false
}

// runOnLoop hands f to the loop, which runs it at once, before its next
// Ready, and returns f's error. It fails when ctx ends or the node stops
// first.
func (n *Node) runOnLoop(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	if err := n.handToLoop(ctx, &proposal{call: func() { done <- f() }}); err != nil {
		return err
	}
	return n.await(ctx, done, "the node's loop")
}

// handToLoop hands a proposal to the loop. It fails when ctx ends or the
// node stops first.
func (n *Node) handToLoop(ctx context.Context, p *proposal) error {
	select {
	case n.proposals <- p:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("raftkv: the node's loop did not take the request: %w", ctx.Err())
	case <-n.done:
		return ErrStopped
	}
}

// await waits for the outcome on done of what the loop is doing for the
// caller, described by what, or for ctx to end or the node to stop.
func (n *Node) await(ctx context.Context, done <-chan error, what string) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("raftkv: gave up waiting for %s: %w", what, ctx.Err())
	case <-n.done:
		return ErrStopped
	}
}

// ProposeSession proposes a client's session command (sessions.go) and
// waits until it has applied. A command its session has already applied
// is not applied again: the reply is the first one, with Duplicate set. It
// fails as Propose does, and with ErrSessionExpired or ErrStaleSequence
// when the session refuses the command.
func (n *Node) ProposeSession(ctx context.Context, c SessionCommand) (SessionReply, error) {
	p := newProposal(c.Encode())
	if err := n.handToLoop(ctx, p); err != nil {
		return SessionReply{}, err
	}
	select {
	case o := <-p.done:
		switch {
		case o.err != nil:
			return SessionReply{}, o.err
		case o.res.Err != nil:
			return SessionReply{}, o.res.Err
		}
		return o.reply, o.reply.Err
	case <-ctx.Done():
		return SessionReply{}, fmt.Errorf("raftkv: gave up waiting for entry %d to apply; it may still apply, and a retry of the same sequence number will not apply it twice: %w", p.index, ctx.Err())
	case <-n.done:
		return SessionReply{}, ErrStopped
	}
}

// transferState is the leadership transfer this node started, if any.
// Only the loop goroutine touches it.
type transferState struct {
	to   raft.NodeID // None when no transfer runs
	term raft.Term   // the term in which it started
}

// TransferLeadership hands this leader's leadership to voter to, and waits
// until to leads or ctx ends. Meanwhile the node refuses proposals with an
// error wrapping ErrTransferring. It returns the node's status once to
// leads. It fails with ErrUnsupported when the core cannot transfer, with
// a *NotLeaderError on a node that is not the leader, and with the core's
// error for a node that is not a voter.
func (n *Node) TransferLeadership(ctx context.Context, to raft.NodeID) (Status, error) {
	tr, ok := n.core.(LeadershipTransferer)
	if !ok {
		return Status{}, ErrUnsupported
	}
	err := n.runOnLoop(ctx, func() error {
		st := n.core.Status()
		err := tr.TransferLeadership(to)
		switch {
		case errors.Is(err, raft.ErrNotLeader):
			return &NotLeaderError{Leader: st.Leader}
		case err == nil && to != n.id:
			n.transfer = transferState{to: to, term: st.Term}
		}
		return err
	})
	if err != nil {
		return Status{}, err
	}
	for {
		if st := n.Status(); st.Leader == to {
			return st, nil
		}
		select {
		case <-time.After(n.tick):
		case <-ctx.Done():
			return Status{}, fmt.Errorf("raftkv: node %d is not the leader yet: %w", to, ctx.Err())
		case <-n.done:
			return Status{}, ErrStopped
		}
	}
}

// duringTransfer, on the loop, marks the error of a proposal the core
// refused while this node's transfer runs as ErrTransferring. The transfer
// is over once the term changes, or once the core takes a proposal again
// (it gives up a transfer that does not finish within an election
// timeout).
func (n *Node) duringTransfer(err error) error {
	if n.transfer.to == raft.None {
		return err
	}
	if st := n.core.Status(); err == nil || st.Role != raft.Leader || st.Term != n.transfer.term {
		n.transfer = transferState{}
		return err
	}
	var notLeader *NotLeaderError
	if errors.Is(err, raft.ErrTooLarge) || errors.As(err, &notLeader) {
		return err
	}
	return fmt.Errorf("%w to node %d: %w", ErrTransferring, n.transfer.to, err)
}
