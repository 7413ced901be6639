package liveview

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestEventStreamFraming checks the server-sent events a page reads: the
// latest snapshot first, then each message as it comes, each one event and
// one line of JSON, even when a text holds a newline.
func TestEventStreamFraming(t *testing.T) {
	_, src, ts := startServer(t, nil)
	snap := threeNodes()
	snap.Note = "violation at step 12:\ntwo leaders in term 3"
	feed(t, src, Event{State: snap})

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	stream := openEvents(t, ctx, ts.URL)

	ev := stream.next(t)
	require.Equal(t, "state", ev.name)
	var got Snapshot
	require.NoError(t, json.Unmarshal([]byte(ev.data), &got))
	require.Equal(t, *snap, got, "the page's first event is the latest snapshot, whole")

	msg := Message{From: 1, To: 3, Type: "AppendEntries", Term: 2, Entries: 1}
	feed(t, src, Event{Message: &msg})
	ev = stream.next(t)
	require.Equal(t, "message", ev.name)
	var gotMsg Message
	require.NoError(t, json.Unmarshal([]byte(ev.data), &gotMsg))
	require.Equal(t, msg, gotMsg)

	snap2 := threeNodes()
	snap2.Nodes[0].Up = false
	feed(t, src, Event{State: snap2})
	ev = stream.next(t)
	require.Equal(t, "state", ev.name)
	require.NoError(t, json.Unmarshal([]byte(ev.data), &got))
	require.False(t, got.Nodes[0].Up, "a new snapshot reaches a connected page")
}

// TestNewPageGetsOnlyLatestState checks that a page that connects late
// starts from the latest snapshot, not from the history.
func TestNewPageGetsOnlyLatestState(t *testing.T) {
	_, src, ts := startServer(t, nil)
	for i := range 3 {
		snap := threeNodes()
		snap.Note = fmt.Sprint("snapshot ", i)
		feed(t, src, Event{State: snap})
	}
	feed(t, src, Event{Message: &Message{From: 1, To: 2, Type: "AppendEntries", Term: 2}})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	stream := openEvents(t, ctx, ts.URL)
	ev := stream.next(t)
	require.Equal(t, "state", ev.name)
	require.Contains(t, ev.data, `"note":"snapshot 2"`, "a new page starts from the latest snapshot")

	// The message sent before the page came is not replayed: the next event
	// is the one sent after.
	feed(t, src, Event{Message: &Message{From: 2, To: 1, Type: "AppendEntriesResponse", Term: 2}})
	ev = stream.next(t)
	require.Equal(t, "message", ev.name)
	require.Contains(t, ev.data, `"type":"AppendEntriesResponse"`)
}

// TestDisconnectedPageIsForgotten checks that the server stops streaming to
// a page that has gone, and forgets it.
func TestDisconnectedPageIsForgotten(t *testing.T) {
	s, src, ts := startServer(t, nil)
	feed(t, src, Event{State: threeNodes()})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	stream := openEvents(t, ctx, ts.URL)
	stream.next(t)
	require.Equal(t, 1, s.subscribers())

	cancel() // the page goes: its connection closes
	stream.resp.Body.Close()
	deadline := time.Now().Add(wait)
	for s.subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server still streams to a page that left %v ago", wait)
		}
		feed(t, src, Event{Message: &Message{From: 1, To: 2, Type: "AppendEntries", Term: 2}})
		time.Sleep(10 * time.Millisecond) // a real socket: poll, bounded by the deadline
	}
}

// TestSlowPageDoesNotBlockFeeder checks that a page that stops reading
// (a frozen tab, a stalled network) neither blocks the feeder nor delays
// the other pages, and that what waits for it stays bounded: the latest
// snapshot and at most backlog messages.
func TestSlowPageDoesNotBlockFeeder(t *testing.T) {
	s, src, ts := startServer(t, nil)
	feed(t, src, Event{State: threeNodes()})

	// A page that asks for the stream and never reads it.
	conn, err := net.DialTimeout("tcp", ts.Listener.Addr().String(), wait)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "GET /events HTTP/1.1\r\nHost: %s\r\n\r\n", ts.Listener.Addr())
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	fast := openEvents(t, ctx, ts.URL)
	fast.next(t)
	deadline := time.Now().Add(wait)
	for s.subscribers() != 2 {
		require.False(t, time.Now().After(deadline), "the stalled page never subscribed")
		time.Sleep(time.Millisecond)
	}

	// 8 MB of snapshots, far more than the sockets' buffers hold.
	big := threeNodes()
	big.Note = strings.Repeat("x", 16<<10)
	for range 500 {
		feed(t, src, Event{State: big})
		feed(t, src, Event{Message: &Message{From: 1, To: 2, Type: "AppendEntries", Term: 2}})
	}
	last := threeNodes()
	last.Note = "the last one"
	feed(t, src, Event{State: last})

	// The fast page gets the last snapshot; it may have skipped some.
	for {
		ev := fast.next(t)
		if ev.name == "state" && strings.Contains(ev.data, "the last one") {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		require.LessOrEqual(t, len(sub.messages), backlog, "messages waiting for one page are bounded by backlog")
	}
}

