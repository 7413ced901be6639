// Package core is the Raft node core: a deterministic state machine that
// implements Figure 2 of the Raft paper, with no goroutines, no clock and no
// I/O. Time arrives through Tick, messages through Step and commands through
// Propose; everything the node wants done leaves through Ready.
package core

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/04-log"
)

// Node is one Raft server's core. It satisfies raft.Node. A Node is not safe
// for concurrent use: its runtime calls it from one goroutine.
type Node struct {
	id    raft.NodeID
	peers []raft.NodeID // every voter, this node included, sorted
	cfg   raft.Config
	rand  *rand.Rand

	// Persistent state (Figure 2): handed out in Ready to be persisted.
	term raft.Term
	vote raft.NodeID
	log  *raftlog.Log

	// Volatile state.
	role    raft.Role
	leader  raft.NodeID
	commit  raft.Index
	applied raft.Index // the last index handed out in Ready.CommittedEntries

	// Candidate state: who has granted this node their vote in its term.
	votes map[raft.NodeID]bool

	// Leader state: what the leader knows of each follower's log.
	progress map[raft.NodeID]*progress

	// Logical clocks, in ticks.
	electionElapsed  int
	electionTimeout  int // drawn from [ElectionTicks, 2*ElectionTicks)
	heartbeatElapsed int

	// What the next Ready hands out.
	messages     []raft.Message
	unstableFrom raft.Index // first log index not yet handed out to persist; 0 if none
	lastHard     raft.HardState
}

// progress is the leader's view of one follower (Figure 2, "Volatile state
// on leaders").
type progress struct {
	next  raft.Index // the next entry to send
	match raft.Index // the highest entry known to be replicated
}

var _ raft.Node = (*Node)(nil)

// New returns a node configured by cfg. A node restarts from the hard state
// and entries in cfg; a new node starts with none.
func New(cfg raft.Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("core: node %d: %w", cfg.ID, err)
	}
	log, err := raftlog.New(cfg.Entries...)
	if err != nil {
		return nil, fmt.Errorf("core: restore node %d's log: %w", cfg.ID, err)
	}
	if cfg.HardState.Commit > log.LastIndex() {
		return nil, fmt.Errorf("core: node %d's hard state commits index %d, past the end of its log at %d", cfg.ID, cfg.HardState.Commit, log.LastIndex())
	}
	peers := slices.Clone(cfg.Peers)
	slices.Sort(peers)
	n := &Node{
		id:       cfg.ID,
		peers:    peers,
		cfg:      cfg,
		rand:     rand.New(rand.NewPCG(cfg.Seed, uint64(cfg.ID))),
		term:     cfg.HardState.Term,
		vote:     cfg.HardState.Vote,
		log:      log,
		commit:   cfg.HardState.Commit,
		lastHard: cfg.HardState,
	}
	n.becomeFollower(n.term, raft.None)
	return n, nil
}

// Tick advances the node's logical clock by one tick: a leader sends
// heartbeats every HeartbeatTicks, and anyone else starts an election when
// its election timeout passes without hearing from a leader (§5.2).
func (n *Node) Tick() {
	if n.role == raft.Leader {
		n.heartbeatElapsed++
		if n.heartbeatElapsed >= n.cfg.HeartbeatTicks {
			n.heartbeatElapsed = 0
			n.broadcastAppend()
		}
		return
	}
	// TODO: Count the tick on the election clock; when electionElapsed reaches
	// electionTimeout without word from a leader, campaign (Figure 2, Rules
	// for Servers, Followers: "If election timeout elapses without receiving
	// AppendEntries RPC from current leader or granting vote to candidate:
	// convert to candidate"; §5.2; handout: "1. The election timer").
}

