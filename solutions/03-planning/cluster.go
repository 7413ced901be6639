package raft

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// Peer is one server of the cluster: its ID and the address ("host:port")
// the other servers reach it at.
type Peer struct {
	ID   NodeID
	Addr string
}

// String returns the peer in its flag form, "ID=host:port".
func (p Peer) String() string {
	//workshop:todo Format the peer as ID=host:port, the form ParseCluster reads
	//workshop:todo (handout: "1. The cluster flag").
	return strconv.FormatUint(uint64(p.ID), 10) + "=" + p.Addr
	//workshop:stub return ""
	//workshop:end
}

// Cluster lists the servers of a cluster, sorted by ID.
type Cluster []Peer

// ParseCluster parses a cluster from its flag form: ID=host:port pairs
// separated by commas, such as
//
//	1=localhost:7001,2=localhost:7002,3=localhost:7003
//
// Spaces around a pair are ignored. Every ID must be a positive integer and
// every address a host and a port from 1 to 65535; no ID and no address may
// appear twice (addresses are compared as written). The result is sorted by
// ID. An error quotes the offending pair and says what is wrong with it.
func ParseCluster(s string) (Cluster, error) {
	//workshop:todo Reject an empty list, split s at the commas, parse each pair
	//workshop:todo with parsePeer, reject duplicate IDs and duplicate addresses, and
	//workshop:todo sort the result by ID (handout: "1. The cluster flag").
	if strings.TrimSpace(s) == "" {
		return nil, errors.New(`raft: parse cluster: empty list; want ID=host:port pairs separated by commas, such as "1=localhost:7001,2=localhost:7002"`)
	}
	var c Cluster
	owner := make(map[string]NodeID) // the ID of each address seen so far
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		p, err := parsePeer(pair)
		if err != nil {
			return nil, fmt.Errorf("raft: parse cluster: %w", err)
		}
		if addr, ok := c.Addr(p.ID); ok {
			return nil, fmt.Errorf("raft: parse cluster: %q: duplicate ID %d, already given to %s", pair, p.ID, addr)
		}
		if id, ok := owner[p.Addr]; ok {
			return nil, fmt.Errorf("raft: parse cluster: %q: duplicate address %s, already node %d's", pair, p.Addr, id)
		}
		owner[p.Addr] = p.ID
		c = append(c, p)
	}
	slices.SortFunc(c, func(a, b Peer) int { return cmp.Compare(a.ID, b.ID) })
	return c, nil
	//workshop:stub return nil, errors.New("not implemented")
	//workshop:end
}

