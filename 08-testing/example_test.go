package invariants_test

import (
	"fmt"

	invariants "raftgo/08-testing"
)

// A Checker fed by hand: nodes 1 and 2 both report that they lead term 2.
// Any feeder (raftnet, the simulator of stage 09, the runtime of stage 10)
// makes the same three calls.
func ExampleChecker() {
	c := invariants.NewChecker()
	// TODO: Write the example (handout: "10. Your own table test"): start nodes 1, 2
	// and 3 of a 3-node cluster on c (NodeStarted, with raft.DefaultConfig),
	// then report three Readys of term 2: node 3 persists a vote for 1; node 1,
	// having voted for itself, leads; node 2, having voted for itself, leads
	// too. The output must be the one below.
	fmt.Println(c.Err())
	// Output:
	// election-safety violated at step 0 (report 6): nodes 1 and 2 were both leader of term 2. Election Safety (Figure 3, §5.2): at most one leader can be elected in a given term.
}