// Step hands the node a message from a peer.
func (n *Node) Step(m raft.Message) error {
	if m.To != n.id {
		return fmt.Errorf("core: node %d got a %s addressed to node %d", n.id, m.Kind(), m.To)
	}
	if !slices.Contains(n.peers, m.From) || m.From == n.id {
		return fmt.Errorf("core: node %d got a %s from %d, which is not a peer", n.id, m.Kind(), m.From)
	}
	if m.Body == nil {
		return fmt.Errorf("core: node %d got a message from %d with no body", n.id, m.From)
	}
	switch {
	case m.Term > n.term:
		// TODO: Any message from a higher term makes this node a follower in that
		// term, whatever its role; if the message is an AppendEntries, its
		// sender is the term's leader (Figure 2, Rules for Servers, All
		// Servers: "If RPC request or response contains term T > currentTerm:
		// set currentTerm = T, convert to follower"; §5.1; handout: "6. Step down").
	case m.Term < n.term:
		// A stale request gets a refusal carrying our term, so that its
		// sender learns it is behind; a stale response is ignored.
		switch m.Body.(type) {
		case raft.RequestVote:
			n.send(m.From, raft.RequestVoteResponse{VoteGranted: false})
		case raft.AppendEntries:
			n.send(m.From, raft.AppendEntriesResponse{Success: false})
		}
		return nil
	}

	switch body := m.Body.(type) {
	case raft.RequestVote:
		n.handleRequestVote(m.From, body)
	case raft.RequestVoteResponse:
		n.handleVoteResponse(m.From, body)
	case raft.AppendEntries:
		return n.handleAppendEntries(m.From, body)
	case raft.AppendEntriesResponse:
		n.handleAppendResponse(m.From, body)
	default:
		return fmt.Errorf("core: node %d cannot handle a %s", n.id, m.Kind())
	}
	return nil
}

// Propose appends a command to the leader's log. It is sent to the
// followers with the next Ready.
func (n *Node) Propose(data []byte) (raft.Index, raft.Term, error) {
	if n.role != raft.Leader {
		return 0, 0, raft.ErrNotLeader
	}
	if err := raft.CheckCommand(data); err != nil {
		return 0, 0, err
	}
	index := n.appendEntry(data)
	return index, n.term, nil
}

// Ready returns and forgets everything the node has produced since the last
// call: state to persist, messages to send and entries to apply.
func (n *Node) Ready() raft.Ready {
	if n.role == raft.Leader {
		n.sendPendingAppends()
	}
	var rd raft.Ready
	if hs := n.hardState(); hs != n.lastHard {
		rd.HardState, n.lastHard = hs, hs
	}
	if n.unstableFrom != 0 {
		rd.Entries = n.entries(n.unstableFrom, n.log.LastIndex())
		n.unstableFrom = 0
	}
	rd.Messages, n.messages = n.messages, nil
	if n.commit > n.applied {
		rd.CommittedEntries = n.entries(n.applied+1, n.commit)
		n.applied = n.commit
	}
	return rd
}

// Status reports the node's current volatile state.
func (n *Node) Status() raft.Status {
	st := raft.Status{
		ID:        n.id,
		Role:      n.role,
		Term:      n.term,
		Vote:      n.vote,
		Leader:    n.leader,
		Commit:    n.commit,
		Applied:   n.applied,
		LastIndex: n.log.LastIndex(),
	}
	if n.role == raft.Leader {
		st.Progress = make(map[raft.NodeID]raft.Progress, len(n.progress))
		for peer, pr := range n.progress {
			st.Progress[peer] = raft.Progress{Match: pr.match, Next: pr.next}
		}
	}
	return st
}

func (n *Node) hardState() raft.HardState {
	return raft.HardState{Term: n.term, Vote: n.vote, Commit: n.commit}
}

// entries returns the log's entries in [lo, hi]. The node only asks for
// ranges it knows the log holds.
func (n *Node) entries(lo, hi raft.Index) []raft.Entry {
	es, err := n.log.Slice(lo, hi+1)
	if err != nil {
		panic(fmt.Sprintf("core: node %d lost track of its log: %v", n.id, err))
	}
	return es
}

// quorum is the number of votes or replicas that make a majority.
func (n *Node) quorum() int { return len(n.peers)/2 + 1 }

// send queues a message to a peer, stamped with this node's term.
func (n *Node) send(to raft.NodeID, body raft.Body) {
	n.messages = append(n.messages, raft.Message{From: n.id, To: to, Term: n.term, Body: body})
}

// --- Roles ---------------------------------------------------------------

