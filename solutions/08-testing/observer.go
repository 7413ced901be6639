// Package invariants checks Raft's safety properties on a running cluster.
//
// A cluster reports what its nodes do to an Observer: a node started from
// what it persisted, a node produced a Ready (and the Ready was persisted),
// a node crashed. A Checker is an Observer that keeps, from those reports
// alone, a picture of the cluster (every node's persisted log and status,
// the leaders of every term, the committed and applied entries) and checks
// the properties of Figure 3 of the Raft paper after every report, plus the
// few more that the classic bugs break. What it finds it keeps as typed
// Violation values.
//
// Three feeders drive the same Checker: internal/raftnet (the tests of this
// stage), the simulator of stage 09 and the runtime of stage 10. A feeder
// asks Err after each of its steps, and stops at the first violation:
//
//	c := invariants.NewChecker()
//	net, err := raftnet.New(5, newNode, raftnet.Options{Observer: c})
//	…
//	for step := range steps {
//		c.SetStep(step)
//		… // tick, deliver, partition, crash …
//		if err := c.Err(); err != nil {
//			t.Fatalf("seed %d: %v", seed, err)
//		}
//	}
package invariants

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"raftgo/solutions/03-planning"
)

// Observer watches a cluster of Raft nodes run. internal/raftnet, the
// simulator of stage 09 and the runtime of stage 10 feed one; *Checker is
// the implementation that checks what it sees.
//
// A feeder reports each node's events in the order the node made them.
// NodeReady must come after the feeder persisted the Ready's hard state and
// entries and before it sends the Ready's messages, so that an effect (a
// vote counted, an entry acknowledged) is never reported before its cause.
// An implementation says whether it may be called from several goroutines;
// Checker may.
type Observer interface {
	// NodeStarted reports that node cfg.ID started, for the first time or
	// after a crash, from cfg: cfg.HardState, cfg.Snapshot and cfg.Entries
	// are what it had persisted, and cfg.Peers its cluster. st is the
	// node's status once made.
	NodeStarted(cfg raft.Config, st raft.Status)
	// NodeReady reports a Ready that node id produced, once persisted; st
	// is the node's status right after Ready returned.
	NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status)
	// NodeCrashed reports that node id stopped. It keeps only what it
	// persisted, and reports NodeStarted when it comes back.
	NodeCrashed(id raft.NodeID)
}

// A Property is a safety property the Checker checks. Its value is the
// short name that mutants' "catch:" fields and test output use.
type Property string

// The properties. The first five are Figure 3 of the paper; the others are
// what the classic bugs break before they break those.
const (
	// ElectionSafety: at most one leader can be elected in a given term,
	// across crashes and restarts (§5.2).
	ElectionSafety Property = "election-safety"
	// LeaderAppendOnly: a leader never overwrites or deletes entries in its
	// log; it only appends new entries (§5.3).
	LeaderAppendOnly Property = "leader-append-only"
	// LogMatching: if two logs contain an entry with the same index and
	// term, the logs are identical in all entries up through that index
	// (§5.3).
	LogMatching Property = "log-matching"
	// LeaderCompleteness: if a log entry is committed in a given term, that
	// entry is present in the logs of the leaders of all higher terms
	// (§5.4).
	LeaderCompleteness Property = "leader-completeness"
	// StateMachineSafety: if a server has applied a log entry at a given
	// index, no other server ever applies a different entry at that index
	// (§5.4.3).
	StateMachineSafety Property = "state-machine-safety"
	// VoteRestriction: a node votes only for a candidate whose log is at
	// least as up-to-date as its own (§5.4.1).
	VoteRestriction Property = "vote-restriction"
	// CommittedKept: a committed entry is on a majority of persisted logs
	// when it commits, is never removed from a log that holds it, and every
	// node that says it is committed holds that same entry.
	CommittedKept Property = "committed-kept"
	// AppliedPrefix: each node applies entries once each, in index order,
	// with no gap, so that with State Machine Safety every node's applied
	// sequence is a prefix of one common sequence.
	AppliedPrefix Property = "applied-prefix"
	// CommitRule: a leader moves its commit index only to an entry of its
	// own term; entries of earlier terms commit with it, never by counting
	// their replicas (Figure 2, Rules for Servers, Leaders; §5.4.2).
	CommitRule Property = "commit-rule"
	// NodeFields: each node's own fields stay consistent: applied ≤ commit
	// ≤ last index; term and commit never go back; a vote cast in a term
	// never changes; on a leader, match < next ≤ last index + 1 for every
	// follower.
	NodeFields Property = "node-fields"
)