// TestMessagesBeyondBacklogAreSkipped checks the sampling under load: a
// page that falls behind gets the latest snapshot, backlog messages and the
// count of those skipped.
func TestMessagesBeyondBacklogAreSkipped(t *testing.T) {
	s := New(make(chanSource), nil)
	sub, err := s.subscribe()
	require.NoError(t, err)
	for i := range backlog + 10 {
		require.NoError(t, s.publish(Event{Message: &Message{From: 1, To: 2, Type: "AppendEntries", Term: uint64(i)}}))
		if i == 3 {
			require.NoError(t, s.publish(Event{State: &Snapshot{Note: "old"}}))
		}
	}
	require.NoError(t, s.publish(Event{State: &Snapshot{Note: "new"}}))

	out := s.take(sub)
	events := bytes.Split(bytes.TrimSuffix(out, []byte("\n\n")), []byte("\n\n"))
	require.Len(t, events, 1+1+backlog, "one snapshot, one skipped count, backlog messages")
	require.Contains(t, string(events[0]), "event: state\n")
	require.Contains(t, string(events[0]), `"note":"new"`, "only the latest snapshot waits")
	require.Equal(t, "event: skipped\ndata: 10", string(events[1]))
	require.Contains(t, string(events[2]), `"term":0`, "the oldest messages are kept, in order")
	require.Empty(t, s.take(sub), "take empties what waits")

	require.Error(t, s.publish(Event{}), "an event with neither state nor message is refused")
}

// TestSnapshotLeader checks who the page says leads: not an old leader
// that has not yet heard of a newer leader, not a stopped node, not a
// leader cut off from its peers; but a candidate's newer term (a node cut
// off, campaigning alone) unseats no one.
func TestSnapshotLeader(t *testing.T) {
	snap := threeNodes()
	require.Equal(t, uint64(1), snap.Leader())
	snap.Nodes[2].Term, snap.Nodes[2].Role = 9, "candidate"
	require.Equal(t, uint64(1), snap.Leader(), "a candidate of term 9 does not unseat the leader of term 2")
	snap.Nodes[1].Term, snap.Nodes[1].Role = 3, "leader"
	require.Equal(t, uint64(2), snap.Leader(), "the leader of term 3, not the stale one of term 2")
	snap.Nodes[1].Up = false
	require.Equal(t, uint64(1), snap.Leader(), "a stopped node does not lead")
	snap.Nodes[0].Cut = true
	require.Zero(t, snap.Leader(), "a leader cut off from every peer leads no one")
	snap.Nodes[0].Cut = false
	snap.Nodes[0].Role = "follower"
	require.Zero(t, snap.Leader())
}

// TestSubscribe checks that Subscribe reads back, in order, what a Server
// streams: a view of several processes is built on it.
func TestSubscribe(t *testing.T) {
	_, src, ts := startServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan Event, 8)
	done := make(chan error, 1)
	go func() { done <- Subscribe(ctx, http.DefaultClient, ts.URL+"/events", func(ev Event) { got <- ev }) }()
	snap := threeNodes()
	snap.Nodes[0].Links = []Link{{Peer: 2, Cut: true}, {Peer: 3, Delay: 300 * time.Millisecond}}
	msg := Message{From: 1, To: 2, Type: "AppendEntries", Term: 2, Entries: 1}
	// The first snapshot may reach the server before the subscription:
	// send until one comes back.
	var first Event
	for first.State == nil {
		feed(t, src, Event{State: snap})
		select {
		case first = <-got:
		case <-time.After(50 * time.Millisecond):
		case err := <-done:
			t.Fatalf("Subscribe stopped: %v", err)
		}
	}
	require.Equal(t, *snap, *first.State, "the snapshot, links and all, comes back as it was sent")
	feed(t, src, Event{Message: &msg})
	deadline := time.After(wait)
	for {
		select {
		case ev := <-got:
			if ev.State != nil {
				continue // a repeat of the snapshot sent above
			}
			require.Equal(t, msg, *ev.Message)
		case <-deadline:
			t.Fatal("the message did not come back within the wait")
		}
		break
	}
	cancel()
	select {
	case err := <-done:
		require.Error(t, err, "Subscribe says why it stopped")
	case <-time.After(wait):
		t.Fatal("Subscribe did not return after its context ended")
	}
}
