package raftkv

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	raft "raftgo/solutions/03-planning"
)

// This file serves stage 11: snapshots, log compaction and membership
// changes, for a core that offers them. Stage 07's core offers none of
// them, and the node then runs as in stage 10.

// MembershipCore is a core that changes its membership one server at a
// time (stage 11's core.Node). A configuration takes effect in the core
// when its entry is appended; the runtime only keeps the members'
// addresses.
type MembershipCore interface {
	ProposeConfChange(cc raft.ConfChange) (raft.Index, raft.Term, error)
	Membership() (voters, learners []raft.NodeID)
}

// CompactingCore is a core that compacts its log behind a snapshot of the
// state machine (stage 11's core.Node): Compact returns the snapshot for
// the runtime to persist.
type CompactingCore interface {
	Compact(index raft.Index, data []byte) (raft.Snapshot, error)
}

// PeerSet is a Transport whose peers change at run time, as the
// transport of package transport does: the node adds a server when a
// configuration change that adds it appears in its log, and removes it
// when its removal commits.
type PeerSet interface {
	AddPeer(id raft.NodeID, addr string) error
	RemovePeer(id raft.NodeID)
}

// Member is where a server listens: for its peers (Raft) and for clients
// (HTTP, RESP). It is, in JSON, the Context of the configuration change
// that adds the server, and the snapshot keeps every member's.
type Member struct {
	Raft string `json:"raft"`
	HTTP string `json:"http,omitempty"`
	RESP string `json:"resp,omitempty"`
}

// Configuration is a cluster's membership as a node knows it: the voters,
// the learners, every member's addresses that the node has learned, and
// the servers removed so far, whose IDs are never used again.
type Configuration struct {
	Voters   []raft.NodeID
	Learners []raft.NodeID
	Members  map[raft.NodeID]Member
	Removed  []raft.NodeID
}

// addressBook is what a snapshot keeps of the cluster beside the state
// machine: every member's addresses, and the removed servers' IDs.
type addressBook struct {
	Members map[raft.NodeID]Member `json:"members"`
	Removed []raft.NodeID          `json:"removed,omitempty"`
}

// The errors of membership changes.
var (
	// ErrNoMembership is returned by a node whose core cannot change its
	// membership (stage 07's).
	ErrNoMembership = errors.New("raftkv: membership changes need the core of stage 11; this node runs one without them")
	// ErrRemoved is why a node's loop stops once its own removal has
	// committed. It is a clean stop.
	ErrRemoved = errors.New("raftkv: removed from the cluster")
	// ErrMemberExists is returned for a join under an ID that a member
	// already has at another address, or that a removed server had.
	ErrMemberExists = errors.New("raftkv: the ID is taken")
	// ErrNotMember is returned for the removal of a node that is no member.
	ErrNotMember = errors.New("raftkv: no member has this ID")
)

// DefaultSnapshotEvery is NodeConfig.SnapshotEvery's default: a node whose
// core compacts takes a snapshot every this many applied entries.
const DefaultSnapshotEvery = 10000

// clusterState is what stage 11 adds to a node: the members' addresses,
// the published configuration, the snapshot policy, and the calls other
// goroutines make on the loop. The loop owns members and snapIndex.
type clusterState struct {
	self      Member
	members   map[raft.NodeID]Member // every member's addresses, this node's included
	every     raft.Index             // snapshot every this many applied entries; 0 never
	snapIndex raft.Index             // the last index of the latest persisted snapshot
	removed   bool                   // this node's removal has applied
	tombs     []raft.NodeID          // the servers removed so far, in order

	published atomic.Pointer[Configuration]
}