// Properties lists every property, in the order the Checker checks them.
var Properties = []Property{
	ElectionSafety, LeaderAppendOnly, LogMatching, LeaderCompleteness,
	StateMachineSafety, VoteRestriction, CommittedKept, AppliedPrefix, CommitRule, NodeFields,
}

var rules = map[Property]string{
	ElectionSafety:     "Election Safety (Figure 3, §5.2): at most one leader can be elected in a given term.",
	LeaderAppendOnly:   "Leader Append-Only (Figure 3, §5.3): a leader never overwrites or deletes entries in its log; it only appends new entries.",
	LogMatching:        "Log Matching (Figure 3, §5.3): if two logs contain an entry with the same index and term, then the logs are identical in all entries up through the given index.",
	LeaderCompleteness: "Leader Completeness (Figure 3, §5.4): if a log entry is committed in a given term, then that entry will be present in the logs of the leaders for all higher-numbered terms.",
	StateMachineSafety: "State Machine Safety (Figure 3, §5.4.3): if a server has applied a log entry at a given index to its state machine, no other server will ever apply a different log entry for the same index.",
	VoteRestriction:    "The election restriction (§5.4.1): \"the voter denies its vote if its own log is more up-to-date than that of the candidate\": the later last term wins, and with equal last terms the longer log.",
	CommittedKept:      "Committed entries are kept (§5.3, §5.4): an entry commits only once a majority has stored it, and no log ever loses it.",
	AppliedPrefix:      "Applied prefix (Figure 2, All Servers: \"apply log[lastApplied] to state machine\"): a node applies each entry once, in index order, without gaps.",
	CommitRule:         "The commit rule (Figure 2, Rules for Servers, Leaders; §5.4.2): a leader sets commitIndex = N only if log[N].term == currentTerm; \"Raft never commits log entries from previous terms by counting replicas.\"",
	NodeFields:         "Node fields (Figure 2, State): lastApplied ≤ commitIndex ≤ last log index; currentTerm and commitIndex never go back; votedFor never changes within a term; a leader's matchIndex < nextIndex ≤ last log index + 1.",
}

// Rule quotes the rule the property stands for, with where the paper
// states it.
func (p Property) Rule() string { return rules[p] }

// A Violation is one breach of a property, found after one report.
type Violation struct {
	// Property is the property broken.
	Property Property
	// Nodes, Terms and Indexes are the nodes, terms and log indexes
	// involved, in the order Detail names them.
	Nodes   []raft.NodeID
	Terms   []raft.Term
	Indexes []raft.Index
	// Step is the feeder's step when the violation was found (see
	// Checker.SetStep), and Event the number of the report, from 1.
	Step  int
	Event int
	// Detail says what was seen, in a sentence.
	Detail string
}

// Error returns the violation as one paragraph: what was seen, when, and
// the rule it breaks.
func (v Violation) Error() string {
	return fmt.Sprintf("%s violated at step %d (report %d): %s %s", v.Property, v.Step, v.Event, v.Detail, v.Property.Rule())
}

// String returns the same paragraph as Error.
func (v Violation) String() string { return v.Error() }

// maxViolations bounds the violations a Checker keeps: once a cluster is
// broken, the same breach tends to be reported after every step.
const maxViolations = 100

// Checker is an Observer that checks every property after every report. It
// is safe for concurrent use; reports are checked in the order they arrive.
// The zero Checker is not ready for use: make one with NewChecker.
type Checker struct {
	mu         sync.Mutex
	step       int
	events     int
	nodes      map[raft.NodeID]*node
	violations []Violation
	dropped    int               // violations past maxViolations
	only       map[Property]bool // the properties checked; nil for all

	// What the cluster has done so far, for the cross-node properties.
	leaders    map[raft.Term]leadership                  // who led each term
	votes      map[raft.Term]map[raft.NodeID]raft.NodeID // each node's persisted vote in each term
	candidates map[raft.Term]map[raft.NodeID]entryID     // each candidate's last entry when it campaigned
	entries    map[entryID]entryFacts                    // every entry any log held
	committed  map[raft.Index]commitment                 // the entry committed at each index
	applied    map[raft.Index]application                // the entry applied at each index
}

