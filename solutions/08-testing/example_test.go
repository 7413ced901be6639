package invariants_test

import (
	"fmt"

	"raftgo/solutions/03-planning"
	"raftgo/solutions/08-testing"
)

// A Checker fed by hand: nodes 1 and 2 both report that they lead term 2.
// Any feeder (raftnet, the simulator of stage 09, the runtime of stage 10)
// makes the same three calls.
func ExampleChecker() {
	//workshop:todo Write the example (handout: "10. Your own table test"): make a Checker,
	//workshop:todo start nodes 1, 2 and 3 of a 3-node cluster (NodeStarted with
	//workshop:todo raft.DefaultConfig), then report three Readys of term 2: node 3 persists
	//workshop:todo a vote for 1; node 1, having voted for itself, leads; node 2, having voted
	//workshop:todo for itself, leads too. Print c.Err(), so that the output is the one below.
	c := invariants.NewChecker()
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
	fmt.Println(c.Err())
	//workshop:stub fmt.Println("not written yet")
	//workshop:end
	// Output:
	// election-safety violated at step 0 (report 6): nodes 1 and 2 were both leader of term 2. Election Safety (Figure 3, §5.2): at most one leader can be elected in a given term.
}
