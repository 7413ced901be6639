// Package hraftkv is stage 10's replicated key-value service built on a
// library instead of the course's own Raft: hashicorp/raft v1.7.2, with
// raft-boltdb/v2 as its log and stable store. It serves the same HTTP API
// as raftkv, over the same stage-01 store, so that the two can be read side
// by side and measured with one workload.
//
// What the library asks of its user, and what each call costs:
//
//   - An FSM (Apply, Snapshot, Restore). Apply runs on every node for every
//     committed entry, in log order; it must be deterministic, so it holds
//     no business logic that reads clocks, randomness or other services.
//   - Apply(cmd, timeout) on the leader: one log entry, fsync'd by the
//     leader and a majority before it returns. hashicorp/raft batches
//     concurrent Applies into one disk write (MaxAppendEntries).
//   - Barrier(timeout): an entry of its own, so a read after it sees every
//     write committed before it. This is how a read is made linearizable
//     here, because the library has no ReadIndex. It costs a log write, as
//     raftkv's reads through the log do in stage 10.
//   - VerifyLeader(): a round of heartbeats that proves the node is still
//     the leader, without a disk write; not enough alone for a
//     linearizable read, because the FSM may lag the commit index.
//   - AddVoter(id, addr): a membership change through the log.
package hraftkv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	kvserver "raftgo/solutions/01-kvserver"
)

// Config configures one node of the service.
type Config struct {
	// ID is the node's server ID, such as "1".
	ID string
	// Raft is the address the node's Raft transport listens on, unless
	// RaftListener is set.
	Raft string
	// RaftListener, if not nil, is the listener the Raft transport uses,
	// so that a test can take a free port first.
	RaftListener net.Listener
	// Dir holds the node's bolt store and snapshots.
	Dir string
	// Cluster lists every server of the initial cluster, this node
	// included. A node whose Dir holds no state bootstraps the cluster
	// with it; every node of a new cluster gets the same list.
	Cluster []Server
	// Fast shortens Raft's timeouts for a cluster on loopback.
	Fast bool
}

// A Server is one member of the cluster and the addresses it serves on.
type Server struct {
	ID   string
	Raft string
	HTTP string
}

// maxBody is the largest request body the HTTP API reads.
const maxBody = 1 << 20

// applyTimeout bounds how long a write or a barrier waits for the cluster.
const applyTimeout = 5 * time.Second

// Node is one server of the service.
type Node struct {
	cfg   Config
	raft  *raft.Raft
	store *kvserver.Store
	bolt  *raftboltdb.BoltStore
	trans *raft.NetworkTransport

	mu   sync.Mutex
	http map[raft.ServerID]string // each server's HTTP address, for redirects
}

// Start opens the node's stores in cfg.Dir and starts its Raft.
func Start(cfg Config) (*Node, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("hraftkv: node %s: %w", cfg.ID, err)
	}
	n := &Node{cfg: cfg, store: new(kvserver.Store), http: make(map[raft.ServerID]string)}
	for _, s := range cfg.Cluster {
		n.http[raft.ServerID(s.ID)] = s.HTTP
	}
	conf := raft.DefaultConfig()
	conf.LocalID = raft.ServerID(cfg.ID)
	conf.LogOutput = io.Discard
	if cfg.Fast {
		conf.HeartbeatTimeout = 100 * time.Millisecond
		conf.ElectionTimeout = 100 * time.Millisecond
		conf.LeaderLeaseTimeout = 50 * time.Millisecond
		conf.CommitTimeout = 5 * time.Millisecond
	}
	var err error
	if n.bolt, err = raftboltdb.NewBoltStore(filepath.Join(cfg.Dir, "raft.db")); err != nil {
		return nil, fmt.Errorf("hraftkv: node %s: open the bolt store: %w", cfg.ID, err)
	}
	snaps, err := raft.NewFileSnapshotStore(cfg.Dir, 2, io.Discard)
	if err != nil {
		n.bolt.Close()
		return nil, fmt.Errorf("hraftkv: node %s: open the snapshot store: %w", cfg.ID, err)
	}
	ln := cfg.RaftListener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Raft); err != nil {
			n.bolt.Close()
			return nil, fmt.Errorf("hraftkv: node %s: listen for raft: %w", cfg.ID, err)
		}
	}
	n.trans = raft.NewNetworkTransport(stream{ln}, 3, 10*time.Second, io.Discard)
	if n.raft, err = raft.NewRaft(conf, (*fsm)(n), n.bolt, n.bolt, snaps, n.trans); err != nil {
		n.trans.Close()
		n.bolt.Close()
		return nil, fmt.Errorf("hraftkv: node %s: %w", cfg.ID, err)
	}
	hasState, err := raft.HasExistingState(n.bolt, n.bolt, snaps)
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("hraftkv: node %s: %w", cfg.ID, err)
	}
	if !hasState && len(cfg.Cluster) > 0 {
		var servers []raft.Server
		for _, s := range cfg.Cluster {
			servers = append(servers, raft.Server{ID: raft.ServerID(s.ID), Address: raft.ServerAddress(s.Raft)})
		}
		if err := n.raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil {
			n.Close()
			return nil, fmt.Errorf("hraftkv: node %s: bootstrap: %w", cfg.ID, err)
		}
	}
	return n, nil
}

// Close stops the node's Raft and closes its stores.
func (n *Node) Close() error {
	err := n.raft.Shutdown().Error()
	return errors.Join(err, n.trans.Close(), n.bolt.Close())
}