// node is what the Checker knows of one node.
type node struct {
	id          raft.NodeID
	running     bool
	incarnation int // how many times it has started
	hard        raft.HardState
	first       raft.Index   // the index of log[0]; entries before it are in a snapshot
	log         []raft.Entry // its persisted log
	status      raft.Status  // its status after the last report
	lastApplied raft.Index   // the last index it handed out to apply

	// The node's configuration (stage 11), which decides the quorum the
	// checks use for it: boot are the Peers it last started with, snapshot
	// is the configuration and term of its persisted snapshot (zero if it
	// has none), and confs are the configuration changes in its log, in
	// index order.
	boot     []raft.NodeID
	snapshot snapshotBase
	confs    []configuration
}

// snapshotBase is what the Checker keeps of a node's persisted snapshot:
// its last index and term (the entry before the node's log) and its voters.
type snapshotBase struct {
	index  raft.Index
	term   raft.Term
	voters []raft.NodeID
}

// configuration is the voters that an EntryConfChange entry of a node's
// log makes the configuration, from its index on.
type configuration struct {
	index  raft.Index
	voters []raft.NodeID
}

// voters returns the voters of the configuration the node is in. A
// configuration takes effect when its entry is appended, committed or not
// (§4.1 of Ongaro's dissertation), so it is the one of the last
// EntryConfChange entry in the node's persisted log; with none, the one of
// its snapshot; with no snapshot, the Peers it started with. For the cores
// of stages 05 to 10, which neither snapshot nor change their
// configuration, that is always the whole cluster.
func (n *node) voters() []raft.NodeID {
	switch {
	case len(n.confs) > 0:
		return n.confs[len(n.confs)-1].voters
	case n.snapshot.index > 0:
		return n.snapshot.voters
	}
	return n.boot
}

// noteConfigurations adds to ch.configurations the configurations of the
// entries the change added or removed, and the node's configuration after
// it, leaving out repeats and empty ones.
func (ch *change) noteConfigurations() {
	add := func(voters []raft.NodeID) {
		if len(voters) > 0 && !slices.ContainsFunc(ch.configurations, func(v []raft.NodeID) bool { return slices.Equal(v, voters) }) {
			ch.configurations = append(ch.configurations, voters)
		}
	}
	for _, e := range slices.Concat(ch.removed, ch.appended) {
		if e.Type != raft.EntryConfChange {
			continue
		}
		if cc, err := raft.UnmarshalConfChange(e.Data); err == nil {
			add(cc.Voters)
		}
	}
	add(ch.node.voters())
	ch.configurations = slices.DeleteFunc(ch.configurations, func(v []raft.NodeID) bool { return len(v) == 0 })
}

// holders returns how many of the voters have entry e at index i
// persisted, in their logs or their snapshots (crashed nodes too: what
// they persisted survives).
func (c *Checker) holders(voters []raft.NodeID, i raft.Index, e raft.Entry) int {
	count := 0
	for _, id := range voters {
		if other := c.nodes[id]; other != nil && other.holds(i, e) {
			count++
		}
	}
	return count
}

// holds reports whether the node has entry e at index i persisted: in its
// log, or in its snapshot, which holds every entry up to its index (§7).
func (n *node) holds(i raft.Index, e raft.Entry) bool {
	if i <= n.snapshot.index {
		return true
	}
	got, ok := n.entry(i)
	return ok && sameEntry(got, e)
}

// majority returns the voters of node n's configuration and how many of
// them make a majority: the quorum that n, as a leader or a candidate,
// counts on.
func (c *Checker) majority(n *node) (voters []raft.NodeID, quorum int) {
	voters = n.voters()
	return voters, len(voters)/2 + 1
}

// entry returns the node's persisted entry at index i, if it holds one.
func (n *node) entry(i raft.Index) (raft.Entry, bool) {
	if i < n.first || i >= n.first+raft.Index(len(n.log)) {
		return raft.Entry{}, false
	}
	return n.log[i-n.first], true
}

// lastIndex returns the index of the node's last persisted entry.
func (n *node) lastIndex() raft.Index { return n.first + raft.Index(len(n.log)) - 1 }

// last returns the index and term of the node's last persisted entry.
func (n *node) last() entryID {
	i := n.lastIndex()
	t, _ := n.termAt(i)
	return entryID{index: i, term: t}
}

// termAt returns the term of the node's entry at index i, 0 for index 0,
// the snapshot's term for the snapshot's last index, and false if it does
// not hold the entry.
func (n *node) termAt(i raft.Index) (raft.Term, bool) {
	switch {
	case i == 0:
		return 0, true
	case i == n.snapshot.index:
		return n.snapshot.term, true
	}
	e, ok := n.entry(i)
	return e.Term, ok
}

