package invariants

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// SearchOptions shape the schedules of a randomized search. The zero value
// is usable: each zero field takes the default documented on it.
type SearchOptions struct {
	// Nodes is the cluster size; 5 by default, the smallest cluster in
	// which Figure 8 can happen.
	Nodes int
	// Steps is the number of random steps per schedule; 100 by default. The
	// schedule then heals the cluster and runs SettleRounds rounds.
	Steps int
	// SettleRounds is the number of rounds (a tick of every node, then
	// every message delivered) run after the random steps; 3 by default.
	SettleRounds int
	// ElectionTicks is the nodes' base election timeout; 4 by default.
	// Short timeouts mean many elections, which is where bugs hide.
	ElectionTicks int
	// MaxEntriesPerMessage caps the entries of one AppendEntries; 1 by
	// default. Small messages mean followers that hold part of what a
	// leader sent, which Figure 8 needs.
	MaxEntriesPerMessage int
	// HeartbeatTicks is how often leaders send heartbeats; 1 by default.
	HeartbeatTicks int
	// DropRate and DuplicateRate are the network's. By default each
	// schedule draws its own, from 0 to 30% (see swarm). A negative rate
	// means none.
	DropRate, DuplicateRate float64
	// Properties are the properties checked; all of them if empty.
	Properties []Property
	// Log, if not nil, is told every step of the schedule, for a trace of a
	// failing seed.
	Log func(step int, what string)
}

// withDefaults fills in the zero fields.
func (o SearchOptions) withDefaults() SearchOptions {
	set := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	set(&o.Nodes, 5)
	set(&o.Steps, 100)
	set(&o.SettleRounds, 3)
	set(&o.ElectionTicks, 4)
	set(&o.MaxEntriesPerMessage, 1)
	set(&o.HeartbeatTicks, 1)
	return o
}

// A Failure is a schedule whose checker found a violation.
type Failure struct {
	// Seed replays the schedule: RunSchedule with the same factory, seed
	// and options does exactly the same again.
	Seed uint64
	// Schedules is how many schedules the search ran, this one included.
	Schedules int
	// Violation is the first violation found.
	Violation Violation
}

// Error describes the failure in a paragraph that starts with its seed.
func (f *Failure) Error() string {
	return fmt.Sprintf("seed %d (schedule %d of the search): %v", f.Seed, f.Schedules, f.Violation)
}

// Search runs the schedules of seeds first, first+1, … for at most count
// schedules, each on a new cluster of factory's nodes watched by a new
// Checker of opts.Properties, and returns the first schedule that breaks
// one. It returns nil if none did, and an error if a schedule could not
// run (a node rejected a message, panicked, or could not be made).
func Search(factory raftnet.Factory, first uint64, count int, opts SearchOptions) (*Failure, error) {
	// TODO: The search loop (handout: "12. The randomized search"): run RunSchedule
	// for count seeds from first; stop at an error (say which seed), or at
	// the first schedule whose checker found a violation, returned as a
	// *Failure with its seed, its first violation and how many schedules ran.
	return nil, errors.New("Search is not written yet (handout: \"12. The randomized search\")")
}

// errStop ends a schedule early: its checker has found a violation, and
// what follows would only repeat it.
var errStop = errors.New("stop")

// RunSchedule runs the schedule of one seed on a new cluster of factory's
// nodes, with a new Checker watching, and returns the Checker. The same
// factory, seed and options always make the same schedule. The schedule
// stops at the step where the first violation appears.
func RunSchedule(factory raftnet.Factory, seed uint64, opts SearchOptions) (*Checker, error) {
	opts = opts.withDefaults()
	c := NewChecker(opts.Properties...)
	net, err := raftnet.New(opts.Nodes, factory, raftnet.Options{
		Seed: seed,
		Configure: func(cfg *raft.Config) {
			cfg.ElectionTicks, cfg.HeartbeatTicks = opts.ElectionTicks, opts.HeartbeatTicks
			cfg.MaxEntriesPerMessage = opts.MaxEntriesPerMessage
		},
		Observer: c,
	})
	if err != nil {
		return c, err
	}
	s := &schedule{net: net, checker: c, rng: rand.New(rand.NewPCG(seed, 0x5c4ed)), opts: opts}
	s.swarm()
	net.SetReorder(true)
	net.SetDropRate(s.rate(opts.DropRate))
	net.SetDuplicateRate(s.rate(opts.DuplicateRate))
	err = s.run(c)
	if errors.Is(err, errStop) {
		err = nil
	}
	return c, err
}

