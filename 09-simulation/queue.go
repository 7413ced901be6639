package sim

import (
	"iter"
	"time"
)

// Queue is a priority queue of values, each due at a virtual time: Pop
// returns the value due first, and of values due at the same time, the one
// pushed first. That tie-break is what makes a run replay: two events due
// at the same instant always come out in the order they were scheduled,
// never in an order the heap happens to leave them in.
//
// Queue is generic: the simulator keeps a Queue[event], and a test can keep
// a Queue[string]. It is built on container/heap, whose heap.Interface the
// unexported items type implements. The zero Queue is empty and ready to
// use. A Queue is not safe for concurrent use.
type Queue[T any] struct {
	items  items[T]
	pushed uint64 // how many values were ever pushed: the next one's sequence number
}

// item is one value in a Queue, with when it is due and the order it was
// pushed in.
type item[T any] struct {
	at    time.Duration
	seq   uint64
	value T
}

// items is a min-heap of items, ordered by time and then by push order. It
// implements heap.Interface; the Queue's methods are the only callers.
type items[T any] []item[T]

func (h items[T]) Len() int { return len(h) }

// Less orders items by due time, and items due at the same time by push
// order.
func (h items[T]) Less(i, j int) bool {
	// TODO: Order by due time; for equal times, the item pushed first
	// (smaller seq) comes first, so that a run replays exactly
	// (handout: "1. The event queue").
	return false
}

func (h items[T]) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

// Push appends x for heap.Push, which then moves it into place.
func (h *items[T]) Push(x any) { *h = append(*h, x.(item[T])) }

// Pop removes the last item for heap.Pop, which has moved the smallest
// there. It clears the slot so the queue does not keep the value alive.
func (h *items[T]) Pop() any {
	old := *h
	last := old[len(old)-1]
	old[len(old)-1] = item[T]{}
	*h = old[:len(old)-1]
	return last
}

// Len returns how many values are queued.
func (q *Queue[T]) Len() int { return len(q.items) }

// Push queues v, due at time at.
func (q *Queue[T]) Push(at time.Duration, v T) {
	// TODO: Push an item with the next sequence number through heap.Push,
	// never by appending to q.items yourself (handout: "1. The event queue").
}

// Pop removes and returns the value due first, with its due time. It
// reports false when the queue is empty.
func (q *Queue[T]) Pop() (time.Duration, T, bool) {
	// TODO: Take the first item with heap.Pop, or report an empty queue
	// (handout: "1. The event queue").
	var zero T
	return 0, zero, false
}

// Next returns when the first value is due, and false if the queue is
// empty.
func (q *Queue[T]) Next() (time.Duration, bool) {
	if len(q.items) == 0 {
		return 0, false
	}
	return q.items[0].at, true
}

// Until returns an iterator that pops, in order, every value due at or
// before end, with its due time. Values pushed while the loop runs are
// popped too, if they are due by end: the simulator's handlers schedule new
// events from inside its loop. Breaking out of the loop leaves the rest
// queued.
//
//	for at, ev := range q.Until(end) {
//		… // handle ev at virtual time at; it may q.Push more
//	}
func (q *Queue[T]) Until(end time.Duration) iter.Seq2[time.Duration, T] {
	// TODO: Return a func(yield func(time.Duration, T) bool) that pops while the
	// first value is due by end, and stops as soon as yield returns false
	// (handout: "2. Iterating in time order").
	return func(yield func(time.Duration, T) bool) {}
}