// initCluster sets up the node's stage-11 state from its configuration and
// what it restarts from: the snapshot's members, then the configuration
// changes of the persisted entries, in order.
func (n *Node) initCluster(cfg NodeConfig, snap *raft.Snapshot, book addressBook, entries []raft.Entry) {
	c := &n.cluster
	c.self = cfg.Self
	c.members = maps.Clone(cfg.Members)
	if c.members == nil {
		c.members = make(map[raft.NodeID]Member)
	}
	if cfg.Self.Raft != "" {
		c.members[n.id] = cfg.Self
	}
	switch {
	case cfg.SnapshotEvery > 0:
		c.every = raft.Index(cfg.SnapshotEvery)
	case cfg.SnapshotEvery == 0:
		c.every = DefaultSnapshotEvery
	}
	if snap != nil {
		c.snapIndex = snap.LastIncludedIndex
	}
	n.restoreBook(book)
	for _, e := range entries {
		if e.Type == raft.EntryConfChange {
			n.learnMember(e)
			if cc, err := raft.UnmarshalConfChange(e.Data); err == nil && cc.Type == raft.RemoveServer && cc.Node != n.id {
				n.forgetMember(cc.Node)
			}
		}
	}
	n.publishCluster()
}

// restoreBook adds the members of a snapshot's address book, and takes its
// removed servers.
func (n *Node) restoreBook(book addressBook) {
	for id, m := range book.Members {
		n.addMember(id, m)
	}
	for _, id := range book.Removed {
		if !slices.Contains(n.cluster.tombs, id) {
			n.cluster.tombs = append(n.cluster.tombs, id)
		}
	}
}

// watchRemoval waits until a peer says this node was removed, and then
// has the loop stop with ErrRemoved. A removed follower learns it so: the
// leader stops sending to it as soon as its removal is appended, so it
// never sees the removal commit; the members refuse it once it has.
func (n *Node) watchRemoval(removed <-chan struct{}) {
	select {
	case <-removed:
	case <-n.done:
		return
	}
	n.log.Warn("a peer says this node was removed from the cluster; stopping")
	n.runOnLoop(context.Background(), func() error {
		n.cluster.removed = true
		return nil
	})
}

// addMember records a member's addresses, and adds it to the transport.
func (n *Node) addMember(id raft.NodeID, m Member) {
	if id == raft.None || m.Raft == "" {
		return
	}
	if id == n.id {
		return // this node knows its own addresses
	}
	n.cluster.members[id] = m
	if ps, ok := n.transport.(PeerSet); ok {
		if err := ps.AddPeer(id, m.Raft); err != nil {
			n.log.Warn("cannot add a peer", "peer", uint64(id), "err", err)
		}
	}
}

// forgetMember drops a removed member's addresses and its peer, and keeps
// its ID among the removed.
func (n *Node) forgetMember(id raft.NodeID) {
	delete(n.cluster.members, id)
	if !slices.Contains(n.cluster.tombs, id) {
		n.cluster.tombs = append(n.cluster.tombs, id)
	}
	if ps, ok := n.transport.(PeerSet); ok {
		ps.RemovePeer(id)
	}
}

// learnMember records the addresses of the server that a configuration
// change entry adds. A leader must reach a new learner at once, before the
// entry commits, so the node calls it for each entry as it appears in a
// Ready (§4.1 of the dissertation: a configuration takes effect when
// appended).
func (n *Node) learnMember(e raft.Entry) {
	cc, err := raft.UnmarshalConfChange(e.Data)
	if err != nil {
		n.log.Warn("a configuration change entry does not decode", "index", uint64(e.Index), "err", err)
		return
	}
	if cc.Type == raft.RemoveServer || len(cc.Context) == 0 {
		return
	}
	var m Member
	if err := json.Unmarshal(cc.Context, &m); err != nil {
		n.log.Warn("a configuration change has no addresses", "index", uint64(e.Index), "node", uint64(cc.Node), "err", err)
		return
	}
	n.addMember(cc.Node, m)
}

// learnMembers calls learnMember for each configuration change of entries.
func (n *Node) learnMembers(entries []raft.Entry) {
	for _, e := range entries {
		if e.Type == raft.EntryConfChange {
			n.learnMember(e)
		}
	}
}

// applyConfChange is the node's configuration change hook, on the loop,
// as each change applies: a removed server's peer is forgotten once its
// removal commits (until then the leader may still need it), and this
// node's own removal stops it. Then the NodeConfig's hook runs, if any.
func (n *Node) applyConfChange(user func(raft.Entry) error) func(raft.Entry) error {
	return func(e raft.Entry) error {
		cc, err := raft.UnmarshalConfChange(e.Data)
		if err != nil {
			return err
		}
		if cc.Type == raft.RemoveServer {
			if cc.Node == n.id {
				n.cluster.removed = true
			} else {
				n.forgetMember(cc.Node)
			}
		}
		if user != nil {
			return user(e)
		}
		return nil
	}
}