// schedule is one random schedule in progress.
type schedule struct {
	net     *raftnet.Network
	checker *Checker
	rng     *rand.Rand
	opts    SearchOptions
	step    int
	// weights are this schedule's weights of the actions, and total
	// their sum.
	weights []int
	total   int
	// cutNewLeaders is the chance that a node that has just become leader
	// is cut off at once, before its first messages arrive; leaders holds
	// the term each node was last seen leading.
	cutNewLeaders float64
	leaders       map[raft.NodeID]raft.Term
}

// run takes the schedule's random steps, then heals the cluster and lets it
// settle, asking the checker after every step.
func (s *schedule) run(c *Checker) error {
	check := func(what string) error {
		if s.opts.Log != nil {
			s.opts.Log(s.step, what)
		}
		if c.Err() != nil {
			return errStop
		}
		s.step++
		c.SetStep(s.step)
		return nil
	}
	c.SetStep(s.step)
	for range s.opts.Steps {
		what, err := s.randomStep()
		what += s.cutNewLeader()
		if err != nil {
			return fmt.Errorf("step %d (%s): %w", s.step, what, err)
		}
		if err := check(what); err != nil {
			return err
		}
	}
	s.net.Heal()
	s.net.SetDropRate(0)
	s.net.SetDuplicateRate(0)
	for _, id := range s.net.IDs() {
		if s.net.Node(id) == nil {
			if err := s.net.Restart(id); err != nil {
				return err
			}
			if err := check(fmt.Sprintf("restart %d", id)); err != nil {
				return err
			}
		}
	}
	for range s.opts.SettleRounds {
		if err := s.net.Tick(); err != nil {
			return err
		}
		if err := s.deliver(settleDeliveries); err != nil {
			return err
		}
		if err := s.propose(); err != nil {
			return err
		}
		if err := check("settle: tick all, deliver all, propose"); err != nil {
			return err
		}
	}
	return nil
}

// settleDeliveries bounds the messages delivered in one settling round, so
// that a core whose messages never stop (a bug too) cannot stall the search.
const settleDeliveries = 500

// deliver delivers messages until none are in flight, or at most max.
func (s *schedule) deliver(max int) error {
	for range max {
		if more, err := s.net.DeliverOne(); err != nil || !more {
			return err
		}
	}
	return nil
}

// pick returns a random node, running or not.
func (s *schedule) pick() raft.NodeID {
	ids := s.net.IDs()
	return ids[s.rng.IntN(len(ids))]
}

// An action is one kind of random step.
type action struct {
	// weight is how often the action is chosen, against the others.
	weight int
	// do takes the step and says what it did.
	do func(s *schedule) (string, error)
}

// actions are the kinds of step a schedule takes, with their base weights.
var actions = []action{
	{40, func(s *schedule) (string, error) {
		_, err := s.net.DeliverOne()
		return "deliver one", err
	}},
	{12, func(s *schedule) (string, error) {
		id := s.pick()
		return fmt.Sprintf("tick %d", id), s.net.TickNode(id)
	}},
	{6, func(s *schedule) (string, error) { return "tick all", s.net.Tick() }},
	{12, func(s *schedule) (string, error) { return "propose", s.propose() }},
	{3, func(s *schedule) (string, error) {
		var side []raft.NodeID
		for _, id := range s.net.IDs() {
			if s.rng.IntN(2) == 0 {
				side = append(side, id)
			}
		}
		s.net.Partition(side)
		return fmt.Sprintf("partition %v from the rest", side), nil
	}},
	{4, func(s *schedule) (string, error) {
		id, ok := s.leader()
		if !ok {
			return "isolate a leader (there is none)", nil
		}
		s.net.Isolate(id)
		return fmt.Sprintf("isolate leader %d", id), nil
	}},
	{6, func(s *schedule) (string, error) {
		s.net.Heal()
		return "heal", nil
	}},
	{2, func(s *schedule) (string, error) {
		id, ok := s.leader()
		if !ok {
			return "crash a leader (there is none)", nil
		}
		s.net.Crash(id)
		return fmt.Sprintf("crash leader %d", id), nil
	}},
	{2, func(s *schedule) (string, error) {
		id := s.pick()
		if s.net.Node(id) == nil {
			return fmt.Sprintf("crash %d (already down)", id), nil
		}
		s.net.Crash(id)
		return fmt.Sprintf("crash %d", id), nil
	}},
	{5, func(s *schedule) (string, error) {
		id := s.pick()
		if s.net.Node(id) != nil {
			return fmt.Sprintf("restart %d (already up)", id), nil
		}
		return fmt.Sprintf("restart %d", id), s.net.Restart(id)
	}},
	{2, func(s *schedule) (string, error) {
		return "recover: heal, restart every node, one round", s.recover(1)
	}},
}

