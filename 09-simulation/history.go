package sim

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	statemachine "raftgo/solutions/06-consensus"
)

// OpKind is what a client operation does.
type OpKind uint8

const (
	OpGet OpKind = iota
	OpSet
	OpDelete
)

// Input is a client operation as the history records it: the model's
// input.
type Input struct {
	Op    OpKind
	Key   string
	Value string // OpSet only
}

// String renders the operation as a client would type it.
func (in Input) String() string {
	switch in.Op {
	case OpGet:
		return fmt.Sprintf("GET %q", in.Key)
	case OpSet:
		return fmt.Sprintf("SET %q %q", in.Key, in.Value)
	default:
		return fmt.Sprintf("DEL %q", in.Key)
	}
}

// again returns the operation to send when a write is retried after a
// timeout: the same write, but a Set writes a value of its own ("c1.7"
// becomes "c1.7+"), so that every value in a history comes from one
// operation. A reader who sees the value then knows which attempt wrote
// it, and an attempt whose value no one ever reads can be left out of the
// check (see unobservedWritesDropped).
func (in Input) again() Input {
	if in.Op == OpSet {
		in.Value += "+"
	}
	return in
}

// readTag is the first byte of a read's log entry. Stage 06's commands
// start with 'S' or 'D'; a read carries its key only so that traces can
// show it.
const readTag = 'G'

// encode returns the bytes a leader proposes for the operation. A read
// goes through the log too: when its entry applies, the store holds every
// write committed before it, which makes the read linearizable (§8 of the
// paper; stage 11 replaces this with ReadIndex).
func (in Input) encode() []byte {
	switch in.Op {
	case OpGet:
		return append([]byte{readTag}, in.Key...)
	case OpSet:
		return statemachine.Set(in.Key, in.Value).Encode()
	default:
		return statemachine.Delete(in.Key).Encode()
	}
}

// isRead reports whether an entry's data is a read.
func isRead(data []byte) bool { return len(data) > 0 && data[0] == readTag }

// Output is what a client saw an operation return: the model's output.
type Output struct {
	Value   string // OpGet: the value read
	Found   bool   // OpGet: whether the key had a value
	Deleted bool   // OpDelete: whether the key existed
	// Unknown is set when the client gave up waiting: the operation may
	// have taken effect, or not, at any time after its call.
	Unknown bool
}

// state is the model's state for one key: its value, if it has one.
type state struct {
	value  string
	exists bool
}

// kvModel is the sequential specification of the store, one key at a
// time: porcupine checks each key's operations on their own
// (P-compositionality), which keeps the search small.
var kvModel = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() any { return state{} },
	Step: func(st, input, output any) (bool, any) {
		return step(st.(state), input.(Input), output.(Output))
	},
	Hash: func(st any) uint64 {
		s := st.(state)
		h := uint64(fnvOffset)
		for i := 0; i < len(s.value); i++ {
			h = (h ^ uint64(s.value[i])) * fnvPrime
		}
		if s.exists {
			h ^= 1
		}
		return h
	},
	DescribeOperation: func(input, output any) string {
		return describeOp(input.(Input), output.(Output))
	},
	DescribeState: func(st any) string {
		if s := st.(state); s.exists {
			return fmt.Sprintf("%q", s.value)
		}
		return "(none)"
	},
}

// step is the model's step: whether one copy of the store could have
// returned output for input in state st, and the state after it.
func step(st state, in Input, out Output) (bool, state) {
	// TODO: A SET always succeeds and sets the value; a DEL removes it and must
	// report Deleted exactly when the key existed; a GET changes nothing
	// and must return the value (Found and Value). An Unknown output
	// matches any result: the client never saw one (handout: "8. Linearizability").
	return false, st
}

// partitionByKey splits a history into one history per key, in the order
// keys first appear.
func partitionByKey(ops []porcupine.Operation) [][]porcupine.Operation {
	// TODO: Group the operations by Input.Key, keeping their order within each
	// key, and the keys in the order they first appear, so that the check
	// is deterministic (handout: "8. Linearizability").
	return [][]porcupine.Operation{ops}
}

