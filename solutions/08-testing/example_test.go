package invariants_test

import (
	"fmt"

	raft "raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
)

// A Checker fed by hand: nodes 1 and 2 both report that they lead term 2.
// Any feeder (raftnet, the simulator of stage 09, the runtime of stage 10)
// makes the same three calls.
func ExampleChecker() {
	c := invariants.NewChecker()
	//workshop:todo Write the example (handout: "10. Your own table test"): start nodes 1, 2
	//workshop:todo and 3 of a 3-node cluster on c (NodeStarted, with raft.DefaultConfig),
	//workshop:todo then report three Readys of term 2: node 3 persists a vote for 1; node 1,
	//workshop:todo having voted for itself, leads; node 2, having voted for itself, leads
	//workshop:todo too. The output must be the one below.
	peers := []raft.NodeID{1, 2, 3}
	for _, id := range peers {
		c.NodeStarted(raft.DefaultConfig(id, peers), raft.Status{ID: id})
	}
	// ready reports that node id persisted a vote in term 2 and is now in role.
	ready := func(id, vote raft.NodeID, role raft.Role) {
		hs := raft.HardState{Term: 2, Vote: vote}
		c.NodeReady(id, raft.Ready{HardState: hs}, raft.Status{ID: id, Role: role, Term: 2, Vote: vote})
	}
	ready(3, 1, raft.Follower) // 3 votes for 1
	ready(1, 1, raft.Leader)   // 1, with its own vote and 3's, leads term 2
	ready(2, 2, raft.Leader)   // 2, with its own vote alone, claims term 2 too
	//workshop:end
	fmt.Println(c.Err())
	// Output:
	// election-safety violated at step 0 (report 6): nodes 1 and 2 were both leader of term 2. Election Safety (Figure 3, §5.2): at most one leader can be elected in a given term.
}
