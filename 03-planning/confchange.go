package raft

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// ConfChangeType tells what a membership change does to one server.
type ConfChangeType uint8

const (
	// AddLearner adds a server as a non-voter: it receives the log but
	// neither votes nor counts toward a majority, so that it can catch up
	// without slowing the cluster down (§4.2.1 of Ongaro's dissertation).
	AddLearner ConfChangeType = iota
	// AddVoter makes a server a voter; a learner that has caught up is
	// promoted this way.
	AddVoter
	// RemoveServer removes a voter or a learner.
	RemoveServer
)

var confChangeTypeNames = [...]string{
	AddLearner:   "AddLearner",
	AddVoter:     "AddVoter",
	RemoveServer: "RemoveServer",
}

// String returns the type's name, such as "AddLearner".
func (t ConfChangeType) String() string {
	if int(t) < len(confChangeTypeNames) {
		return confChangeTypeNames[t]
	}
	return "ConfChangeType(" + strconv.Itoa(int(t)) + ")"
}

// ConfChange is the Data of an EntryConfChange entry: a change of one
// server's membership, and the whole configuration it leads to (stage 11).
// A server adopts Voters and Learners as soon as the entry is in its log,
// committed or not (§4.1 of the dissertation), and falls back to the
// previous configuration if the entry is removed from its log.
type ConfChange struct {
	Type ConfChangeType
	Node NodeID
	// Context is opaque to Raft: the runtime puts there what the other
	// servers must know of Node, such as its addresses.
	Context []byte
	// Voters and Learners are the configuration after the change. The
	// leader fills them in when it appends the entry.
	Voters   []NodeID
	Learners []NodeID
}

// MarshalConfChange returns the encoding of a ConfChange, which is the Data
// of its entry: the version byte, the type byte, Node, Context (bytes),
// Voters and Learners (lists of uvarints).
func MarshalConfChange(cc ConfChange) ([]byte, error) {
	switch {
	case cc.Type > RemoveServer:
		return nil, fmt.Errorf("raft: encode ConfChange: Type %d: %w", cc.Type, ErrMalformed)
	case len(cc.Voters) > MaxVoters || len(cc.Learners) > MaxVoters:
		return nil, fmt.Errorf("raft: encode ConfChange: %d voters and %d learners: %w: the limit is %d each", len(cc.Voters), len(cc.Learners), ErrTooLarge, MaxVoters)
	}
	buf := []byte{FormatVersion, byte(cc.Type)}
	buf = binary.AppendUvarint(buf, uint64(cc.Node))
	buf = binary.AppendUvarint(buf, uint64(len(cc.Context)))
	buf = append(buf, cc.Context...)
	buf = appendIDs(buf, cc.Voters)
	buf = appendIDs(buf, cc.Learners)
	if len(buf) > MaxEntryDataSize {
		return nil, fmt.Errorf("raft: encode ConfChange: %w: %d bytes do not fit in an entry's MaxEntryDataSize (%d)", ErrTooLarge, len(buf), MaxEntryDataSize)
	}
	return buf, nil
}

// UnmarshalConfChange decodes what MarshalConfChange encoded. Bad input
// gives an error that says what is wrong where, never a panic.
func UnmarshalConfChange(data []byte) (ConfChange, error) {
	d := decoder{data: data}
	d.version()
	at := d.off
	cc := ConfChange{Type: ConfChangeType(d.uint8("Type"))}
	if d.err == nil && cc.Type > RemoveServer {
		d.fail(at, "Type", fmt.Errorf("%w: %d is no ConfChangeType", ErrMalformed, cc.Type))
	}
	cc.Node = NodeID(d.uvarint("Node"))
	cc.Context = d.bytes("Context", MaxEntryDataSize)
	cc.Voters = d.ids("Voters")
	cc.Learners = d.ids("Learners")
	d.finish()
	if d.err != nil {
		return ConfChange{}, fmt.Errorf("raft: decode ConfChange: %w", d.err)
	}
	return cc, nil
}
