package raftkv

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// readCore is a leader core with ReadIndex whose read indexes the test
// confirms by hand.
type readCore struct {
	mu      sync.Mutex
	term    raft.Term
	asked   [][]byte         // the names ReadIndex was asked, in order
	states  []raft.ReadState // for the next Ready
	commit  raft.Index       // committed no-ops, handed out once
	applied raft.Index
	changed bool // the term changed since the last Ready
}

func (c *readCore) Tick()                                         {}
func (c *readCore) Step(raft.Message) error                       { return nil }
func (c *readCore) Propose([]byte) (raft.Index, raft.Term, error) { return 0, 0, raft.ErrNotLeader }

func (c *readCore) Status() raft.Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return raft.Status{ID: 1, Role: raft.Leader, Term: c.term, Leader: 1, Commit: c.commit}
}

func (c *readCore) ReadIndex(ctx []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, ctx)
	return nil
}

func (c *readCore) Ready() raft.Ready {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rd raft.Ready
	rd.ReadStates, c.states = c.states, nil
	for ; c.applied < c.commit; c.applied++ {
		rd.CommittedEntries = append(rd.CommittedEntries, raft.Entry{Index: c.applied + 1, Term: c.term, Type: raft.EntryCommand})
	}
	if c.changed {
		rd.HardState, c.changed = raft.HardState{Term: c.term, Commit: c.commit}, false
	}
	return rd
}

// do runs f under the core's lock.
func (c *readCore) do(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

// TestReadIndexReadsWaitBatchAndGiveUp checks the runtime's side of
// ReadIndex (reads.go, given code for stage 11) with a core whose read
// indexes the test confirms:
// one read index serves the reads waiting when it is asked, and the reads
// that arrive meanwhile wait for the next; a confirmed read waits until
// its index has applied; a read never confirmed fails with ErrReadTimeout
// after the read timeout; and one asked of a leadership that changes fails
// with ErrLeadershipLost. It rests on your loop and your Ready (handout:
// "1. The loop", "2. The Ready"): a stage-11 read travels on n.proposals
// and is released after each Ready.
func TestReadIndexReadsWaitBatchAndGiveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		core := &readCore{term: 1}
		n, err := StartNode(NodeConfig{
			ID: 1, Peers: []raft.NodeID{1}, Storage: new(memStorage),
			Transport: &memTransport{net: newMemNet(1), id: 1}, TickInterval: testTick,
			NewCore: func(raft.Config) (raft.Node, error) { return core, nil },
		})
		require.NoError(t, err)
		defer n.Stop(context.Background())
		read := func() chan error {
			done := make(chan error, 1)
			go func() { done <- n.Read(context.Background()) }()
			synctest.Wait()
			return done
		}
		pending := func(done chan error) bool {
			select {
			case <-done:
				return false
			default:
				return true
			}
		}
		asked := func() int {
			var k int
			core.do(func() { k = len(core.asked) })
			return k
		}

		a := read()
		b, c := read(), read()
		require.Equal(t, 1, asked(), "reads that arrive while a read index is being confirmed wait for the next one")
		core.do(func() { core.states = []raft.ReadState{{Index: 2, Context: core.asked[0]}} })
		time.Sleep(testTick)
		synctest.Wait()
		require.True(t, pending(a), "a confirmed read waits until its read index has applied")
		require.Equal(t, 2, asked(), "once the first is confirmed, one read index is asked for the reads that waited")
		core.do(func() { core.commit = 2 })
		time.Sleep(testTick)
		synctest.Wait()
		require.NoError(t, <-a, "the read is served once index 2 has applied")
		require.True(t, pending(b) && pending(c))

		time.Sleep(n.readTimeout() + 2*testTick)
		synctest.Wait()
		require.ErrorIs(t, <-b, ErrReadTimeout, "a read never confirmed gives up after the read timeout")
		require.ErrorIs(t, <-c, ErrReadTimeout)

		d := read()
		require.Equal(t, 3, asked())
		core.do(func() { core.term, core.changed = 2, true })
		time.Sleep(testTick)
		synctest.Wait()
		require.ErrorIs(t, <-d, ErrLeadershipLost, "a read asked of a leadership that changed will never be confirmed")
	})
}
