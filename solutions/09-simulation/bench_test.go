package sim_test

import (
	"testing"
	"time"

	"raftgo/solutions/09-simulation"
)

// BenchmarkSeed runs one seed per op: 5 nodes of stage 07's core, 3
// clients, 20 s of faults and 10 s of recovery in virtual time, stage 08's
// checker after every event and porcupine at the end. It reports seeds per
// wall second and simulated seconds per wall second.
func BenchmarkSeed(b *testing.B) {
	var simulated time.Duration
	seed := uint64(0)
	for b.Loop() {
		r, err := sim.Run(sim.Options{Seed: seed, NewChecker: sim.NewInvariantChecker})
		if err != nil {
			b.Fatal(err)
		}
		if !r.Passed() {
			b.Fatalf("seed %d: %v", seed, r.Failure)
		}
		simulated += r.Simulated
		seed++
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/wall, "seeds/s")
	b.ReportMetric(simulated.Seconds()/wall, "sim-s/s")
}
