package core_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/11-rest"
)

// testOptions are the core's options in the tests: a short trailing window
// and small chunks, so that a few entries make a snapshot of several
// chunks, and PreVote and CheckQuorum on, as in DefaultOptions.
var testOptions = core.Options{TrailingEntries: 2, SnapshotChunkSize: 32, PreVote: true, CheckQuorum: true}

// plainOptions are testOptions without PreVote and CheckQuorum: Raft as the
// paper describes it, for the tests that show what those two change.
var plainOptions = core.Options{TrailingEntries: 2, SnapshotChunkSize: 32}

// factory returns the network's factory for this stage's core with opts:
// core.NewWithOptions as a raft.Node. It returns a plain nil on error,
// never a nil *core.Node inside the interface.
func factory(opts core.Options) raftnet.Factory {
	return func(cfg raft.Config) (raft.Node, error) {
		n, err := core.NewWithOptions(cfg, opts)
		if err != nil {
			return nil, err
		}
		return n, nil
	}
}

// newCluster starts a network of size nodes of this stage's core, with
// testOptions.
func newCluster(t *testing.T, size int, opts raftnet.Options) *raftnet.Network {
	t.Helper()
	return newClusterWith(t, size, testOptions, opts)
}

// newClusterWith starts a network of size nodes of this stage's core,
// with the core's options given.
func newClusterWith(t *testing.T, size int, coreOpts core.Options, opts raftnet.Options) *raftnet.Network {
	t.Helper()
	net, err := raftnet.New(size, factory(coreOpts), opts)
	require.NoError(t, err, "starting a %d-node cluster", size)
	return net
}

// joining is a raftnet Configure function that starts the nodes of ids as
// servers joining a running cluster: with no Peers, they belong to no
// configuration until the leader's log or snapshot gives them one.
func joining(ids ...raft.NodeID) func(*raft.Config) {
	return func(c *raft.Config) {
		if slices.Contains(ids, c.ID) {
			c.Peers = nil
		} else {
			c.Peers = slices.DeleteFunc(c.Peers, func(id raft.NodeID) bool { return slices.Contains(ids, id) })
		}
	}
}

// core returns node id's core as this stage's *core.Node.
func coreOf(t *testing.T, net *raftnet.Network, id raft.NodeID) *core.Node {
	t.Helper()
	n, ok := net.Node(id).(*core.Node)
	require.True(t, ok, "node %d is crashed", id)
	return n
}

// settle runs rounds of one tick and a full delivery.
func settle(t *testing.T, net *raftnet.Network, rounds int) {
	t.Helper()
	for range rounds {
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
	}
}

// propose proposes each command on the leader and delivers everything.
func propose(t *testing.T, net *raftnet.Network, leader raft.NodeID, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		_, _, err := net.Propose(leader, []byte(c))
		require.NoError(t, err, "proposing %q on leader %d", c, leader)
		require.NoError(t, net.DeliverAll())
	}
}

// changeConf proposes a configuration change on the leader and collects
// its Ready.
func changeConf(t *testing.T, net *raftnet.Network, leader raft.NodeID, typ raft.ConfChangeType, id raft.NodeID) raft.Index {
	t.Helper()
	index, _, err := coreOf(t, net, leader).ProposeConfChange(raft.ConfChange{Type: typ, Node: id})
	require.NoError(t, err, "%s of node %d on leader %d (handout: \"8. One change at a time\")", typ, id, leader)
	require.NoError(t, net.Collect(leader))
	return index
}

// datas returns the entries' commands, for readable comparisons; a
// configuration change shows as "conf".
func datas(entries []raft.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = string(e.Data)
		if e.Type == raft.EntryConfChange {
			out[i] = "conf"
		}
	}
	return out
}

// commands returns the non-empty commands among entries.
func commands(entries []raft.Entry) []string {
	var out []string
	for _, e := range entries {
		if e.Type == raft.EntryCommand && len(e.Data) > 0 {
			out = append(out, string(e.Data))
		}
	}
	return out
}

// maxElectionTimeout is the longest election timeout of the default
// configuration, and electionBound the ticks the tests allow an election.
const (
	maxElectionTimeout = 2*10 - 1
	electionBound      = 3 * (maxElectionTimeout + 1)
)

// stableLeader returns the leader among members if there is exactly one,
// in a term no member is past, and every other member follows it;
// otherwise raft.None.
func stableLeader(net *raftnet.Network, members []raft.NodeID) raft.NodeID {
	leader := raft.None
	for _, id := range members {
		if st := net.Node(id).Status(); st.Role == raft.Leader {
			if leader != raft.None {
				return raft.None
			}
			leader = id
		}
	}
	if leader == raft.None {
		return raft.None
	}
	term := net.Node(leader).Status().Term
	for _, id := range members {
		if st := net.Node(id).Status(); st.Term != term || st.Leader != leader {
			return raft.None
		}
	}
	return leader
}

// waitLeader ticks and delivers, one round per tick, until members have a
// stable leader, and returns it. It fails the test after bound ticks.
func waitLeader(t *testing.T, net *raftnet.Network, members []raft.NodeID, bound int) raft.NodeID {
	t.Helper()
	for range bound {
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
		if leader := stableLeader(net, members); leader != raft.None {
			return leader
		}
	}
	statuses := make([]string, len(members))
	for i, id := range members {
		st := net.Node(id).Status()
		statuses[i] = fmt.Sprintf("node %d: %s in term %d following %d", id, st.Role, st.Term, st.Leader)
	}
	require.FailNow(t, "no leader", "nodes %v elected no stable leader within %d ticks; now %s (§5.2; handout: \"3. Quorums\")", members, bound, strings.Join(statuses, ", "))
	return raft.None
}

// others returns ids without the given ones.
func others(ids []raft.NodeID, without ...raft.NodeID) []raft.NodeID {
	return slices.DeleteFunc(slices.Clone(ids), func(id raft.NodeID) bool { return slices.Contains(without, id) })
}

// requireSameApplied checks State Machine Safety (Figure 3): no two nodes
// applied different entries at the same index.
func requireSameApplied(t *testing.T, net *raftnet.Network, msg string) {
	t.Helper()
	at := make(map[raft.Index]raft.Entry)
	by := make(map[raft.Index]raft.NodeID)
	for _, id := range net.IDs() {
		for _, e := range net.Applied(id) {
			if prev, ok := at[e.Index]; ok {
				require.Equal(t, prev.Term, e.Term, "%s: nodes %d and %d applied different entries at index %d: %v and %v (Figure 3, State Machine Safety)", msg, by[e.Index], id, e.Index, prev, e)
				require.Equal(t, prev.Data, e.Data, "%s: nodes %d and %d applied different entries at index %d (Figure 3, State Machine Safety)", msg, by[e.Index], id, e.Index)
				continue
			}
			at[e.Index], by[e.Index] = e, id
		}
	}
}
