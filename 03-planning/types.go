// Package raft is the vocabulary every later stage speaks: the identifiers,
// the log entry, the messages of Figure 2 of the Raft paper, the state a
// node must persist, and the interface every node core satisfies.
//
// The types follow the paper's names where it has one, so that a line of
// code can be read next to Figure 2: a RequestVote carries LastLogIndex and
// LastLogTerm, an AppendEntries carries PrevLogIndex, PrevLogTerm, Entries
// and LeaderCommit.
package raft

import "strconv"

// NodeID identifies a server in the cluster. The zero NodeID, None, means
// "no server": no vote cast, no leader known.
type NodeID uint64

// None is the NodeID of no server.
const None NodeID = 0

// GoString formats the ID in decimal for %#v, as Term.GoString does.
func (id NodeID) GoString() string { return strconv.FormatUint(uint64(id), 10) }

// Term is a Raft term: a logical clock that only moves forward (§5.1).
type Term uint64

// GoString formats the term in decimal for %#v, which test failure messages
// use; without it, unsigned numbers print in hexadecimal.
func (t Term) GoString() string { return strconv.FormatUint(uint64(t), 10) }

// Index is the position of an entry in the log. The first entry has index 1;
// index 0 stands for the empty prefix before it, whose term is 0.
type Index uint64

// GoString formats the index in decimal for %#v, as Term.GoString does.
func (i Index) GoString() string { return strconv.FormatUint(uint64(i), 10) }

// EntryType tells what an entry's Data means.
type EntryType uint8

const (
	// EntryCommand carries a client command for the state machine. An entry
	// with empty Data is the no-op a new leader appends (§5.4.2, §8).
	EntryCommand EntryType = iota
	// EntryConfChange carries a membership change (§6; used in stage 11).
	EntryConfChange
)

// Entry is one entry of the replicated log.
type Entry struct {
	Term  Term
	Index Index
	Type  EntryType
	Data  []byte
}

// HardState is what a node must write to stable storage before it answers
// any RPC (Figure 2, "Persistent state on all servers"). Commit is persisted
// too, so that a restarted node can apply what it knew was committed.
type HardState struct {
	Term   Term
	Vote   NodeID // the candidate voted for in Term, or None
	Commit Index
}

// IsZero reports whether h is the zero HardState, which a Ready uses to say
// "unchanged".
func (h HardState) IsZero() bool { return h == HardState{} }

// Snapshot is the state machine's state as of an index, which stands in for
// every log entry up to and including that index (§7; used in stage 11).
type Snapshot struct {
	LastIncludedIndex Index
	LastIncludedTerm  Term
	// Voters and Learners are the cluster configuration as of
	// LastIncludedIndex: the servers that vote, and those that only receive
	// the log (non-voters catching up before they are promoted; stage 11).
	Voters   []NodeID
	Learners []NodeID
	// Data is the state machine's serialized state.
	Data []byte
}

// Role is what a node currently is in its term (§5.1).
type Role uint8

const (
	Follower Role = iota
	Candidate
	Leader
	// PreCandidate is a node polling its peers before it starts an election
	// (PreVote, §9.6 of Ongaro's dissertation; used in stage 11).
	PreCandidate
)

// String returns the role's name, such as "leader".
func (r Role) String() string {
	switch r {
	case Follower:
		return "follower"
	case Candidate:
		return "candidate"
	case Leader:
		return "leader"
	case PreCandidate:
		return "pre-candidate"
	}
	return "Role(" + strconv.Itoa(int(r)) + ")"
}

// Status is a snapshot of a node's volatile state, for tests, tools and
// monitoring. The invariant checkers of stage 08 read it after every Ready.
type Status struct {
	ID        NodeID
	Role      Role
	Term      Term
	Vote      NodeID // the candidate voted for in Term, or None
	Leader    NodeID // the leader the node knows of in Term, or None
	Commit    Index
	Applied   Index // the last index handed out to apply in a Ready
	LastIndex Index
	// Progress is, on a leader, what it knows of each follower's log, by
	// follower; it is nil on any other node. The map is the caller's.
	Progress map[NodeID]Progress
}

// Progress is a leader's view of one follower's log (Figure 2, "Volatile
// state on leaders").
type Progress struct {
	Match Index // the highest entry known to be replicated on the follower
	Next  Index // the next entry to send to the follower
}
