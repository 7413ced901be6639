package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// draws is how many messages the network tests send: enough for rates to
// land within a few percent of their expected values.
const draws = 20000

// newNetwork returns a network drawing from a source seeded with seed.
func newNetwork(cfg NetworkConfig, seed uint64) *Network {
	return NewNetwork(cfg, rand.New(rand.NewPCG(seed, 1)))
}

// TestNetworkDelays checks that every message arrives after at least its
// link's base latency, that the base latency stays within its bounds, that
// the jitter has the mean it was given, that links differ, and that the
// same seed draws the same delays (handout: "3. The network").
func TestNetworkDelays(t *testing.T) {
	cfg := NetworkConfig{MinLatency: 2 * time.Millisecond, MaxLatency: 8 * time.Millisecond, Jitter: time.Millisecond}
	net := newNetwork(cfg, 1)
	minByLink := map[[2]Addr]time.Duration{}
	var sum time.Duration
	n := 0
	for i := range draws {
		from, to := Addr(1+i%3), Addr(1+(i/3)%3)
		ds := net.Send(from, to).Delays()
		require.Len(t, ds, 1, "with no loss and no duplicates every message arrives once (handout: \"3. The network\")")
		d := ds[0]
		require.GreaterOrEqual(t, d, cfg.MinLatency, "a delay below MinLatency (handout: \"3. The network\")")
		link := [2]Addr{from, to}
		if m, ok := minByLink[link]; !ok || d < m {
			minByLink[link] = d
		}
		sum += d
		n++
	}
	var bases []time.Duration
	for link, m := range minByLink {
		assert.LessOrEqual(t, m, cfg.MaxLatency+cfg.Jitter/10, "link %v: its fastest message took %v, so its base latency is above MaxLatency (handout: \"3. The network\")", link, m)
		bases = append(bases, m)
	}
	assert.NotEqual(t, bases[0], bases[1], "two links with the same base latency: draw one per link, uniformly in [MinLatency, MaxLatency] (handout: \"3. The network\")")

	// The mean delay is the mean base latency plus the mean jitter.
	var baseSum time.Duration
	for _, b := range bases {
		baseSum += b
	}
	jitterMean := sum/time.Duration(n) - baseSum/time.Duration(len(bases))
	assert.InDelta(t, float64(cfg.Jitter), float64(jitterMean), float64(cfg.Jitter)/5, "mean jitter %v, want about %v: draw it from an exponential distribution with mean Jitter (rand.ExpFloat64; handout: \"3. The network\")", jitterMean, cfg.Jitter)

	a, b := newNetwork(cfg, 7), newNetwork(cfg, 7)
	for range 100 {
		require.Equal(t, a.Send(1, 2).Delays(), b.Send(1, 2).Delays(), "two networks with the same seed must draw the same delays (handout: \"3. The network\")")
	}
}

// TestNetworkLossAndDuplicates checks the loss and duplication rates over
// many messages (handout: "3. The network").
func TestNetworkLossAndDuplicates(t *testing.T) {
	cfg := NetworkConfig{MinLatency: time.Millisecond, MaxLatency: time.Millisecond, LossRate: 0.2, DuplicateRate: 0.1}
	net := newNetwork(cfg, 2)
	count := map[int]int{}
	for range draws {
		count[len(net.Send(1, 2).Delays())]++
	}
	lost := float64(count[0]) / draws
	dup := float64(count[2]) / float64(draws-count[0])
	assert.InDelta(t, cfg.LossRate, lost, 0.02, "fraction of messages lost (handout: \"3. The network\")")
	assert.InDelta(t, cfg.DuplicateRate, dup, 0.02, "fraction of delivered messages duplicated (handout: \"3. The network\")")
}

// TestNetworkReorders checks that jitter reorders messages: on one link,
// some message sent later arrives before one sent earlier (handout: "3.
// The network").
func TestNetworkReorders(t *testing.T) {
	net := newNetwork(NetworkConfig{MinLatency: time.Millisecond, MaxLatency: time.Millisecond, Jitter: 5 * time.Millisecond}, 3)
	reordered := 0
	var lastArrival time.Duration
	for i := range 1000 {
		sent := time.Duration(i) * time.Millisecond
		ds := net.Send(1, 2).Delays()
		require.NotEmpty(t, ds, "no loss was configured (handout: \"3. The network\")")
		arrival := sent + ds[0]
		if arrival < lastArrival {
			reordered++
		}
		lastArrival = max(lastArrival, arrival)
	}
	assert.Greater(t, reordered, 50, "with 5 ms of jitter and a message every 1 ms, many messages overtake others (handout: \"3. The network\")")
}

// TestPartitions checks symmetric, one-way and partial partitions, and
// heal (handout: "4. Partitions").
func TestPartitions(t *testing.T) {
	net := newNetwork(NetworkConfig{}, 4)
	connected := func(from, to Addr) bool { return net.Connected(from, to) }

	net.Partition([]Addr{1, 2}, []Addr{3, 4, 5})
	for _, pair := range [][2]Addr{{1, 3}, {3, 1}, {2, 5}, {5, 2}} {
		assert.False(t, connected(pair[0], pair[1]), "%v -> %v crosses the partition {1,2} | {3,4,5} (handout: \"4. Partitions\")", pair[0], pair[1])
	}
	for _, pair := range [][2]Addr{{1, 2}, {3, 5}, {5, 4}, {1, ClientAddr(0)}, {ClientAddr(0), 4}} {
		assert.True(t, connected(pair[0], pair[1]), "%v -> %v is within a side, or involves an address in no group (handout: \"4. Partitions\")", pair[0], pair[1])
	}

	net.Heal()
	assert.Zero(t, net.Cuts(), "Heal must restore every link (handout: \"4. Partitions\")")
	assert.True(t, connected(1, 3), "after Heal (handout: \"4. Partitions\")")

	// One way: 3 no longer hears 1, but 1 still hears 3.
	net.Cut(1, 3)
	assert.False(t, connected(1, 3), "Cut(1, 3) cuts 1 -> 3 (handout: \"4. Partitions\")")
	assert.True(t, connected(3, 1), "Cut(1, 3) leaves 3 -> 1 (handout: \"4. Partitions\")")
	net.Heal()

	// Partial: {1,2} and {4,5} cannot talk; 3 hears and is heard by all.
	net.Partition([]Addr{1, 2}, []Addr{4, 5})
	assert.False(t, connected(1, 4), "the two sides of a partial partition (handout: \"4. Partitions\")")
	for _, other := range []Addr{1, 2, 4, 5} {
		assert.True(t, connected(3, other) && connected(other, 3), "3 is in no group: it bridges the sides (handout: \"4. Partitions\")")
	}
	assert.Equal(t, 8, net.Cuts(), "a 2 | 2 partition cuts 2×2 links both ways (handout: \"4. Partitions\")")
}
