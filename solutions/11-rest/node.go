// Package core is the Raft node core of stage 07 grown the rest of Raft:
// log compaction with snapshots and InstallSnapshot (§7 of the paper), and
// membership changes one server at a time (§4 of Ongaro's dissertation).
// It stays a deterministic state machine with no goroutines, no clock and
// no I/O: time arrives through Tick, messages through Step, commands
// through Propose and ProposeConfChange, snapshots through Compact, and
// everything the node wants done leaves through Ready.
package core

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/11-rest/quorum"
	"raftgo/solutions/11-rest/raftlog"
)

// Options are the settings of this stage's core that raft.Config does not
// have.
type Options struct {
	// TrailingEntries is how many entries Compact keeps in the log behind a
	// snapshot, so that a follower a little behind still gets entries and
	// not the whole snapshot (§7).
	TrailingEntries int
	// SnapshotChunkSize is the most bytes of snapshot data one
	// InstallSnapshot carries (Figure 13: "Send the chunks").
	SnapshotChunkSize int
	// PreVote makes a node ask whether it could win before it starts an
	// election, so that a node that cannot win does not disturb the
	// cluster with higher terms (§9.6 of the dissertation).
	PreVote bool
	// CheckQuorum makes a leader step down when it has not heard from a
	// majority for an election timeout, and makes every server ignore
	// elections while it hears from a leader (§6.2 and §4.2.3 of the
	// dissertation).
	CheckQuorum bool
}

// DefaultOptions are the Options New uses.
var DefaultOptions = Options{TrailingEntries: 64, SnapshotChunkSize: 64 << 10, PreVote: true, CheckQuorum: true}

// Node is one Raft server's core. It satisfies raft.Node. A Node is not safe
// for concurrent use: its runtime calls it from one goroutine.
type Node struct {
	id   raft.NodeID
	cfg  raft.Config
	opts Options
	rand *rand.Rand

	// Persistent state (Figure 2): handed out in Ready to be persisted.
	term raft.Term
	vote raft.NodeID
	log  *raftlog.Log

	// The configuration in effect: the latest in the log, or else the
	// snapshot's, or else the bootstrap Peers (§4.1 of the dissertation).
	conf      membership
	confIndex raft.Index // the index of the entry that made conf; 0 if none in the log
	boot      membership // the configuration of cfg.Peers

	// snapshot is the latest snapshot, the one sent to followers that need
	// compacted entries; nil if there is none.
	snapshot *raft.Snapshot
	// incoming is the snapshot a follower is receiving in chunks.
	incoming *raft.Snapshot

	// Volatile state.
	role    raft.Role
	leader  raft.NodeID
	commit  raft.Index
	applied raft.Index // the last index handed out in Ready.CommittedEntries

	// Candidate state: the answers to this node's RequestVotes in its term.
	votes map[raft.NodeID]bool

	// Leader state: what the leader knows of each other member's log, who
	// it heard from since the last quorum check, the server it is handing
	// leadership to (None if none), and the reads waiting for a heartbeat
	// round to confirm its leadership.
	progress   map[raft.NodeID]*progress
	active     map[raft.NodeID]bool
	transferee raft.NodeID
	reads      []*pendingRead
	readSeq    uint64 // the Context of the latest read's heartbeat round

	// readStates are the confirmed reads the next Ready hands out.
	readStates []raft.ReadState

	// Logical clocks, in ticks.
	electionElapsed  int
	electionTimeout  int // drawn from [ElectionTicks, 2*ElectionTicks)
	heartbeatElapsed int
	transferElapsed  int // ticks since a leadership transfer began

	// What the next Ready hands out.
	messages     []raft.Message
	unstableFrom raft.Index     // first log index not yet handed out to persist; 0 if none
	restored     *raft.Snapshot // a snapshot installed from the leader, to persist and restore
	lastHard     raft.HardState
}

// progress is the leader's view of one follower (Figure 2, "Volatile state
// on leaders"), and of the snapshot it is sending it, if any.
type progress struct {
	next  raft.Index // the next entry to send
	match raft.Index // the highest entry known to be replicated
	// sending is the LastIncludedIndex of the snapshot being sent, and
	// offset how many bytes of it the follower has acknowledged.
	sending raft.Index
	offset  uint64
}

var _ raft.Node = (*Node)(nil)

