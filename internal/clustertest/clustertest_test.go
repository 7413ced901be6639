package clustertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	core06 "raftgo/solutions/06-consensus"
	core07 "raftgo/solutions/07-election"
)

func TestWaitLeaderElectsAndEveryoneFollows(t *testing.T) {
	c := New(t, 3, core07.New, raftnet.Options{Seed: 1})
	leader, ticks := c.WaitLeader(60)
	require.NotEqual(t, raft.None, leader)
	assert.Positive(t, ticks)
	assert.Equal(t, leader, c.StableLeader(), "StableLeader agrees with WaitLeader")
	assert.Equal(t, leader, c.StableLeader(c.Others()...), "no members given means every node")
	assert.Len(t, c.Others(leader), 2)
	assert.Contains(t, c.Roles(), "leader of term")
}

func TestAppointProposeAndSettle(t *testing.T) {
	c := New(t, 3, core06.New, raftnet.Options{})
	c.Appoint(1, 1)
	assert.Equal(t, []raft.Index{1, 2}, c.ProposeAll(1, "a", "b"))
	c.Settle(3)
	for _, id := range c.IDs() {
		assert.Equal(t, raft.Index(2), c.Commit(id), "node %d's commit index", id)
		assert.Equal(t, []string{"a", "b"}, Datas(c.Applied(id)), "node %d's applied commands", id)
	}
	assert.Equal(t, `[1@1 "a" 2@1 "b"]`, Describe(c.Applied(1)), "entries print in stage 03's form")
}

func TestFactoryReturnsAPlainNil(t *testing.T) {
	node, err := Factory(core07.New)(raft.Config{})
	require.Error(t, err, "an invalid configuration")
	assert.True(t, node == nil, "a failed factory returns a nil interface, not a nil *core.Node in one")
}
