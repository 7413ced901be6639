package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"raftgo/solutions/03-planning"
)

// faultKind tells what the nemesis does.
type faultKind uint8

const (
	faultPick       faultKind = iota // draw the next fault and inject it
	faultCrash                       // crash one node (a leader soon after its election)
	faultRestart                     // restart a crashed node
	faultMembership                  // change the configuration (Options.Membership)
	faultScript                      // run a step of Options.Script
)

// fault is one action of the nemesis.
type fault struct {
	kind faultKind
	node raft.NodeID
	step int // faultScript: the step's index in Options.Script
}

// nemesis is the state of the fault injector: what it has broken.
type nemesis struct {
	network      string        // the partition in force, as the timeline shows it; "" when whole
	networkSince time.Duration // since when
	down         map[raft.NodeID]time.Duration
}

// Colors of the timeline's server annotations.
const (
	colorLeader    = "#c6efce"
	colorDown      = "#ffc7ce"
	colorPartition = "#ffeb9c"
)

// nextFaultIn returns when the next fault comes: after an exponentially
// distributed pause with mean faultEvery.
func (s *simulation) nextFaultIn() time.Duration {
	return s.now + time.Duration(s.rand.ExpFloat64()*float64(s.params.faultEvery))
}

// act carries out one action of the nemesis.
func (s *simulation) act(f fault) {
	if s.healed {
		return // faults are over
	}
	switch f.kind {
	case faultCrash:
		if srv := s.servers[f.node-1]; srv.node != nil && s.mayCrash() {
			s.crashFor(srv, "crashed")
		}
	case faultRestart:
		if srv := s.servers[f.node-1]; srv.node == nil {
			s.restartNoted(srv)
		}
	case faultPick:
		s.pick()
		s.queue.Push(s.nextFaultIn(), event{kind: evFault, fault: fault{kind: faultPick}})
	case faultMembership:
		s.changeMembership()
		s.queue.Push(s.nextMembershipChange(), event{kind: evFault, fault: fault{kind: faultMembership}})
	case faultScript:
		step := s.opts.Script[f.step]
		s.trace.note(s.now, "script: "+step.Name)
		step.Do(&Control{s: s})
	}
}

// pick draws one fault and injects it: a crash (of anyone, or of the
// leader), a partition (symmetric, one-way or partial, or the leader cut
// off), or a heal.
func (s *simulation) pick() {
	n := len(s.servers)
	switch s.rand.IntN(7) {
	case 0: // crash anyone
		up := s.upServers()
		if len(up) > 0 && s.mayCrash() {
			s.crashFor(up[s.rand.IntN(len(up))], "crashed")
		}
	case 1: // crash the leader
		if l := s.leader(); l != nil && s.mayCrash() {
			s.crashFor(l, "leader crashed")
		}
	case 2: // a symmetric partition: a minority apart from the rest
		ids := s.shuffledIDs()
		minority := 1 + s.rand.IntN(max(1, (n-1)/2))
		s.partition(ids[:minority], ids[minority:])
	case 3: // the leader alone
		if l := s.leader(); l != nil {
			rest := slices.DeleteFunc(s.serverIDs(), func(id raft.NodeID) bool { return id == l.id })
			s.partition([]raft.NodeID{l.id}, rest)
		}
	case 4: // one-way: a node stops hearing others, who still hear it
		ids := s.shuffledIDs()
		deaf := ids[0]
		s.heal()
		var cut []string
		for _, from := range ids[1 : 1+1+s.rand.IntN(n-1)] {
			s.net.Cut(Addr(from), Addr(deaf))
			cut = append(cut, fmt.Sprintf("%d", from))
		}
		s.networkNote(fmt.Sprintf("n%d deaf to %s", deaf, strings.Join(cut, ",")))
	case 5: // partial: two sides that cannot talk, and a bridge that hears both
		ids := s.shuffledIDs()
		bridge, rest := ids[0], ids[1:]
		half := len(rest) / 2
		s.heal()
		s.net.Partition(addrs(rest[:half]), addrs(rest[half:]))
		s.networkNote(fmt.Sprintf("%v | %v, bridged by n%d", rest[:half], rest[half:], bridge))
	case 6:
		s.heal()
	}
}