// New returns a node configured by cfg, with DefaultOptions.
func New(cfg raft.Config) (*Node, error) { return NewWithOptions(cfg, DefaultOptions) }

// NewWithOptions returns a node configured by cfg and opts. A node restarts
// from the snapshot, hard state and entries in cfg; a new node starts with
// none. A node with no Peers is joining a running cluster: it belongs to no
// configuration, never campaigns, and learns its configuration from the
// leader's log or snapshot.
func NewWithOptions(cfg raft.Config, opts Options) (*Node, error) {
	check := cfg
	if len(check.Peers) == 0 {
		check.Peers = []raft.NodeID{cfg.ID} // a joining node: check the rest
	}
	if err := check.Validate(); err != nil {
		return nil, fmt.Errorf("core: node %d: %w", cfg.ID, err)
	}
	if opts.TrailingEntries < 0 || opts.SnapshotChunkSize < 1 {
		return nil, fmt.Errorf("core: node %d: Options %+v: TrailingEntries must be 0 or more and SnapshotChunkSize 1 or more", cfg.ID, opts)
	}
	n := &Node{
		id:       cfg.ID,
		cfg:      cfg,
		opts:     opts,
		rand:     rand.New(rand.NewPCG(cfg.Seed, uint64(cfg.ID))),
		term:     cfg.HardState.Term,
		vote:     cfg.HardState.Vote,
		commit:   cfg.HardState.Commit,
		lastHard: cfg.HardState,
		boot:     newMembership(cfg.Peers, nil),
	}
	if err := n.restore(cfg.Snapshot, cfg.Entries); err != nil {
		return nil, fmt.Errorf("core: restore node %d: %w", cfg.ID, err)
	}
	if n.commit > n.log.LastIndex() {
		return nil, fmt.Errorf("core: node %d's hard state commits index %d, past the end of its log at %d", cfg.ID, n.commit, n.log.LastIndex())
	}
	n.becomeFollower(n.term, raft.None)
	return n, nil
}

// restore rebuilds the log and the configuration from what the node
// persisted: a snapshot, if any, and the entries after it.
func (n *Node) restore(snap *raft.Snapshot, entries []raft.Entry) error {
	var base raft.Index
	var baseTerm raft.Term
	if snap != nil {
		base, baseTerm = snap.LastIncludedIndex, snap.LastIncludedTerm
		n.snapshot = cloneSnapshot(snap)
		// Everything up to the snapshot is committed and in the state
		// machine, which the runtime restores from the snapshot.
		n.commit, n.applied = max(n.commit, base), base
		// Persisted entries may start before the snapshot's end: skip them.
		for len(entries) > 0 && entries[0].Index <= base {
			entries = entries[1:]
		}
	}
	log, err := raftlog.New(base, baseTerm, entries...)
	if err != nil {
		return err
	}
	n.log = log
	return n.reloadConf()
}

// Tick advances the node's logical clock by one tick: a leader sends
// heartbeats every HeartbeatTicks, and a voter that is not the leader
// starts an election when its election timeout passes without hearing from
// a leader (§5.2). A server that is not a voter never campaigns.
func (n *Node) Tick() {
	if n.role == raft.Leader {
		n.electionElapsed++
		if n.electionElapsed >= n.cfg.ElectionTicks {
			n.electionElapsed = 0
			if n.checkQuorum() {
				return // stepped down
			}
		}
		if n.transferee != raft.None {
			if n.transferElapsed++; n.transferElapsed >= n.cfg.ElectionTicks {
				n.transferee = raft.None // a transfer that took this long failed
			}
		}
		n.heartbeatElapsed++
		if n.heartbeatElapsed >= n.cfg.HeartbeatTicks {
			n.heartbeatElapsed = 0
			n.broadcastAppend()
		}
		return
	}
	n.electionElapsed++
	if n.electionElapsed >= n.electionTimeout {
		//workshop:todo Campaign only as a voter of the configuration in effect: a learner
		//workshop:todo catching up, a server that was removed, or one that has not yet
		//workshop:todo been added must not start elections (§4.2.1 of the dissertation;
		//workshop:todo handout: "7. Learners").
		if !n.conf.isVoter(n.id) {
			n.resetElectionTimer()
			return
		}
		//workshop:end
		if n.opts.PreVote {
			n.preCampaign()
			return
		}
		n.campaign(false)
	}
}

