// Package sim is a deterministic simulator of a Raft cluster: one seeded,
// single-threaded world that runs five node cores, their disks, the network
// between them and a few clients, in virtual time, many times faster than
// real time. Faults (lost, duplicated, delayed and reordered messages,
// partitions, crashes) come from the seed, so a failing run replays
// exactly, as in FoundationDB's simulator and TigerBeetle's VOPR.
//
// After every event the simulator asks stage 08's checkers whether a safety
// property broke; at the end it checks, with porcupine, that what the
// clients saw is linearizable.
package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/07-election"
)

// Observer watches the cluster's nodes: each start from what it persisted,
// each Ready once persisted (with the node's status right after Ready
// returned), each crash. Stage 08's invariants.Checker is one; so is
// anything a test wants to watch with.
type Observer interface {
	NodeStarted(cfg raft.Config, st raft.Status)
	NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status)
	NodeCrashed(id raft.NodeID)
}

// A Checker is an Observer that judges what it sees: Err returns the first
// property it found broken, or nil.
type Checker interface {
	Observer
	Err() error
}

// Options configure one run. The zero Options, with a seed, is the
// standard run: 5 nodes of stage 07's core, 3 clients, 20 s of faults.
type Options struct {
	// Seed decides everything random in the run: the network's and the
	// disks' delays, the faults, the clients' operations and the nodes'
	// election timeouts.
	Seed uint64
	// Nodes is the cluster's size (default 5) and Clients the number of
	// clients (default 3).
	Nodes, Clients int
	// Duration is how long, in virtual time, faults are injected (default
	// 20 s). Then the network heals, every node restarts, and the run goes
	// on until a client operation completes, and one more second; if none
	// completes within Quiet (default 30 s), the run fails as liveness.
	Duration, Quiet time.Duration
	// NewNode makes a node core (default: stage 07's core.New). Stage 08's
	// mutant cores plug in here.
	NewNode func(raft.Config) (raft.Node, error)
	// NewChecker makes the checker that watches the run, or nil for none.
	NewChecker func() Checker
	// Observer, if not nil, sees what the checker sees, for a test.
	Observer Observer
	// CheckTimeout bounds the linearizability check (default 5 s of wall
	// time). A check that runs out of time says Unknown.
	CheckTimeout time.Duration
	// TraceLength is how many of the last events a failure shows (default
	// 40).
	TraceLength int
	// MaxPending bounds the events waiting in the queue (default
	// 1,000,000). A calm run keeps a few dozen. Stage 07's core has no flow
	// control: a leader repairing a follower far behind, one entry per
	// message, over a network that reorders and duplicates, can keep tens
	// of thousands of messages in flight for a while (one seed in about two
	// thousand passed 100,000; the storm passes once the follower catches
	// up). A storm that never passes grows past any bound.
	MaxPending int

	// StaleReads plants a bug in the servers: every node answers a Get at
	// once from its own store, leader or not, instead of through the log;
	// and clients, trusting any replica, send each Get to a server chosen
	// at random. Only the linearizability check can catch it.
	StaleReads bool
	// SendBeforePersist plants a bug in the driver: it sends a Ready's
	// messages before the Ready's state is durable.
	SendBeforePersist bool

	// Stage 11: snapshots and membership changes (see stage11.go). The zero
	// values keep the runs of stage 09 as they are, draw for draw.

	// Spares is how many servers, after the Nodes of the first
	// configuration, start outside it, as servers that may join (default
	// 0; Nodes+Spares at most 9). They start with no Peers.
	Spares int
	// SnapshotEvery, if not 0, has each server snapshot its store every
	// SnapshotEvery applied entries and hand the snapshot to its core,
	// which must be a Compacter, to compact its log.
	SnapshotEvery int
	// Membership, if set, has the nemesis change the configuration through
	// the leader, whose core must be a ConfChanger, one server at a time,
	// while the clients' commands run: add a server as a learner, promote
	// a learner that has caught up, remove a voter (the leader included),
	// never below 3 voters.
	Membership bool
	// Network, if not nil, replaces the network faults drawn from the seed
	// (a scripted scenario wants a clean network).
	Network *NetworkConfig
	// Script, if not nil, replaces the random faults: its steps run at
	// their times, and nothing else breaks the cluster until Duration ends.
	Script []Step
}

