package sim

import (
	"fmt"
	"time"

	"raftgo/solutions/03-planning"
)

// packet is one message on the simulated network: a Raft message between
// servers, a client's request, or a server's response.
type packet struct {
	from, to Addr
	msg      raft.Message // server to server
	req      *request     // client to server
	resp     *response    // server to client
}

// request asks a server to run one operation.
type request struct {
	client  int
	attempt uint64 // the client's attempt number, echoed in the response
	op      Input
}

// responseKind tells what a server answered.
type responseKind uint8

const (
	// respOK: the operation took effect; Output holds its result.
	respOK responseKind = iota
	// respRedirect: the server is not the leader; Leader is the leader it
	// knows of, or raft.None. The operation did not take effect.
	respRedirect
	// respLost: the operation's entry was replaced by another leader's:
	// it never took effect, and never will.
	respLost
)

// response answers a request.
type response struct {
	attempt uint64
	kind    responseKind
	leader  raft.NodeID
	output  Output
}

// client is one simulated user of the store. It runs one operation at a
// time, through the leader it knows.
type client struct {
	id     int
	addr   Addr
	leader raft.NodeID // the leader it believes in, or raft.None

	// The operation in progress: busy is set from its call to its end.
	busy    bool
	op      Input
	call    time.Duration
	attempt uint64 // the current attempt; responses and timeouts of older ones are void
	seq     int    // operations started, for unique values
	retry   *Input // a write to try again, after a loss or a timeout
	// timeouts counts the attempts in a row that timed out: the client
	// waits twice as long before each new try, as real clients back off.
	timeouts int
}

// send puts a packet on the network: it arrives (once, twice or never) as
// the network decides. A client talks to a server over a connection, as
// over TCP: its requests and their responses may be lost or delayed, but
// never arrive twice, so a client packet's second copy is dropped. (With
// duplicates, one Set could apply twice, the second time after the client
// saw it return: a real bug, which stage 11's client sessions fix.)
func (s *simulation) send(p *packet) {
	delays := s.net.Send(p.from, p.to).Delays()
	if p.req != nil || p.resp != nil {
		delays = delays[:min(len(delays), 1)]
	}
	for _, d := range delays {
		s.queue.Push(s.now+d, event{kind: evArrive, pkt: p})
	}
}

// arrive hands a packet to its destination, if the destination is up and
// no partition cuts the link.
func (s *simulation) arrive(p *packet) {
	if !s.net.Connected(p.from, p.to) {
		return
	}
	switch {
	case p.resp != nil:
		s.clientReceive(s.clients[p.to-clientBase], p)
		return
	case p.to >= clientBase:
		return
	}
	srv := s.servers[p.to-1]
	if srv.node == nil {
		return // sent to a server that is down: lost
	}
	if p.req != nil {
		s.serve(srv, p)
		return
	}
	if err := s.guard(srv, func() error { return srv.node.Step(p.msg) }); err != nil {
		s.fail(PropertyNoCrash, fmt.Sprintf("node %d rejected %s: %v", srv.id, describeMessage(p.msg), err))
		return
	}
	s.collect(srv)
}

// serve runs a client's request on a server. A leader proposes it and
// answers once its entry applies; any other server answers with a redirect
// to the leader it knows.
func (s *simulation) serve(srv *server, p *packet) {
	req := p.req
	reply := func(r response) {
		r.attempt = req.attempt
		s.send(&packet{from: srv.addr, to: p.from, resp: &r})
	}
	if s.opts.StaleReads && req.op.Op == OpGet {
		v, ok := srv.store.Get(req.op.Key) // the planted bug: no log, no leader check
		reply(response{kind: respOK, output: Output{Value: v, Found: ok}})
		return
	}
	// TODO: Propose the operation (req.op.encode()) on the node. If the node is
	// not the leader, or Propose fails, reply respRedirect with the leader
	// it knows (Status().Leader). Otherwise Track the proposal on the
	// applier and reply when it applies: respLost if its Result wraps
	// statemachine.ErrProposalLost, else respOK with the Output (for a Get,
	// read the store then). Collect the node's Ready (handout: "9. Clients").
	reply(response{kind: respRedirect})
}