// Step hands the node a message from a peer. Messages from servers outside
// the configuration are processed too: a new server must accept its
// leader's entries before it learns that it belongs, and a vote may be
// needed from a server the voter does not know yet (§4.1 of the
// dissertation).
func (n *Node) Step(m raft.Message) error {
	if m.To != n.id {
		return fmt.Errorf("core: node %d got a %s addressed to node %d", n.id, m.Kind(), m.To)
	}
	if m.From == raft.None || m.From == n.id {
		return fmt.Errorf("core: node %d got a %s from %d, which is no peer", n.id, m.Kind(), m.From)
	}
	if m.Body == nil {
		return fmt.Errorf("core: node %d got a message from %d with no body", n.id, m.From)
	}
	switch {
	case m.Term > n.term:
		if n.inLease(m) {
			return nil // a leader is alive: ignore the election (§4.2.3)
		}
		if preVoteTerm(m) {
			break // a pre-vote moves no one's term (§9.6)
		}
		leader := raft.None
		if k := m.Kind(); k == raft.KindAppendEntries || k == raft.KindInstallSnapshot {
			leader = m.From
		}
		n.becomeFollower(m.Term, leader)
	case m.Term < n.term:
		// A stale request gets a refusal carrying our term, so that its
		// sender learns it is behind; a stale response is ignored.
		switch m.Body.(type) {
		case raft.RequestVote:
			n.send(m.From, raft.RequestVoteResponse{VoteGranted: false})
		case raft.AppendEntries:
			n.send(m.From, raft.AppendEntriesResponse{Success: false})
		case raft.InstallSnapshot:
			n.send(m.From, raft.InstallSnapshotResponse{})
		case raft.PreVote:
			n.send(m.From, raft.PreVoteResponse{VoteGranted: false})
		}
		return nil
	}
	if n.role == raft.Leader {
		n.active[m.From] = true
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
	case raft.InstallSnapshot:
		return n.handleInstallSnapshot(m.From, body)
	case raft.InstallSnapshotResponse:
		n.handleSnapshotResponse(m.From, body)
	case raft.PreVote:
		n.handlePreVote(m.From, m.Term, body)
	case raft.PreVoteResponse:
		n.handlePreVoteResponse(m.From, m.Term, body)
	case raft.TimeoutNow:
		n.handleTimeoutNow(m.From)
	case raft.ReadIndex:
		n.handleReadIndex(m.From, body.Context)
	case raft.ReadIndexResponse:
		n.handleReadIndexResponse(m.From, body)
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
	if n.transferee != raft.None {
		return 0, 0, fmt.Errorf("%w: to node %d", ErrTransferring, n.transferee)
	}
	if err := raft.CheckCommand(data); err != nil {
		return 0, 0, err
	}
	index := n.appendEntry(raft.EntryCommand, data)
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
	rd.Snapshot, n.restored = n.restored, nil
	if n.unstableFrom != 0 {
		rd.Entries = n.entries(n.unstableFrom, n.log.LastIndex())
		n.unstableFrom = 0
	}
	rd.Messages, n.messages = n.messages, nil
	rd.ReadStates, n.readStates = n.readStates, nil
	if n.commit > n.applied {
		rd.CommittedEntries = n.entries(n.applied+1, n.commit)
		n.applied = n.commit
	}
	return rd
}

// Status reports the node's current volatile state. A leader's Progress
// covers every other member, learners included.
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

// Membership returns the configuration in effect: its voters and its
// learners, each sorted. The slices are the caller's.
func (n *Node) Membership() (voters, learners []raft.NodeID) {
	return slices.Clone(n.conf.voters), slices.Clone(n.conf.learners)
}

// FirstIndex returns the index of the first entry the node's log holds:
// the entries before it were compacted into a snapshot.
func (n *Node) FirstIndex() raft.Index { return n.log.FirstIndex() }

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
	n.votes, n.progress, n.active = nil, nil, nil
	n.transferee, n.reads = raft.None, nil
	n.resetElectionTimer()
}