// publishCluster publishes the configuration for other goroutines.
func (n *Node) publishCluster() {
	mc, ok := n.core.(MembershipCore)
	if !ok {
		return
	}
	voters, learners := mc.Membership()
	members := maps.Clone(n.cluster.members)
	if n.cluster.self.Raft != "" {
		members[n.id] = n.cluster.self
	}
	n.cluster.published.Store(&Configuration{Voters: voters, Learners: learners, Members: members, Removed: slices.Clone(n.cluster.tombs)})
}

// Configuration returns the cluster's configuration as this node knows it,
// or false if its core has no membership changes (stage 07's).
func (n *Node) Configuration() (Configuration, bool) {
	c := n.cluster.published.Load()
	if c == nil {
		return Configuration{}, false
	}
	return *c, true
}

// member returns the addresses this node knows for node id.
func (n *Node) member(id raft.NodeID) (Member, bool) {
	c, ok := n.Configuration()
	if !ok {
		return Member{}, false
	}
	m, ok := c.Members[id]
	return m, ok
}

// maybeSnapshot, on the loop after apply, takes a snapshot once
// SnapshotEvery entries have applied since the last one: the state
// machine's data, the core's Compact, then the storage's SaveSnapshot,
// which truncates the write-ahead log behind it.
func (n *Node) maybeSnapshot() error {
	cc, ok := n.core.(CompactingCore)
	applied := n.sm.applied()
	if !ok || n.cluster.every == 0 || applied < n.cluster.snapIndex+n.cluster.every {
		return nil
	}
	return n.snapshotAt(cc, applied)
}

// snapshotAt takes and persists a snapshot at index applied.
func (n *Node) snapshotAt(cc CompactingCore, applied raft.Index) error {
	snap, err := cc.Compact(applied, n.snapshotData())
	if err != nil {
		return n.errorf("snapshot at index %d: %w", applied, err)
	}
	last := snap.LastIncludedIndex
	if last <= n.cluster.snapIndex {
		return nil // nothing applied since the last one
	}
	// A temporary file, fsync, rename, fsync of the folder; then the
	// log is cut behind the snapshot.
	if err := n.storage.SaveSnapshot(snap); err != nil {
		return n.errorf("persist the snapshot at %d: %w", last, err)
	}
	n.cluster.snapIndex = last
	n.log.Debug("snapshot", "index", uint64(last), "bytes", len(snap.Data))
	return nil
}

// Snapshot takes a snapshot now, at the last applied index, whatever the
// policy, and waits until it is persisted. It fails for a core that does
// not compact (stage 07's).
func (n *Node) Snapshot(ctx context.Context) error {
	return n.runOnLoop(ctx, func() error {
		cc, ok := n.core.(CompactingCore)
		if !ok {
			return errors.New("raftkv: snapshots need the core of stage 11")
		}
		return n.snapshotAt(cc, n.sm.applied())
	})
}

// snapshotData is the Data of this node's snapshots: the store and the
// members' addresses (marshalSnapshotData).
func (n *Node) snapshotData() []byte {
	members := maps.Clone(n.cluster.members)
	if n.cluster.self.Raft != "" {
		members[n.id] = n.cluster.self
	}
	if pm, ok := n.transport.(interface {
		PeerMeta(raft.NodeID) map[string]string
	}); ok {
		for id, m := range members {
			meta := pm.PeerMeta(id)
			m.Raft, m.HTTP, m.RESP = orElse(m.Raft, meta["raft"]), orElse(m.HTTP, meta["http"]), orElse(m.RESP, meta["resp"])
			members[id] = m
		}
	}
	return marshalSnapshotData(n.sm.marshal(), addressBook{Members: members, Removed: n.cluster.tombs}) // the store and the client sessions
}

// orElse returns a if it is not empty, and b otherwise.
func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// snapshotMagic starts the Data of a snapshot that carries members. Ten
// 0xff bytes are no valid uvarint, so no MarshalStore output starts so,
// and a snapshot of the store alone (as stage 10's tests make) still
// restores.
const snapshotMagic = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xffraftkv1"

