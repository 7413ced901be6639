package sim

import (
	"fmt"
	"time"

	"raftgo/solutions/03-planning"
)

// A Step is one action of a scripted scenario (Options.Script): at virtual
// time At, Do acts on the cluster through a Control. A script replaces the
// random faults, so that a test can build one schedule on purpose (a
// partial partition, a lost disk) and still have the simulator's clients,
// network, checkers and linearizability check around it.
type Step struct {
	At time.Duration
	// Name says what the step does, for the trace.
	Name string
	Do   func(*Control)
}

// Control is what a scripted step can do to the cluster. Its methods act
// at once, at the step's virtual time.
type Control struct{ s *simulation }

// Now returns the virtual time.
func (c *Control) Now() time.Duration { return c.s.now }

// Leader returns the running server with the highest term that believes it
// leads, or raft.None.
func (c *Control) Leader() raft.NodeID {
	if l := c.s.leader(); l != nil {
		return l.id
	}
	return raft.None
}

// Servers returns every server's ID, spares included.
func (c *Control) Servers() []raft.NodeID { return c.s.serverIDs() }

// Node returns server id's core, or nil while the server is down. A step
// that calls into the core (a membership change, a leadership transfer)
// then calls Collect.
func (c *Control) Node(id raft.NodeID) raft.Node {
	if srv := c.server(id); srv != nil {
		return srv.node
	}
	return nil
}

// Collect takes server id's Ready, as after any call into its core.
func (c *Control) Collect(id raft.NodeID) {
	if srv := c.server(id); srv != nil && srv.node != nil {
		c.s.collect(srv)
	}
}

// ChangeMembership proposes a membership change on the leader, whose core
// must be a ConfChanger (stage 11), and collects its Ready. It returns the
// core's refusal, or an error if there is no such leader.
func (c *Control) ChangeMembership(cc raft.ConfChange) error {
	l := c.s.leader()
	if l == nil {
		return fmt.Errorf("sim: no leader at %v to propose %s of node %d", c.s.now, cc.Type, cc.Node)
	}
	return c.s.proposeConfChange(l, cc)
}

// Partition cuts the cluster into groups, both ways, after healing any
// earlier partition.
func (c *Control) Partition(groups ...[]raft.NodeID) { c.s.partition(groups...) }

// Disconnect cuts the link between two servers, both ways, and leaves
// every other link as it is: a partial partition.
func (c *Control) Disconnect(a, b raft.NodeID) {
	c.s.net.Cut(Addr(a), Addr(b))
	c.s.net.Cut(Addr(b), Addr(a))
	desc := fmt.Sprintf("n%d and n%d disconnected", a, b)
	if c.s.nemesis.network != "" {
		desc = c.s.nemesis.network + "; " + desc
	}
	c.s.networkNote(desc)
}

// Heal restores the network.
func (c *Control) Heal() { c.s.heal() }

// Crash stops server id; it keeps its disk.
func (c *Control) Crash(id raft.NodeID) {
	if srv := c.server(id); srv != nil && srv.node != nil {
		c.s.crash(srv)
		c.s.trace.note(c.s.now, fmt.Sprintf("n%d crashed", id))
	}
}

// Restart starts server id again from its disk, even one whose disk was
// wiped.
func (c *Control) Restart(id raft.NodeID) {
	if srv := c.server(id); srv != nil && srv.node == nil {
		srv.lost = false
		c.s.restartNoted(srv)
	}
}

// Wipe crashes server id, if it runs, and erases its disk, as a machine
// whose disk is lost. The server stays down, even when the faults end.
// Restarting it (Restart) brings it back empty under its old identity,
// which Raft does not allow (stage 11's handout).
func (c *Control) Wipe(id raft.NodeID) {
	srv := c.server(id)
	if srv == nil {
		return
	}
	c.Crash(id)
	srv.disk, srv.lost = storage{}, true
	c.s.trace.note(c.s.now, fmt.Sprintf("n%d's disk wiped", id))
}

// server returns server id, or nil for an ID the cluster does not have.
func (c *Control) server(id raft.NodeID) *server {
	if id < 1 || int(id) > len(c.s.servers) {
		return nil
	}
	return c.s.servers[id-1]
}
