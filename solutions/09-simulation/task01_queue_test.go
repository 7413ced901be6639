package sim

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// push is one value pushed on a queue in a table test.
type push struct {
	at    time.Duration
	value string
}

// TestQueueOrder pushes values in a scrambled order and checks that Pop
// returns them by due time, and values due at the same time in the order
// they were pushed: the tie-break that makes a simulation replay
// (handout: "1. The event queue").
func TestQueueOrder(t *testing.T) {
	tests := []struct {
		name   string
		pushes []push
		want   []string
	}{
		{"empty", nil, nil},
		{"one", []push{{5, "a"}}, []string{"a"}},
		{"by time", []push{{3, "c"}, {1, "a"}, {2, "b"}}, []string{"a", "b", "c"}},
		{"ties in push order", []push{{1, "first"}, {1, "second"}, {1, "third"}}, []string{"first", "second", "third"}},
		{"ties among others", []push{{2, "b1"}, {1, "a"}, {2, "b2"}, {0, "z"}, {2, "b3"}, {3, "c"}},
			[]string{"z", "a", "b1", "b2", "b3", "c"}},
		{"many ties", manyTies(40), manyTiesWant(40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q Queue[string]
			for _, p := range tt.pushes {
				q.Push(p.at, p.value)
			}
			require.Equal(t, len(tt.pushes), q.Len(), "Len after %d pushes (handout: \"1. The event queue\")", len(tt.pushes))
			var got []string
			last := time.Duration(-1)
			for range len(tt.pushes) {
				at, v, ok := q.Pop()
				require.True(t, ok, "Pop reported an empty queue after %d of %d values (handout: \"1. The event queue\")", len(got), len(tt.pushes))
				require.GreaterOrEqual(t, at, last, "Pop went back in time (handout: \"1. The event queue\")")
				got, last = append(got, v), at
			}
			assert.Equal(t, tt.want, got, "values in the order Pop returned them: by due time, ties in push order (handout: \"1. The event queue\")")
			_, _, ok := q.Pop()
			assert.False(t, ok, "Pop on an empty queue must report false (handout: \"1. The event queue\")")
		})
	}
}

// manyTies pushes n values due at three times, in a scrambled order.
func manyTies(n int) []push {
	var ps []push
	for i := range n {
		ps = append(ps, push{at: time.Duration((i * 7) % 3), value: string(rune('A' + i))})
	}
	return ps
}

// manyTiesWant is manyTies' values sorted stably by time.
func manyTiesWant(n int) []string {
	ps := manyTies(n)
	slices.SortStableFunc(ps, func(a, b push) int { return cmp.Compare(a.at, b.at) })
	var want []string
	for _, p := range ps {
		want = append(want, p.value)
	}
	return want
}

// TestQueueUntil checks the iterator the event loop ranges over: it pops
// values due by its end in order, sees values pushed while the loop runs,
// leaves later ones queued, and stops when the loop breaks (handout:
// "2. Iterating in time order").
func TestQueueUntil(t *testing.T) {
	var q Queue[string]
	q.Push(10, "a")
	q.Push(30, "c")
	q.Push(40, "at the end")
	q.Push(50, "late")
	var got []string
	for at, v := range q.Until(40) {
		got = append(got, v)
		if v == "a" {
			q.Push(at+5, "pushed while looping") // due at 15, before c
			q.Push(45, "after the end")
		}
	}
	assert.Equal(t, []string{"a", "pushed while looping", "c", "at the end"}, got, "Until(40) must pop every value due by 40, 40 included, and those pushed inside the loop (handout: \"2. Iterating in time order\")")
	require.Equal(t, 2, q.Len(), "values due after the end stay queued (handout: \"2. Iterating in time order\")")

	q.Push(45, "tie at the end")
	q.Push(40, "exactly at the end")
	got = nil
	for _, v := range q.Until(45) {
		got = append(got, v)
		break
	}
	assert.Equal(t, []string{"exactly at the end"}, got, "breaking out of the loop must stop the iterator (handout: \"2. Iterating in time order\")")
	assert.Equal(t, 3, q.Len(), "a break leaves the rest queued (handout: \"2. Iterating in time order\")")
	next, ok := q.Next()
	assert.True(t, ok)
	assert.Equal(t, time.Duration(45), next, "the first value left is due at 45")
}