// marshalSnapshotData encodes a snapshot's Data: snapshotMagic, the
// state machine's encoding (stateMachine.marshal, or MarshalStore) with its
// length as a uvarint, then the address book in JSON.
func marshalSnapshotData(store []byte, book addressBook) []byte {
	b := append([]byte(snapshotMagic), binary.AppendUvarint(nil, uint64(len(store)))...)
	b = append(b, store...)
	js, _ := json.Marshal(book) // strings and integers always encode
	return append(b, js...)
}

// unmarshalSnapshotData decodes what marshalSnapshotData encodes, or a
// snapshot of the store alone, which has no members.
func unmarshalSnapshotData(data []byte) (store []byte, book addressBook, err error) {
	rest, ok := bytes.CutPrefix(data, []byte(snapshotMagic))
	if !ok {
		return data, addressBook{}, nil
	}
	n, size := binary.Uvarint(rest)
	if size <= 0 || n > uint64(len(rest)-size) {
		return nil, addressBook{}, fmt.Errorf("%w: the store's length runs past the end", ErrMalformedSnapshot)
	}
	store, js := rest[size:size+int(n)], rest[size+int(n):]
	if err := json.Unmarshal(js, &book); err != nil {
		return nil, addressBook{}, fmt.Errorf("%w: the address book: %w", ErrMalformedSnapshot, err)
	}
	return store, book, nil
}

// storeSnapshot returns snap with the state machine's part of its Data
// only, and the address book the Data carries.
func storeSnapshot(snap raft.Snapshot) (raft.Snapshot, addressBook, error) {
	store, book, err := unmarshalSnapshotData(snap.Data)
	if err != nil {
		return raft.Snapshot{}, addressBook{}, fmt.Errorf("raftkv: restore the snapshot at index %d: %w", snap.LastIncludedIndex, err)
	}
	snap.Data = store
	return snap, book, nil
}

// changeMembership proposes a configuration change on the loop and
// returns its index; a node that is not the leader returns a
// *NotLeaderError.
func (n *Node) changeMembership(ctx context.Context, cc raft.ConfChange) (raft.Index, raft.Term, error) {
	var index raft.Index
	var term raft.Term
	err := n.runOnLoop(ctx, func() error {
		mc, ok := n.core.(MembershipCore)
		if !ok {
			return ErrNoMembership
		}
		var err error
		index, term, err = mc.ProposeConfChange(cc)
		if errors.Is(err, raft.ErrNotLeader) {
			return &NotLeaderError{Leader: n.core.Status().Leader}
		}
		return err
	})
	return index, term, err
}

// retryable reports whether a failed configuration change may succeed if
// proposed again a moment later: the core refuses a change while another
// is pending, before the leader has committed an entry of its term, or
// during a leadership transfer. The callers check the changes that can
// never succeed (a member added twice, a stranger removed) beforehand.
func retryable(err error) bool {
	var notLeader *NotLeaderError
	return !errors.As(err, &notLeader) && !errors.Is(err, ErrNoMembership) &&
		!errors.Is(err, ErrStopped) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// proposeAndWait proposes cc, again every tick while the core refuses it
// for a passing reason, and waits until it has applied on this node.
func (n *Node) proposeAndWait(ctx context.Context, cc raft.ConfChange) error {
	for {
		index, term, err := n.changeMembership(ctx, cc)
		if err == nil {
			return n.waitApplied(ctx, index, term, cc)
		}
		if !retryable(err) {
			return err
		}
		if err := n.sleep(ctx, fmt.Sprintf("%s of node %d: %v", cc.Type, cc.Node, err)); err != nil {
			return err
		}
	}
}

// sleep waits a tick, or fails with what was tried when ctx ends first.
func (n *Node) sleep(ctx context.Context, trying string) error {
	t := time.NewTimer(n.tick)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("raftkv: node %d: gave up on %s: %w", n.id, trying, ctx.Err())
	case <-n.done:
		return ErrStopped
	}
}

