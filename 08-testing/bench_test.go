package invariants

import (
	"flag"
	"fmt"
	"slices"
	"testing"

	"raftgo/08-testing/mutants"
)

var measure = flag.Bool("measure", false, "TestMeasureCatches prints the handout's table of schedules to the first catch")

// BenchmarkSchedule measures the randomized search: one op is one schedule
// of the default options (5 nodes, 100 random steps, 3 settling rounds) on
// the reference core, with every checker after every step.
func BenchmarkSchedule(b *testing.B) {
	seed := uint64(0)
	for b.Loop() {
		if _, err := RunSchedule(newNode, seed, SearchOptions{}); err != nil {
			b.Fatal(err)
		}
		seed++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "schedules/s")
}

// TestMeasureCatches prints, for each mutant, how many schedules its
// checker needs to catch it: the median, over five searches that start at
// seeds 0, 10000, 20000, 30000 and 40000, of the schedules to the first
// catch. It runs only with -measure (handout: "Mutants").
func TestMeasureCatches(t *testing.T) {
	if !*measure {
		t.Skip("prints the handout's table of mutants: go test -run TestMeasureCatches -measure -v")
	}
	for _, m := range mutants.All() {
		var counts []int
		for start := range 5 {
			f, err := Search(m.New, uint64(start*10000), 10000, SearchOptions{Properties: []Property{Property(m.Catch)}})
			if err != nil {
				t.Fatal(err)
			}
			if f == nil {
				counts = append(counts, -1)
				continue
			}
			counts = append(counts, f.Schedules)
		}
		slices.Sort(counts)
		t.Logf("| `%s` | %s | %d | %v |", m.Name, m.Catch, counts[2], fmt.Sprint(counts))
	}
}
