package sim

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

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
