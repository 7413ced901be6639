// Package liveview serves a live web view of a Raft cluster: one page that
// shows each node's role, term, vote, commit, applied and last index and
// the tail of its log coloured by term, who leads, the messages as they
// flow, and buttons that stop, start, cut off and heal a node or send a
// write.
//
// The view knows nothing of how the cluster runs. A Source feeds it
// snapshots of the nodes' states and the messages between them (a running
// cluster's reports, or a simulator's recorded run), and a Controller
// carries out the buttons. The server is the standard
// library's net/http; updates reach the page as server-sent events, and the
// page (HTML, JavaScript and CSS, no build step) is embedded in the binary.
//
// A cluster that runs in one process feeds the view with a Recorder, the
// Observer that stages 08 to 10 already call, over a Feed:
//
//	feed := liveview.NewFeed(4096)
//	rec := liveview.NewRecorder(feed.Send) // the cluster's Observer
//	view := liveview.New(feed, controller) // controller: the buttons
//	go view.Run(ctx)
//	http.Serve(ln, view)
//
// A replay records a run's events (NewRecorder with an append), groups them
// with Steps and serves them with NewReplay. Command netview (cmd/netview)
// shows the live view over the test network.
package liveview

import (
	"context"
	"errors"
	"time"
)

// NodeState is what the page shows of one node at one moment.
type NodeState struct {
	ID uint64 `json:"id"`
	// Up is false while the node is stopped; the other fields then hold
	// what it last showed.
	Up bool `json:"up"`
	// Cut is true while the node is cut off from its peers.
	Cut       bool   `json:"cut"`
	Role      string `json:"role"` // "follower", "candidate" or "leader"
	Term      uint64 `json:"term"`
	Vote      uint64 `json:"vote"`   // the candidate voted for in Term, 0 for none
	Leader    uint64 `json:"leader"` // the leader the node knows of, 0 for none
	Commit    uint64 `json:"commit"`
	Applied   uint64 `json:"applied"`
	LastIndex uint64 `json:"lastIndex"`
	// Tail is the end of the node's log, oldest entry first; a few entries
	// are enough.
	Tail []Entry `json:"tail"`
	// Links holds the node's faulty links to its peers, if any: a link
	// cut, or slowed by a delay (a cluster with fault switches reports
	// them; others have none).
	Links []Link `json:"links,omitempty"`
}

// Link is a fault on the link from a node to one of its peers.
type Link struct {
	Peer uint64 `json:"peer"`
	// Cut is true while the node drops every message to and from the
	// peer.
	Cut bool `json:"cut,omitempty"`
	// Delay is how long each message to the peer waits before it leaves.
	Delay time.Duration `json:"delay,omitempty"`
}

// Entry is one log entry as the page shows it.
type Entry struct {
	Index uint64 `json:"index"`
	Term  uint64 `json:"term"`
	Text  string `json:"text,omitempty"` // a short description, such as "set x 1"
}

// Snapshot is the state of every node at one moment.
type Snapshot struct {
	// At is the cluster's clock: time since the start of the run (the
	// simulator's virtual time in a replay). Zero if unknown.
	At    time.Duration `json:"at"`
	Nodes []NodeState   `json:"nodes"`
	// Note is shown above the nodes, for example a violation found at
	// this step of a replay.
	Note string `json:"note,omitempty"`
}

// Leader returns the live node that leads in the highest term any live
// leader has, or 0 when none does. A leader that has not yet heard of a
// newer leader still says it leads: it is stale, not the leader. A
// candidate's newer term does not unseat the leader, for the candidate may
// be cut off, alone in its terms. A leader cut off from every peer leads
// no one. (Two leaders of the same term break Election Safety; the page
// shows both, and Leader returns the first.)
func (s Snapshot) Leader() uint64 {
	var top uint64
	for _, n := range s.Nodes {
		if n.leads() {
			top = max(top, n.Term)
		}
	}
	for _, n := range s.Nodes {
		if n.leads() && n.Term == top {
			return n.ID
		}
	}
	return 0
}

// leads reports whether the node is up, says it leads, and is not cut off.
func (n NodeState) leads() bool { return n.Up && !n.Cut && n.Role == "leader" }

// has reports whether the snapshot shows the node.
func (s Snapshot) has(id uint64) bool {
	for _, n := range s.Nodes {
		if n.ID == id {
			return true
		}
	}
	return false
}

// Message is one message from a node to another, as the page animates it.
type Message struct {
	From    uint64 `json:"from"`
	To      uint64 `json:"to"`
	Type    string `json:"type"` // such as "AppendEntries" or "RequestVote"
	Term    uint64 `json:"term"`
	Entries int    `json:"entries,omitempty"` // how many entries it carries
	// Dropped is true for a message the network lost (a cut link).
	Dropped bool `json:"dropped,omitempty"`
}

// Event is one update of the view: exactly one of State and Message is
// set.
type Event struct {
	State   *Snapshot
	Message *Message
}

// Source feeds the view. Events returns the channel on which the source
// sends what happens, in order; the source closes it when the cluster is
// gone. The server reads it as fast as it can, so a producer that must
// never wait can send with select and a default.
type Source interface {
	Events() <-chan Event
}

// Controller carries out the page's buttons on the cluster. Every method
// is called only for a node the latest snapshot shows; an error is shown
// on the page, and should say what failed, for example "node 2 is already
// stopped".
type Controller interface {
	StopNode(ctx context.Context, id uint64) error
	StartNode(ctx context.Context, id uint64) error
	// Cut cuts the node off from every peer, both ways; Heal reconnects
	// it.
	Cut(ctx context.Context, id uint64) error
	Heal(ctx context.Context, id uint64) error
	// Write proposes key=value to the cluster and waits until it is
	// committed; it returns what to show, such as "committed at index 7".
	Write(ctx context.Context, key, value string) (string, error)
}

// LinkSlower is a Controller that can also slow the link between two
// nodes: every message between them, both ways, waits delay before it
// leaves. A delay of zero restores the link. The page shows its "Slow a
// link" form only when the Controller is one.
type LinkSlower interface {
	SlowLink(ctx context.Context, a, b uint64, delay time.Duration) error
}

// MaxLinkDelay bounds the delay a page may ask for: long enough to delay
// every heartbeat past an election timeout, short enough to come back.
const MaxLinkDelay = 10 * time.Second

// ErrUnknownNode may be returned (wrapped) by a Controller for a node it
// does not know; the server answers 404 Not Found.
var ErrUnknownNode = errors.New("liveview: unknown node")
