package system

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/anishathalye/porcupine"
)

// kvInput is one client operation for porcupine: a read, or a write of
// value. The model is stage 10's (system_linearizability_test.go).
type kvInput struct {
	write      bool
	key, value string
}

// kvOutput is what a read returned.
type kvOutput struct {
	value string
	found bool
}

// kvState is one key's state in the model.
type kvState struct {
	value   string
	present bool
}

// kvModel is the sequential specification of the store, partitioned by
// key: each key is a register, checked on its own.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := make(map[string][]porcupine.Operation)
		var keys []string
		for _, op := range history {
			k := op.Input.(kvInput).key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		var parts [][]porcupine.Operation
		for _, k := range keys {
			parts = append(parts, byKey[k])
		}
		return parts
	},
	Init: func() any { return kvState{} },
	Step: func(state, input, output any) (bool, any) {
		st, in := state.(kvState), input.(kvInput)
		if in.write {
			return true, kvState{value: in.value, present: true}
		}
		out := output.(kvOutput)
		return out.found == st.present && out.value == st.value, st
	},
	DescribeOperation: func(input, output any) string {
		in := input.(kvInput)
		if in.write {
			return fmt.Sprintf("put(%s, %s)", in.key, in.value)
		}
		out := output.(kvOutput)
		return fmt.Sprintf("get(%s) -> %q, %v", in.key, out.value, out.found)
	},
}

// definitelyNotDone reports whether a failed request surely changed
// nothing: it never reached a server, or the server refused it before
// proposing it, or its entry was replaced.
func definitelyNotDone(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "no leader") || strings.Contains(msg, "not known here") || strings.Contains(msg, "proposal lost")
}
