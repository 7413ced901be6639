package core

import (
	"fmt"
	"slices"

	"raftgo/solutions/03-planning"
)

// Compact records that the state machine took a snapshot, data, of its
// state after applying every entry up to index, and compacts the log behind
// it, keeping Options.TrailingEntries entries before index (§7). index must
// have been handed out to apply in a Ready. Compact returns the snapshot,
// with its term and the configuration as of index, for the runtime to
// persist; once it has, the runtime may drop the persisted entries up to
// index. A snapshot at or below the latest one changes nothing, and
// Compact returns the latest one.
func (n *Node) Compact(index raft.Index, data []byte) (raft.Snapshot, error) {
	if index > n.applied {
		return raft.Snapshot{}, fmt.Errorf("core: node %d: snapshot at index %d, past the last entry handed out to apply, %d", n.id, index, n.applied)
	}
	if len(data) > raft.MaxSnapshotDataSize {
		return raft.Snapshot{}, fmt.Errorf("core: node %d: snapshot of %d bytes: %w: the limit is MaxSnapshotDataSize, %d bytes", n.id, len(data), raft.ErrTooLarge, raft.MaxSnapshotDataSize)
	}
	if n.snapshot != nil && index <= n.snapshot.LastIncludedIndex {
		return *cloneSnapshot(n.snapshot), nil
	}
	//workshop:todo Build the snapshot: index, the term of the entry at index, the
	//workshop:todo configuration in effect at index (n.confAt), and a copy of data. Make
	//workshop:todo it the node's latest snapshot, then compact the log up to
	//workshop:todo TrailingEntries before index (§7: "the entire system state is written to
	//workshop:todo a snapshot on stable storage, then the entire log up to that point is
	//workshop:todo discarded"; handout: "2. Compaction").
	term, ok := n.log.Term(index)
	if !ok {
		return raft.Snapshot{}, fmt.Errorf("core: node %d: snapshot at index %d, which the log no longer holds (it starts at %d)", n.id, index, n.log.FirstIndex())
	}
	conf, _, err := n.confAt(index)
	if err != nil {
		return raft.Snapshot{}, fmt.Errorf("core: node %d: configuration at index %d: %w", n.id, index, err)
	}
	snap := raft.Snapshot{
		LastIncludedIndex: index,
		LastIncludedTerm:  term,
		Voters:            slices.Clone(conf.voters),
		Learners:          slices.Clone(conf.learners),
		Data:              slices.Clone(data),
	}
	n.snapshot = cloneSnapshot(&snap)
	if keep := raft.Index(n.opts.TrailingEntries); index > keep {
		if err := n.log.Compact(index - keep); err != nil {
			return raft.Snapshot{}, fmt.Errorf("core: node %d: %w", n.id, err)
		}
	}
	return snap, nil
	//workshop:stub return raft.Snapshot{}, fmt.Errorf("core: node %d: Compact(%d) is not implemented (handout: \"2. Compaction\")", n.id, index)
	//workshop:end
}

// sendSnapshot sends a follower the next chunk of the latest snapshot, from
// the offset it acknowledged (Figure 13). A follower that was receiving an
// older snapshot starts over with the latest.
func (n *Node) sendSnapshot(to raft.NodeID, pr *progress) {
	if n.snapshot == nil {
		panic(fmt.Sprintf("core: leader %d must send node %d entries before %d, but has no snapshot", n.id, to, n.log.FirstIndex()))
	}
	//workshop:todo Start over at offset 0 unless the follower is receiving this very
	//workshop:todo snapshot; then send the chunk of at most SnapshotChunkSize bytes that
	//workshop:todo starts at pr.offset, with Done set on the last one (Figure 13: offset,
	//workshop:todo data[], done; handout: "4. Sending a snapshot").
	snap := n.snapshot
	if pr.sending != snap.LastIncludedIndex {
		pr.sending, pr.offset = snap.LastIncludedIndex, 0
	}
	end := min(uint64(len(snap.Data)), pr.offset+uint64(n.opts.SnapshotChunkSize))
	chunk := *snap
	chunk.Data = snap.Data[pr.offset:end:end]
	n.send(to, raft.InstallSnapshot{
		Snapshot: chunk,
		Offset:   pr.offset,
		Done:     end == uint64(len(snap.Data)),
	})
	//workshop:end
}

// handleSnapshotResponse moves a snapshot transfer on: the next chunk once
// a chunk is acknowledged, and entries again once the snapshot is
// installed.
func (n *Node) handleSnapshotResponse(from raft.NodeID, resp raft.InstallSnapshotResponse) {
	pr := n.progress[from]
	if n.role != raft.Leader || pr == nil {
		return
	}
	//workshop:todo Once installed (MatchIndex is set), the follower matches up to
	//workshop:todo MatchIndex: move match and next, stop sending the snapshot, commit
	//workshop:todo what can be and send it the entries that follow. Otherwise, for the
	//workshop:todo snapshot being sent, move the offset to the one acknowledged and send
	//workshop:todo the next chunk (handout: "4. Sending a snapshot").
	if resp.MatchIndex != 0 {
		pr.match = max(pr.match, resp.MatchIndex)
		pr.next = max(pr.next, pr.match+1)
		pr.sending, pr.offset = 0, 0
		n.maybeCommit()
		if n.role == raft.Leader && pr.next <= n.log.LastIndex() {
			n.sendAppend(from)
		}
		return
	}
	if pr.sending == 0 || resp.LastIncludedIndex != pr.sending || resp.Offset <= pr.offset {
		return // stale or repeated: the next heartbeat resends the chunk
	}
	pr.offset = resp.Offset
	n.sendSnapshot(from, pr)
	//workshop:end
}

