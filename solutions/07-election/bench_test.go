package core_test

import (
	"fmt"
	"runtime"
	"testing"

	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/07-election"
)

// command is the 16-byte command every benchmark proposes.
var command = []byte("SET key01 val001")

// BenchmarkCommit measures how many entries a 3-node cluster of cores
// commits per second, with a loop as lean as a runtime can be: it steps
// each message straight into its receiver, keeps nothing it is asked to
// persist, and counts the entries the leader hands out as committed. One
// op is one committed entry. batch=N proposes N commands before the
// cluster runs to quiet, so they share AppendEntries messages (up to
// MaxEntriesPerMessage, 64) and responses.
func BenchmarkCommit(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			c := newBenchCluster(b)
			benchmarkCommits(b, batch, func(n int) int {
				for range n {
					if _, _, err := c.leader.Propose(command); err != nil {
						b.Fatal(err)
					}
				}
				return c.run()
			})
		})
	}
}

// BenchmarkCommitRaftnet measures the same as BenchmarkCommit through the
// test network, which also persists every Ready, records every applied
// entry and checks every message against partitions and crashes: the
// difference is the network's cost, not the core's.
func BenchmarkCommitRaftnet(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			c := newCluster(b, 3, raftnet.Options{Seed: 1})
			leader, _ := c.WaitLeader(electionBound)
			node := c.Node(leader)
			benchmarkCommits(b, batch, func(n int) int {
				before := node.Status().Commit
				for range n {
					if _, _, err := node.Propose(command); err != nil {
						b.Fatal(err)
					}
				}
				if err := c.Collect(leader); err != nil {
					b.Fatal(err)
				}
				if err := c.DeliverAll(); err != nil {
					b.Fatal(err)
				}
				return int(node.Status().Commit - before)
			})
		})
	}
}

// benchmarkCommits calls round with up to batch commands to propose until
// b.N entries have committed, and reports entries/s and allocs/entry. round
// returns how many entries committed.
func benchmarkCommits(b *testing.B, batch int, round func(n int) int) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	committed := 0
	for committed < b.N {
		committed += round(min(batch, b.N-committed))
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(committed)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(committed), "allocs/entry")
}

// benchCluster is the leanest driver of three cores: a FIFO of messages
// stepped straight into their receivers.
type benchCluster struct {
	nodes  map[raft.NodeID]*core.Node
	leader *core.Node
	queue  []raft.Message
}

func newBenchCluster(b *testing.B) *benchCluster {
	c := &benchCluster{nodes: make(map[raft.NodeID]*core.Node)}
	peers := []raft.NodeID{1, 2, 3}
	for _, id := range peers {
		n, err := core.New(raftnet.DefaultConfig(id, peers, 1))
		if err != nil {
			b.Fatal(err)
		}
		c.nodes[id] = n
	}
	for range electionBound {
		for _, n := range c.nodes {
			n.Tick()
		}
		c.run()
		for _, n := range c.nodes {
			if n.Status().Role == raft.Leader {
				c.leader = n
				return c
			}
		}
	}
	b.Fatal("no leader")
	return nil
}

// run collects every node's Ready and delivers messages until none are
// left, and returns how many entries the leader handed out as committed.
func (c *benchCluster) run() int {
	committed := 0
	collect := func(n *core.Node) {
		rd := n.Ready()
		c.queue = append(c.queue, rd.Messages...)
		if n == c.leader {
			committed += len(rd.CommittedEntries)
		}
	}
	for _, n := range c.nodes {
		collect(n)
	}
	for head := 0; head < len(c.queue); head++ {
		m := c.queue[head]
		to := c.nodes[m.To]
		if err := to.Step(m); err != nil {
			panic(err)
		}
		collect(to)
	}
	c.queue = c.queue[:0]
	return committed
}