func (o *Options) setDefaults() {
	if o.Nodes == 0 {
		o.Nodes = 5
	}
	if o.Clients == 0 {
		o.Clients = 3
	}
	if o.Duration == 0 {
		o.Duration = 20 * time.Second
	}
	if o.Quiet == 0 {
		o.Quiet = 30 * time.Second
	}
	if o.NewNode == nil {
		o.NewNode = func(cfg raft.Config) (raft.Node, error) {
			n, err := core.New(cfg)
			if err != nil {
				return nil, err
			}
			return n, nil
		}
	}
	if o.CheckTimeout == 0 {
		o.CheckTimeout = 5 * time.Second
	}
	if o.TraceLength == 0 {
		o.TraceLength = 40
	}
	if o.MaxPending == 0 {
		o.MaxPending = 1_000_000
	}
}

// The properties the simulator checks itself. Stage 08's checkers name the
// rest.
const (
	// PropertyLinearizability: every client operation appears to take
	// effect at one instant between its call and its return (Herlihy and
	// Wing), checked by porcupine on the whole history.
	PropertyLinearizability = "linearizability"
	// PropertyPersistBeforeSend: a message never says more than its sender
	// has made durable (Figure 2: persistent state is "updated on stable
	// storage before responding to RPCs").
	PropertyPersistBeforeSend = "persist-before-send"
	// PropertyLiveness: once the network heals and every node is back, a
	// client operation completes within Options.Quiet.
	PropertyLiveness = "liveness"
	// PropertyNoCrash: a node core never panics or rejects a well-formed
	// message from a peer.
	PropertyNoCrash = "no-crash"
	// PropertyBoundedWork: the events waiting in the queue stay below
	// Options.MaxPending. A core that answers messages with ever more
	// messages (a resend storm) would otherwise run the simulator out of
	// memory.
	PropertyBoundedWork = "bounded-work"
)

// A Failure is the first property a run found broken.
type Failure struct {
	// Property is the property's short name: one of the Property constants
	// of this package, or a stage 08 property such as "election-safety".
	Property string
	// Detail says what was seen.
	Detail string
	// At is the virtual time it was seen.
	At time.Duration
}

func (f *Failure) Error() string {
	return fmt.Sprintf("%s broken at %v: %s", f.Property, f.At, f.Detail)
}

// Result is what one run did and found.
type Result struct {
	Seed uint64
	// TraceHash is a hash of every event the run handled, in order. The
	// same seed and options give the same hash: that is what replay means.
	TraceHash uint64
	// Events is how many events the run handled, and Simulated how much
	// virtual time passed.
	Events    int
	Simulated time.Duration
	// Ops is how many client operations the history holds, and Unknown how
	// many of them have an unknown outcome (the client gave up waiting).
	Ops, Unknown int
	// Redirects counts the redirects clients followed, Timeouts the
	// attempts they gave up on, and Lost the operations a server reported
	// lost (another leader's entry took their place).
	Redirects, Timeouts, Lost int
	// Stage 11: Snapshots counts the snapshots servers took, Installs the
	// snapshots they installed from a leader, and ConfChanges the
	// membership changes leaders accepted.
	Snapshots, Installs, ConfChanges int
	// Check is porcupine's verdict on the history: Ok, Illegal, or Unknown
	// when the check ran out of time. It is "" when a checker stopped the
	// run first.
	Check porcupine.CheckResult
	// Failure is the first property broken, or nil.
	Failure *Failure
	// Trace holds the last events before the end of the run (or the
	// failure), one per line, oldest first.
	Trace []string

	history     []porcupine.Operation
	annotations []porcupine.Annotation
	checkTime   time.Duration
}

// Passed reports whether the run broke no property.
func (r *Result) Passed() bool { return r.Failure == nil }

// eventKind tells what an event is.
type eventKind uint8

const (
	evTick          eventKind = iota // a node's clock ticks
	evArrive                         // a packet arrives at its destination
	evDurable                        // a node's disk finishes a write
	evClientNext                     // a client starts its next operation
	evClientSend                     // a client sends (again) its current operation
	evClientTimeout                  // a client's attempt times out
	evFault                          // the nemesis acts
)