// handleInstallSnapshot is the InstallSnapshot receiver (Figure 13). It
// gathers the chunks in order; with the last one it installs the snapshot:
// the log keeps the entries after it if it holds the snapshot's last entry,
// the configuration becomes the snapshot's (or a later one in the kept
// entries), and the next Ready hands the snapshot out to persist and to
// restore the state machine from.
func (n *Node) handleInstallSnapshot(from raft.NodeID, is raft.InstallSnapshot) error {
	if n.role != raft.Follower || n.leader != from {
		n.becomeFollower(n.term, from)
	}
	n.resetElectionTimer()
	meta := is.Snapshot
	index := meta.LastIncludedIndex
	if index == 0 || meta.LastIncludedTerm == 0 {
		return fmt.Errorf("core: node %d got an InstallSnapshot from %d for index %d, term %d: a snapshot covers at least one entry", n.id, from, index, meta.LastIncludedTerm)
	}
	//workshop:todo A snapshot that covers no more than what this node has committed
	//workshop:todo brings nothing: answer at once that the log matches up to the commit
	//workshop:todo index. Otherwise gather the chunk: offset 0 starts a new snapshot
	//workshop:todo (n.incoming); a chunk that follows what was gathered of the same snapshot
	//workshop:todo is appended; any other is out of order. Until Done, answer with how much
	//workshop:todo is gathered (Figure 13, receiver rules 2 to 5; handout: "5. Installing
	//workshop:todo a snapshot").
	if index <= n.commit {
		n.send(from, raft.InstallSnapshotResponse{MatchIndex: n.commit})
		return nil
	}
	in := n.incoming
	same := in != nil && in.LastIncludedIndex == index && in.LastIncludedTerm == meta.LastIncludedTerm
	switch {
	case is.Offset == 0:
		in = cloneSnapshot(&meta)
	case same && is.Offset == uint64(len(in.Data)):
		in.Data = appendChunk(in.Data, meta.Data)
	default:
		var have uint64
		if same {
			have = uint64(len(in.Data))
		}
		n.send(from, raft.InstallSnapshotResponse{LastIncludedIndex: index, Offset: have})
		return nil
	}
	n.incoming = in
	if !is.Done {
		n.send(from, raft.InstallSnapshotResponse{LastIncludedIndex: index, Offset: uint64(len(in.Data))})
		return nil
	}
	n.incoming = nil
	if err := n.install(in); err != nil {
		return fmt.Errorf("core: node %d cannot install the snapshot from %d: %w", n.id, from, err)
	}
	n.send(from, raft.InstallSnapshotResponse{MatchIndex: index, LastIncludedIndex: index, Offset: uint64(len(in.Data))})
	return nil
	//workshop:stub n.send(from, raft.InstallSnapshotResponse{LastIncludedIndex: index})
	//workshop:stub return nil
	//workshop:end
}

// install makes a whole snapshot from the leader the base of the log and
// the state to restore (Figure 13, receiver rules 6 to 8).
func (n *Node) install(snap *raft.Snapshot) error {
	//workshop:todo Restore the log from the snapshot (n.log.Restore keeps or discards the
	//workshop:todo entries after it), make it the latest snapshot and the one the next
	//workshop:todo Ready hands out (n.restored), move commit and applied up to its index,
	//workshop:todo reload the configuration, and have the entries kept persisted again:
	//workshop:todo the snapshot replaces the whole persisted log (handout: "5. Installing a
	//workshop:todo snapshot").
	index := snap.LastIncludedIndex
	kept := n.log.Restore(index, snap.LastIncludedTerm)
	n.snapshot, n.restored = snap, snap
	n.commit, n.applied = max(n.commit, index), index
	n.unstableFrom = 0
	if kept {
		n.markUnstable(index + 1)
	}
	return n.reloadConf()
	//workshop:stub return fmt.Errorf("installing snapshot %d is not implemented (handout: \"5. Installing a snapshot\")", snap.LastIncludedIndex)
	//workshop:end
}

// appendChunk appends a chunk to the data gathered so far, doubling the
// buffer when it must grow: a snapshot of n bytes then costs about 2n bytes
// of copying, where append's gentler growth of large slices costs about 5n.
func appendChunk(buf, chunk []byte) []byte {
	if need := len(buf) + len(chunk); need > cap(buf) {
		buf = slices.Grow(buf, max(need, 2*cap(buf))-len(buf))
	}
	return append(buf, chunk...)
}

// cloneSnapshot returns a deep copy of snap, so that the node never shares
// a snapshot's slices with its caller.
func cloneSnapshot(snap *raft.Snapshot) *raft.Snapshot {
	c := *snap
	c.Voters = slices.Clone(snap.Voters)
	c.Learners = slices.Clone(snap.Learners)
	c.Data = slices.Clone(snap.Data)
	return &c
}
