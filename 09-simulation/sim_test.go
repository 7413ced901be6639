package sim_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"raftgo/09-simulation"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/08-testing"
	"raftgo/solutions/08-testing/mutants"
)

// TestEventLoop runs one seed and checks that the event loop ran the whole
// world: thousands of events, virtual time up to the end of the recovery,
// client operations completed, no property broken (handout: "5. The event
// loop").
func TestEventLoop(t *testing.T) {
	opts := short(1)
	r := run(t, opts)
	require.True(t, r.Passed(), "seed 1 on the reference must pass (handout: \"5. The event loop\"): %s", explain(r))
	require.Greater(t, r.Events, 500, "events handled in %v of virtual time: the loop must handle every event the queue yields (handout: \"5. The event loop\")", r.Simulated)
	require.Greater(t, r.Simulated, opts.Duration+time.Second, "virtual time at the end of the run: the faults, the recovery and a second more (handout: \"5. The event loop\")")
	require.Greater(t, r.Ops, 20, "client operations in the history (handout: \"9. Clients\")")
}

// failAfter is a checker that reports a violation of Election Safety
// after its n-th report, and counts the reports it gets.
type failAfter struct {
	n, reports int
}

func (f *failAfter) NodeStarted(raft.Config, raft.Status)           { f.reports++ }
func (f *failAfter) NodeReady(raft.NodeID, raft.Ready, raft.Status) { f.reports++ }
func (f *failAfter) NodeCrashed(raft.NodeID)                        { f.reports++ }

func (f *failAfter) Err() error {
	if f.reports < f.n {
		return nil
	}
	return invariants.Violation{Property: invariants.ElectionSafety, Detail: "planted by the test."}
}

// TestCheckerAfterEveryEvent plants a checker that reports a violation
// after its 300th report: the run must stop at that event, and name the
// property (handout: "5. The event loop").
func TestCheckerAfterEveryEvent(t *testing.T) {
	checker := &failAfter{n: 300}
	opts := short(2)
	opts.NewChecker = func() sim.Checker { return checker }
	r := run(t, opts)
	require.False(t, r.Passed(), "the checker reported a violation and the run went on: ask it after every event (handout: \"5. The event loop\")")
	require.Equal(t, string(invariants.ElectionSafety), r.Failure.Property, "the property the checker named (handout: \"5. The event loop\"); the run failed with %s", explain(r))
	assert.Equal(t, 300, checker.reports, "reports the checker got: the loop must stop at the first event after which the checker reports a violation (handout: \"5. The event loop\")")
	full := run(t, short(2))
	assert.Less(t, r.Events, full.Events, "events handled: the run must stop at the violation (handout: \"5. The event loop\")")
}

// persisted is an Observer that keeps what each node persisted, as the
// Readys it reports say, and checks that every restart starts from exactly
// that.
type persisted struct {
	t        *testing.T
	hard     map[raft.NodeID]raft.HardState
	entries  map[raft.NodeID][]raft.Entry
	up       map[raft.NodeID]bool
	crashes  int
	restarts int
	problems []string
}

func (p *persisted) NodeStarted(cfg raft.Config, st raft.Status) {
	id := cfg.ID
	if _, seen := p.up[id]; seen {
		p.restarts++
		if p.up[id] {
			p.problems = append(p.problems, fmt.Sprintf("node %d restarted without crashing first", id))
		}
		if cfg.HardState != p.hard[id] || !slices.EqualFunc(cfg.Entries, p.entries[id], sameEntry) {
			p.problems = append(p.problems, fmt.Sprintf("node %d restarted with hard state %+v and %d entries, but had persisted %+v and %d entries",
				id, cfg.HardState, len(cfg.Entries), p.hard[id], len(p.entries[id])))
		}
	}
	p.up[id] = true
}

func (p *persisted) NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status) {
	if !p.up[id] {
		p.problems = append(p.problems, fmt.Sprintf("node %d reported a Ready while crashed", id))
	}
	if !rd.HardState.IsZero() {
		p.hard[id] = rd.HardState
	}
	if len(rd.Entries) > 0 {
		kept := p.entries[id][:min(len(p.entries[id]), int(rd.Entries[0].Index-1))]
		p.entries[id] = append(slices.Clip(kept), rd.Entries...)
	}
}

func (p *persisted) NodeCrashed(id raft.NodeID) {
	p.crashes++
	p.up[id] = false
}

func sameEntry(a, b raft.Entry) bool {
	return a.Index == b.Index && a.Term == b.Term && string(a.Data) == string(b.Data)
}