// stream is a TCP listener as hashicorp/raft's StreamLayer.
type stream struct{ net.Listener }

func (s stream) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", string(addr), timeout)
}

// IsLeader reports whether the node is the leader.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// --- The state machine ------------------------------------------------------

// command is one write, as the log carries it.
type command struct {
	Op  string            `json:"op"` // "set" or "delete"
	Set map[string]string `json:"set,omitempty"`
	Key string            `json:"key,omitempty"`
}

// fsm is the Node seen as hashicorp/raft's FSM: the stage-01 store.
type fsm Node

// Apply applies one committed entry. It returns the number of keys a delete
// removed, or an error for an entry it cannot read.
func (f *fsm) Apply(l *raft.Log) any {
	var c command
	if err := json.Unmarshal(l.Data, &c); err != nil {
		return fmt.Errorf("entry %d is not a command: %w", l.Index, err)
	}
	switch c.Op {
	case "set":
		for k, v := range c.Set {
			f.store.Set(k, v)
		}
		return len(c.Set)
	case "delete":
		return f.store.Delete(c.Key)
	}
	return fmt.Errorf("entry %d has an unknown operation %q", l.Index, c.Op)
}

// Snapshot captures the store; Persist writes it out later, off the apply
// path.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	return snapshot(f.store.Snapshot()), nil
}

// Restore replaces the store with a snapshot's content.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var data map[string]string
	if err := json.NewDecoder(rc).Decode(&data); err != nil {
		return fmt.Errorf("restore a snapshot: %w", err)
	}
	f.store.Restore(data)
	return nil
}

type snapshot map[string]string

func (s snapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(map[string]string(s)); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist a snapshot: %w", err)
	}
	return sink.Close()
}

func (snapshot) Release() {}

// --- The HTTP API -------------------------------------------------------------

// Handler returns the node's HTTP API, the same as raftkv's: POST /key with
// a JSON object, GET and DELETE /key/{k}, GET /status and POST /join. A
// node that is not the leader answers with an X-Raft-Leader header and a
// 307 redirect to the leader, or 503 while it knows none.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /key", n.leaderOnly(n.set))
	mux.HandleFunc("GET /key/{k}", n.leaderOnly(n.get))
	mux.HandleFunc("DELETE /key/{k}", n.leaderOnly(n.delete))
	mux.HandleFunc("POST /join", n.leaderOnly(n.join))
	mux.HandleFunc("GET /status", n.status)
	return mux
}

// leaderOnly redirects a request to the leader unless this node leads.
func (n *Node) leaderOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if n.IsLeader() {
			h(w, r)
			return
		}
		_, id := n.raft.LeaderWithID()
		n.mu.Lock()
		addr := n.http[id]
		n.mu.Unlock()
		if addr == "" {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "no leader is known yet; retry", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Raft-Leader", addr)
		http.Redirect(w, r, "http://"+addr+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}
}

func (n *Node) set(w http.ResponseWriter, r *http.Request) {
	var kv map[string]string
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&kv); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "the body must be a JSON object of string keys and values: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(kv) == 0 {
		http.Error(w, "the JSON object has no keys", http.StatusBadRequest)
		return
	}
	n.apply(w, command{Op: "set", Set: kv})
}

func (n *Node) delete(w http.ResponseWriter, r *http.Request) {
	n.apply(w, command{Op: "delete", Key: r.PathValue("k")})
}

// apply replicates a command and answers once it is applied.
func (n *Node) apply(w http.ResponseWriter, c command) {
	data, err := json.Marshal(c)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	f := n.raft.Apply(data, applyTimeout)
	if err := f.Error(); err != nil {
		http.Error(w, "replicate: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if err, ok := f.Response().(error); ok {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// get reads a key after a barrier, so that the read sees every write
// committed before it: a linearizable read at the cost of a log entry.
func (n *Node) get(w http.ResponseWriter, r *http.Request) {
	if err := n.raft.Barrier(applyTimeout).Error(); err != nil {
		http.Error(w, "barrier: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	v, ok := n.store.Get(r.PathValue("k"))
	if !ok {
		http.Error(w, "no such key", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, v)
}

// join adds a server as a voter: {"id": "4", "raft": "host:port", "http": "host:port"}.
func (n *Node) join(w http.ResponseWriter, r *http.Request) {
	var s struct{ ID, Raft, HTTP string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&s); err != nil || s.ID == "" || s.Raft == "" {
		http.Error(w, `the body must be {"id": …, "raft": "host:port", "http": "host:port"}`, http.StatusBadRequest)
		return
	}
	if err := n.raft.AddVoter(raft.ServerID(s.ID), raft.ServerAddress(s.Raft), 0, applyTimeout).Error(); err != nil {
		http.Error(w, "add voter: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	n.mu.Lock()
	n.http[raft.ServerID(s.ID)] = s.HTTP
	n.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (n *Node) status(w http.ResponseWriter, _ *http.Request) {
	_, leader := n.raft.LeaderWithID()
	stats := n.raft.Stats()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id":         n.cfg.ID,
		"role":       strings.ToLower(n.raft.State().String()),
		"term":       stats["term"],
		"leader":     string(leader),
		"commit":     stats["commit_index"],
		"applied":    n.raft.AppliedIndex(),
		"last_index": n.raft.LastIndex(),
	})
}
