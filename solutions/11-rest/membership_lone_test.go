package core_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// TestLoneVoterWaitsForTheVoterItAdds checks that a configuration change
// commits under the configuration it leads to (§4.1): a cluster of one
// commits its commands alone, but once it promotes a second server, the
// entry that does so needs that server too. Found by the system tests of
// raftkv --join, which start from one server: stage 08's checker saw the
// promotion committed by one of two voters. Handout: "6. A configuration
// takes effect when appended".
func TestLoneVoterWaitsForTheVoterItAdds(t *testing.T) {
	net := newCluster(t, 1, raftnet.Options{Seed: 21, Configure: joining(2)})
	require.NoError(t, net.Add(2), "starting node 2, which joins node 1")
	waitLeader(t, net, []raft.NodeID{1}, electionBound)
	propose(t, net, 1, "a")
	changeConf(t, net, 1, raft.AddLearner, 2)
	settle(t, net, 3)

	net.Isolate(2)
	index := changeConf(t, net, 1, raft.AddVoter, 2)
	settle(t, net, 2)
	require.Less(t, net.Node(1).Status().Commit, index, "node 1 alone must not commit the entry that makes node 2 a voter: with voters 1 and 2, a majority is both (%s; handout: \"6. A configuration takes effect when appended\", \"3. Quorums\")", appendedRule)
	net.Heal()
	settle(t, net, 3)
	require.GreaterOrEqual(t, net.Node(1).Status().Commit, index, "with node 2 back, the two voters commit the promotion (handout: \"3. Quorums\")")
}
