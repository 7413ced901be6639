package raft

import (
	"errors"
	"fmt"
)

// Node is a Raft node's core: a deterministic state machine with no
// goroutines, no clock and no I/O. Time comes in through Tick, peers'
// messages through Step and client commands through Propose; everything the
// node wants done comes out of Ready. The node cores of stages 05, 06, 07 and
// 11 all satisfy it, so one test harness and one runtime drive any of them.
type Node interface {
	// Tick advances the node's logical clock by one tick. Election and
	// heartbeat timeouts are counted in ticks.
	Tick()
	// Step hands the node a message from a peer. A stale or irrelevant
	// message is ignored; an error means the message is malformed or not
	// addressed to this node.
	Step(m Message) error
	// Propose appends a client command to the leader's log and returns the
	// index and term it was given. The command is committed when an entry
	// with that index and term is applied; if another entry shows up at that
	// index, the command was lost. A node that is not the leader returns
	// ErrNotLeader; an empty command, ErrEmptyCommand; a command longer than
	// MaxEntryDataSize, an error wrapping ErrTooLarge.
	Propose(data []byte) (Index, Term, error)
	// Ready returns, and forgets, everything the node has produced since the
	// last call.
	Ready() Ready
	// Status reports the node's current volatile state.
	Status() Status
}

// ErrNotLeader is returned by Propose on a node that is not the leader.
var ErrNotLeader = errors.New("raft: not the leader")

// ErrEmptyCommand is returned by Propose for a command with no data, which
// would be indistinguishable from the no-op entry a new leader appends.
var ErrEmptyCommand = errors.New("raft: empty command: an entry with no data is a new leader's no-op")

// CheckCommand checks a command before a leader proposes it: it must not be
// empty, and must fit in an entry the codec can send.
func CheckCommand(data []byte) error {
	switch {
	case len(data) == 0:
		return ErrEmptyCommand
	case len(data) > MaxEntryDataSize:
		return fmt.Errorf("raft: command of %d bytes: %w: the limit is MaxEntryDataSize, %d bytes", len(data), ErrTooLarge, MaxEntryDataSize)
	}
	return nil
}

// Ready is the work a node hands to its runtime. The runtime must do it in
// this order: persist HardState, Snapshot and Entries; then send Messages;
// then apply CommittedEntries. Persisting first is what makes the node's
// answers true after a crash: a vote or an acknowledged entry must survive
// it (Figure 2, "Persistent state on all servers … updated on stable storage
// before responding to RPCs").
type Ready struct {
	// HardState is the node's hard state if it changed since the last Ready,
	// and the zero HardState otherwise.
	HardState HardState
	// Snapshot, when not nil, is a snapshot the node received from its
	// leader, to persist and to restore the state machine from (stage 11).
	// It replaces the whole persisted log: the entries the node keeps after
	// it come again in Entries.
	Snapshot *Snapshot
	// Entries are log entries to persist. They replace any persisted entries
	// at or after Entries[0].Index.
	Entries []Entry
	// Messages are the messages to send, after persisting.
	Messages []Message
	// CommittedEntries are the entries to apply to the state machine, in
	// order, each exactly once.
	CommittedEntries []Entry
	// ReadStates are linearizable reads now confirmed (ReadIndex; stage
	// 11): each may be served once the state machine has applied its Index.
	ReadStates []ReadState
}

// ReadState says that the linearizable read asked for with Context may be
// served once the state machine has applied Index (ReadIndex, §6.4 of
// Ongaro's dissertation; stage 11).
type ReadState struct {
	Index   Index
	Context []byte
}

// IsEmpty reports whether the Ready holds no work at all.
func (rd Ready) IsEmpty() bool {
	return rd.HardState.IsZero() && rd.Snapshot == nil && len(rd.Entries) == 0 &&
		len(rd.Messages) == 0 && len(rd.CommittedEntries) == 0 && len(rd.ReadStates) == 0
}

// Config configures a node core.
type Config struct {
	// ID is this node's ID. It must be one of Peers.
	ID NodeID
	// Peers lists every voting member of the cluster, this node included.
	Peers []NodeID
	// ElectionTicks is the base election timeout. Each timeout is drawn
	// uniformly from [ElectionTicks, 2*ElectionTicks) ticks (§5.2).
	ElectionTicks int
	// HeartbeatTicks is how often a leader sends heartbeats. It must be
	// smaller than ElectionTicks.
	HeartbeatTicks int
	// MaxEntriesPerMessage caps the entries in one AppendEntries.
	MaxEntriesPerMessage int
	// Seed seeds the node's random source, so that a run can be replayed.
	Seed uint64

	// HardState, Snapshot and Entries are what the node persisted before it
	// stopped: a node restarts from them. All are empty for a new node.
	HardState HardState
	Snapshot  *Snapshot
	Entries   []Entry
}