// leadership records who led a term, and in which of its lives.
type leadership struct {
	id          raft.NodeID
	incarnation int
}

// entryID names an entry by index and term, as Log Matching does.
type entryID struct {
	index raft.Index
	term  raft.Term
}

// entryFacts is what Log Matching needs to know of an entry: its content,
// the term of the entry before it, and the first node seen holding it.
type entryFacts struct {
	entry    raft.Entry
	prevTerm raft.Term
	node     raft.NodeID
}

// commitment is an entry some node said was committed.
type commitment struct {
	entry raft.Entry
	// term is the lowest term of a node that said so: the entry was
	// committed in that term or an earlier one.
	term raft.Term
	node raft.NodeID // the first node that said so
}

// application is an entry some node applied.
type application struct {
	entry raft.Entry
	node  raft.NodeID
}

// change is what one report did to one node: the input of every check.
type change struct {
	node    *node
	started bool // the report is NodeStarted
	// before is the node's status at its previous report in this life, or
	// at its last report before it crashed when started is set; hardBefore
	// its persisted hard state before the report.
	before     raft.Status
	hardBefore raft.HardState
	// appended are the entries the report added to the node's log (a
	// Ready's Entries, or the log a node started with); removed, the
	// entries they replaced or cut off.
	appended []raft.Entry
	removed  []raft.Entry
	// applied are the entries the Ready handed out to apply.
	applied []raft.Entry
	// committed are the indexes that this report made known as committed
	// for the first time.
	committed []raft.Index
	// lastBefore is the index and term of the node's last entry before the
	// report: what it compared a candidate's log with, if it voted.
	lastBefore entryID
	// leaderFromBefore reports whether the node was leader of the same
	// term, in the same life, at its previous report.
	leaderFromBefore bool
	// configurations are the voters of every configuration the node was in
	// since its previous report: the one before the report, and those of
	// the configuration entries the report added or cut off (stage 11). A
	// leader that appended a configuration change in the same Ready as it
	// moved its commit index may have committed under either.
	configurations [][]raft.NodeID
}

// NewChecker returns a Checker that has seen nothing yet. It checks the
// properties named, or every property if none is: a test that wants to
// know which checker catches a bug runs that one alone.
func NewChecker(properties ...Property) *Checker {
	var only map[Property]bool
	if len(properties) > 0 {
		only = make(map[Property]bool, len(properties))
		for _, p := range properties {
			only[p] = true
		}
	}
	return &Checker{
		only:       only,
		nodes:      make(map[raft.NodeID]*node),
		leaders:    make(map[raft.Term]leadership),
		votes:      make(map[raft.Term]map[raft.NodeID]raft.NodeID),
		candidates: make(map[raft.Term]map[raft.NodeID]entryID),
		entries:    make(map[entryID]entryFacts),
		committed:  make(map[raft.Index]commitment),
		applied:    make(map[raft.Index]application),
	}
}

var _ Observer = (*Checker)(nil)

// SetStep tells the checker the feeder's current step (a schedule step, a
// simulated time), which the violations found from now on carry.
func (c *Checker) SetStep(step int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step = step
}

// Err returns the first violation found so far, or nil.
func (c *Checker) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.violations) == 0 {
		return nil
	}
	return c.violations[0]
}

// Violations returns every violation found so far, in the order found (at
// most the first 100).
func (c *Checker) Violations() []Violation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.violations)
}

// NodeStarted records a node's start and checks it.
func (c *Checker) NodeStarted(cfg raft.Config, st raft.Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events++
	n := c.nodes[cfg.ID]
	if n == nil {
		n = &node{id: cfg.ID, first: 1}
		c.nodes[cfg.ID] = n
	}
	ch := &change{node: n, started: true, before: n.status, hardBefore: n.hard, lastBefore: n.last(), configurations: [][]raft.NodeID{n.voters()}}
	if n.incarnation == 0 {
		// The first start: what the node starts with counts as appended.
		ch.before, ch.hardBefore = raft.Status{ID: cfg.ID}, raft.HardState{}
	}
	n.running = true
	n.incarnation++
	n.hard = cfg.HardState
	n.boot = slices.Clone(cfg.Peers)
	if cfg.Snapshot != nil {
		n.compact(*cfg.Snapshot)
	}
	ch.removed, ch.appended = n.reset(cfg.Entries)
	n.status = st
	n.lastApplied = st.Applied
	c.check(ch)
}

