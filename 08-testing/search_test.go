package invariants

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/08-testing/mutants"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

var (
	schedules = flag.Int("schedules", 2000, "how many seeded schedules TestReferenceClean runs")
	seedFlag  = flag.Int("seed", -1, "the schedule TestReplay replays")
	mutant    = flag.String("mutant", "", "the mutant TestReplay runs (default: the reference core)")
)

// replayCommand is the command that replays one schedule, step by step.
func replayCommand(mutant string, seed uint64) string {
	if mutant == "" {
		return fmt.Sprintf("go test -run 'TestReplay$' -seed=%d -v", seed)
	}
	return fmt.Sprintf("go test -run 'TestReplay$' -mutant=%s -seed=%d -v", mutant, seed)
}

// TestReplay replays the schedule of -seed on the reference core, or on
// -mutant, printing every step and every violation. It is skipped unless
// -seed is set: the tests that find a failing schedule print the command.
func TestReplay(t *testing.T) {
	if *seedFlag < 0 {
		t.Skip("replays one schedule: go test -run 'TestReplay$' -seed=N [-mutant=NAME] -v")
	}
	factory, name := raftnet.Factory(newNode), "the reference core"
	if *mutant != "" {
		m, ok := mutants.Lookup(*mutant)
		require.True(t, ok, "no mutant %q; the mutants are %v", *mutant, mutants.Names())
		factory, name = m.New, "mutant "+m.Name
	}
	c, err := RunSchedule(factory, uint64(*seedFlag), SearchOptions{
		Log: func(step int, what string) { t.Logf("step %d: %s", step, what) },
	})
	require.NoError(t, err)
	for _, v := range c.Violations() {
		t.Log(v)
	}
	t.Logf("%s, seed %d: %d violations", name, *seedFlag, len(c.Violations()))
}

// TestReferenceClean runs thousands of schedules on the reference core
// with every checker watching: none may report anything. A report is a bug
// in a checker, since the reference core is right (handout: "1. Election
// Safety" to "9. Node fields and the commit rule", and "12. The randomized
// search"). The schedules run in two halves, in parallel.
func TestReferenceClean(t *testing.T) {
	half := *schedules / 2
	for i, first := range []int{0, half} {
		count := half
		if i == 1 {
			count = *schedules - half
		}
		t.Run(fmt.Sprintf("seeds=%d-%d", first, first+count-1), func(t *testing.T) {
			t.Parallel()
			f, err := Search(newNode, uint64(first), count, SearchOptions{})
			require.NoError(t, err, "the schedules could not run on the reference core")
			if f != nil {
				require.Fail(t, "a checker reported a violation on the reference core, which has none: the checker is wrong",
					"%v\nreplay: %s", f, replayCommand("", f.Seed))
			}
		})
	}
}

// TestMutantsCaught runs each mutant core through the randomized search
// with only the checker its mutation names: that checker must catch it
// within the mutation's budget of schedules. The log shows the seed that
// caught it, and the command that replays it (handout: "Mutants", and the
// task of the checker named).
func TestMutantsCaught(t *testing.T) {
	for _, m := range mutants.All() {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			f, err := Search(m.New, 0, m.Budget, SearchOptions{Properties: []Property{Property(m.Catch)}})
			require.NoError(t, err, "mutant %s: the schedules could not run", m.Name)
			require.NotNil(t, f, "mutant %s was not caught by the %s checker within %d schedules.\nIts bug: %s\n%s",
				m.Name, m.Catch, m.Budget, m.Doc, Property(m.Catch).Rule())
			require.Equal(t, Property(m.Catch), f.Violation.Property, "the property of the violation that caught mutant %s", m.Name)
			t.Logf("caught by %s after %d schedules, at seed %d: %v\nreplay: %s", m.Catch, f.Schedules, f.Seed, f.Violation, replayCommand(m.Name, f.Seed))
		})
	}
}

// TestSearchFindsFigure8 runs the search with every checker on the
// figure8 mutant, whose leader commits entries of earlier terms by counting
// replicas: it must find the bug on its own (handout: "12. The randomized
// search").
func TestSearchFindsFigure8(t *testing.T) {
	m, ok := mutants.Lookup("figure8")
	require.True(t, ok, "the figure8 mutant")
	f, err := Search(m.New, 0, m.Budget, SearchOptions{})
	require.NoError(t, err)
	require.NotNil(t, f, "the search found nothing wrong with the figure8 mutant in %d schedules", m.Budget)
	t.Logf("found after %d schedules: %v\nreplay: %s", f.Schedules, f.Violation, replayCommand(m.Name, f.Seed))
}

// TestSearch checks the search itself: a schedule replays exactly from its
// seed, different seeds make different schedules, Search stops at the first
// failing seed and says which, and a core that cannot start is an error
// (handout: "12. The randomized search").
func TestSearch(t *testing.T) {
	trace := func(seed uint64) []string {
		var steps []string
		_, err := RunSchedule(newNode, seed, SearchOptions{Log: func(step int, what string) {
			steps = append(steps, fmt.Sprintf("%d %s", step, what))
		}})
		require.NoError(t, err)
		return steps
	}
	first := trace(7)
	require.NotEmpty(t, first, "a schedule takes steps")
	assert.Equal(t, first, trace(7), "the same seed must make the same schedule")
	assert.NotEqual(t, first, trace(8), "another seed should make another schedule")
	var kinds []string
	for _, step := range first {
		kind := strings.Fields(step)[1]
		if !slices.Contains(kinds, kind) {
			kinds = append(kinds, kind)
		}
	}
	assert.GreaterOrEqual(t, len(kinds), 4, "a schedule should mix several kinds of step (deliver, tick, propose, partition, crash …), got %v", kinds)

	m, _ := mutants.Lookup("double-vote")
	f, err := Search(m.New, 3, 50, SearchOptions{Properties: []Property{NodeFields}})
	require.NoError(t, err)
	require.NotNil(t, f, "the double-vote mutant changes its vote within a term in most schedules")
	c, err := RunSchedule(m.New, f.Seed, SearchOptions{Properties: []Property{NodeFields}})
	require.NoError(t, err)
	assert.Equal(t, f.Violation, c.Violations()[0], "the failure's seed must replay to the same violation")
	assert.Equal(t, int(f.Seed-3)+1, f.Schedules, "Schedules counts the schedules run, the failing one included")
	if f.Seed > 3 {
		earlier, err := Search(m.New, 3, int(f.Seed-3), SearchOptions{Properties: []Property{NodeFields}})
		require.NoError(t, err)
		assert.Nil(t, earlier, "Search must stop at the first failing seed, %d", f.Seed)
	}

	broken := errors.New("broken core")
	_, err = Search(func(raft.Config) (raft.Node, error) { return nil, broken }, 0, 1, SearchOptions{})
	assert.ErrorIs(t, err, broken, "a core that cannot start is an error, not a clean schedule")
}