// event is one thing that happens at one virtual time.
type event struct {
	kind    eventKind
	node    raft.NodeID // evTick, evDurable, and the fault's node
	life    int         // the node's life the event belongs to (evTick, evDurable)
	client  int         // the client events
	attempt uint64      // evClientSend, evClientTimeout
	pkt     *packet     // evArrive
	fault   fault       // evFault
}

// simulation is one run's whole world.
type simulation struct {
	opts    Options
	rand    *rand.Rand
	params  params
	queue   Queue[event]
	now     time.Duration
	end     time.Duration // when faults stop
	net     *Network
	servers []*server // servers[i] has NodeID i+1
	clients []*client
	checker Checker
	trace   *trace
	history *history
	nemesis nemesis
	healed  bool
	events  int
	failure *Failure
	// Client statistics, for the Result.
	redirects, timeouts, lost int
	// Stage 11 statistics, for the Result.
	snapshots, installs, confChanges int
	notes                            []porcupine.Annotation
}

// Run runs one simulation and returns what it found. It never panics on a
// bug in the node core: a panic is reported as a failure. Its error is for
// options it cannot run with.
func Run(opts Options) (*Result, error) {
	opts.setDefaults()
	if opts.Nodes < 3 || opts.Nodes > 9 {
		return nil, fmt.Errorf("sim: a run needs 3 to 9 nodes, not %d", opts.Nodes)
	}
	if opts.Clients < 1 || opts.Clients > 100 {
		return nil, fmt.Errorf("sim: a run needs 1 to 100 clients, not %d", opts.Clients)
	}
	if err := opts.checkStage11(); err != nil {
		return nil, err
	}
	s := &simulation{
		opts:  opts,
		rand:  rand.New(rand.NewPCG(opts.Seed, 0x09_5171)),
		trace: newTrace(opts.TraceLength),
	}
	s.params = drawParams(s.rand)
	if opts.Network != nil {
		s.params.net = *opts.Network
	}
	s.net = NewNetwork(s.params.net, s.rand)
	s.history = newHistory()
	if opts.NewChecker != nil {
		s.checker = opts.NewChecker()
	}
	s.end = opts.Duration
	s.start()
	s.loop(opts.Duration)
	if s.failure == nil {
		s.recover()
		s.awaitRecovery()
	}
	return s.result(), nil
}

// awaitRecovery runs the cluster after the faults until a client
// operation completes, and one more second of normal work after that; a
// run in which no operation completes within Quiet fails as liveness.
// Most runs recover in a second or two, so they end early.
func (s *simulation) awaitRecovery() {
	healed, deadline := s.now, s.opts.Duration+s.opts.Quiet
	completed := s.history.completed
	for s.failure == nil && s.history.completed == completed && s.now < deadline {
		s.loop(min(s.now+s.params.tick, deadline))
	}
	switch {
	case s.failure != nil:
	case s.history.completed == completed:
		s.fail(PropertyLiveness, fmt.Sprintf("no client operation completed in the %v after the network healed and every node restarted", s.now-healed))
	default:
		s.loop(min(s.now+time.Second, deadline))
	}
}

// start makes the servers and clients and schedules their first events.
func (s *simulation) start() {
	for i := range s.opts.Nodes + s.opts.Spares {
		srv := newServer(raft.NodeID(i+1), s)
		srv.spare = i >= s.opts.Nodes
		s.servers = append(s.servers, srv)
	}
	for _, srv := range s.servers {
		s.boot(srv)
	}
	for i := range s.opts.Clients {
		c := &client{id: i, addr: ClientAddr(i)}
		s.clients = append(s.clients, c)
		s.queue.Push(s.think(), event{kind: evClientNext, client: i})
	}
	if s.opts.Script != nil {
		for i, step := range s.opts.Script {
			s.queue.Push(step.At, event{kind: evFault, fault: fault{kind: faultScript, step: i}})
		}
	} else {
		s.queue.Push(s.nextFaultIn(), event{kind: evFault, fault: fault{kind: faultPick}})
	}
	if s.opts.Membership {
		s.queue.Push(s.nextMembershipChange(), event{kind: evFault, fault: fault{kind: faultMembership}})
	}
}

