package invariants

import (
	"fmt"
	"slices"
	"strings"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/07-election"
)

// T is the part of *testing.T a Scenario uses. A test passes its *testing.T;
// the harness's own tests pass a fake that records the failure.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

// A Scenario is a behavioural test of a cluster, written the way the paper
// states its rules: given a cluster in some state, when something happens,
// then something is true.
//
//	invariants.Given(t, "5 nodes with leader 1 in term 3", invariants.Nodes(5), invariants.LeaderInTerm(1, 3)).
//		When("1 is cut off for 40 ticks", invariants.Isolate(1), invariants.Ticks(40)).
//		Then("a new leader is elected among 2–5", invariants.LeaderAmong(2, 3, 4, 5))
//
// The cluster is an internal/raftnet network, so nothing happens unless a
// step says so; a Checker of every property watches it, and any violation
// fails the scenario at the step that caused it. A failure reads as the
// story so far, each step's sentence in order, then what went wrong.
type Scenario struct {
	t       T
	net     *raftnet.Network
	checker *Checker
	story   []string
	failed  bool
}

// setup is what the Setup options of Given decide.
type setup struct {
	nodes   int
	factory raftnet.Factory
	seed    uint64
	leader  raft.NodeID
	term    raft.Term
	logs    map[raft.NodeID][]raft.Entry
	config  func(*raft.Config)
}

// A Setup shapes the cluster a scenario starts with.
type Setup func(*setup)

// Nodes sets the cluster's size; 3 by default.
func Nodes(n int) Setup { return func(s *setup) { s.nodes = n } }

// Core sets the node core the cluster runs; the reference of stage 07 by
// default.
func Core(factory raftnet.Factory) Setup { return func(s *setup) { s.factory = factory } }

// Seed sets the seed of the network and of the nodes' election timeouts;
// 1 by default.
func Seed(seed uint64) Setup { return func(s *setup) { s.seed = seed } }

// LeaderInTerm starts the cluster with node id elected leader of term, and
// its no-op entry replicated to every node.
func LeaderInTerm(id raft.NodeID, term raft.Term) Setup {
	return func(s *setup) { s.leader, s.term = id, term }
}

// Logs starts the nodes named with these logs already persisted, in the
// term of their last entry. It combines with LeaderInTerm only if that term
// is later than every entry's.
func Logs(logs map[raft.NodeID][]raft.Entry) Setup { return func(s *setup) { s.logs = logs } }

