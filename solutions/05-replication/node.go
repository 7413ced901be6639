// Package core is the Raft node core: a deterministic state machine that
// implements Figure 2 of the Raft paper, with no goroutines, no clock and no
// I/O. Time arrives through Tick, messages through Step and commands through
// Propose; everything the node wants done leaves through Ready.
//
// In this stage the core replicates the leader's log to its followers, but
// commits nothing and does not elect: the test appoints the leader with
// BecomeLeader. Stage 06 adds the commit rule, stage 07 elections.
package core

import (
	"errors"
	"fmt"
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

	// Persistent state (Figure 2): handed out in Ready to be persisted.
	term raft.Term
	vote raft.NodeID
	log  *raftlog.Log

	// Volatile state.
	role   raft.Role
	leader raft.NodeID

	// Leader state: what the leader knows of each follower's log.
	progress map[raft.NodeID]*progress

	// Logical clock of the leader's heartbeats, in ticks.
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
		return nil, fmt.Errorf("core: new node: %w", err)
	}
	log, err := raftlog.New(cfg.Entries...)
	if err != nil {
		return nil, fmt.Errorf("core: restore node %d's log: %w", cfg.ID, err)
	}
	peers := slices.Clone(cfg.Peers)
	slices.Sort(peers)
	n := &Node{
		id:       cfg.ID,
		peers:    peers,
		cfg:      cfg,
		term:     cfg.HardState.Term,
		vote:     cfg.HardState.Vote,
		log:      log,
		lastHard: cfg.HardState,
	}
	n.becomeFollower(n.term, raft.None)
	return n, nil
}

// Tick advances the node's logical clock by one tick: a leader sends
// heartbeats every HeartbeatTicks. Followers wait; without elections they
// have nothing to time.
func (n *Node) Tick() {
	if n.role != raft.Leader {
		return
	}
	n.heartbeatElapsed++
	if n.heartbeatElapsed >= n.cfg.HeartbeatTicks {
		n.heartbeatElapsed = 0
		n.broadcastAppend()
	}
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
		// Rules for all servers: a higher term makes us a follower (§5.1).
		leader := raft.None
		if m.Kind() == raft.KindAppendEntries {
			leader = m.From
		}
		n.becomeFollower(m.Term, leader)
	case m.Term < n.term:
		// A stale request gets a refusal carrying our term, so that its
		// sender learns it is behind; a stale response is ignored.
		if m.Kind() == raft.KindAppendEntries {
			n.send(m.From, raft.AppendEntriesResponse{Success: false})
		}
		return nil
	}

	switch body := m.Body.(type) {
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
	return rd
}

// Status reports the node's current volatile state.
func (n *Node) Status() raft.Status {
	return raft.Status{
		ID:        n.id,
		Role:      n.role,
		Term:      n.term,
		Leader:    n.leader,
		LastIndex: n.log.LastIndex(),
	}
}

func (n *Node) hardState() raft.HardState {
	return raft.HardState{Term: n.term, Vote: n.vote}
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
	n.progress = nil
}

// BecomeLeader makes the node the leader of term, which must not be older
// than the node's current term. In this stage the test appoints the leader;
// the other nodes follow it when its first AppendEntries reaches them.
func (n *Node) BecomeLeader(term raft.Term) error {
	if term < n.term {
		return fmt.Errorf("core: node %d cannot lead term %d: it is already in term %d", n.id, term, n.term)
	}
	if term > n.term {
		n.term, n.vote = term, raft.None
	}
	n.role, n.leader = raft.Leader, n.id
	n.heartbeatElapsed = 0
	n.progress = make(map[raft.NodeID]*progress, len(n.peers))
	for _, peer := range n.peers {
		if peer != n.id {
			n.progress[peer] = &progress{next: n.log.LastIndex() + 1}
		}
	}
	return nil
}

// --- Replication ---------------------------------------------------------

// appendEntry appends a command to the leader's own log and returns its
// index. It reaches the followers with the next Ready.
func (n *Node) appendEntry(data []byte) raft.Index {
	e := raft.Entry{Term: n.term, Index: n.log.LastIndex() + 1, Type: raft.EntryCommand, Data: data}
	if _, err := n.log.Append(n.log.LastIndex(), n.log.LastTerm(), []raft.Entry{e}); err != nil {
		panic(fmt.Sprintf("core: leader %d cannot append to its own log: %v", n.id, err))
	}
	n.markUnstable(e.Index)
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
	//workshop:todo Send an AppendEntries to every follower whose nextIndex is
	//workshop:todo not past the leader's last entry (handout: "2. Sending what is pending").
	for _, peer := range n.peers {
		if pr := n.progress[peer]; pr != nil && pr.next <= n.log.LastIndex() {
			n.sendAppend(peer)
		}
	}
	//workshop:end
}

// sendAppend sends a follower the entries from its nextIndex, at most
// MaxEntriesPerMessage of them, and assumes they will arrive: nextIndex
// moves past them at once, and a rejection moves it back.
func (n *Node) sendAppend(to raft.NodeID) {
	//workshop:todo Send the follower an AppendEntries that follows the entry just
	//workshop:todo before its nextIndex, with at most MaxEntriesPerMessage entries
	//workshop:todo (n.entries reads them), and move nextIndex past what you sent
	//workshop:todo (handout: "1. Sending entries").
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
	})
	//workshop:end
}

// handleAppendEntries is the AppendEntries receiver (Figure 2).
func (n *Node) handleAppendEntries(from raft.NodeID, ae raft.AppendEntries) error {
	// A current-term AppendEntries comes from the one leader of the term.
	if n.role != raft.Follower || n.leader != from {
		n.becomeFollower(n.term, from)
	}

	//workshop:todo Apply the log rules with n.log.Append. On a *raftlog.ConflictError,
	//workshop:todo refuse with its hint; on any other error, return it. On success,
	//workshop:todo mark what was written for the next Ready (n.markUnstable) and
	//workshop:todo answer with MatchIndex = PrevLogIndex + len(Entries), echoing
	//workshop:todo Context (Figure 2, AppendEntries receiver; handout: "3. Answering AppendEntries").
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
	n.send(from, raft.AppendEntriesResponse{Success: true, MatchIndex: match, Context: ae.Context})
	return nil
	//workshop:stub return nil
	//workshop:end
}

// handleAppendResponse moves a follower's matchIndex and nextIndex.
func (n *Node) handleAppendResponse(from raft.NodeID, resp raft.AppendEntriesResponse) {
	//workshop:todo On success, raise matchIndex (never lower it: responses arrive
	//workshop:todo late and twice) and keep nextIndex past it. On a refusal, back
	//workshop:todo up nextIndex with the follower's hint (§5.3), never below
	//workshop:todo matchIndex+1, and send again (handout: "4. Handling the answer").
	pr := n.progress[from]
	if n.role != raft.Leader || pr == nil {
		return
	}
	if resp.Success {
		pr.match = max(pr.match, resp.MatchIndex)
		pr.next = max(pr.next, pr.match+1)
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
	//workshop:end
}
