package raftkv

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	core "raftgo/solutions/06-consensus"
)

// BenchmarkClusterWrites measures writes on a cluster of three real
// servers on loopback: each op is one SET proposed on the leader and
// acknowledged once a majority has it on disk (write-ahead log with fsync,
// TCP transport) and the leader has applied it. With one client, every
// write pays for its own fsyncs; with many, the loop's drain puts many
// writes in one Ready, and one fsync covers them all (group commit). It
// reports the writes per second and the p50 and p99 latency of one write.
//
//	go test -run '^$' -bench BenchmarkClusterWrites -benchtime 2000x
func BenchmarkClusterWrites(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			c := newLiveCluster(b, 3)
			leader := c.waitLeader().srv.node
			ctx := context.Background()
			var (
				mu        sync.Mutex
				latencies []time.Duration
				next      int
			)
			write := func() error {
				mu.Lock()
				key := fmt.Sprint("k", next)
				next++
				mu.Unlock()
				start := time.Now()
				_, err := leader.Propose(ctx, core.Set(key, "0123456789abcdef").Encode())
				took := time.Since(start)
				mu.Lock()
				latencies = append(latencies, took)
				mu.Unlock()
				return err
			}
			b.ResetTimer()
			start := time.Now()
			if clients == 1 {
				for b.Loop() {
					if err := write(); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism((clients + 1) / 2) // on 2 cores: clients goroutines
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := write(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(latencies)
			b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "writes/s")
			b.ReportMetric(float64(percentile(latencies, 50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(latencies, 99).Microseconds())/1000, "p99-ms")
		})
	}
}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}
