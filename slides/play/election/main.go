// Command election is the slides' runnable miniature of stage 07: three
// pure node cores, each with a randomized election timeout in ticks, and a
// loop that ticks them and delivers their messages one tick later. Node 1
// is cut off at tick 30, and the others elect a new leader. It uses only
// the standard library, so that present can run it; the seed makes a run
// replay exactly.
package main

import (
	"fmt"
	"math/rand/v2"
)

const electionTicks = 10 // a timeout is drawn from [10, 20)

type message struct {
	from, to, term int
	kind           string // "vote?", "vote!", "no", "heartbeat"
}

// node is a core: no goroutines, no clock; Tick and Step return messages.
type node struct {
	id, term, vote, votes int
	role                  string
	elapsed, timeout      int
	rand                  *rand.Rand
}

func (n *node) resetTimer() {
	n.elapsed, n.timeout = 0, electionTicks+n.rand.IntN(electionTicks)
}

func (n *node) Tick() []message {
	n.elapsed++
	if n.role == "leader" {
		return n.broadcast("heartbeat")
	}
	if n.elapsed < n.timeout {
		return nil
	}
	n.term++ // campaign
	n.role, n.vote, n.votes = "candidate", n.id, 1
	n.resetTimer()
	return n.broadcast("vote?")
}

func (n *node) Step(m message) []message {
	if m.term > n.term { // a higher term: step down
		n.term, n.vote, n.role = m.term, 0, "follower"
	}
	switch {
	case m.term < n.term:
		return nil // stale
	case m.kind == "heartbeat":
		n.role = "follower"
		n.resetTimer()
	case m.kind == "vote?" && (n.vote == 0 || n.vote == m.from):
		n.vote = m.from
		n.resetTimer()
		return []message{{n.id, m.from, n.term, "vote!"}}
	case m.kind == "vote?":
		return []message{{n.id, m.from, n.term, "no"}}
	case m.kind == "vote!" && n.role == "candidate":
		if n.votes++; n.votes == 2 { // a majority of three
			n.role = "leader"
			fmt.Printf("         node %d leads term %d\n", n.id, n.term)
			return n.broadcast("heartbeat")
		}
	}
	return nil
}

func (n *node) broadcast(kind string) []message {
	var out []message
	for peer := 1; peer <= 3; peer++ {
		if peer != n.id {
			out = append(out, message{n.id, peer, n.term, kind})
		}
	}
	return out
}

func main() {
	nodes := map[int]*node{}
	for id := 1; id <= 3; id++ {
		nodes[id] = &node{id: id, role: "follower", rand: rand.New(rand.NewPCG(2, uint64(id)))}
		nodes[id].resetTimer()
	}
	var inFlight []message
	for tick := 1; tick <= 60; tick++ {
		var next []message
		for _, m := range inFlight { // delivered one tick after sending
			if tick > 30 && (m.from == 1 || m.to == 1) {
				continue // node 1 is cut off from tick 30
			}
			next = append(next, nodes[m.to].Step(m)...)
		}
		for id := 1; id <= 3; id++ {
			out := nodes[id].Tick()
			if len(out) > 0 && out[0].kind == "vote?" {
				fmt.Printf("tick %2d: node %d campaigns in term %d\n", tick, id, nodes[id].term)
			}
			next = append(next, out...)
		}
		inFlight = next
	}
	for id := 1; id <= 3; id++ { // node 1 still believes it leads term 1
		fmt.Printf("node %d: %s in term %d\n", id, nodes[id].role, nodes[id].term)
	}
}
