package core_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/06-consensus"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// newNode is the network's factory: core.New as a raft.Node. It returns a
// plain nil on error, never a nil *core.Node inside the interface.
func newNode(cfg raft.Config) (raft.Node, error) {
	n, err := core.New(cfg)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// newCluster starts a network of size nodes of this stage's core.
func newCluster(t *testing.T, size int, opts raftnet.Options) *raftnet.Network {
	t.Helper()
	net, err := raftnet.New(size, newNode, opts)
	require.NoError(t, err, "starting a %d-node cluster", size)
	return net
}

// appoint makes node id the leader of term, as an election would in stage
// 07, and collects its Ready.
func appoint(t *testing.T, net *raftnet.Network, id raft.NodeID, term raft.Term) {
	t.Helper()
	node, ok := net.Node(id).(*core.Node)
	require.True(t, ok, "node %d is not running", id)
	require.NoError(t, node.BecomeLeader(term), "appointing node %d leader of term %d", id, term)
	require.NoError(t, net.Collect(id))
}

// propose proposes each command on the leader and returns the indexes the
// leader gave them.
func propose(t *testing.T, net *raftnet.Network, leader raft.NodeID, commands ...string) []raft.Index {
	t.Helper()
	var indexes []raft.Index
	for _, c := range commands {
		index, _, err := net.Propose(leader, []byte(c))
		require.NoError(t, err, "proposing %q on leader %d", c, leader)
		indexes = append(indexes, index)
	}
	return indexes
}

// settle runs rounds of one tick and a full delivery, so that heartbeats
// carry the leader's commit index to its followers.
func settle(t *testing.T, net *raftnet.Network, rounds int) {
	t.Helper()
	for range rounds {
		require.NoError(t, net.Tick())
		require.NoError(t, net.DeliverAll())
	}
}

// commit returns node id's commit index.
func commit(net *raftnet.Network, id raft.NodeID) raft.Index {
	return net.Node(id).Status().Commit
}

// entry is shorthand for a log entry in hand-built logs.
func entry(index raft.Index, term raft.Term, data string) raft.Entry {
	return raft.Entry{Index: index, Term: term, Data: []byte(data)}
}

// datas returns the entries' commands, for readable comparisons.
func datas(entries []raft.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = string(e.Data)
	}
	return out
}

// describe renders entries as index/term:data, for failure messages.
func describe(entries []raft.Entry) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = fmt.Sprintf("%d/%d:%q", e.Index, e.Term, e.Data)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// ids is shorthand for a list of node IDs.
func ids(list ...raft.NodeID) []raft.NodeID { return slices.Clone(list) }
