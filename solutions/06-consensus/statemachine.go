package core

import (
	"encoding/binary"
	"errors"
	"fmt"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
)

// Op is what a Command does to the store.
type Op byte

// The operations, with their byte in the encoding. The values are part of
// the log's format: never change them, only add new ones.
const (
	OpSet    Op = 'S'
	OpDelete Op = 'D'
)

// String returns the operation's name, as a client would type it.
func (op Op) String() string {
	switch op {
	case OpSet:
		return "SET"
	case OpDelete:
		return "DEL"
	}
	return fmt.Sprintf("Op(%#02x)", byte(op))
}

// Command is one change to the key-value store, as it travels in the Data
// of a log entry: SET key value, or DEL key.
//
// Its encoding is one byte for the operation ('S' or 'D'), the key's length
// as an unsigned varint (encoding/binary), the key's bytes, and, for SET
// only, the value's bytes, which run to the end of the entry. So
// SET "k" "v1" is the four bytes 'S' 0x01 'k' 'v' '1' followed by nothing,
// and DEL "k" is 'D' 0x01 'k'. Keys and values are any bytes. An entry with
// no Data at all is not a command: it is the no-op a new leader appends
// (§8), and the Applier skips it.
type Command struct {
	Op    Op
	Key   string
	Value string // SET only
}

// Set returns the command that stores value under key.
func Set(key, value string) Command { return Command{Op: OpSet, Key: key, Value: value} }

// Delete returns the command that removes key.
func Delete(key string) Command { return Command{Op: OpDelete, Key: key} }

// String renders the command as a client would type it, with the key and
// value quoted, such as `SET "k" "v1"`.
func (c Command) String() string {
	if c.Op == OpSet {
		return fmt.Sprintf("%s %q %q", c.Op, c.Key, c.Value)
	}
	return fmt.Sprintf("%s %q", c.Op, c.Key)
}

// Encode returns the command's bytes, to propose as an entry's Data.
func (c Command) Encode() []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(c.Key)+len(c.Value))
	b = append(b, byte(c.Op))
	b = binary.AppendUvarint(b, uint64(len(c.Key)))
	b = append(b, c.Key...)
	if c.Op == OpSet {
		b = append(b, c.Value...)
	}
	return b
}

// ErrMalformedCommand is wrapped by every error DecodeCommand returns.
var ErrMalformedCommand = errors.New("malformed command")

// DecodeCommand parses the Data of a committed entry. It rejects data that
// Encode could not have produced with an error that wraps
// ErrMalformedCommand and says what is wrong.
func DecodeCommand(data []byte) (Command, error) {
	//workshop:todo Parse the encoding described on Command: the operation byte, the
	//workshop:todo key's uvarint length (binary.Uvarint), the key, and for SET the
	//workshop:todo value. Reject, wrapping ErrMalformedCommand and saying what is
	//workshop:todo wrong: no bytes, an unknown operation, a bad length, a key that
	//workshop:todo runs past the end, and bytes after a DEL's key
	//workshop:todo (handout: "4. The state machine").
	if len(data) == 0 {
		return Command{}, fmt.Errorf("%w: no bytes", ErrMalformedCommand)
	}
	op := Op(data[0])
	if op != OpSet && op != OpDelete {
		return Command{}, fmt.Errorf("%w: unknown operation byte %#02x", ErrMalformedCommand, data[0])
	}
	keyLen, n := binary.Uvarint(data[1:])
	if n <= 0 {
		return Command{}, fmt.Errorf("%w: %s has no valid key length", ErrMalformedCommand, op)
	}
	rest := data[1+n:]
	if keyLen > uint64(len(rest)) {
		return Command{}, fmt.Errorf("%w: %s key length %d runs past the end of the %d bytes that follow it", ErrMalformedCommand, op, keyLen, len(rest))
	}
	c := Command{Op: op, Key: string(rest[:keyLen])}
	rest = rest[keyLen:]
	switch {
	case op == OpSet:
		c.Value = string(rest)
	case len(rest) > 0:
		return Command{}, fmt.Errorf("%w: DEL %q has %d bytes after its key", ErrMalformedCommand, c.Key, len(rest))
	}
	return c, nil
	//workshop:stub return Command{}, errors.New("DecodeCommand is not implemented")
	//workshop:end
}

// ErrProposalLost is wrapped by the Result of a proposal whose entry was
// replaced: a different entry, from another term, was committed at its
// index, so its command will never apply. The client may retry it.
var ErrProposalLost = errors.New("proposal lost")

