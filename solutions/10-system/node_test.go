package raftkv

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/06-consensus"
)

// TestLoopElectsALeader checks that the loop ticks the core with a real
// ticker and carries out its Readies: three nodes elect a leader within
// two seconds (election timeouts are 100 to 200 ms of 10 ms ticks), and
// the leader's heartbeats keep it in office. Handout: "1. The loop".
func TestLoopElectsALeader(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		start := time.Now()
		leader := c.waitLeader()
		require.Less(t, time.Since(start), 2*time.Second, "the election took too long: a tick every 10 ms should elect a leader within a few election timeouts (handout: \"1. The loop\")")
		term := leader.Status().Term
		time.Sleep(3 * time.Second)
		require.Equal(t, leader, c.leader(), "the leader changed in 3 s of calm: its heartbeats, one per tick, must reach the followers (handout: \"1. The loop\")")
		require.Equal(t, term, leader.Status().Term, "the term moved in 3 s of calm: a follower timed out despite the leader's heartbeats (handout: \"1. The loop\")")
	})
}

// TestOneReadyCoversAWaitingBatch checks group commit. The leader's loop
// is held up in a Save while 50 proposals arrive; when it is free again,
// it must take them all (n.drain) before it asks for the next Ready, so
// that one Save, one fsync, persists them all, not 50. An fsync is the
// slowest thing a node does. Handout: "1. The loop".
func TestOneReadyCoversAWaitingBatch(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		leader := c.waitLeader()
		storage := c.storage[leader.Status().ID]
		gate := make(chan struct{})
		storage.setOnSave(func() error { <-gate; return nil })
		var wg sync.WaitGroup
		errs := make(chan error, 51)
		propose := func(key string) {
			_, err := leader.Propose(context.Background(), core.Set(key, "v").Encode())
			errs <- err
		}
		wg.Go(func() { propose("first") })
		synctest.Wait() // the loop is held up in the Save of the first proposal
		for i := range 50 {
			wg.Go(func() { propose(fmt.Sprint("k", i)) })
		}
		synctest.Wait() // the 50 proposals wait for the loop
		saves := storage.entrySaveCount()
		storage.setOnSave(nil)
		close(gate)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "a proposal of the batch failed (handout: \"3. Waiting for a command\")")
		}
		got := storage.entrySaveCount() - saves
		require.LessOrEqual(t, got, 2, "the leader called Save %d times to persist 50 proposals that were all waiting at once: after each event, take what else is waiting (n.drain) so that one Ready covers it (handout: \"1. The loop\")", got)
	})
}

// scriptCore is a node core that hands out Readies from a script, one per
// call, for tests of what the runtime does with each part of a Ready.
type scriptCore struct {
	mu      sync.Mutex
	readies []raft.Ready
}

func (s *scriptCore) Tick()                                         {}
func (s *scriptCore) Step(raft.Message) error                       { return nil }
func (s *scriptCore) Propose([]byte) (raft.Index, raft.Term, error) { return 0, 0, raft.ErrNotLeader }
func (s *scriptCore) Status() raft.Status                           { return raft.Status{ID: 1, Role: raft.Follower} }

func (s *scriptCore) Ready() raft.Ready {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.readies) == 0 {
		return raft.Ready{}
	}
	rd := s.readies[0]
	s.readies = s.readies[1:]
	return rd
}

// recorder records, in order, what a node does with its storage and its
// transport, and what its store holds when it sends.
type recorder struct {
	mu     sync.Mutex
	events []string
	store  *kvserver.Store
}

func (r *recorder) record(event string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event)
}

func (r *recorder) Send(msgs ...raft.Message) {
	if len(msgs) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("send %d with store %v", len(msgs), r.store.Snapshot()))
}

func (r *recorder) Receive() <-chan raft.Message { return nil }

// The recorder is also the node's observer (stage 08's invariants.Observer).
func (r *recorder) NodeStarted(raft.Config, raft.Status) {}
func (r *recorder) NodeCrashed(raft.NodeID)              {}
func (r *recorder) NodeReady(raft.NodeID, raft.Ready, raft.Status) {
	r.record("observe")
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	events := r.events
	r.events = nil
	return events
}