// NodeReady records what a node's Ready persisted and checks it.
func (c *Checker) NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events++
	n := c.nodes[id]
	if n == nil || !n.running {
		c.report(Violation{Property: NodeFields, Nodes: []raft.NodeID{id},
			Detail: fmt.Sprintf("node %d produced a Ready while not started (the feeder must report NodeStarted first).", id)})
		return
	}
	ch := &change{node: n, before: n.status, hardBefore: n.hard, applied: rd.CommittedEntries, lastBefore: n.last(), configurations: [][]raft.NodeID{n.voters()}}
	ch.leaderFromBefore = n.status.Role == raft.Leader && st.Role == raft.Leader && n.status.Term == st.Term
	if !rd.HardState.IsZero() {
		n.hard = rd.HardState
	}
	switch {
	case rd.Snapshot != nil:
		// The snapshot replaces the whole persisted log; the entries kept
		// after it come again in rd.Entries. The runtime restores its state
		// machine from it: the node has applied everything up to its index.
		n.compact(*rd.Snapshot)
		ch.removed, ch.appended = n.reset(rd.Entries)
		n.lastApplied = max(n.lastApplied, rd.Snapshot.LastIncludedIndex)
	case len(rd.Entries) > 0:
		ch.removed, ch.appended = n.replace(rd.Entries)
	}
	n.status = st
	c.check(ch)
}

// NodeCrashed records that a node stopped.
func (c *Checker) NodeCrashed(id raft.NodeID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events++
	if n := c.nodes[id]; n != nil {
		n.running = false
	}
}

// replace puts entries into the node's log in place of what it held at
// and after entries[0].Index, as a runtime persists a Ready. It returns the
// entries that changed: those it removed (replaced or cut off) and those it
// added. Entries written again unchanged count as neither, but the entries
// after them are cut off all the same.
func (n *node) replace(entries []raft.Entry) (removed, added []raft.Entry) {
	if len(entries) > 0 && entries[0].Index < n.first {
		// Entries from before the snapshot: keep only the new ones after it.
		entries = entries[min(int(n.first-entries[0].Index), len(entries)):]
	}
	if len(entries) == 0 {
		return nil, nil
	}
	keep := min(int(entries[0].Index-n.first), len(n.log))
	tail := n.log[keep:]
	same := 0
	for same < len(tail) && same < len(entries) && sameEntry(tail[same], entries[same]) {
		same++
	}
	removed = slices.Clone(tail[same:])
	n.log = append(n.log[:keep+same], entries[same:]...) // removed is a copy: n.log may reuse its array
	n.noteConfs(entries[0].Index+raft.Index(same), entries[same:])
	return removed, entries[same:]
}

// noteConfs keeps n.confs in step with the log after a change: the
// configurations from index from on are gone, and those of added, which
// start at from, are new. An entry whose Data is not a ConfChange is not a
// configuration change the Checker can read, and is left out.
func (n *node) noteConfs(from raft.Index, added []raft.Entry) {
	n.confs = slices.DeleteFunc(n.confs, func(c configuration) bool { return c.index >= from })
	for _, e := range added {
		if e.Type != raft.EntryConfChange {
			continue
		}
		if cc, err := raft.UnmarshalConfChange(e.Data); err == nil {
			n.confs = append(n.confs, configuration{index: e.Index, voters: cc.Voters})
		}
	}
}

// reset makes entries the node's whole log after its snapshot, as a node
// restarts from its storage, and returns what changed as replace does.
func (n *node) reset(entries []raft.Entry) (removed, added []raft.Entry) {
	if len(entries) == 0 {
		removed, n.log = n.log, nil
		n.noteConfs(n.first, nil)
		return removed, nil
	}
	return n.replace(entries)
}

// compact drops the log's entries up to and including the snapshot's
// last index, which the snapshot now stands for, and keeps the snapshot's
// term and configuration. A snapshot older than the node's log start
// changes nothing.
func (n *node) compact(snap raft.Snapshot) {
	index := snap.LastIncludedIndex
	if index < n.first {
		return
	}
	drop := min(int(index+1-n.first), len(n.log))
	n.log = slices.Clone(n.log[drop:])
	n.first = index + 1
	n.snapshot = snapshotBase{index: index, term: snap.LastIncludedTerm, voters: slices.Clone(snap.Voters)}
	n.confs = slices.DeleteFunc(n.confs, func(c configuration) bool { return c.index <= index })
}

