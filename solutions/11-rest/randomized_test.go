package core_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/11-rest"
)

var schedules = flag.Int("schedules", 150, "how many seeded schedules TestRandomized runs")

// TestRandomized runs seeded schedules on a cluster that starts with voters
// 1 to 3 and servers 4 and 5 waiting to join: nodes tick, messages are
// delivered in random order, dropped and duplicated, the network is
// partitioned and healed, nodes crash and restart from what they
// persisted, the leader adds, promotes and removes servers and hands its
// leadership over, and nodes take snapshots and compact their logs, with
// PreVote and CheckQuorum on. After every step it checks Election
// Safety (one leader per term) and State Machine Safety (no two nodes
// apply different entries at one index, even across snapshots); at the end
// it heals everything and requires a leader that commits a last proposal.
// Reads are asked on random nodes too, and every read a node confirms must
// cover every entry committed anywhere before the read began.
// A failure names its seed: replay it with go test -run
// 'TestRandomized/seed=N$'. Handout: "3. Quorums" to "13. ReadIndex".
func TestRandomized(t *testing.T) {
	for seed := range uint64(*schedules) {
		if !t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runSchedule(t, seed) }) {
			break
		}
	}
}

func runSchedule(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	// Each read started records the highest commit index any node knew
	// then: a linearizable read must see at least that much.
	readFloor := make(map[string]raft.Index)
	var readProblems []string
	onReady := func(id raft.NodeID, rd raft.Ready) {
		for _, r := range rd.ReadStates {
			if floor := readFloor[string(r.Context)]; r.Index < floor {
				readProblems = append(readProblems, fmt.Sprintf("node %d confirmed read %q at index %d, but index %d was committed before the read began (§6.4; handout: \"13. ReadIndex\")", id, r.Context, r.Index, floor))
			}
		}
	}
	net := newCluster(t, 3, raftnet.Options{Seed: seed, Configure: joining(4, 5), OnReady: onReady})
	require.NoError(t, net.Add(4))
	require.NoError(t, net.Add(5))
	net.SetReorder(true)
	net.SetDropRate(0.05)
	net.SetDuplicateRate(0.05)
	leaders := make(map[raft.Term]raft.NodeID)
	commands := 0

	for step := range 200 {
		switch r := rng.IntN(100); {
		case r < 40:
			require.NoError(t, net.Tick(), "seed %d step %d", seed, step)
		case r < 65:
			for range rng.IntN(20) {
				_, err := net.DeliverOne()
				require.NoError(t, err, "seed %d step %d", seed, step)
			}
		case r < 75:
			if ls := net.Leaders(); len(ls) > 0 {
				commands++
				_, _, err := net.Propose(ls[rng.IntN(len(ls))], fmt.Appendf(nil, "c%d", commands))
				if err != nil && !errors.Is(err, core.ErrTransferring) {
					require.NoError(t, err, "seed %d step %d", seed, step)
				}
			}
		case r < 80:
			changeRandomly(t, net, rng)
		case r < 85:
			id := raft.NodeID(1 + rng.IntN(5))
			if net.Node(id) != nil && len(net.Applied(id)) > 0 {
				require.NoError(t, net.Compact(id), "seed %d step %d: compact node %d", seed, step, id)
			}
		case r < 90:
			id := raft.NodeID(1 + rng.IntN(5))
			if net.Node(id) == nil {
				require.NoError(t, net.Restart(id), "seed %d step %d", seed, step)
			} else {
				net.Crash(id)
			}
		case r < 95:
			ids := net.IDs()
			rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
			cut := 1 + rng.IntN(2)
			net.Partition(ids[:cut])
		case r < 97:
			net.Heal()
		case r < 98:
			id := raft.NodeID(1 + rng.IntN(5))
			if node := net.Node(id); node != nil {
				ctx := fmt.Sprintf("read %d", step)
				for _, other := range net.IDs() {
					if n := net.Node(other); n != nil {
						readFloor[ctx] = max(readFloor[ctx], n.Status().Commit)
					}
				}
				_ = node.(*core.Node).ReadIndex([]byte(ctx)) // refusals are fine
				require.NoError(t, net.Collect(id))
			}
		default:
			if ls := net.Leaders(); len(ls) > 0 {
				_ = coreOf(t, net, ls[0]).TransferLeadership(raft.NodeID(1 + rng.IntN(5)))
				require.NoError(t, net.Collect(ls[0]))
			}
		}
		for _, id := range net.Leaders() {
			term := net.Node(id).Status().Term
			if other, ok := leaders[term]; ok && other != id {
				require.FailNow(t, "two leaders", "seed %d step %d: nodes %d and %d both lead term %d (Election Safety, Figure 3; handout: \"3. Quorums\")", seed, step, other, id, term)
			}
			leaders[term] = id
		}
		requireSameApplied(t, net, fmt.Sprintf("seed %d step %d", seed, step))
		require.Empty(t, readProblems, "seed %d step %d", seed, step)
	}

	// Heal everything; the cluster must elect a leader and commit.
	net.Heal()
	net.SetDropRate(0)
	net.SetDuplicateRate(0)
	for _, id := range net.IDs() {
		if net.Node(id) == nil {
			require.NoError(t, net.Restart(id))
		}
	}
	for tick := 0; ; tick++ {
		require.Less(t, tick, 10*electionBound, "seed %d: no leader committed a last proposal within %d ticks of healing", seed, 10*electionBound)
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
		ls := net.Leaders()
		if len(ls) != 1 {
			continue
		}
		index, _, err := net.Propose(ls[0], []byte("last"))
		if err != nil {
			continue
		}
		settle(t, net, 3)
		if net.Node(ls[0]).Status().Commit >= index {
			break
		}
	}
	requireSameApplied(t, net, fmt.Sprintf("seed %d after healing", seed))
}

// changeRandomly has the leader, if there is one, change one server's
// membership: add a stranger as a learner, promote a learner, or remove a
// member while keeping at least two voters. Refusals are fine.
func changeRandomly(t *testing.T, net *raftnet.Network, rng *rand.Rand) {
	ls := net.Leaders()
	if len(ls) == 0 {
		return
	}
	n := coreOf(t, net, ls[0])
	voters, learners := n.Membership()
	id := raft.NodeID(1 + rng.IntN(5))
	var cc raft.ConfChange
	switch {
	case slices.Contains(learners, id):
		cc = raft.ConfChange{Type: raft.AddVoter, Node: id}
		if rng.IntN(3) == 0 {
			cc.Type = raft.RemoveServer
		}
	case slices.Contains(voters, id) && len(voters) > 2:
		cc = raft.ConfChange{Type: raft.RemoveServer, Node: id}
	case !slices.Contains(voters, id):
		cc = raft.ConfChange{Type: raft.AddLearner, Node: id}
	default:
		return
	}
	if _, _, err := n.ProposeConfChange(cc); err == nil {
		require.NoError(t, net.Collect(ls[0]))
	}
}
