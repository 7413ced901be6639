package core

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGivenNode checks the given type.
func TestGivenNode(t *testing.T) {
	var n Node
	require.Empty(t, n.outbox)
}

// TestLongDiff compares two long logs. Handout: "Logs".
func TestLongDiff(t *testing.T) {
	var want, got []string
	for i := range 40 {
		want = append(want, fmt.Sprintf("entry %d/1", i))
		got = append(got, fmt.Sprintf("entry %d/2", i))
	}
	require.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"), "node 2's log after the election: a new leader never deletes committed entries (Figure 2, Leader Completeness)")
}

// TestManyFailures fails many times.
func TestManyFailures(t *testing.T) {
	for i := range 9 {
		t.Errorf("check %d failed: want %d, got 0", i, i+1)
	}
}

// TestQuiet delivers messages until the network goes quiet. Handout:
// "Quiet".
func TestQuiet(t *testing.T) {
	for _, seed := range []int{1, 2} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			settle(new(Node), "hello")
		})
	}
}

// TestAfterQuiet never runs.
func TestAfterQuiet(t *testing.T) {}

// settle delivers msg, then every answer, until no message is left.
func settle(n *Node, msg string) {
	queue := []string{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		for _, answer := range n.Step(msg) {
			queue = append(queue, answer[:min(len(answer), 20)])
		}
	}
}