// campaign starts an election: a new term, a vote for itself, and a
// RequestVote to every other voter (§5.2). A campaign that a leader asked
// for (TimeoutNow) says so, so that voters who still hear from that leader
// do not ignore it.
func (n *Node) campaign(transfer bool) {
	n.term++
	n.vote = n.id
	n.role, n.leader = raft.Candidate, raft.None
	n.votes = map[raft.NodeID]bool{n.id: true}
	n.resetElectionTimer()
	if n.conf.majority().VoteResult(n.votes) == quorum.VoteWon {
		n.becomeLeader() // a cluster of one
		return
	}
	for _, peer := range n.conf.voters {
		if peer != n.id {
			n.send(peer, raft.RequestVote{LastLogIndex: n.log.LastIndex(), LastLogTerm: n.log.LastTerm(), Transfer: transfer})
		}
	}
}

// becomeLeader makes a candidate the leader of its term, and appends the
// no-op entry that lets it commit the entries of earlier terms (§5.4.2, §8).
func (n *Node) becomeLeader() {
	n.role, n.leader = raft.Leader, n.id
	n.votes = nil
	n.heartbeatElapsed, n.electionElapsed = 0, 0
	n.active = make(map[raft.NodeID]bool)
	n.progress = make(map[raft.NodeID]*progress)
	for _, peer := range n.conf.members() {
		if peer != n.id {
			n.progress[peer] = &progress{next: n.log.LastIndex() + 1}
		}
	}
	n.appendEntry(raft.EntryCommand, nil)
}

func (n *Node) resetElectionTimer() {
	n.electionElapsed = 0
	n.electionTimeout = n.cfg.ElectionTicks + n.rand.IntN(n.cfg.ElectionTicks)
}

// --- Elections ------------------------------------------------------------

// handleRequestVote grants a vote at most once per term, and only to a
// candidate whose log is at least as up-to-date as ours (§5.4.1).
func (n *Node) handleRequestVote(from raft.NodeID, rv raft.RequestVote) {
	grant := (n.vote == raft.None || n.vote == from) && n.log.IsUpToDate(rv.LastLogIndex, rv.LastLogTerm)
	if grant {
		n.vote = from
		n.resetElectionTimer()
	}
	n.send(from, raft.RequestVoteResponse{VoteGranted: grant})
}

// handleVoteResponse records an answer; a majority of the configuration's
// voters makes the candidate leader, and a majority of refusals ends its
// hope for this term.
func (n *Node) handleVoteResponse(from raft.NodeID, resp raft.RequestVoteResponse) {
	if n.role != raft.Candidate {
		return
	}
	n.votes[from] = resp.VoteGranted
	//workshop:todo Let the quorum arithmetic decide over the configuration in effect:
	//workshop:todo become leader when the election is won; only the voters of the
	//workshop:todo configuration count, not every server that answers (§5.2; handout:
	//workshop:todo "3. Quorums").
	if n.conf.majority().VoteResult(n.votes) == quorum.VoteWon {
		n.becomeLeader()
	}
	//workshop:end
}

// --- Replication ---------------------------------------------------------

// appendEntry appends an entry of the leader's term to its own log and
// returns its index. It reaches the followers with the next Ready. A
// cluster of one commits a command at once; a configuration change commits
// only under the configuration it leads to, which ProposeConfChange puts
// in effect after the append (a lone voter adding a second must wait for
// it).
func (n *Node) appendEntry(typ raft.EntryType, data []byte) raft.Index {
	e := raft.Entry{Term: n.term, Index: n.log.LastIndex() + 1, Type: typ, Data: data}
	if _, err := n.log.Append(n.log.LastIndex(), n.log.LastTerm(), []raft.Entry{e}); err != nil {
		panic(fmt.Sprintf("core: leader %d cannot append to its own log: %v", n.id, err))
	}
	n.markUnstable(e.Index)
	if typ != raft.EntryConfChange {
		n.maybeCommit()
	}
	return e.Index
}

func (n *Node) markUnstable(from raft.Index) {
	if n.unstableFrom == 0 || from < n.unstableFrom {
		n.unstableFrom = from
	}
}

// broadcastAppend sends an AppendEntries to every other member: the
// heartbeat that holds the leader's authority (§5.2), and that carries any
// entries a follower still needs. A follower receiving a snapshot gets its
// next chunk again instead, in case the last one was lost.
func (n *Node) broadcastAppend() {
	for _, peer := range n.conf.members() {
		if pr := n.progress[peer]; pr != nil {
			n.sendAppend(peer)
		}
	}
}

