package transport

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// idleListener is a listener that never gets a connection: the backoff
// test needs a Config, not an accept loop.
type idleListener struct{}

func (idleListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }
func (idleListener) Close() error              { return nil }
func (idleListener) Addr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// TestReconnectBackoff runs a sender's connect against a peer that refuses
// every dial, in a synctest bubble whose clock is fake, for 30 seconds of
// that clock. Each wait must be the backoff of its attempt: MinBackoff
// doubled once per failure, capped at MaxBackoff, and jittered into the
// upper half of that, [d/2, d]. When the transport closes, connect must
// return at once (handout: "7. The transport", "Reconnecting with backoff").
func TestReconnectBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const minBackoff, maxBackoff = 100 * time.Millisecond, 2 * time.Second
		var mu sync.Mutex
		var dials []time.Time
		tr, err := newTransport(Config{
			ID: 1, Listener: idleListener{}, Peers: map[raft.NodeID]string{2: "peer-2"},
			MinBackoff: minBackoff, MaxBackoff: maxBackoff,
			Dial: func(ctx context.Context, addr string) (net.Conn, error) {
				mu.Lock()
				defer mu.Unlock()
				dials = append(dials, time.Now())
				return nil, errors.New("connection refused")
			},
		})
		require.NoError(t, err)
		done := make(chan net.Conn)
		go func() { done <- tr.connect(tr.peers[2]) }()

		time.Sleep(30 * time.Second)
		closedAt := time.Now()
		tr.cancel() // what Close does first
		require.Nil(t, <-done, "connect returns nil when the transport closes")
		require.Equal(t, closedAt, time.Now(), "connect must return as soon as the transport closes, not when its backoff ends: wait in a select on the timer and t.ctx.Done() (handout: \"Reconnecting with backoff\")")

		mu.Lock()
		defer mu.Unlock()
		require.GreaterOrEqual(t, len(dials), 10, "dials in 30 s with backoff from 100ms to 2s: connect must wait and dial again after a failure (handout: \"Reconnecting with backoff\")")
		jittered := false
		for i := 1; i < len(dials); i++ {
			want := min(minBackoff<<(i-1), maxBackoff)
			got := dials[i].Sub(dials[i-1])
			require.True(t, got >= want/2 && got <= want,
				"the wait before dial %d was %v; after %d failures it must be within [%v, %v]: MinBackoff doubled per failure, capped at MaxBackoff, with jitter (handout: \"Reconnecting with backoff\")", i+1, got, i, want/2, want)
			jittered = jittered || got != want
		}
		require.True(t, jittered, "every wait was exactly the un-jittered backoff: add jitter (handout: \"Reconnecting with backoff\")")
	})
}
