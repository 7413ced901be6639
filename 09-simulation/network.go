package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Addr is a place on the simulated network: a server, whose Addr is its
// raft.NodeID, or a client (see ClientAddr).
type Addr uint32

// clientBase is the first client address: servers are 1 to 999.
const clientBase = 1000

// ClientAddr returns the address of client i, counted from 0.
func ClientAddr(i int) Addr { return Addr(clientBase + i) }

// String names the address as traces show it: n3 for server 3, c0 for
// client 0.
func (a Addr) String() string {
	if a >= clientBase {
		return fmt.Sprintf("c%d", a-clientBase)
	}
	return fmt.Sprintf("n%d", uint32(a))
}

// link is a one-way connection: messages from one address to another.
type link struct{ from, to Addr }

// NetworkConfig describes a network's faults. The zero value is a perfect
// network: no delay, no loss, no duplicates.
type NetworkConfig struct {
	// MinLatency and MaxLatency bound each link's base latency, drawn
	// uniformly once per link, so that some links are slower than others.
	MinLatency, MaxLatency time.Duration
	// Jitter is the mean of the extra delay drawn for every message, from an
	// exponential distribution: most messages take about their link's base
	// latency, a few take much longer. That long tail is what reorders
	// messages.
	Jitter time.Duration
	// LossRate is the probability that a message is lost.
	LossRate float64
	// DuplicateRate is the probability that a message arrives twice, each
	// copy with its own delay.
	DuplicateRate float64
}

// Network decides the fate of every message: when it arrives, whether it
// is lost or duplicated, and whether a partition stands in its way. It
// draws from the simulation's random source, so a seed decides everything.
// It does not carry messages itself; the simulator schedules their
// arrivals. A Network is not safe for concurrent use.
type Network struct {
	cfg     NetworkConfig
	rand    *rand.Rand
	latency map[link]time.Duration // each link's base latency, drawn at its first message
	cut     map[link]bool          // links a partition has cut
}

// NewNetwork returns a network with the given faults, drawing from r.
func NewNetwork(cfg NetworkConfig, r *rand.Rand) *Network {
	return &Network{cfg: cfg, rand: r, latency: make(map[link]time.Duration), cut: make(map[link]bool)}
}

// Arrivals is the fate of one message: the delays after which its copies
// arrive, none if it is lost, two if it is duplicated.
type Arrivals struct {
	delays [2]time.Duration
	n      int
}

// Delays returns the delay of each copy that arrives, in the order drawn.
func (a Arrivals) Delays() []time.Duration { return a.delays[:a.n] }

// Send draws the fate of one message from one address to another: lost
// with probability LossRate; otherwise it arrives after the link's base
// latency plus an exponential jitter, and with probability DuplicateRate a
// second copy arrives after a delay of its own. Whether a partition stops
// it is decided when it arrives (Connected), not here.
func (n *Network) Send(from, to Addr) Arrivals {
	// TODO: Draw, in this order so that a seed replays: loss (one Float64);
	// then the copy's delay, n.linkLatency plus n.jitter; then duplication
	// (one Float64) and, if so, a second delay (handout: "3. The network").
	return Arrivals{}
}

// linkLatency returns the link's base latency, drawing it on first use.
func (n *Network) linkLatency(l link) time.Duration {
	d, ok := n.latency[l]
	if !ok {
		d = n.cfg.MinLatency
		if spread := n.cfg.MaxLatency - n.cfg.MinLatency; spread > 0 {
			d += time.Duration(n.rand.Int64N(int64(spread) + 1))
		}
		n.latency[l] = d
	}
	return d
}

// jitter draws one message's extra delay, exponentially distributed with
// mean Jitter.
func (n *Network) jitter() time.Duration {
	if n.cfg.Jitter <= 0 {
		return 0
	}
	return time.Duration(n.rand.ExpFloat64() * float64(n.cfg.Jitter))
}

// Connected reports whether a message from one address reaches the other
// now: whether no partition cuts the link.
func (n *Network) Connected(from, to Addr) bool { return !n.cut[link{from, to}] }

// Cut cuts one direction of a link: to no longer hears from, while from
// may still hear to. A one-way partition.
func (n *Network) Cut(from, to Addr) {
	// TODO: Mark the one link as cut (handout: "4. Partitions").
}

// Partition cuts, both ways, every link between addresses in different
// groups. Addresses in no group keep every link they had. Links already
// cut stay cut: call Heal first for a fresh partition.
func (n *Network) Partition(groups ...[]Addr) {
	// TODO: For every pair of addresses in two different groups, cut both
	// directions (handout: "4. Partitions").
}

// Heal restores every link.
func (n *Network) Heal() {
	// TODO: Forget every cut (handout: "4. Partitions").
}

// Cuts returns how many one-way links are cut.
func (n *Network) Cuts() int { return len(n.cut) }