// clientNext starts a client's next operation: the write it must retry,
// if any, or a new random one.
func (s *simulation) clientNext(c *client) {
	c.busy, c.call = true, s.now
	if c.retry != nil {
		c.op, c.retry = *c.retry, nil
	} else {
		c.op = s.randomOp(c)
	}
	s.history.call(c.id, c.op, s.now)
	s.clientSend(c, c.attempt)
}

// randomOp draws an operation: a Get, a Set of a value no one wrote
// before, or a Delete, on one of the shared keys.
func (s *simulation) randomOp(c *client) Input {
	c.seq++
	key := fmt.Sprintf("k%d", s.rand.IntN(s.params.keys))
	switch r := s.rand.IntN(10); {
	case r < 4:
		return Input{Op: OpGet, Key: key}
	case r < 8:
		return Input{Op: OpSet, Key: key, Value: fmt.Sprintf("c%d.%d", c.id, c.seq)}
	default:
		return Input{Op: OpDelete, Key: key}
	}
}

// clientSend sends the client's operation, as a new attempt, to the leader
// it knows, or to a server chosen at random when it knows none, and starts
// the attempt's timer.
func (s *simulation) clientSend(c *client, attempt uint64) {
	if !c.busy || attempt != c.attempt {
		return
	}
	c.attempt++
	target := c.leader
	if target == raft.None || (s.opts.StaleReads && c.op.Op == OpGet) {
		// With stale reads planted, clients spread their reads over every
		// server, as clients of a store that reads from replicas do.
		target = raft.NodeID(1 + s.rand.IntN(len(s.servers)))
	}
	s.send(&packet{from: c.addr, to: Addr(target), req: &request{client: c.id, attempt: c.attempt, op: c.op}})
	s.queue.Push(s.now+s.params.clientTimeout, event{kind: evClientTimeout, client: c.id, attempt: c.attempt})
}

// clientReceive handles a server's response to a client.
func (s *simulation) clientReceive(c *client, p *packet) {
	r := p.resp
	if !c.busy || r.attempt != c.attempt {
		return // the answer to an attempt the client gave up on
	}
	// TODO: On respOK, record the return (s.history.ret), remember the server as
	// leader and think before the next operation. On respRedirect, follow
	// the hint (a hint naming the sender itself, or none, means: ask anyone),
	// and send again after s.params.backoff. On respLost, the operation
	// never happened: forget it (s.history.forget) and retry it at once
	// (handout: "9. Clients").
}

// clientTimeout gives up on an attempt that got no answer in time. The
// operation's outcome is unknown: a write may yet take effect, so it stays
// in the history as unknown and the client writes it again; a read that
// never returned changed nothing, and is forgotten.
func (s *simulation) clientTimeout(c *client, attempt uint64) {
	if !c.busy || attempt != c.attempt {
		return
	}
	s.timeouts++
	// TODO: Forget the leader. A Get is forgotten (s.history.forget); a write is
	// recorded as unknown (s.history.unknown) and retried (c.op.again())
	// as a new operation. Either way, wait s.backoff(c) first
	// (handout: "9. Clients").
}

// backoff returns how long a client waits after its attempts timed out:
// the base backoff, doubled for each timeout in a row, up to a second.
func (s *simulation) backoff(c *client) time.Duration {
	return min(s.params.backoff<<min(c.timeouts, 16), time.Second)
}

// endOp ends the client's operation, sets the write to retry, if any, and
// schedules the next operation.
func (s *simulation) endOp(c *client, retry *Input, next time.Duration) {
	c.busy, c.retry = false, retry
	c.attempt++
	s.queue.Push(next, event{kind: evClientNext, client: c.id})
}

// count counts a response for the run's statistics.
func (s *simulation) count(kind responseKind) {
	switch kind {
	case respRedirect:
		s.redirects++
	case respLost:
		s.lost++
	}
}