func command(index raft.Index, c core.Command) raft.Entry {
	return raft.Entry{Term: 1, Index: index, Data: c.Encode()}
}

// TestReadyPersistsThenSendsThenApplies checks the order of a Ready's
// duties, with a scripted core: the snapshot and then the hard state and
// entries are persisted (with one Save for the whole Ready, and none when
// there is nothing to save) before any message is sent, and the committed
// entries are applied after. A snapshot replaces the store's content, and
// a configuration change entry goes to NodeConfig.OnConfChange. A Ready that cannot be
// persisted stops the node. Handout: "2. The Ready" (Figure 2: "Persistent
// state … updated on stable storage before responding to RPCs").
func TestReadyPersistsThenSendsThenApplies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		msg := raft.Message{From: 1, To: 2, Term: 1, Body: raft.AppendEntries{}}
		script := &scriptCore{readies: []raft.Ready{
			{
				HardState:        raft.HardState{Term: 1, Commit: 2},
				Entries:          []raft.Entry{command(1, core.Set("a", "1")), command(2, core.Set("b", "2"))},
				Messages:         []raft.Message{msg},
				CommittedEntries: []raft.Entry{command(1, core.Set("a", "1")), command(2, core.Set("b", "2"))},
			},
			{Messages: []raft.Message{msg, msg}},
			{
				Snapshot:         &raft.Snapshot{LastIncludedIndex: 10, LastIncludedTerm: 1, Voters: []raft.NodeID{1, 2}, Data: MarshalStore(map[string]string{"s": "snap"})},
				HardState:        raft.HardState{Term: 1, Commit: 11},
				Entries:          []raft.Entry{command(11, core.Set("c", "3"))},
				Messages:         []raft.Message{msg},
				CommittedEntries: []raft.Entry{command(11, core.Set("c", "3"))},
			},
			{
				HardState:        raft.HardState{Term: 1, Commit: 12},
				Entries:          []raft.Entry{{Term: 1, Index: 12, Type: raft.EntryConfChange, Data: []byte("add 3")}},
				CommittedEntries: []raft.Entry{{Term: 1, Index: 12, Type: raft.EntryConfChange, Data: []byte("add 3")}},
			},
		}}
		rec := new(recorder)
		storage := &memStorage{onRecord: rec.record}
		n, err := StartNode(NodeConfig{
			ID: 1, Peers: []raft.NodeID{1, 2}, Storage: storage, Transport: rec, TickInterval: testTick, Observer: rec,
			NewCore:      func(raft.Config) (raft.Node, error) { return script, nil },
			OnConfChange: func(e raft.Entry) error { rec.record(fmt.Sprintf("conf change %d", e.Index)); return nil },
		})
		require.NoError(t, err)
		rec.mu.Lock()
		rec.store = n.sm.store
		rec.mu.Unlock()
		defer n.Stop(context.Background())

		for range 100 {
			if n.Status().Applied >= 12 {
				break
			}
			time.Sleep(testTick)
		}
		want := []string{
			"save", "observe", "send 1 with store map[]",
			"observe", "send 2 with store map[a:1 b:2]",
			"snapshot", "save", "observe",
			"send 1 with store map[a:1 b:2]",
			"save", "observe", "conf change 12",
		}
		require.Equal(t, want, rec.take(), "what the node did with four Readies, in order: persist (one Save per Ready, the snapshot first), report to the observer (n.observe), then send, then apply; a Ready with nothing to persist saves nothing (handout: \"2. The Ready\")")
		require.Equal(t, raft.Index(12), n.Status().Applied, "the node should have applied every committed entry, up to 12 (handout: \"2. The Ready\")")
		require.Equal(t, map[string]string{"s": "snap", "c": "3"}, n.sm.store.Snapshot(), "the snapshot replaces the store's content, then entry 11 applies on top (handout: \"2. The Ready\")")
	})

	synctest.Test(t, func(t *testing.T) {
		diskFull := errors.New("disk full")
		storage := &memStorage{onSave: func() error { return diskFull }}
		n, err := StartNode(NodeConfig{ID: 1, Peers: []raft.NodeID{1}, Storage: storage, Transport: &memTransport{net: newMemNet(1), id: 1}, TickInterval: testTick})
		require.NoError(t, err)
		defer n.Stop(context.Background())
		select {
		case <-n.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("a node whose Save fails should stop: it must not send what it could not persist (handout: \"2. The Ready\")")
		}
		require.ErrorIs(t, n.Err(), diskFull, "the node's error should wrap the storage's (handout: \"2. The Ready\")")
		_, err = n.Propose(context.Background(), core.Set("k", "v").Encode())
		require.ErrorIs(t, err, ErrStopped, "a stopped node refuses proposals (handout: \"3. Waiting for a command\")")
	})
}