// becomeFollower makes the node a follower in term, following leader (or
// None when it does not know one yet). Moving to a new term clears the vote.
func (n *Node) becomeFollower(term raft.Term, leader raft.NodeID) {
	if term > n.term {
		n.term, n.vote = term, raft.None
	}
	n.role, n.leader = raft.Follower, leader
	n.votes, n.progress = nil, nil
	n.resetElectionTimer()
}

// campaign starts an election: a new term, a vote for itself, and a
// RequestVote to every peer (§5.2).
func (n *Node) campaign() {
	// TODO: Become a candidate (Figure 2, Rules for Servers, Candidates): move to
	// the next term, vote for yourself, record that vote in n.votes, reset
	// the election timer, and send every peer a RequestVote with your
	// last log index and term. A cluster of one wins at once
	// (§5.2; handout: "2. Campaign").
}

// becomeLeader makes a candidate the leader of its term. It appends a no-op
// entry, because a leader may only count replicas to commit entries of its
// own term (§5.4.2): the no-op commits every entry before it (§8).
func (n *Node) becomeLeader() {
	n.role, n.leader = raft.Leader, n.id
	n.votes = nil
	n.heartbeatElapsed = 0
	n.progress = make(map[raft.NodeID]*progress, len(n.peers))
	for _, peer := range n.peers {
		if peer != n.id {
			n.progress[peer] = &progress{next: n.log.LastIndex() + 1}
		}
	}
	// TODO: Append a no-op entry (no Data) in the new term, so that the entries
	// of earlier terms can commit (§5.4.2, §8; handout: "5. The no-op").
}

func (n *Node) resetElectionTimer() {
	n.electionElapsed = 0
	n.electionTimeout = n.cfg.ElectionTicks + n.rand.IntN(n.cfg.ElectionTicks)
}

// --- Elections ------------------------------------------------------------

// handleRequestVote grants a vote at most once per term, and only to a
// candidate whose log is at least as up-to-date as ours (Figure 2,
// RequestVote RPC, receiver implementation; §5.4.1).
func (n *Node) handleRequestVote(from raft.NodeID, rv raft.RequestVote) {
	// TODO: Grant the vote only if this node has not voted for someone else in
	// this term and the candidate's log is at least as up-to-date as its
	// own (n.log.IsUpToDate, §5.4.1). A granted vote is recorded in n.vote,
	// which Ready persists, and resets the election timer. Answer either
	// way (Figure 2, RequestVote RPC, receiver implementation; handout:
	// "3. Voting").
	n.send(from, raft.RequestVoteResponse{VoteGranted: false})
}

// handleVoteResponse counts a vote; a majority makes the candidate leader.
func (n *Node) handleVoteResponse(from raft.NodeID, resp raft.RequestVoteResponse) {
	// TODO: As a candidate, count each granted vote once per voter; with votes
	// from a majority of the cluster, become leader (Figure 2, Rules for
	// Servers, Candidates: "If votes received from majority of servers:
	// become leader"; §5.2; handout: "4. Counting votes").
}

func (n *Node) granted() int { return len(n.votes) }

// --- Replication ---------------------------------------------------------

// appendEntry appends a command to the leader's own log and returns its
// index. It reaches the followers with the next Ready.
func (n *Node) appendEntry(data []byte) raft.Index {
	e := raft.Entry{Term: n.term, Index: n.log.LastIndex() + 1, Type: raft.EntryCommand, Data: data}
	if _, err := n.log.Append(n.log.LastIndex(), n.log.LastTerm(), []raft.Entry{e}); err != nil {
		panic(fmt.Sprintf("core: leader %d cannot append to its own log: %v", n.id, err))
	}
	n.markUnstable(e.Index)
	n.maybeCommit() // a cluster of one commits at once
	return e.Index
}

func (n *Node) markUnstable(from raft.Index) {
	if n.unstableFrom == 0 || from < n.unstableFrom {
		n.unstableFrom = from
	}
}

// broadcastAppend sends an AppendEntries to every follower: the heartbeat
// that holds the leader's authority (§5.2), and that carries any entries a
// follower still needs.
func (n *Node) broadcastAppend() {
	for _, peer := range n.peers {
		if peer != n.id {
			n.sendAppend(peer)
		}
	}
}

