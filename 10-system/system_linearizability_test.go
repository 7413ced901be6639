package raftkv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"
)

// kvInput is one client operation for porcupine: a read, or a write of
// value.
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

// TestLinearizableUnderRestarts runs concurrent HTTP clients against a
// three-server cluster while servers are stopped and restarted one at a
// time, records every operation's call and return, and checks the history
// with porcupine: it must be linearizable, as if each operation had taken
// effect at one instant between its call and its return. A write whose
// outcome is unknown (a timeout, a lost leadership) may have taken effect
// at any time after its call, or never. Stage 09 explains porcupine.
// Handout: "3. Waiting for a command" and "10. The whole system", which
// rests on every task, above all "6. The write-ahead log",
// "7. The transport", "8. The HTTP API" and "9. The RESP front door".
func TestLinearizableUnderRestarts(t *testing.T) {
	c := newLiveCluster(t, 3)
	c.waitLeader()
	const clients, opsPerClient = 4, 60
	keys := []string{"x", "y", "z"}
	var (
		mu      sync.Mutex
		history []porcupine.Operation
		done    atomic.Int64
	)
	deadline := time.Now().Add(40 * time.Second)
	var wg sync.WaitGroup
	for cl := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(cl), 10))
			for i := 0; i < opsPerClient && time.Now().Before(deadline); {
				n := c.ids[rng.IntN(len(c.ids))]
				addr := c.nodes[n].cfg.HTTPAddr
				in := kvInput{write: rng.IntN(2) == 0, key: keys[rng.IntN(len(keys))], value: fmt.Sprintf("c%d-%d", cl, i)}
				op := porcupine.Operation{ClientId: cl, Input: in, Call: time.Now().UnixNano()}
				var err error
				if in.write {
					err = put(addr, in.key, in.value)
				} else {
					var out kvOutput
					out.value, out.found, err = get(addr, in.key)
					op.Output = out
				}
				op.Return = time.Now().UnixNano()
				switch {
				case err == nil:
				case in.write && !definitelyNotDone(err):
					op.Return = 1 << 62 // unknown outcome: it may take effect at any time after its call
				default:
					// A failed read, or a write that surely did nothing:
					// back off a little, as Retry-After asks, and retry.
					<-time.After(10 * time.Millisecond)
					continue
				}
				mu.Lock()
				history = append(history, op)
				mu.Unlock()
				done.Add(1)
				i++
			}
		})
	}
	// Chaos, paced by the clients' progress: stop a server, let the
	// others serve, restart it; then the next one.
	target := int64(clients * opsPerClient)
	for round := range 3 {
		id := c.ids[round%len(c.ids)]
		waitOps(t, &done, target*int64(2*round+1)/8)
		c.stop(id)
		waitOps(t, &done, target*int64(2*round+2)/8)
		c.start(id)
	}
	wg.Wait()
	require.Len(t, history, clients*opsPerClient, "every client should complete its operations within 40 s, retrying while a server is down or no leader is elected")
	result, info := porcupine.CheckOperationsVerbose(kvModel, history, 20*time.Second)
	if result == porcupine.Illegal {
		file := t.TempDir() + "/history.html"
		porcupine.VisualizePath(kvModel, info, file)
		t.Fatalf("the history of %d operations is not linearizable; the timeline is in %s (handout: \"3. Waiting for a command\")", len(history), file)
	}
	require.Equal(t, porcupine.Ok, result, "porcupine could not decide within 20 s")
}

// waitOps waits, up to 30 s, until the clients have completed n
// operations.
func waitOps(t *testing.T, done *atomic.Int64, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for done.Load() < n {
		require.True(t, time.Now().Before(deadline), "the clients completed %d operations in 30 s, not %d", done.Load(), n)
		<-time.After(5 * time.Millisecond)
	}
}