// check runs every property's check on one change.
func (c *Checker) check(ch *change) {
	ch.noteConfigurations()
	c.recordVote(ch.node)
	ch.committed = c.recordCommits(ch)
	for _, chk := range []struct {
		property Property
		check    func(*change)
	}{
		{ElectionSafety, c.checkElectionSafety},
		{LeaderAppendOnly, c.checkLeaderAppendOnly},
		{LogMatching, c.checkLogMatching},
		{LeaderCompleteness, c.checkLeaderCompleteness},
		{StateMachineSafety, c.checkStateMachineSafety},
		{VoteRestriction, c.checkVoteRestriction},
		{CommittedKept, c.checkCommittedKept},
		{AppliedPrefix, c.checkAppliedPrefix},
		{CommitRule, c.checkCommitRule},
		{NodeFields, c.checkNodeFields},
	} {
		if c.only == nil || c.only[chk.property] {
			chk.check(ch)
		}
	}
}

// recordVote records the vote the node has persisted in its term, if any,
// and, when it is a candidate, its last entry as it campaigns.
func (c *Checker) recordVote(n *node) {
	if n.hard.Vote == raft.None {
		return
	}
	if n.status.Role == raft.Candidate && n.hard.Vote == n.id && n.status.Term == n.hard.Term {
		cands := c.candidates[n.hard.Term]
		if cands == nil {
			cands = make(map[raft.NodeID]entryID)
			c.candidates[n.hard.Term] = cands
		}
		if _, ok := cands[n.id]; !ok {
			cands[n.id] = n.last()
		}
	}
	votes := c.votes[n.hard.Term]
	if votes == nil {
		votes = make(map[raft.NodeID]raft.NodeID)
		c.votes[n.hard.Term] = votes
	}
	votes[n.id] = n.hard.Vote
}

// recordCommits records the entries that the node's commit index covers
// and no node had said were committed before, and returns their indexes.
// Entries already recorded get the lower of the two terms. An entry is
// recorded as the node holds it; whether that is the entry others
// committed is for checkCommittedKept to say.
func (c *Checker) recordCommits(ch *change) []raft.Index {
	n, st := ch.node, ch.node.status
	from := ch.before.Commit + 1
	if ch.started {
		from = n.first // a restarted node says again what it knows is committed
	}
	var fresh []raft.Index
	for i := max(from, n.first); i <= st.Commit; i++ {
		e, ok := n.entry(i)
		if !ok {
			break // a commit index past the log: checkNodeFields reports it
		}
		prev, seen := c.committed[i]
		switch {
		case !seen:
			c.committed[i] = commitment{entry: e, term: st.Term, node: n.id}
			fresh = append(fresh, i)
		case st.Term < prev.term && sameEntry(prev.entry, e):
			prev.term = st.Term
			c.committed[i] = prev
		}
	}
	return fresh
}

// report records a violation found by the current report.
func (c *Checker) report(v Violation) {
	if len(c.violations) >= maxViolations {
		c.dropped++
		return
	}
	v.Step, v.Event = c.step, c.events
	c.violations = append(c.violations, v)
}

// sortedNodes returns the nodes in ID order, for checks that look at every
// node and must report in a stable order.
func (c *Checker) sortedNodes() []*node {
	nodes := make([]*node, 0, len(c.nodes))
	for _, n := range c.nodes {
		nodes = append(nodes, n)
	}
	slices.SortFunc(nodes, func(a, b *node) int { return int(a.id) - int(b.id) })
	return nodes
}

// sameEntry reports whether two entries are the same entry: same index,
// term, type and data (an empty and a nil Data are the same).
func sameEntry(a, b raft.Entry) bool {
	return a.Index == b.Index && a.Term == b.Term && a.Type == b.Type && string(a.Data) == string(b.Data)
}

// describeAll renders entries in brackets, each in the course's printed
// form (raft.Entry.String).
func describeAll(entries []raft.Entry) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// sortedPeers returns the followers of a leader's progress map in ID order.
func sortedPeers(progress map[raft.NodeID]raft.Progress) []raft.NodeID {
	peers := make([]raft.NodeID, 0, len(progress))
	for peer := range progress {
		peers = append(peers, peer)
	}
	slices.Sort(peers)
	return peers
}

// sortedIndexes returns the indexes of the committed entries in order, for
// checks that must report in a stable order.
func sortedIndexes(committed map[raft.Index]commitment) []raft.Index {
	indexes := make([]raft.Index, 0, len(committed))
	for i := range committed {
		indexes = append(indexes, i)
	}
	slices.Sort(indexes)
	return indexes
}