// loop handles events in time order until end, or until a failure.
func (s *simulation) loop(end time.Duration) {
	for at, ev := range s.queue.Until(end) {
		// TODO: Move virtual time to the event's time, count the event and tell
		// the checker its number (SetStep, if it has one), record it in the
		// trace (s.trace.record), handle it (s.handle), then ask the checker
		// (s.checkInvariants) and bound the work (s.checkWork); stop at the
		// first failure (handout: "5. The event loop").
		_, _ = at, ev
		return
	}
	s.now = max(s.now, end)
}

// handle dispatches one event.
func (s *simulation) handle(ev event) {
	switch ev.kind {
	case evTick:
		s.tick(ev)
	case evArrive:
		s.arrive(ev.pkt)
	case evDurable:
		s.durable(ev)
	case evClientNext:
		s.clientNext(s.clients[ev.client])
	case evClientSend:
		s.clientSend(s.clients[ev.client], ev.attempt)
	case evClientTimeout:
		s.clientTimeout(s.clients[ev.client], ev.attempt)
	case evFault:
		s.act(ev.fault)
	}
}

// checkInvariants asks the checker, if any, whether a property broke.
func (s *simulation) checkInvariants() {
	if s.checker == nil || s.failure != nil {
		return
	}
	if err := s.checker.Err(); err != nil {
		s.fail(propertyOf(err), err.Error())
	}
}

// checkWork fails the run when too many events wait in the queue.
func (s *simulation) checkWork() {
	if n := s.queue.Len(); n > s.opts.MaxPending && s.failure == nil {
		s.fail(PropertyBoundedWork, fmt.Sprintf("%d events are waiting: messages multiply faster than the network delivers them", n))
	}
}

// fail records the first failure.
func (s *simulation) fail(property, detail string) {
	if s.failure == nil {
		s.failure = &Failure{Property: property, Detail: detail, At: s.now}
		s.trace.note(s.now, "FAILURE: "+property+": "+detail)
	}
}

// recover ends the faults: the network heals and every crashed node
// restarts, so that the cluster can show it recovers.
func (s *simulation) recover() {
	s.healed = true
	s.heal()
	for _, srv := range s.servers {
		if srv.node == nil && !srv.lost {
			s.restartNoted(srv)
		}
	}
	s.trace.note(s.now, "faults end: network healed, every node up")
}

// result closes the history, checks it and returns the run's Result.
func (s *simulation) result() *Result {
	r := &Result{
		Seed:      s.opts.Seed,
		TraceHash: s.trace.hash,
		Events:    s.events,
		Simulated: s.now,
	}
	r.history, r.Unknown = s.history.operations(s.now)
	r.Ops = len(r.history)
	r.Redirects, r.Timeouts, r.Lost = s.redirects, s.timeouts, s.lost
	r.Snapshots, r.Installs, r.ConfChanges = s.snapshots, s.installs, s.confChanges
	r.annotations = s.annotations()
	r.checkTime = s.opts.CheckTimeout
	if s.failure == nil {
		// TODO: Check the history with porcupine (CheckOperationsTimeout, the
		// model kvModel, the time bound s.opts.CheckTimeout) and record
		// Illegal as a PropertyLinearizability failure. Unknown is not a
		// failure (handout: "8. Linearizability").
	}
	r.Failure = s.failure
	r.Trace = s.trace.lines()
	return r
}

// think returns when a client starts its next operation: after a pause
// drawn uniformly from [0, 2*Think).
func (s *simulation) think() time.Duration {
	return s.now + time.Duration(s.rand.Int64N(int64(2*s.params.think)))
}

// serverAddrs returns every server's address.
func (s *simulation) serverAddrs() []Addr {
	addrs := make([]Addr, len(s.servers))
	for i, srv := range s.servers {
		addrs[i] = srv.addr
	}
	return addrs
}

// leader returns the running server with the highest term that believes it
// leads, or nil.
func (s *simulation) leader() *server {
	var best *server
	for _, srv := range s.servers {
		if srv.node == nil {
			continue
		}
		if st := srv.status; st.Role == raft.Leader && (best == nil || st.Term > best.status.Term) {
			best = srv
		}
	}
	return best
}

// upServers returns the running servers, in ID order.
func (s *simulation) upServers() []*server {
	return slices.DeleteFunc(slices.Clone(s.servers), func(srv *server) bool { return srv.node == nil })
}