// waitApplied waits until the entry at index, of term, has applied on this
// leader. A leader that removes itself stops once its removal applies:
// that is success.
func (n *Node) waitApplied(ctx context.Context, index raft.Index, term raft.Term, cc raft.ConfChange) error {
	for {
		st := n.Status()
		switch {
		case st.Applied >= index:
			return nil
		case st.Term != term:
			return ErrLeadershipLost
		}
		select {
		case <-n.done:
			if cc.Type == raft.RemoveServer && cc.Node == n.id && errors.Is(n.Err(), ErrRemoved) {
				return nil
			}
			return ErrStopped
		default:
		}
		if err := n.sleep(ctx, fmt.Sprintf("waiting for %s of node %d at index %d to apply", cc.Type, cc.Node, index)); err != nil {
			if cc.Type == raft.RemoveServer && cc.Node == n.id && errors.Is(n.Err(), ErrRemoved) {
				return nil
			}
			return err
		}
	}
}

// AddMember adds server id, at the addresses m, to the cluster, as the
// dissertation's §4.2.1 says: first as a learner, which catches up with
// the log (by snapshot if the leader has compacted what it lacks), then,
// once it holds every committed entry, as a voter. It runs on the leader;
// elsewhere it fails with a *NotLeaderError. Adding a voter again at the
// same address succeeds at once, so a joining server may retry; under
// another address it fails with ErrMemberExists: a server that lost its
// data joins under a new ID.
func (n *Node) AddMember(ctx context.Context, id raft.NodeID, m Member) error {
	conf, ok := n.Configuration()
	if !ok {
		return ErrNoMembership
	}
	if slices.Contains(conf.Removed, id) {
		return fmt.Errorf("%w: node %d was removed from this cluster, and an ID is never used twice: a server that comes back, with its data or without, joins under a new ID", ErrMemberExists, id)
	}
	if old, known := conf.Members[id]; (slices.Contains(conf.Voters, id) || slices.Contains(conf.Learners, id)) && known && old.Raft != m.Raft {
		return fmt.Errorf("%w: node %d is a member at %s, not %s; a server that lost its data must join under a new ID", ErrMemberExists, id, old.Raft, m.Raft)
	}
	if slices.Contains(conf.Voters, id) {
		return nil
	}
	addrs, err := json.Marshal(m)
	if err != nil {
		return err
	}
	add := raft.ConfChange{Node: id, Context: addrs}
	if !slices.Contains(conf.Learners, id) {
		add.Type = raft.AddLearner // first without a vote (§4.2.1)
		if err := n.proposeAndWait(ctx, add); err != nil {
			return err
		}
	}
	// The core refuses the promotion of a learner that lags.
	if err := n.waitCaughtUp(ctx, id); err != nil {
		return err
	}
	add.Type = raft.AddVoter
	return n.proposeAndWait(ctx, add)
}

// waitCaughtUp waits until learner id holds every entry the leader has
// committed, the condition for its promotion.
func (n *Node) waitCaughtUp(ctx context.Context, id raft.NodeID) error {
	for {
		var caughtUp bool
		err := n.runOnLoop(ctx, func() error {
			st := n.core.Status()
			if st.Role != raft.Leader {
				return &NotLeaderError{Leader: st.Leader}
			}
			caughtUp = st.Progress[id].Match >= st.Commit
			return nil
		})
		if err != nil || caughtUp {
			return err
		}
		if err := n.sleep(ctx, fmt.Sprintf("waiting for learner %d to catch up", id)); err != nil {
			return err
		}
	}
}

// RemoveMember removes server id from the cluster and waits until the
// change has applied on this leader. The leader may remove itself: it
// steps down, and stops, once the change commits. A server that is no
// member gives ErrNotMember.
func (n *Node) RemoveMember(ctx context.Context, id raft.NodeID) error {
	conf, ok := n.Configuration()
	if !ok {
		return ErrNoMembership
	}
	if !slices.Contains(conf.Voters, id) && !slices.Contains(conf.Learners, id) {
		return fmt.Errorf("%w: node %d (voters %v, learners %v)", ErrNotMember, id, conf.Voters, conf.Learners)
	}
	return n.proposeAndWait(ctx, raft.ConfChange{Type: raft.RemoveServer, Node: id})
}
