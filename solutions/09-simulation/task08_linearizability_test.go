package sim

import (
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestModel checks the key-value model porcupine checks histories against,
// one step at a time (handout: "8. Linearizability").
func TestModel(t *testing.T) {
	none, v1 := state{}, state{value: "v1", exists: true}
	tests := []struct {
		name   string
		before state
		in     Input
		out    Output
		ok     bool
		after  state
	}{
		{"set", none, Input{Op: OpSet, Key: "k", Value: "v1"}, Output{}, true, v1},
		{"set over a value", state{value: "v0", exists: true}, Input{Op: OpSet, Key: "k", Value: "v1"}, Output{}, true, v1},
		{"get the value", v1, Input{Op: OpGet, Key: "k"}, Output{Value: "v1", Found: true}, true, v1},
		{"get a stale value", v1, Input{Op: OpGet, Key: "k"}, Output{Value: "v0", Found: true}, false, v1},
		{"get nothing from a value", v1, Input{Op: OpGet, Key: "k"}, Output{}, false, v1},
		{"get nothing", none, Input{Op: OpGet, Key: "k"}, Output{}, true, none},
		{"get an empty value", state{exists: true}, Input{Op: OpGet, Key: "k"}, Output{Found: true}, true, state{exists: true}},
		{"get a value from nothing", none, Input{Op: OpGet, Key: "k"}, Output{Value: "v1", Found: true}, false, none},
		{"delete a value", v1, Input{Op: OpDelete, Key: "k"}, Output{Deleted: true}, true, none},
		{"delete nothing", none, Input{Op: OpDelete, Key: "k"}, Output{Deleted: false}, true, none},
		{"delete claims a value", none, Input{Op: OpDelete, Key: "k"}, Output{Deleted: true}, false, none},
		{"delete claims nothing", v1, Input{Op: OpDelete, Key: "k"}, Output{Deleted: false}, false, none},
		{"unknown set", none, Input{Op: OpSet, Key: "k", Value: "v1"}, Output{Unknown: true}, true, v1},
		{"unknown delete", v1, Input{Op: OpDelete, Key: "k"}, Output{Unknown: true}, true, none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, after := step(tt.before, tt.in, tt.out)
			require.Equal(t, tt.ok, ok, "is %s legal in state %+v? (handout: \"8. Linearizability\")", describeOp(tt.in, tt.out), tt.before)
			if ok {
				assert.Equal(t, tt.after, after, "state after %s (handout: \"8. Linearizability\")", describeOp(tt.in, tt.out))
			}
		})
	}
}

// TestPartitionByKey checks that a history splits into one history per
// key, keys in the order they first appear (handout: "8. Linearizability").
func TestPartitionByKey(t *testing.T) {
	op := func(key string, call int64) porcupine.Operation {
		return porcupine.Operation{Input: Input{Op: OpGet, Key: key}, Output: Output{}, Call: call, Return: call + 1}
	}
	parts := partitionByKey([]porcupine.Operation{op("b", 1), op("a", 2), op("b", 3), op("c", 4), op("a", 5)})
	require.Len(t, parts, 3, "three keys, three histories (handout: \"8. Linearizability\")")
	calls := func(ops []porcupine.Operation) []int64 {
		var cs []int64
		for _, o := range ops {
			cs = append(cs, o.Call)
		}
		return cs
	}
	assert.Equal(t, [][]int64{{1, 3}, {2, 5}, {4}}, [][]int64{calls(parts[0]), calls(parts[1]), calls(parts[2])}, "each key's operations in order, keys in order of first appearance (handout: \"8. Linearizability\")")

	// A history that is linearizable per key, checked through the model.
	set := porcupine.Operation{Input: Input{Op: OpSet, Key: "a", Value: "1"}, Output: Output{}, Call: 0, Return: 10}
	get := porcupine.Operation{Input: Input{Op: OpGet, Key: "a"}, Output: Output{Value: "1", Found: true}, Call: 5, Return: 6}
	stale := porcupine.Operation{Input: Input{Op: OpGet, Key: "a"}, Output: Output{}, Call: 11, Return: 12}
	assert.Equal(t, porcupine.Ok, porcupine.CheckOperationsTimeout(kvModel, []porcupine.Operation{set, get}, 0), "a Get concurrent with the Set may see it (handout: \"8. Linearizability\")")
	assert.Equal(t, porcupine.Illegal, porcupine.CheckOperationsTimeout(kvModel, []porcupine.Operation{set, get, stale}, 0), "a Get after the Set returned must see it (handout: \"8. Linearizability\")")
}

// TestStaleReadCaughtByPorcupine plants a stale read: every node answers a
// Get from its own store at once, leader or not. No Raft property breaks,
// so stage 08's checkers see nothing; only the linearizability check of
// the clients' history can catch it (handout: "8. Linearizability").
func TestStaleReadCaughtByPorcupine(t *testing.T) {
	var found *Result
	for seed := range uint64(20) {
		opts := short(seed)
		opts.StaleReads = true
		r := run(t, opts)
		if !r.Passed() {
			found = r
			break
		}
	}
	require.NotNil(t, found, "20 seeds of stale reads, none caught: check the history with porcupine at the end of a run (handout: \"8. Linearizability\")")
	assert.Equal(t, PropertyLinearizability, found.Failure.Property, "seed %d: the stale read must be caught by the linearizability check, not a Raft property (handout: \"8. Linearizability\"): %s", found.Seed, explain(found))
	assert.Equal(t, porcupine.Illegal, found.Check, "porcupine's verdict on seed %d (handout: \"8. Linearizability\")", found.Seed)
}