// TestCrashAndRestart watches several seeds' crashes and restarts: a crashed
// node reports nothing until it restarts, and it restarts from exactly what
// its reported Readys persisted, no more (what was not yet durable is
// lost) and no less (handout: "6. Crash and restart").
func TestCrashAndRestart(t *testing.T) {
	p := &persisted{t: t}
	for seed := range uint64(4) {
		p.hard, p.entries, p.up = map[raft.NodeID]raft.HardState{}, map[raft.NodeID][]raft.Entry{}, map[raft.NodeID]bool{}
		opts := short(seed)
		opts.Observer = p
		r := run(t, opts)
		require.True(t, r.Passed(), "seed %d: %s", seed, explain(r))
		require.Empty(t, p.problems, "seed %d (handout: \"6. Crash and restart\")", seed)
	}
	assert.Greater(t, p.crashes, 4, "crashes seen in 4 seeds: crash must tell the observers (NodeCrashed; handout: \"6. Crash and restart\")")
	assert.Greater(t, p.restarts, 4, "restarts seen in 4 seeds (handout: \"6. Crash and restart\")")
}

// TestPersistBeforeSend plants a driver bug, sending each Ready's messages
// before its writes are durable, and checks that the simulator catches it
// as persist-before-send (Figure 2: persistent state is "updated on stable
// storage before responding to RPCs"; handout: "7. Persist, then send").
func TestPersistBeforeSend(t *testing.T) {
	opts := short(0)
	opts.SendBeforePersist = true
	r := run(t, opts)
	require.False(t, r.Passed(), "a driver that sends before persisting must be caught (handout: \"7. Persist, then send\")")
	assert.Equal(t, sim.PropertyPersistBeforeSend, r.Failure.Property, "the property broken (handout: \"7. Persist, then send\"): %s", explain(r))
}

// TestStaleReadCaughtByPorcupine plants a stale read: every node answers a
// Get from its own store at once, leader or not. No Raft property breaks,
// so stage 08's checkers see nothing; only the linearizability check of
// the clients' history can catch it (handout: "8. Linearizability").
func TestStaleReadCaughtByPorcupine(t *testing.T) {
	var found *sim.Result
	for seed := range uint64(20) {
		opts := short(seed)
		opts.StaleReads = true
		r := run(t, opts)
		if !r.Passed() {
			found = r
			break
		}
	}
	require.NotNil(t, found, "20 seeds of stale reads, none caught: check the history with porcupine at the end of a run (handout: \"8. Linearizability\")")
	assert.Equal(t, sim.PropertyLinearizability, found.Failure.Property, "seed %d: the stale read must be caught by the linearizability check, not a Raft property (handout: \"8. Linearizability\"): %s", found.Seed, explain(found))
	assert.Equal(t, porcupine.Illegal, found.Check, "porcupine's verdict on seed %d (handout: \"8. Linearizability\")", found.Seed)
}

// TestClients checks the client workload over a few seeds: operations
// complete, clients follow redirects to the leader, give up on attempts
// that time out, and the history records those writes as unknown
// (handout: "9. Clients").
func TestClients(t *testing.T) {
	var redirects, timeouts, unknown, ops int
	for seed := range uint64(4) {
		r := run(t, short(seed))
		require.True(t, r.Passed(), "seed %d: %s", seed, explain(r))
		redirects += r.Redirects
		timeouts += r.Timeouts
		unknown += r.Unknown
		ops += r.Ops
	}
	assert.Greater(t, ops, 100, "operations in the history of 4 seeds (handout: \"9. Clients\")")
	assert.Positive(t, redirects, "redirects followed: a client starts with no leader and asks any server (handout: \"9. Clients\")")
	assert.Positive(t, timeouts, "attempts timed out: crashes and partitions leave some requests unanswered (handout: \"9. Clients\")")
	assert.Positive(t, unknown, "operations with unknown outcomes: a write that timed out stays in the history as unknown (handout: \"9. Clients\")")
}

// TestSameSeedSameTraceHash runs seeds twice: each must handle the same
// events, with the same trace hash, and different seeds must differ. This
// is the self-check of replay (handout: "10. Replay").
func TestSameSeedSameTraceHash(t *testing.T) {
	hashes := map[uint64]uint64{}
	for seed := range uint64(3) {
		a, b := run(t, short(seed)), run(t, short(seed))
		require.Equal(t, a.Events, b.Events, "seed %d: events handled by two runs (handout: \"10. Replay\")", seed)
		require.Equal(t, a.TraceHash, b.TraceHash, "seed %d: trace hashes of two runs: something is not decided by the seed (handout: \"10. Replay\")", seed)
		require.Equal(t, a.Trace, b.Trace, "seed %d: the last events of two runs (handout: \"10. Replay\")", seed)
		if other, ok := hashes[a.TraceHash]; ok {
			t.Fatalf("seeds %d and %d have the same trace hash %#x: hash every event's time, kind and content (handout: \"10. Replay\")", other, seed, a.TraceHash)
		}
		hashes[a.TraceHash] = seed
	}
}

// campaign is how many seeds TestReferenceSurvivesSeeds runs.
const campaign = 300