// referenceCore is the stage 07 core as a raftnet factory.
func referenceCore(cfg raft.Config) (raft.Node, error) {
	n, err := core.New(cfg)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Config adjusts every node's configuration, such as its
// MaxEntriesPerMessage, before the node starts.
func Config(adjust func(*raft.Config)) Setup { return func(s *setup) { s.config = adjust } }

// Given starts a scenario with the cluster the setups describe.
func Given(t T, what string, setups ...Setup) *Scenario {
	t.Helper()
	cfg := setup{nodes: 3, factory: referenceCore, seed: 1}
	for _, set := range setups {
		set(&cfg)
	}
	s := &Scenario{t: t, checker: NewChecker(), story: []string{"given " + what}}
	net, err := raftnet.New(cfg.nodes, cfg.factory, raftnet.Options{
		Seed:     cfg.seed,
		Observer: s.checker,
		Configure: func(c *raft.Config) {
			if cfg.config != nil {
				cfg.config(c)
			}
			log := cfg.logs[c.ID]
			c.Entries = slices.Clone(log)
			if len(log) > 0 {
				c.HardState.Term = log[len(log)-1].Term
			}
			if cfg.term > 0 {
				c.HardState.Term = max(c.HardState.Term, cfg.term-1)
			}
		},
	})
	if err != nil {
		s.fail("the cluster does not start: %v", err)
		return s
	}
	s.net = net
	if cfg.leader != raft.None {
		s.electInTerm(cfg.leader, cfg.term)
	}
	return s
}

// electInTerm ticks node id alone until it campaigns, in term, then
// delivers every message, so that it wins and replicates its no-op.
func (s *Scenario) electInTerm(id raft.NodeID, term raft.Term) {
	s.t.Helper()
	for range 100 {
		if st := s.net.Node(id).Status(); st.Role != raft.Follower {
			break
		}
		if err := s.net.TickNode(id); err != nil {
			s.fail("electing node %d: %v", id, err)
			return
		}
	}
	if err := s.net.DeliverAll(); err != nil {
		s.fail("electing node %d: %v", id, err)
		return
	}
	if st := s.net.Node(id).Status(); st.Role != raft.Leader || st.Term != term {
		s.fail("node %d should be leader of term %d after campaigning, but is %s of term %d (does another node's log, or term, stop it?)", id, term, st.Role, st.Term)
	}
	s.checkSafety()
}

// Network returns the scenario's network, for the rare step the harness
// has no word for.
func (s *Scenario) Network() *raftnet.Network { return s.net }

// Checker returns the scenario's checker.
func (s *Scenario) Checker() *Checker { return s.checker }

// fail ends the scenario: it reports the story so far and the problem.
func (s *Scenario) fail(format string, args ...any) {
	s.t.Helper()
	if s.failed {
		return
	}
	s.failed = true
	s.t.Fatalf("%s:\n%s", strings.Join(s.story, ";\n"), fmt.Sprintf(format, args...))
}

// checkSafety fails the scenario if the checker has found a violation.
func (s *Scenario) checkSafety() {
	s.t.Helper()
	if err := s.checker.Err(); err != nil {
		s.fail("the invariant checker found a violation: %v", err)
	}
}

// An Action is a step of a When: something that happens to the cluster.
type Action func(*Scenario) error

// When does actions in order, checking the invariants after each: "when
// what".
func (s *Scenario) When(what string, actions ...Action) *Scenario {
	s.t.Helper()
	if s.failed {
		return s
	}
	s.story = append(s.story, "when "+what)
	for _, act := range actions {
		if err := act(s); err != nil {
			s.fail("%v", err)
			return s
		}
		s.checkSafety()
		if s.failed {
			return s
		}
	}
	return s
}

// An Expectation is a check of a Then. It returns an error that says what
// it expected and what it found.
type Expectation func(*Scenario) error

// Then checks expectations: "then what". The first that fails ends the
// scenario, with the story so far and the expectation's error.
func (s *Scenario) Then(what string, expectations ...Expectation) *Scenario {
	s.t.Helper()
	// TODO: Then (handout: "11. Scenarios"): unless the scenario has failed already,
	// add "then <what>" to the story, and run each expectation in order; the
	// first error fails the scenario with s.fail, which prints the story.
	s.fail("Then is not written yet (handout: \"11. Scenarios\")")
	return s
}

// --- Actions ---------------------------------------------------------------

// Ticks runs n rounds of a tick of every running node followed by the
// delivery of every message, checking the invariants after each round.
func Ticks(n int) Action {
	return func(s *Scenario) error {
		// TODO: Ticks (handout: "11. Scenarios"): n rounds of s.net.Tick() then
		// s.net.DeliverAll(); return the first error, saying in which round,
		// and stop early with nil if the checker finds a violation (When reports it).
		return fmt.Errorf("Ticks is not written yet (handout: \"11. Scenarios\")")
	}
}

// TickNode ticks node id alone n times, delivering nothing.
func TickNode(id raft.NodeID, n int) Action {
	return func(s *Scenario) error {
		for range n {
			if err := s.net.TickNode(id); err != nil {
				return err
			}
		}
		return nil
	}
}

// DeliverAll delivers every message in flight, and those they cause.
func DeliverAll() Action { return func(s *Scenario) error { return s.net.DeliverAll() } }

// DeliverAllExcept delivers every message in flight, and those they cause,
// except those that match, which it drops: a network that loses exactly
// the messages a scenario needs lost.
func DeliverAllExcept(match func(raft.Message) bool) Action {
	return func(s *Scenario) error {
		for range 1_000_000 {
			s.net.Drop(match)
			more, err := s.net.DeliverOne()
			if err != nil || !more {
				return err
			}
		}
		return raftnet.ErrNoQuiescence
	}
}

// Campaign ticks node id alone, delivering nothing, until it is a
// candidate: its election timeout has run out.
func Campaign(id raft.NodeID) Action {
	return func(s *Scenario) error {
		for range 1000 {
			st, err := s.status(id)
			if err != nil {
				return err
			}
			if st.Role == raft.Candidate {
				return nil
			}
			if err := s.net.TickNode(id); err != nil {
				return err
			}
		}
		return fmt.Errorf("node %d did not campaign within 1000 ticks of its own", id)
	}
}

// Isolate cuts the nodes named off from the others (and, if several, from
// each other).
func Isolate(ids ...raft.NodeID) Action {
	return func(s *Scenario) error {
		groups := make([][]raft.NodeID, len(ids))
		for i, id := range ids {
			groups[i] = []raft.NodeID{id}
		}
		s.net.Partition(groups...)
		return nil
	}
}

// Partition splits the cluster into groups; nodes in no group form one
// more group together.
func Partition(groups ...[]raft.NodeID) Action {
	return func(s *Scenario) error {
		s.net.Partition(groups...)
		return nil
	}
}

// Heal removes every partition.
func Heal() Action {
	return func(s *Scenario) error {
		s.net.Heal()
		return nil
	}
}

// Crash stops node id; it keeps what it persisted.
func Crash(id raft.NodeID) Action {
	return func(s *Scenario) error {
		s.net.Crash(id)
		return nil
	}
}

// Restart starts a crashed node from what it persisted.
func Restart(id raft.NodeID) Action { return func(s *Scenario) error { return s.net.Restart(id) } }

// Propose proposes commands on node id, which must accept them.
func Propose(id raft.NodeID, commands ...string) Action {
	return func(s *Scenario) error {
		for _, c := range commands {
			if _, _, err := s.net.Propose(id, []byte(c)); err != nil {
				return fmt.Errorf("node %d refused proposal %q: %w", id, c, err)
			}
		}
		return nil
	}
}

// DropMessages drops the messages in flight that match, such as every
// AppendEntries to node 3.
func DropMessages(match func(raft.Message) bool) Action {
	return func(s *Scenario) error {
		s.net.Drop(match)
		return nil
	}
}

// --- Expectations ----------------------------------------------------------

// status returns a running node's status, or an error if it is crashed.
func (s *Scenario) status(id raft.NodeID) (raft.Status, error) {
	n := s.net.Node(id)
	if n == nil {
		return raft.Status{}, fmt.Errorf("node %d is crashed", id)
	}
	return n.Status(), nil
}

// describeNodes renders the status of the nodes named, for failures.
func (s *Scenario) describeNodes(ids []raft.NodeID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		st, err := s.status(id)
		if err != nil {
			parts[i] = err.Error()
			continue
		}
		parts[i] = fmt.Sprintf("node %d is %s of term %d (leader %d, commit %d, last index %d)", id, st.Role, st.Term, st.Leader, st.Commit, st.LastIndex)
	}
	return strings.Join(parts, "; ")
}