// describeOp renders an operation and its result for the timeline.
func describeOp(in Input, out Output) string {
	switch {
	case out.Unknown:
		return in.String() + " → ?"
	case in.Op == OpGet && out.Found:
		return fmt.Sprintf("%s → %q", in, out.Value)
	case in.Op == OpGet:
		return in.String() + " → (none)"
	case in.Op == OpDelete:
		return fmt.Sprintf("%s → %t", in, out.Deleted)
	default:
		return in.String() + " → OK"
	}
}

// history records the clients' operations as they happen.
type history struct {
	ops       []porcupine.Operation
	open      map[int]int // client → index in ops of its operation in progress
	unknowns  []int       // indexes in ops of operations with unknown outcomes
	completed int         // operations that returned
}

func newHistory() *history { return &history{open: make(map[int]int)} }

// call records that a client called an operation.
func (h *history) call(client int, in Input, at time.Duration) {
	h.open[client] = len(h.ops)
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: int64(at)})
}

// ret records that the client's operation returned.
func (h *history) ret(client int, out Output, at time.Duration) {
	i := h.open[client]
	delete(h.open, client)
	h.ops[i].Output, h.ops[i].Return = out, int64(at)
	h.completed++
}

// unknown records that the client gave up on its operation.
func (h *history) unknown(client int) {
	i := h.open[client]
	delete(h.open, client)
	h.ops[i].Output = Output{Unknown: true}
	h.unknowns = append(h.unknowns, i)
}

// forget removes the client's operation from the history: it is known
// never to have taken effect (or, for a read, to have changed nothing).
func (h *history) forget(client int) {
	i := h.open[client]
	delete(h.open, client)
	h.ops[i].Input = nil
}

// operations returns the history for porcupine as of time end, and how
// many operations have unknown outcomes. Writes still in progress are
// unknown too; reads still in progress are left out. An unknown
// operation's return is after every other event of the history, as
// porcupine's documentation does for a call that never returned: it may
// take effect at any time after its call.
func (h *history) operations(end time.Duration) ([]porcupine.Operation, int) {
	ops := slices.Clone(h.ops)
	unknown := len(h.unknowns)
	for _, i := range h.open {
		if ops[i].Input.(Input).Op == OpGet {
			ops[i].Input = nil
			continue
		}
		ops[i].Output = Output{Unknown: true}
		unknown++
	}
	never := int64(end) + 1
	if never <= 0 {
		never = math.MaxInt64
	}
	kept := ops[:0]
	for _, op := range ops {
		if op.Input == nil {
			continue
		}
		if op.Output.(Output).Unknown {
			op.Return = never
		}
		kept = append(kept, op)
	}
	return unobservedWritesDropped(kept), unknown
}

// unobservedWritesDropped removes from a history the Sets with unknown
// outcomes that no other operation can have observed: no Get returned their
// value, and no Delete that may come after them reported a deleted key (a
// Delete with an unknown outcome reported nothing). The
// history stays linearizable or not exactly as before (such a Set can
// always be placed last, or left out, without changing what anyone saw),
// but porcupine no longer tries every place for each of them, which grows
// exponentially with their number. etcd's robustness tests do the same.
func unobservedWritesDropped(ops []porcupine.Operation) []porcupine.Operation {
	type keyValue struct{ key, value string }
	read := make(map[keyValue]bool)
	lastDelete := make(map[string]int64) // the latest return of a Delete that found its key
	for _, op := range ops {
		in, out := op.Input.(Input), op.Output.(Output)
		switch {
		case in.Op == OpGet && out.Found:
			read[keyValue{in.Key, out.Value}] = true
		case in.Op == OpDelete && out.Deleted:
			lastDelete[in.Key] = max(lastDelete[in.Key], op.Return)
		}
	}
	return slices.DeleteFunc(ops, func(op porcupine.Operation) bool {
		in := op.Input.(Input)
		if in.Op != OpSet || !op.Output.(Output).Unknown || read[keyValue{in.Key, in.Value}] {
			return false
		}
		last, deleted := lastDelete[in.Key]
		return !deleted || last < op.Call
	})
}