// parsePeer parses one "ID=host:port" pair. Its errors quote the pair.
func parsePeer(pair string) (Peer, error) {
	//workshop:todo Split the pair at "=", parse the ID with strconv.ParseUint
	//workshop:todo (0 is None, not a server) and the address with net.SplitHostPort
	//workshop:todo (the host must not be empty, the port must be a number from 1 to
	//workshop:todo 65535). Quote the pair in every error (handout:
	//workshop:todo "1. The cluster flag").
	idText, addr, ok := strings.Cut(pair, "=")
	if !ok {
		return Peer{}, fmt.Errorf("%q: want ID=host:port", pair)
	}
	id, err := strconv.ParseUint(idText, 10, 64)
	if err != nil {
		return Peer{}, fmt.Errorf("%q: ID %q is not a positive 64-bit integer", pair, idText)
	}
	if NodeID(id) == None {
		return Peer{}, fmt.Errorf("%q: ID 0 is None, which names no server; IDs start at 1", pair)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return Peer{}, fmt.Errorf("%q: %w", pair, err)
	}
	if host == "" {
		return Peer{}, fmt.Errorf("%q: address %q has no host", pair, addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return Peer{}, fmt.Errorf("%q: port %q is not a number from 1 to 65535", pair, port)
	}
	return Peer{ID: NodeID(id), Addr: addr}, nil
	//workshop:stub return Peer{}, errors.New("not implemented")
	//workshop:end
}

// IDs returns the IDs of the cluster's servers, in the cluster's order.
func (c Cluster) IDs() []NodeID {
	//workshop:todo Collect the peers' IDs into a new slice (handout:
	//workshop:todo "1. The cluster flag").
	ids := make([]NodeID, len(c))
	for i, p := range c {
		ids[i] = p.ID
	}
	return ids
	//workshop:stub return nil
	//workshop:end
}

// Addr returns the address of the server with the given ID, and whether the
// cluster has such a server.
func (c Cluster) Addr(id NodeID) (string, bool) {
	//workshop:todo Find the peer with this ID (handout: "1. The cluster flag").
	for _, p := range c {
		if p.ID == id {
			return p.Addr, true
		}
	}
	return "", false
	//workshop:stub return "", false
	//workshop:end
}

// String returns the cluster in the flag form ParseCluster reads: for a
// cluster that ParseCluster accepts, ParseCluster(c.String()) gives back c.
func (c Cluster) String() string {
	//workshop:todo Join the peers' flag forms with commas (handout:
	//workshop:todo "1. The cluster flag").
	pairs := make([]string, len(c))
	for i, p := range c {
		pairs[i] = p.String()
	}
	return strings.Join(pairs, ",")
	//workshop:stub return ""
	//workshop:end
}

// DefaultConfig returns the configuration of node id in a cluster of peers
// with the course's timing: a heartbeat every tick, an election timeout of
// 10 to 20 ticks, and at most 64 entries in one AppendEntries. Seed is left
// 0; set it to vary or replay a run.
func DefaultConfig(id NodeID, peers []NodeID) Config {
	return Config{
		ID:                   id,
		Peers:                slices.Clone(peers),
		ElectionTicks:        10,
		HeartbeatTicks:       1,
		MaxEntriesPerMessage: 64,
	}
}

// Validate checks the cluster and timing fields of the configuration, in
// this order: ID is not None; Peers lists at most MaxVoters servers, none of
// them None, none twice, and ID among them; HeartbeatTicks is at least 1;
// ElectionTicks is greater than HeartbeatTicks; MaxEntriesPerMessage is from
// 1 to MaxMessageEntries. Its error names the field at fault and the value it
// holds. Validate does not look at the persisted state (HardState, Snapshot,
// Entries).
func (c Config) Validate() error {
	//workshop:todo Check each rule of the doc comment, in its order, and return an
	//workshop:todo error that names the field and its value, such as "raft: config:
	//workshop:todo HeartbeatTicks is 0; it must be at least 1". A map or a sorted copy
	//workshop:todo finds duplicates (handout: "2. Validating a Config").
	if c.ID == None {
		return errors.New("raft: config: ID is 0 (None); give the node a positive ID")
	}
	if len(c.Peers) > MaxVoters {
		return fmt.Errorf("raft: config: Peers lists %d servers; a cluster has at most MaxVoters (%d)", len(c.Peers), MaxVoters)
	}
	seen := make(map[NodeID]bool, len(c.Peers))
	for _, id := range c.Peers {
		if id == None {
			return fmt.Errorf("raft: config: Peers %v holds 0 (None); every server needs a positive ID", c.Peers)
		}
		if seen[id] {
			return fmt.Errorf("raft: config: Peers %v lists %d twice", c.Peers, id)
		}
		seen[id] = true
	}
	if !seen[c.ID] {
		return fmt.Errorf("raft: config: ID %d is not one of Peers %v; Peers must list every server, this one included", c.ID, c.Peers)
	}
	if c.HeartbeatTicks < 1 {
		return fmt.Errorf("raft: config: HeartbeatTicks is %d; it must be at least 1", c.HeartbeatTicks)
	}
	if c.ElectionTicks <= c.HeartbeatTicks {
		return fmt.Errorf("raft: config: ElectionTicks is %d; it must be greater than HeartbeatTicks (%d), or followers time out between heartbeats", c.ElectionTicks, c.HeartbeatTicks)
	}
	if c.MaxEntriesPerMessage < 1 || c.MaxEntriesPerMessage > MaxMessageEntries {
		return fmt.Errorf("raft: config: MaxEntriesPerMessage is %d; it must be from 1 to MaxMessageEntries (%d)", c.MaxEntriesPerMessage, MaxMessageEntries)
	}
	return nil
	//workshop:stub return errors.New("not implemented")
	//workshop:end
}
