package core_test

import (
	"slices"
	"testing"

	"raftgo/internal/clustertest"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/06-consensus"
)

// newCluster starts a cluster of size nodes of this stage's core.
func newCluster(t testing.TB, size int, opts raftnet.Options) *clustertest.Cluster {
	t.Helper()
	return clustertest.New(t, size, core.New, opts)
}

// ids is shorthand for a list of node IDs.
func ids(list ...raft.NodeID) []raft.NodeID { return slices.Clone(list) }