// TestProposeWaitsUntilApplied checks Propose: on the leader it returns
// once the command has applied, with its result; on a follower it fails at
// once with a *NotLeaderError naming the leader; a Barrier waits for the
// store to catch up with the log. Handout: "3. Waiting for a command".
func TestProposeWaitsUntilApplied(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		leader := c.waitLeader()
		res, err := leader.Propose(ctx, core.Set("k", "v").Encode())
		require.NoError(t, err, "Propose on the leader (handout: \"3. Waiting for a command\")")
		require.NotZero(t, res.Index, "the result should carry the command's index")
		require.GreaterOrEqual(t, leader.Status().Applied, res.Index, "Propose must return only once the command has applied (handout: \"3. Waiting for a command\")")
		v, ok := leader.Store().Get("k")
		require.True(t, ok && v == "v", "after Propose returns, the leader's store holds the value")

		res, err = leader.Propose(ctx, core.Delete("k").Encode())
		require.NoError(t, err)
		require.True(t, res.Deleted, "the DEL's result says the key existed")

		follower := c.follower(leader)
		_, err = follower.Propose(ctx, core.Set("k", "v").Encode())
		var notLeader *NotLeaderError
		require.ErrorAs(t, err, &notLeader, "Propose on a follower fails with a *NotLeaderError")
		require.Equal(t, leader.Status().ID, notLeader.Leader, "the error names the leader, so the client can go there")
		require.ErrorIs(t, err, raft.ErrNotLeader)

		_, err = leader.Propose(ctx, []byte("X"))
		require.ErrorIs(t, err, core.ErrMalformedCommand, "a command that commits but does not decode returns the Applier's error, the result's Err (handout: \"3. Waiting for a command\")")

		_, err = leader.Propose(ctx, make([]byte, raft.MaxEntryDataSize+1))
		require.ErrorIs(t, err, raft.ErrTooLarge, "a command over MaxEntryDataSize is refused with the core's error")

		res, err = leader.Propose(ctx, core.Set("b", "1").Encode())
		require.NoError(t, err)
		waitApplied(t, follower, res.Index)
		require.NoError(t, leader.Barrier(ctx), "Barrier on the leader")
		require.GreaterOrEqual(t, leader.Status().Applied, res.Index+1, "a Barrier returns once its own entry, after every earlier one, has applied")
	})
}

// TestProposalFailsWhenLeadershipMoves checks that a proposal made on a
// leader that is then cut off and replaced fails with a clear error
// (ErrLeadershipLost, or core.ErrProposalLost when another entry took its
// place) when the old leader hears of the new term, and that the command
// does not apply. Handout: "3. Waiting for a command".
func TestProposalFailsWhenLeadershipMoves(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		old := c.waitLeader()
		c.net.isolate(old.Status().ID)
		errc := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := old.Propose(ctx, core.Set("lost", "1").Encode())
			errc <- err
		}()
		leader := c.waitLeader()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := leader.Propose(ctx, core.Set("kept", "1").Encode())
		require.NoError(t, err, "the new leader serves writes")
		c.net.heal()
		select {
		case err := <-errc:
			require.True(t, errors.Is(err, ErrLeadershipLost) || errors.Is(err, core.ErrProposalLost),
				"the old leader's proposal should fail with ErrLeadershipLost or core.ErrProposalLost once it hears of the new term, not with %v (handout: \"3. Waiting for a command\")", err)
		case <-time.After(5 * time.Second):
			t.Fatal("the old leader's proposal still waits 5 s after the partition healed: release it when the node's leadership moves (handout: \"3. Waiting for a command\")")
		}
		require.NoError(t, leader.Barrier(ctx))
		_, ok := leader.Store().Get("lost")
		require.False(t, ok, "the command proposed on the cut-off leader must not apply")
	})
}