// recover heals the cluster, restarts every crashed node, and runs rounds
// of a tick of every node and a delivery of every message.
func (s *schedule) recover(rounds int) error {
	s.net.Heal()
	for _, id := range s.net.IDs() {
		if s.net.Node(id) == nil {
			if err := s.net.Restart(id); err != nil {
				return err
			}
		}
	}
	for range rounds {
		if err := s.net.Tick(); err != nil {
			return err
		}
		if err := s.deliver(settleDeliveries); err != nil {
			return err
		}
	}
	return nil
}

// leader returns a random running leader, if there is one.
func (s *schedule) leader() (raft.NodeID, bool) {
	leaders := s.checker.runningLeaders()
	if len(leaders) == 0 {
		return raft.None, false
	}
	return leaders[s.rng.IntN(len(leaders))].ID, true
}

// swarm draws this schedule's weights: each action's base weight times 0
// to 3, except the first three (delivering and ticking), which every
// schedule needs. Schedules that leave some actions out and stress others
// find more bugs than schedules that all mix the same way ("swarm
// testing", Groce et al., ISSTA 2012).
func (s *schedule) swarm() {
	s.weights = make([]int, len(actions))
	for i, a := range actions {
		s.weights[i] = a.weight
		if i >= 3 {
			s.weights[i] *= s.rng.IntN(4)
		}
		s.total += s.weights[i]
	}
	s.cutNewLeaders = float64(s.rng.IntN(3)) / 4
	s.leaders = make(map[raft.NodeID]raft.Term)
}

// rate returns the rate the options set, or, when they set none, one the
// schedule draws: 0, 5%, 15% or 30%.
func (s *schedule) rate(set float64) float64 {
	switch {
	case set < 0:
		return 0
	case set > 0:
		return set
	}
	return []float64{0, 0.05, 0.15, 0.3}[s.rng.IntN(4)]
}

// cutNewLeader cuts off, by chance, a node that has become leader since the
// last step: the start of Figure 8, where a leader appends an entry and
// loses touch before anyone else stores it.
func (s *schedule) cutNewLeader() string {
	if s.cutNewLeaders == 0 {
		return ""
	}
	for _, st := range s.checker.runningLeaders() {
		id, term := st.ID, st.Term
		if s.leaders[id] == term {
			continue
		}
		s.leaders[id] = term
		if s.rng.Float64() < s.cutNewLeaders {
			s.net.Isolate(id)
			return fmt.Sprintf("; isolate new leader %d of term %d", id, term)
		}
	}
	return ""
}

// randomStep takes one random step and says what it did.
func (s *schedule) randomStep() (string, error) {
	// TODO: One random step (handout: "12. The randomized search"): draw a number
	// below s.total with s.rng, and take the action whose share of the
	// weights (s.weights, in the order of actions) it falls in.
	return "nothing", nil
}

// propose proposes a command on a random leader, if there is one. The
// command names the step, so that every command is different.
func (s *schedule) propose() error {
	leaders := s.checker.runningLeaders()
	if len(leaders) == 0 {
		return nil
	}
	_, _, err := s.net.Propose(leaders[s.rng.IntN(len(leaders))].ID, fmt.Appendf(nil, "step %d", s.step))
	if errors.Is(err, raft.ErrNotLeader) {
		return nil
	}
	return err
}

// runningLeaders returns the last reported status of each running node
// that said it leads, in ID order: what a schedule knows of leaders without
// asking the nodes.
func (c *Checker) runningLeaders() []raft.Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	var leaders []raft.Status
	for _, n := range c.sortedNodes() {
		if n.running && n.status.Role == raft.Leader {
			leaders = append(leaders, n.status)
		}
	}
	return leaders
}
