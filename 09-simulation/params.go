package sim

import (
	"math/rand/v2"
	"time"
)

// params are the timings and fault rates of one run. Each run draws its
// own from its seed, so that a campaign of seeds explores fast and slow
// networks, lossy and clean ones, frequent and rare faults: swarm testing.
type params struct {
	// tick is a node's clock period. Election and heartbeat timeouts are
	// counted in ticks; as in etcd, a tick is 100 ms, a heartbeat one tick
	// and the election timeout 10 to 20 ticks.
	tick           time.Duration
	electionTicks  int
	heartbeatTicks int
	// maxEntries caps the entries per AppendEntries: small caps replicate a
	// leader's log one entry at a time, which some bugs need.
	maxEntries int
	net        NetworkConfig
	// diskMin and diskMax bound how long a write takes to become durable
	// (an fsync).
	diskMin, diskMax time.Duration
	// faultEvery is the mean time between two faults, downMax the longest a
	// crashed node stays down, and killLeader the probability that a newly
	// elected leader crashes soon after its election.
	faultEvery, downMax time.Duration
	killLeader          float64
	killAfter           time.Duration // the mean delay of such a crash
	// think is a client's mean pause between operations; clientTimeout how
	// long it waits for an answer; backoff how long it waits after a
	// redirect; keys how many keys the clients share.
	think, clientTimeout, backoff time.Duration
	keys                          int
}

// drawParams draws one run's params.
func drawParams(r *rand.Rand) params {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(r.Int64N(int64(hi-lo)+1)) }
	return params{
		tick:           100 * time.Millisecond,
		electionTicks:  10,
		heartbeatTicks: 1,
		maxEntries:     []int{1, 1, 2, 64}[r.IntN(4)],
		net: NetworkConfig{
			MinLatency:    500 * time.Microsecond,
			MaxLatency:    between(2*time.Millisecond, 20*time.Millisecond),
			Jitter:        between(200*time.Microsecond, 10*time.Millisecond),
			LossRate:      0.05 * r.Float64(),
			DuplicateRate: 0.03 * r.Float64(),
		},
		diskMin:       500 * time.Microsecond,
		diskMax:       between(time.Millisecond, 10*time.Millisecond),
		faultEvery:    between(300*time.Millisecond, 3*time.Second),
		downMax:       between(500*time.Millisecond, 5*time.Second),
		killLeader:    r.Float64(),
		killAfter:     between(5*time.Millisecond, 100*time.Millisecond),
		think:         between(10*time.Millisecond, 100*time.Millisecond),
		clientTimeout: 2 * time.Second,
		backoff:       50 * time.Millisecond,
		keys:          1 + r.IntN(4),
	}
}
