package raft

import "strconv"

// Message is one RPC request or response between two nodes. The header
// fields are common to every kind; Body holds the fields of Figure 2 that
// are particular to the kind.
//
// Every message carries its sender's current term, because every server
// checks it first: "If RPC request or response contains term T >
// currentTerm: set currentTerm = T, convert to follower" (Figure 2, "Rules
// for Servers"). The one exception is PreVote, whose Term is the term the
// sender would campaign in, and which moves no one's term.
type Message struct {
	From NodeID
	To   NodeID
	Term Term
	Body Body
}

// Kind returns the kind of the message's body, or KindInvalid when it has
// none.
func (m Message) Kind() Kind {
	if m.Body == nil {
		return KindInvalid
	}
	return m.Body.Kind()
}

// Body is the kind-specific part of a Message: one of the types of this
// package named after the paper's RPCs.
type Body interface {
	// Kind tells which RPC the body belongs to.
	Kind() Kind
}

// Kind tells which RPC a message is.
type Kind uint8

// The kinds of message. Their values are part of the wire format: never
// reorder them, only add new ones at the end.
const (
	KindInvalid Kind = iota
	KindRequestVote
	KindRequestVoteResponse
	KindAppendEntries
	KindAppendEntriesResponse
	KindInstallSnapshot
	KindInstallSnapshotResponse
	KindTimeoutNow
	KindPreVote
	KindPreVoteResponse
	KindReadIndex
	KindReadIndexResponse
)

var kindNames = [...]string{
	KindInvalid:                 "Invalid",
	KindRequestVote:             "RequestVote",
	KindRequestVoteResponse:     "RequestVoteResponse",
	KindAppendEntries:           "AppendEntries",
	KindAppendEntriesResponse:   "AppendEntriesResponse",
	KindInstallSnapshot:         "InstallSnapshot",
	KindInstallSnapshotResponse: "InstallSnapshotResponse",
	KindTimeoutNow:              "TimeoutNow",
	KindPreVote:                 "PreVote",
	KindPreVoteResponse:         "PreVoteResponse",
	KindReadIndex:               "ReadIndex",
	KindReadIndexResponse:       "ReadIndexResponse",
}

// String returns the kind's name, such as "AppendEntries".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// RequestVote is sent by a candidate to gather votes (§5.2). The candidate is
// the message's From.
type RequestVote struct {
	LastLogIndex Index
	LastLogTerm  Term
	// Transfer is set when the candidate campaigns because the leader asked
	// it to take over (TimeoutNow), so that voters do not ignore it for
	// having heard from a leader recently (§3.10 of the dissertation; stage 11).
	Transfer bool
}

// RequestVoteResponse answers a RequestVote.
type RequestVoteResponse struct {
	VoteGranted bool
}

// AppendEntries is sent by the leader to replicate entries, and, with no
// entries, as a heartbeat (§5.3). The leader is the message's From.
type AppendEntries struct {
	PrevLogIndex Index
	PrevLogTerm  Term
	Entries      []Entry
	LeaderCommit Index
	// Context is an opaque value the follower echoes in its response, so the
	// leader can tell which round of heartbeats a response answers (used by
	// ReadIndex in stage 11; zero otherwise).
	Context uint64
}

// AppendEntriesResponse answers an AppendEntries.
type AppendEntriesResponse struct {
	Success bool
	// MatchIndex is, on success, the index of the last entry the follower now
	// knows to match the leader's log: PrevLogIndex + len(Entries).
	MatchIndex Index
	// ConflictIndex and ConflictTerm are, on failure, the hint of §5.3 that
	// lets the leader skip back a whole term at a time: ConflictTerm is the
	// term of the follower's entry at PrevLogIndex (0 if it has none) and
	// ConflictIndex the first index it holds for that term (or its log
	// length + 1 when its log is too short).
	ConflictIndex Index
	ConflictTerm  Term
	// Context echoes the request's Context.
	Context uint64
}

// InstallSnapshot is sent by the leader to a follower that needs entries
// the leader has already compacted away (§7, Figure 13). A snapshot too big
// for one message goes in chunks: Snapshot.Data holds the bytes of the
// snapshot's data from Offset on, and Done is set on the last chunk. The
// other fields of Snapshot are the same in every chunk.
type InstallSnapshot struct {
	Snapshot Snapshot
	Offset   uint64
	Done     bool
}

// InstallSnapshotResponse answers an InstallSnapshot.
type InstallSnapshotResponse struct {
	// MatchIndex is, once the follower has installed the snapshot, the index
	// its log now matches up to: the snapshot's LastIncludedIndex, or more
	// if it already had further entries. It is 0 while chunks still arrive.
	MatchIndex Index
	// LastIncludedIndex names the snapshot being received, and Offset how
	// many bytes of its data the follower holds: where the next chunk starts.
	LastIncludedIndex Index
	Offset            uint64
}

// TimeoutNow tells a follower to start an election at once: the last step of
// a leadership transfer (§3.10 of the dissertation; stage 11).
type TimeoutNow struct{}

// PreVote asks whether a peer would vote for the sender if it started an
// election, without disrupting anyone (§9.6 of the dissertation; stage 11).
// The message's Term is the term the sender would campaign in.
type PreVote struct {
	LastLogIndex Index
	LastLogTerm  Term
}

// PreVoteResponse answers a PreVote.
type PreVoteResponse struct {
	VoteGranted bool
}

// ReadIndex asks the leader for a read index on behalf of a follower
// (§6.4 of the dissertation; stage 11). Once the leader has confirmed that
// it still leads, it answers with its commit index as of the request.
type ReadIndex struct {
	// Context identifies the read; the response echoes it.
	Context []byte
}

// ReadIndexResponse answers a ReadIndex: the follower may serve the read
// once it has applied Index.
type ReadIndexResponse struct {
	Index   Index
	Context []byte
}

func (RequestVote) Kind() Kind             { return KindRequestVote }
func (RequestVoteResponse) Kind() Kind     { return KindRequestVoteResponse }
func (AppendEntries) Kind() Kind           { return KindAppendEntries }
func (AppendEntriesResponse) Kind() Kind   { return KindAppendEntriesResponse }
func (InstallSnapshot) Kind() Kind         { return KindInstallSnapshot }
func (InstallSnapshotResponse) Kind() Kind { return KindInstallSnapshotResponse }
func (TimeoutNow) Kind() Kind              { return KindTimeoutNow }
func (PreVote) Kind() Kind                 { return KindPreVote }
func (PreVoteResponse) Kind() Kind         { return KindPreVoteResponse }
func (ReadIndex) Kind() Kind               { return KindReadIndex }
func (ReadIndexResponse) Kind() Kind       { return KindReadIndexResponse }