// mayCrash reports whether one more node may crash: at most a minority is
// down at once, so that the cluster can always recover. With membership
// changes, the configuration may shrink to 3 voters, of which one may be
// down.
func (s *simulation) mayCrash() bool {
	limit := (len(s.servers) - 1) / 2
	if s.opts.Membership {
		limit = 1
	}
	return len(s.servers)-len(s.upServers()) < limit
}

// crashFor crashes a server and schedules its restart.
func (s *simulation) crashFor(srv *server, why string) {
	s.crash(srv)
	if s.nemesis.down == nil {
		s.nemesis.down = make(map[raft.NodeID]time.Duration)
	}
	s.nemesis.down[srv.id] = s.now
	s.trace.note(s.now, fmt.Sprintf("n%d %s", srv.id, why))
	downFor := 100*time.Millisecond + time.Duration(s.rand.Int64N(int64(s.params.downMax)))
	s.queue.Push(s.now+downFor, event{kind: evFault, fault: fault{kind: faultRestart, node: srv.id}})
}

// restartNoted restarts a server and closes its "down" annotation.
func (s *simulation) restartNoted(srv *server) {
	since := s.nemesis.down[srv.id]
	delete(s.nemesis.down, srv.id)
	s.restart(srv)
	s.trace.note(s.now, fmt.Sprintf("n%d restarted: term %d, vote %d, %d entries on disk", srv.id, srv.disk.hard.Term, srv.disk.hard.Vote, len(srv.disk.entries)))
	s.annotate(srv.addr.String(), since, s.now, "down", colorDown)
}

// leaderElected may schedule the crash of a leader soon after its
// election, before it has replicated its log everywhere: the moments that
// Figure 8 of the paper is made of.
func (s *simulation) leaderElected(srv *server) {
	if s.healed || s.opts.Script != nil || s.rand.Float64() >= s.params.killLeader {
		return
	}
	soon := time.Duration(s.rand.ExpFloat64() * float64(s.params.killAfter))
	s.queue.Push(s.now+soon, event{kind: evFault, fault: fault{kind: faultCrash, node: srv.id}})
}

// partition cuts the cluster into groups.
func (s *simulation) partition(groups ...[]raft.NodeID) {
	s.heal()
	var as [][]Addr
	var names []string
	for _, g := range groups {
		as = append(as, addrs(g))
		names = append(names, fmt.Sprint(g))
	}
	s.net.Partition(as...)
	s.networkNote(strings.Join(names, " | "))
}

// heal restores the network.
func (s *simulation) heal() {
	s.net.Heal()
	s.networkNote("")
}

// networkNote records a change of the network, closing the timeline's
// annotation of the previous partition.
func (s *simulation) networkNote(desc string) {
	if s.nemesis.network == desc {
		return
	}
	if s.nemesis.network != "" {
		s.annotate("network", s.nemesis.networkSince, s.now, s.nemesis.network, colorPartition)
	}
	s.nemesis.network, s.nemesis.networkSince = desc, s.now
	if desc == "" {
		s.trace.note(s.now, "network healed")
	} else {
		s.trace.note(s.now, "partition: "+desc)
	}
}

// shuffledIDs returns every server's ID in a random order.
func (s *simulation) shuffledIDs() []raft.NodeID {
	ids := s.serverIDs()
	s.rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// addrs returns the servers' addresses.
func addrs(ids []raft.NodeID) []Addr {
	as := make([]Addr, len(ids))
	for i, id := range ids {
		as[i] = Addr(id)
	}
	return as
}

// annotate adds a server event to the timeline.
func (s *simulation) annotate(tag string, start, end time.Duration, text, color string) {
	s.notes = append(s.notes, porcupine.Annotation{
		Tag: tag, Start: int64(start), End: int64(end), Description: text, BackgroundColor: color,
	})
}

// annotations returns the timeline's server events, closing those still
// open at the end of the run.
func (s *simulation) annotations() []porcupine.Annotation {
	notes := slices.Clone(s.notes)
	if s.nemesis.network != "" {
		notes = append(notes, porcupine.Annotation{Tag: "network", Start: int64(s.nemesis.networkSince), End: int64(s.now), Description: s.nemesis.network, BackgroundColor: colorPartition})
	}
	for _, srv := range s.servers {
		if since, ok := s.nemesis.down[srv.id]; ok && srv.node == nil {
			notes = append(notes, porcupine.Annotation{Tag: srv.addr.String(), Start: int64(since), End: int64(s.now), Description: "down", BackgroundColor: colorDown})
		}
	}
	return notes
}
