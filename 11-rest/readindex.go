package core

import (
	"fmt"
	"slices"

	"raftgo/solutions/03-planning"
)

// pendingRead is a read waiting for a round of heartbeats to confirm that
// the leader still leads.
type pendingRead struct {
	seq   uint64 // the Context of the heartbeats that confirm it
	index raft.Index
	ctx   []byte
	from  raft.NodeID // the follower that asked, or None for this node
	acks  map[raft.NodeID]bool
}

// ReadIndex asks for a linearizable read, named by ctx, without writing to
// the log (§6.4 of the dissertation). The leader records its commit index,
// confirms with a round of heartbeats that it still leads, and then a
// Ready's ReadStates holds {Index, ctx}: the runtime serves the read once
// its state machine has applied Index. A follower forwards the request to
// its leader and hands out the leader's answer the same way. A node that
// knows no leader returns raft.ErrNotLeader; a leader that has not yet
// committed an entry of its term returns an error wrapping
// ErrNoCommitInTerm (it cannot know its commit index is up to date). A
// read that no answer confirms is simply never handed out: the runtime
// gives up on it after a timeout.
func (n *Node) ReadIndex(ctx []byte) error {
	switch {
	case n.role == raft.Leader:
		return n.startRead(n.id, ctx)
	case n.leader == raft.None:
		return raft.ErrNotLeader
	}
	n.send(n.leader, raft.ReadIndex{Context: slices.Clone(ctx)})
	return nil
}

// handleReadIndex starts a read a follower asked for.
func (n *Node) handleReadIndex(from raft.NodeID, ctx []byte) {
	if n.role == raft.Leader {
		_ = n.startRead(from, ctx) // refused: the follower's runtime retries
	}
}

// handleReadIndexResponse hands out the leader's answer to a forwarded
// read.
func (n *Node) handleReadIndexResponse(from raft.NodeID, resp raft.ReadIndexResponse) {
	if from == n.leader {
		n.readStates = append(n.readStates, raft.ReadState{Index: resp.Index, Context: resp.Context})
	}
}

// startRead records a read at the commit index and sends the heartbeats
// that will confirm it.
func (n *Node) startRead(from raft.NodeID, ctx []byte) error {
	// TODO: Refuse while the entry at the commit index is not of this term
	// (ErrNoCommitInTerm: §6.4, "the leader must have committed an entry from
	// its current term"). Then record a pendingRead at the commit index with
	// a new sequence number, acknowledged by this node, and send a heartbeat
	// to every member: its Context, n.readSeq, names the round. A single
	// voter confirms at once (handout: "13. ReadIndex").
	return fmt.Errorf("core: ReadIndex is not implemented (handout: \"13. ReadIndex\")")
}

// confirmReads records that from answered the heartbeats of round seq,
// and so acknowledged this leader for every read up to that round; the
// reads a majority of voters acknowledged are released, in order.
func (n *Node) confirmReads(from raft.NodeID, seq uint64) {
	// TODO: Add from's acknowledgement to every pending read with a sequence
	// number up to seq. Then release, from the oldest, each read that a
	// majority of the voters acknowledged: to n.readStates if this node asked,
	// or as a ReadIndexResponse to the follower that did (handout: "13.
	// ReadIndex").
}
