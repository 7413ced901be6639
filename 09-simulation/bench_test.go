package sim_test

import (
	"testing"
	"time"

	"raftgo/09-simulation"
	"raftgo/solutions/08-testing/mutants"
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

// BenchmarkFindFigure8 measures how long the simulator takes to catch the
// figure8 mutant of stage 08 on its own: each op searches full-length
// seeds (20 s of faults, 10 s of recovery), starting at a different seed
// (1000 apart), until one fails. It reports the seeds each search ran.
func BenchmarkFindFigure8(b *testing.B) {
	m, ok := mutants.Lookup("figure8")
	if !ok {
		b.Fatal("stage 08 has no figure8 mutant")
	}
	searches, seeds := 0, 0
	for b.Loop() {
		start := uint64(searches) * 1000
		for seed := start; ; seed++ {
			if seed-start == 10_000 {
				b.Fatalf("figure8 survived seeds %d to %d", start, seed-1)
			}
			r, err := sim.Run(sim.Options{Seed: seed, NewNode: m.New, NewChecker: sim.NewInvariantChecker})
			if err != nil {
				b.Fatal(err)
			}
			seeds++
			if !r.Passed() {
				break
			}
		}
		searches++
	}
	b.ReportMetric(float64(seeds)/float64(searches), "seeds/search")
}