// TestReferenceSurvivesSeeds runs 300 short seeds of the reference core,
// on every core at once: no property may break, every history must be
// linearizable (handout: "5. The event loop"; go run
// ./solutions/09-simulation/cmd/sim runs longer ones).
func TestReferenceSurvivesSeeds(t *testing.T) {
	results := make([]*sim.Result, campaign)
	var next atomic.Int64
	var g errgroup.Group
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			for {
				seed := next.Add(1) - 1
				if seed >= campaign {
					return nil
				}
				r, err := sim.Run(short(uint64(seed)))
				if err != nil {
					return err
				}
				results[seed] = r
			}
		})
	}
	require.NoError(t, g.Wait())
	unknown := 0
	for seed, r := range results {
		require.True(t, r.Passed(), "seed %d of the reference failed; replay it with go run ./solutions/09-simulation/cmd/sim -seed %d -duration 5s: %s", seed, seed, explain(r))
		if r.Check == porcupine.Unknown {
			unknown++
		}
	}
	assert.Less(t, unknown, campaign/10, "linearizability checks that ran out of time (handout: \"8. Linearizability\")")
}

// budget bounds the seeds the search for figure8 runs, and otherBudget
// the search for each other mutant.
const (
	budget      = 300
	otherBudget = 20
)

// search runs seeds of a mutant until one fails, and returns it, or nil.
func search(t *testing.T, name string, seeds int) *sim.Result {
	t.Helper()
	m, ok := mutants.Lookup(name)
	require.True(t, ok, "stage 08 has no mutant %q", name)
	for seed := range uint64(seeds) {
		opts := short(seed)
		opts.NewNode = m.New
		if r := run(t, opts); !r.Passed() {
			return r
		}
	}
	return nil
}

// TestFindsFigure8 runs the Figure 8 mutant of stage 08, a leader that
// commits an entry of an earlier term by counting replicas, and requires
// the simulator to catch it on its own, with a Raft property, within the
// budget of seeds (handout: "5. The event loop").
func TestFindsFigure8(t *testing.T) {
	r := search(t, "figure8", budget)
	require.NotNil(t, r, "the figure8 mutant survived %d seeds (handout: \"5. The event loop\")", budget)
	assert.True(t, isInvariant(r.Failure.Property) || r.Failure.Property == sim.PropertyLinearizability, "seed %d caught figure8 by %s: %s", r.Seed, r.Failure.Property, explain(r))
	t.Logf("figure8 caught at seed %d by %s", r.Seed, r.Failure.Property)
}

// TestFindsOtherMutants runs stage 08's other mutant cores: the simulator
// must catch at least three of them within the budget (handout: "5. The
// event loop").
func TestFindsOtherMutants(t *testing.T) {
	var caught, missed []string
	for _, m := range mutants.All() {
		if m.Name == "figure8" {
			continue
		}
		r := search(t, m.Name, otherBudget)
		switch {
		case r == nil:
			missed = append(missed, m.Name)
		case r.Failure.Property == sim.PropertyLiveness:
			// Not a catch: a stalled simulator fails every run this way.
			missed = append(missed, fmt.Sprintf("%s (seed %d, only %s: %s)", m.Name, r.Seed, r.Failure.Property, r.Failure.Detail))
		default:
			caught = append(caught, fmt.Sprintf("%s (seed %d, %s)", m.Name, r.Seed, r.Failure.Property))
		}
	}
	t.Logf("caught: %s; not caught in %d seeds: %s", strings.Join(caught, ", "), otherBudget, strings.Join(missed, ", "))
	assert.GreaterOrEqual(t, len(caught), 3, "mutants caught by a safety property; missed: %s (handout: \"5. The event loop\")", strings.Join(missed, "; "))
}

// TestFailureReport checks what a failing seed leaves to read: the last
// events, ending with the failure, and an HTML timeline with the clients'
// operations and the servers' events (handout: "Reading the timeline").
func TestFailureReport(t *testing.T) {
	opts := short(0)
	opts.StaleReads = true
	var r *sim.Result
	for seed := range uint64(20) {
		opts.Seed = seed
		if r = run(t, opts); !r.Passed() {
			break
		}
	}
	require.False(t, r.Passed(), "no seed of stale reads failed (handout: \"8. Linearizability\")")
	require.NotEmpty(t, r.Trace, "a failure keeps the last events (handout: \"10. Replay\")")
	assert.Contains(t, r.Trace[len(r.Trace)-1], "FAILURE", "the trace ends with the failure (handout: \"10. Replay\")")
	delivered := slices.ContainsFunc(r.Trace, func(line string) bool { return strings.Contains(line, "deliver ") })
	assert.True(t, delivered, "the trace keeps the last events, deliveries among them, not only notes (handout: \"10. Replay\")")
	var page strings.Builder
	require.NoError(t, r.WriteTimeline(&page))
	html := page.String()
	for _, want := range []string{"<html", "leader t", "GET", "linearizability"} {
		assert.Contains(t, html, want, "the timeline of seed %d (handout: \"Reading the timeline\")", r.Seed)
	}
}
