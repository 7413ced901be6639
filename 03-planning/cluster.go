package raft

import (
	"errors"
	"slices"
)

// Peer is one server of the cluster: its ID and the address ("host:port")
// the other servers reach it at.
type Peer struct {
	ID   NodeID
	Addr string
}

// String returns the peer in its flag form, "ID=host:port".
func (p Peer) String() string {
	// TODO: Format the peer as ID=host:port, the form ParseCluster reads
	// (handout: "1. The cluster flag").
	return ""
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
	// TODO: Reject an empty list, split s at the commas, parse each pair
	// with parsePeer, reject duplicate IDs and duplicate addresses, and
	// sort the result by ID (handout: "1. The cluster flag").
	return nil, errors.New("not implemented")
}

// parsePeer parses one "ID=host:port" pair. Its errors quote the pair.
func parsePeer(pair string) (Peer, error) {
	// TODO: Split the pair at "=", parse the ID with strconv.ParseUint
	// (0 is None, not a server) and the address with net.SplitHostPort
	// (the host must not be empty, the port must be a number from 1 to
	// 65535). Quote the pair in every error (handout:
	// "1. The cluster flag").
	return Peer{}, errors.New("not implemented")
}

// IDs returns the IDs of the cluster's servers, in the cluster's order.
func (c Cluster) IDs() []NodeID {
	// TODO: Collect the peers' IDs into a new slice (handout:
	// "1. The cluster flag").
	return nil
}

// Addr returns the address of the server with the given ID, and whether the
// cluster has such a server.
func (c Cluster) Addr(id NodeID) (string, bool) {
	// TODO: Find the peer with this ID (handout: "1. The cluster flag").
	return "", false
}

// String returns the cluster in the flag form ParseCluster reads: for a
// cluster that ParseCluster accepts, ParseCluster(c.String()) gives back c.
func (c Cluster) String() string {
	// TODO: Join the peers' flag forms with commas (handout:
	// "1. The cluster flag").
	return ""
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
	// TODO: Check each rule of the doc comment, in its order, and return an
	// error that names the field and its value, such as "raft: config:
	// HeartbeatTicks is 0; it must be at least 1". A map or a sorted copy
	// finds duplicates (handout: "2. Validating a Config").
	return errors.New("not implemented")
}