// LeaderAmong expects exactly one of the nodes named to be leader, of a
// term no other of them is past, followed by every other of them.
func LeaderAmong(ids ...raft.NodeID) Expectation {
	return func(s *Scenario) error {
		// TODO: LeaderAmong (handout: "11. Scenarios"): exactly one of ids is leader, in
		// a term no other of ids is in a later term than, and every other of ids
		// follows it (Status().Leader) in that term. The error says what was
		// wanted and shows every node (s.describeNodes).
		return fmt.Errorf("LeaderAmong is not written yet (handout: \"11. Scenarios\")")
	}
}

// NoLeaderAmong expects none of the nodes named to be leader.
func NoLeaderAmong(ids ...raft.NodeID) Expectation {
	return func(s *Scenario) error {
		for _, id := range ids {
			if st, err := s.status(id); err == nil && st.Role == raft.Leader {
				return fmt.Errorf("want no leader among %v, got %s", ids, s.describeNodes(ids))
			}
		}
		return nil
	}
}

// Leader expects node id to be the leader of the nodes named in among
// (every node if none), as LeaderAmong does.
func Leader(id raft.NodeID, among ...raft.NodeID) Expectation {
	return func(s *Scenario) error {
		if len(among) == 0 {
			among = s.net.IDs()
		}
		if err := LeaderAmong(among...)(s); err != nil {
			return err
		}
		if st, _ := s.status(id); st.Role != raft.Leader {
			return fmt.Errorf("want node %d to be the leader of %v: %s", id, among, s.describeNodes(among))
		}
		return nil
	}
}

// Role expects node id to be in role.
func Role(id raft.NodeID, role raft.Role) Expectation {
	return func(s *Scenario) error {
		st, err := s.status(id)
		if err != nil {
			return err
		}
		if st.Role != role {
			return fmt.Errorf("want node %d to be %s, got %s", id, role, s.describeNodes([]raft.NodeID{id}))
		}
		return nil
	}
}

// InTerm expects node id to be in term.
func InTerm(id raft.NodeID, term raft.Term) Expectation {
	return func(s *Scenario) error {
		st, err := s.status(id)
		if err != nil {
			return err
		}
		if st.Term != term {
			return fmt.Errorf("want node %d in term %d, got %s", id, term, s.describeNodes([]raft.NodeID{id}))
		}
		return nil
	}
}

// Committed expects each node named to have committed index.
func Committed(index raft.Index, ids ...raft.NodeID) Expectation {
	return func(s *Scenario) error {
		for _, id := range ids {
			st, err := s.status(id)
			if err != nil {
				return err
			}
			if st.Commit < index {
				return fmt.Errorf("want node %d to have committed index %d: %s", id, index, s.describeNodes(ids))
			}
		}
		return nil
	}
}

// NotCommitted expects no node named to have committed index.
func NotCommitted(index raft.Index, ids ...raft.NodeID) Expectation {
	return func(s *Scenario) error {
		for _, id := range ids {
			st, err := s.status(id)
			if err != nil {
				return err
			}
			if st.Commit >= index {
				return fmt.Errorf("want node %d not to have committed index %d: %s", id, index, s.describeNodes(ids))
			}
		}
		return nil
	}
}

// Holds expects node id's persisted log to hold, from index 1, entries with
// these commands (a no-op shows as "").
func Holds(id raft.NodeID, commands ...string) Expectation {
	return func(s *Scenario) error {
		var got []string
		for _, e := range s.net.Storage(id).Entries {
			got = append(got, string(e.Data))
		}
		if !slices.Equal(got, commands) {
			return fmt.Errorf("want node %d's log to hold %q, got %q", id, commands, got)
		}
		return nil
	}
}

// VotedFor expects node id to have persisted a vote for candidate in its
// current term.
func VotedFor(id, candidate raft.NodeID) Expectation {
	return func(s *Scenario) error {
		if hs := s.net.Storage(id).HardState; hs.Vote != candidate {
			return fmt.Errorf("want node %d to have voted for %d in term %d, got a vote for %d", id, candidate, hs.Term, hs.Vote)
		}
		return nil
	}
}
