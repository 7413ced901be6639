package sim

import (
	"fmt"
	"testing"
	"time"
)

func TestExplore(t *testing.T) {
	for _, name := range []string{"figure8", "stale-vote", "length-only", "commit-past-match", "match-past-ack", "stale-truncate"} {
		nn, _ := Mutant(name)
		start := time.Now()
		found, first := 0, -1
		props := map[string]int{}
		for seed := range 100 {
			r, _ := Run(Options{Seed: uint64(seed), NewNode: nn, NewChecker: NewInvariantChecker, Duration: 10 * time.Second, Quiet: 5 * time.Second})
			if !r.Passed() {
				found++
				props[r.Failure.Property]++
				if first < 0 {
					first = seed
				}
			}
		}
		fmt.Println(name, "found", found, "/100 first", first, props, time.Since(start))
	}
}
