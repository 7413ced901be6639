package invariants

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/08-testing/mutants"
	"raftgo/solutions/03-planning"
)

// fakeT is a T that records the failure of a scenario instead of failing
// the test, so that the harness's own tests can look at it.
type fakeT struct {
	failures []string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.failures = append(f.failures, fmt.Sprintf(format, args...))
}

// TestScenarioGiven checks the setups: the cluster's size and a leader
// elected in the term asked for, its no-op on every node (handout: "11.
// Scenarios").
func TestScenarioGiven(t *testing.T) {
	s := Given(t, "5 nodes with leader 2 in term 4", Nodes(5), LeaderInTerm(2, 4)).
		Then("2 leads term 4 and every node holds its no-op",
			Leader(2), InTerm(2, 4), Holds(5, ""))
	assert.Len(t, s.Network().IDs(), 5, "Nodes(5)")
}

// TestScenarioTells checks that a failing expectation fails the scenario
// with the story so far and what went wrong, and that the steps after it
// do not run (handout: "11. Scenarios").
func TestScenarioTells(t *testing.T) {
	ft := &fakeT{}
	ran := false
	Given(ft, "3 nodes with leader 1 in term 2", LeaderInTerm(1, 2)).
		When("1 crashes", Crash(1)).
		Then("1 still leads", Role(1, raft.Leader)).
		When("nothing more should run", func(*Scenario) error { ran = true; return nil })
	require.Len(t, ft.failures, 1, "a failing Then must fail the scenario, once")
	assert.Equal(t, "given 3 nodes with leader 1 in term 2;\nwhen 1 crashes;\nthen 1 still leads:\nnode 1 is crashed", ft.failures[0],
		"the failure tells the story so far, one step a line, then the problem")
	assert.False(t, ran, "steps after a failure must not run")
}

// TestScenarioTicks checks that Ticks runs rounds of ticks and deliveries:
// a cluster elects a leader within them, and not without them (handout:
// "11. Scenarios").
func TestScenarioTicks(t *testing.T) {
	ft := &fakeT{}
	Given(ft, "3 new nodes").
		When("no time passes", Ticks(0)).
		Then("no one leads", LeaderAmong(1, 2, 3))
	require.Len(t, ft.failures, 1, "LeaderAmong must fail when no node leads")
	assert.Contains(t, ft.failures[0], "want a leader among [1 2 3], got none")

	Given(t, "3 new nodes").
		When("60 ticks pass", Ticks(60)).
		Then("someone leads", LeaderAmong(1, 2, 3))
}

// TestScenarioLeaderAmong checks that LeaderAmong fails on two leaders,
// and on a leader that others do not follow (handout: "11. Scenarios").
func TestScenarioLeaderAmong(t *testing.T) {
	ft := &fakeT{}
	Given(ft, "5 nodes with leader 1 in term 3", Nodes(5), LeaderInTerm(1, 3)).
		When("1 is cut off for 40 ticks", Isolate(1), Ticks(40)).
		Then("there is one leader among all five", LeaderAmong(1, 2, 3, 4, 5))
	require.Len(t, ft.failures, 1, "1 still believes it leads term 3 while another node leads a later term")
	assert.Contains(t, ft.failures[0], "got two")
}

// TestScenarioCatchesMutants checks that the scenario harness catches bugs
// in two ways: by an expectation (the Figure 8 scenario on the figure8
// mutant commits what it must not), and by the invariant checker it runs
// after every step (the double-vote mutant changes its vote) (handout:
// "11. Scenarios").
func TestScenarioCatchesMutants(t *testing.T) {
	figure8, _ := mutants.Lookup("figure8")
	ft := &fakeT{}
	Given(ft, "3 nodes of the figure8 mutant, where only 1 holds an entry b of term 2", Core(figure8.New), oneEntryPerMessage, Logs(map[raft.NodeID][]raft.Entry{
		1: {entry(1, 1, "a"), entry(2, 2, "b")},
		2: {entry(1, 1, "a")},
		3: {entry(1, 1, "a")},
	})).
		When("1 is elected in term 3 and copies b to 2, but its no-op reaches no one", Campaign(1), copyOldEntryOnly).
		Then("b is on a majority, and still not committed", NotCommitted(2, 1, 2, 3))
	require.Len(t, ft.failures, 1, "the figure8 mutant commits b by counting its replicas")
	assert.Contains(t, ft.failures[0], "invariant checker found a violation: commit-rule", "the checker sees the old entry committed before the expectation does")

	doubleVote, _ := mutants.Lookup("double-vote")
	ft = &fakeT{}
	Given(ft, "3 new nodes of the double-vote mutant", Core(doubleVote.New)).
		When("2 campaigns, then 3 in the same term", Campaign(2), Campaign(3), DeliverAll())
	require.Len(t, ft.failures, 1, "node 1 votes for 2, then for 3, in term 1")
	assert.Contains(t, ft.failures[0], "node-fields violated")
}