// TestStopReleasesWaitersAndIsBounded checks shutdown: Stop ends the loop
// and releases a waiting proposal with ErrStopped; Stop may be called
// again; a proposal after Stop fails at once; and a Stop whose loop is
// stuck (here, in a Save that never returns) gives up when its context
// ends instead of hanging. Handout: "4. Shutdown".
func TestStopReleasesWaitersAndIsBounded(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		leader := c.waitLeader()
		c.net.isolate(leader.Status().ID)
		errc := make(chan error, 1)
		go func() {
			_, err := leader.Propose(context.Background(), core.Set("k", "v").Encode())
			errc <- err
		}()
		synctest.Wait()
		c.stop(leader.Status().ID)
		select {
		case err := <-errc:
			require.ErrorIs(t, err, ErrStopped, "a proposal still waiting when the node stops gets ErrStopped (handout: \"4. Shutdown\")")
		case <-time.After(time.Second):
			t.Fatal("a proposal still waits 1 s after its node stopped (handout: \"4. Shutdown\")")
		}
		require.NoError(t, leader.Stop(context.Background()), "Stop may be called twice")
		_, err := leader.Propose(context.Background(), core.Set("k", "v").Encode())
		require.ErrorIs(t, err, ErrStopped, "a proposal after Stop fails at once")
	})

	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		storage := &memStorage{onSave: func() error { <-release; return nil }}
		n, err := StartNode(NodeConfig{ID: 1, Peers: []raft.NodeID{1}, Storage: storage, Transport: &memTransport{net: newMemNet(1), id: 1}, TickInterval: testTick})
		require.NoError(t, err)
		time.Sleep(time.Second) // the node campaigns, and its first Save hangs
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		stopped := make(chan error, 1)
		go func() { stopped <- n.Stop(ctx) }()
		select {
		case err = <-stopped:
			close(release)
		case <-time.After(3 * time.Second):
			close(release)
			t.Fatal("Stop still waits 2 s after its context ended, for a loop stuck in Save: bound the wait with ctx (handout: \"4. Shutdown\")")
		}
		require.ErrorIs(t, err, context.DeadlineExceeded, "Stop must give up when its context ends, even if the loop is stuck (handout: \"4. Shutdown\")")
		require.Contains(t, err.Error(), "node 1", "Stop's error names the node")
		require.NoError(t, n.Stop(context.Background()), "once the Save returns, the loop sees the stop and returns")
	})
}

// TestAbandonedProposalDoesNotStallTheNode is the planted deadlock's
// detector. A client proposes on a leader that is cut off, so the command
// cannot commit, and gives up (its context is cancelled). The partition
// heals, the command commits, and the loop hands its outcome to a client
// who is gone. Then another client proposes: it must get through. On
// failure, the test prints where the loop goroutine is stuck.
// Handout: "5. The planted deadlock".
func TestAbandonedProposalDoesNotStallTheNode(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		leader := c.waitLeader()
		c.net.isolate(leader.Status().ID)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			cmd := core.Set("abandoned", "1").Encode()
			_, err := leader.Propose(ctx, cmd)
			errc <- err
		}()
		synctest.Wait() // the loop has the proposal; it cannot commit
		cancel()
		select {
		case err := <-errc:
			require.ErrorIs(t, err, context.Canceled, "Propose returns its context's error (handout: \"3. Waiting for a command\")")
		case <-time.After(time.Second):
			t.Fatal("Propose still waits 1 s after its context was cancelled: every wait must also end with ctx (handout: \"3. Waiting for a command\")")
		}
		c.net.heal()

		ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := leader.Propose(ctx, core.Set("next", "1").Encode())
		if err != nil {
			t.Fatalf("the node stalled: after a client gave up on its command, the next command could not get through in 2 s (%v). "+
				"The loop goroutine is stuck here:\n\n%s\n\nWhy can it not go on? (handout: \"5. The planted deadlock\")", err, loopStack())
		}
	})
}

// loopStack returns the stack of a node's loop goroutine that is stuck
// somewhere else than in its main select, or every goroutine's stack if
// none is.
func loopStack() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, ".(*Node).run(") && strings.Contains(g, ".(*Node).advance(") {
			return g
		}
	}
	return string(buf)
}