// sendPendingAppends sends entries to every follower that has not been sent
// all of the log yet. Proposals made since the last Ready go out together:
// that is what batches them.
func (n *Node) sendPendingAppends() {
	for _, peer := range n.peers {
		if pr := n.progress[peer]; pr != nil && pr.next <= n.log.LastIndex() {
			n.sendAppend(peer)
		}
	}
}

// sendAppend sends a follower the entries from its nextIndex, at most
// MaxEntriesPerMessage of them, and assumes they will arrive: nextIndex
// moves past them at once, and a rejection moves it back.
func (n *Node) sendAppend(to raft.NodeID) {
	pr := n.progress[to]
	prevIndex := pr.next - 1
	prevTerm, _ := n.log.Term(prevIndex)
	last := min(n.log.LastIndex(), prevIndex+raft.Index(n.cfg.MaxEntriesPerMessage))
	var entries []raft.Entry
	if last > prevIndex {
		entries = n.entries(prevIndex+1, last)
		pr.next = last + 1
	}
	n.send(to, raft.AppendEntries{
		PrevLogIndex: prevIndex,
		PrevLogTerm:  prevTerm,
		Entries:      entries,
		LeaderCommit: n.commit,
	})
}

// handleAppendEntries is the AppendEntries receiver (Figure 2).
func (n *Node) handleAppendEntries(from raft.NodeID, ae raft.AppendEntries) error {
	// A current-term AppendEntries comes from the one leader of the term: a
	// candidate that hears it has lost the election (§5.2).
	if n.role != raft.Follower || n.leader != from {
		n.becomeFollower(n.term, from)
	}
	n.resetElectionTimer()

	first, err := n.log.Append(ae.PrevLogIndex, ae.PrevLogTerm, ae.Entries)
	var conflict *raftlog.ConflictError
	switch {
	case errors.As(err, &conflict):
		n.send(from, raft.AppendEntriesResponse{
			Success:       false,
			ConflictIndex: conflict.Index,
			ConflictTerm:  conflict.Term,
			Context:       ae.Context,
		})
		return nil
	case err != nil:
		return fmt.Errorf("core: node %d got a malformed AppendEntries from %d: %w", n.id, from, err)
	}
	if first != 0 {
		n.markUnstable(first)
	}
	match := ae.PrevLogIndex + raft.Index(len(ae.Entries))
	// Rule 5: commit up to leaderCommit, but no further than what this
	// message proved matches the leader's log.
	if commit := min(ae.LeaderCommit, match); commit > n.commit {
		n.commit = commit
	}
	n.send(from, raft.AppendEntriesResponse{Success: true, MatchIndex: match, Context: ae.Context})
	return nil
}

// handleAppendResponse moves a follower's matchIndex and nextIndex, and
// commits what a majority now holds.
func (n *Node) handleAppendResponse(from raft.NodeID, resp raft.AppendEntriesResponse) {
	pr := n.progress[from]
	if n.role != raft.Leader || pr == nil {
		return
	}
	if resp.Success {
		pr.match = max(pr.match, resp.MatchIndex)
		pr.next = max(pr.next, pr.match+1)
		n.maybeCommit()
		return
	}
	// Back up using the follower's hint (§5.3): to just after the leader's
	// last entry of the conflicting term if it has one, or else to the first
	// index the follower holds for that term. Never below what is known to
	// match, and never forward: a stale rejection must not skip entries.
	next := resp.ConflictIndex
	if resp.ConflictTerm != 0 {
		if last := n.log.LastIndexOfTerm(resp.ConflictTerm); last != 0 {
			next = last + 1
		}
	}
	pr.next = max(pr.match+1, min(pr.next, next))
	n.sendAppend(from)
}

// maybeCommit advances the commit index to the highest index that a
// majority holds, if that entry is from the leader's current term (§5.4.2:
// entries from earlier terms are committed only indirectly).
func (n *Node) maybeCommit() {
	matches := make([]raft.Index, 0, len(n.peers))
	for _, peer := range n.peers {
		if peer == n.id {
			matches = append(matches, n.log.LastIndex())
		} else {
			matches = append(matches, n.progress[peer].match)
		}
	}
	slices.Sort(matches)
	majority := matches[len(matches)-n.quorum()] // held by a quorum of nodes
	if term, _ := n.log.Term(majority); majority > n.commit && term == n.term {
		n.commit = majority
	}
}