// Result is the outcome of a proposal, delivered when the entry at its
// index applies.
type Result struct {
	Index raft.Index
	Term  raft.Term
	// Deleted reports, for a DEL, whether the key existed.
	Deleted bool
	// Err is nil when the command applied. It wraps ErrProposalLost when
	// another entry took the proposal's place, and ErrMalformedCommand when
	// the command's bytes could not be decoded (every replica then skips it
	// alike).
	Err error
}

// Applier applies committed entries to a store, the replicated state
// machine (§5; Figure 1), and tells proposers what became of their
// commands. An Applier is not safe for concurrent use: the node's runtime
// feeds it each Ready's CommittedEntries from one goroutine.
type Applier struct {
	store   *kvserver.Store
	applied raft.Index
	waiting map[raft.Index]proposal
}

// proposal is a command proposed at an index and term, waiting to apply.
type proposal struct {
	term raft.Term
	done func(Result)
}

// NewApplier returns an Applier that applies entries to store, starting
// after index 0. In stages 06 and 07 a restarted node replays its log from
// the start, so the store it gets must be empty.
func NewApplier(store *kvserver.Store) *Applier {
	return &Applier{store: store, waiting: make(map[raft.Index]proposal)}
}

// NewApplierAt returns an Applier for a store that already holds the state
// as of index applied, such as one restored from a snapshot (stage 11): it
// applies the entries after applied.
func NewApplierAt(store *kvserver.Store, applied raft.Index) *Applier {
	a := NewApplier(store)
	a.applied = applied
	return a
}

// Applied returns the index of the last entry applied.
func (a *Applier) Applied() raft.Index { return a.applied }

// Track asks for done to be called with the outcome of the command that
// Propose placed at index in term. It must be called before the entry at
// index applies; it fails if that entry has already applied or another
// proposal of the same or a later term already waits on index. A proposal
// of an earlier term waiting on index is lost, since the proposer's log now
// holds an entry of a later term there: its done is called at once with
// ErrProposalLost.
func (a *Applier) Track(index raft.Index, term raft.Term, done func(Result)) error {
	if index <= a.applied {
		return fmt.Errorf("core: cannot track the proposal at index %d: entries up to %d have already applied", index, a.applied)
	}
	if p, ok := a.waiting[index]; ok {
		if p.term >= term {
			return fmt.Errorf("core: cannot track the proposal at index %d in term %d: another proposal already waits on that index", index, term)
		}
		p.done(Result{Index: index, Term: p.term, Err: fmt.Errorf("%w: proposed at index %d in term %d, but the log now holds an entry of term %d there", ErrProposalLost, index, p.term, term)})
	}
	a.waiting[index] = proposal{term: term, done: done}
	return nil
}

// Apply applies committed entries in log order, each exactly once. Entries
// it has already applied are skipped, so handing it the same entry twice is
// harmless; an entry past the next expected index is an error, because
// skipping one would make this replica's state differ from the others'.
// Entries with no Data are no-ops. For every applied entry that a
// proposal waits on, Apply calls the proposal's done function.
func (a *Applier) Apply(entries []raft.Entry) error {
	//workshop:todo For each entry: skip it if it is at or before Applied; fail if it
	//workshop:todo leaves a gap; otherwise apply it (no Data: a no-op; else decode and
	//workshop:todo run the command on the store), move Applied forward, and if a
	//workshop:todo proposal waits on that index, report its Result, with
	//workshop:todo ErrProposalLost when the entry's term is not the proposal's
	//workshop:todo (handout: "4. The state machine").
	for _, e := range entries {
		if e.Index <= a.applied {
			continue
		}
		if e.Index != a.applied+1 {
			return fmt.Errorf("core: cannot apply entry %d: the next entry to apply is %d", e.Index, a.applied+1)
		}
		res := a.apply(e)
		a.applied = e.Index
		if p, ok := a.waiting[e.Index]; ok {
			delete(a.waiting, e.Index)
			if p.term != e.Term {
				res = Result{Index: e.Index, Term: p.term, Err: fmt.Errorf("%w: proposed at index %d in term %d, but the entry committed there is from term %d", ErrProposalLost, e.Index, p.term, e.Term)}
			}
			p.done(res)
		}
	}
	return nil
	//workshop:stub return errors.New("Apply is not implemented")
	//workshop:end
}

// apply runs one entry's command on the store and returns its outcome.
func (a *Applier) apply(e raft.Entry) Result {
	res := Result{Index: e.Index, Term: e.Term}
	if len(e.Data) == 0 {
		return res // the no-op of a new leader (§8)
	}
	c, err := DecodeCommand(e.Data)
	if err != nil {
		res.Err = fmt.Errorf("core: entry %d: %w", e.Index, err)
		return res
	}
	switch c.Op {
	case OpSet:
		a.store.Set(c.Key, c.Value)
	case OpDelete:
		res.Deleted = a.store.Delete(c.Key) == 1
	}
	return res
}