// sendPendingAppends sends entries to every follower that has not been sent
// all of the log yet and is not receiving a snapshot.
func (n *Node) sendPendingAppends() {
	for _, peer := range n.conf.members() {
		if pr := n.progress[peer]; pr != nil && pr.sending == 0 && pr.next <= n.log.LastIndex() {
			n.sendAppend(peer)
		}
	}
}

// sendAppend sends a follower the entries from its nextIndex, at most
// MaxEntriesPerMessage of them, and assumes they will arrive: nextIndex
// moves past them at once, and a rejection moves it back. A follower that
// needs entries the log no longer holds gets the snapshot instead (§7).
func (n *Node) sendAppend(to raft.NodeID) {
	pr := n.progress[to]
	prevIndex := pr.next - 1
	//workshop:todo When the entry before nextIndex is compacted away (Term reports no
	//workshop:todo entry), or a snapshot is already on its way, send the snapshot instead
	//workshop:todo (§7: "the leader must occasionally send snapshots to followers that lag
	//workshop:todo behind"; handout: "4. Sending a snapshot").
	prevTerm, ok := n.log.Term(prevIndex)
	if !ok || pr.sending != 0 {
		n.sendSnapshot(to, pr)
		return
	}
	//workshop:stub prevTerm, _ := n.log.Term(prevIndex)
	//workshop:end
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
		Context:      n.readSeq,
	})
}

// handleAppendEntries is the AppendEntries receiver (Figure 2). A new
// configuration in the entries takes effect as soon as it is in the log,
// and an old one comes back if the entry that replaced it is cut off.
func (n *Node) handleAppendEntries(from raft.NodeID, ae raft.AppendEntries) error {
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
		//workshop:todo The log changed from index first on. If that cut off the entry that
		//workshop:todo made the configuration in effect, or brought a configuration entry,
		//workshop:todo the configuration in effect changes now: reload it from the log
		//workshop:todo (n.reloadConf). "A server always uses the latest configuration in
		//workshop:todo its log, regardless of whether the entry is committed" (§4.1 of the
		//workshop:todo dissertation; handout: "6. A configuration takes effect when appended").
		if first <= n.confIndex || hasConfChange(ae.Entries) {
			if err := n.reloadConf(); err != nil {
				return fmt.Errorf("core: node %d got a bad configuration from %d: %w", n.id, from, err)
			}
		}
		//workshop:end
	}
	match := ae.PrevLogIndex + raft.Index(len(ae.Entries))
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
	n.confirmReads(from, resp.Context)
	if resp.Success {
		pr.match = max(pr.match, resp.MatchIndex)
		pr.next = max(pr.next, pr.match+1)
		n.maybeCommit()
		n.maybeTimeoutNow(from)
		return
	}
	if pr.sending != 0 {
		return // a stale rejection: the follower is getting a snapshot
	}
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
// majority of the configuration's voters holds, if that entry is from the
// leader's current term (§5.4.2). A leader that is not a voter of its own
// configuration, because it is removing itself, does not count itself
// (§4.2.2 of the dissertation), and steps down once that configuration is
// committed.
func (n *Node) maybeCommit() {
	match := make(map[raft.NodeID]raft.Index, len(n.progress)+1)
	for peer, pr := range n.progress {
		match[peer] = pr.match
	}
	match[n.id] = n.log.LastIndex()
	//workshop:todo Ask the quorum arithmetic which index a majority of the voters in
	//workshop:todo effect holds (n.conf.majority().CommittedIndex), and commit it if it is
	//workshop:todo of this term (§5.4.2; handout: "3. Quorums").
	index := n.conf.majority().CommittedIndex(match)
	//workshop:stub index := raft.Index(0)
	//workshop:end
	if term, _ := n.log.Term(index); index > n.commit && term == n.term {
		n.commit = index
	}
	//workshop:todo A leader that removed itself manages the cluster until the change
	//workshop:todo commits, then steps down (§4.2.2 of the dissertation: "the leader steps
	//workshop:todo down … once the Cnew entry is committed"; handout: "9. Removing the leader").
	if n.role == raft.Leader && !n.conf.isVoter(n.id) && n.commit >= n.confIndex {
		n.becomeFollower(n.term, raft.None)
	}
	//workshop:end
}
