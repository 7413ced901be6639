package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/internal/liveview"
	"raftgo/solutions/03-planning"
)

// startCluster runs a cluster of three whose ticks the test sends.
func startCluster(t *testing.T) (*cluster, chan time.Time) {
	c, err := newCluster(3, 1, func(liveview.Event) {})
	require.NoError(t, err)
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.run(ctx, ticks); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c, ticks
}

// leaderAfterTicks ticks until a leader other than not is elected.
func leaderAfterTicks(t *testing.T, c *cluster, ticks chan time.Time, not raft.NodeID) raft.NodeID {
	t.Helper()
	for range 1000 {
		ticks <- time.Time{}
		var leader raft.NodeID
		require.NoError(t, c.do(t.Context(), func() error {
			for _, id := range c.net.Leaders() {
				if id != not {
					leader = id
				}
			}
			return nil
		}))
		if leader != raft.None {
			return leader
		}
	}
	t.Fatal("no leader after 1000 ticks")
	return raft.None
}

// TestButtonsOnCluster clicks the buttons' Controller methods on a real
// cluster: stopping the leader gets a new one elected, a write commits,
// and a button that makes no sense is refused.
func TestButtonsOnCluster(t *testing.T) {
	c, ticks := startCluster(t)
	ctx := t.Context()
	first := leaderAfterTicks(t, c, ticks, raft.None)

	require.NoError(t, c.StopNode(ctx, uint64(first)))
	require.ErrorContains(t, c.StopNode(ctx, uint64(first)), "already stopped")
	second := leaderAfterTicks(t, c, ticks, first)
	require.NotEqual(t, first, second)

	done := make(chan error, 1)
	var text string
	go func() {
		var err error
		text, err = c.Write(ctx, "colour", "blue")
		done <- err
	}()
	for written := false; !written; {
		select {
		case err := <-done:
			require.NoError(t, err)
			written = true
		case ticks <- time.Time{}:
		}
	}
	require.Contains(t, text, "committed at index")
	require.Contains(t, c.recorder.Snapshot().Nodes[second-1].Tail[len(c.recorder.Snapshot().Nodes[second-1].Tail)-1].Text, "set colour blue")

	require.NoError(t, c.StartNode(ctx, uint64(first)))
	require.ErrorContains(t, c.StartNode(ctx, uint64(first)), "already running")
	require.NoError(t, c.Cut(ctx, uint64(first)))
	require.ErrorContains(t, c.Cut(ctx, uint64(first)), "already cut off")
	require.True(t, c.recorder.Snapshot().Nodes[first-1].Cut)
	require.NoError(t, c.Heal(ctx, uint64(first)))
	require.ErrorContains(t, c.Heal(ctx, uint64(first)), "not cut off")
}

// TestBadFlags checks that bad flags are refused with status 2.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-nodes", "0"}, {"-nodes", "10"}, {"-tick", "0s"}, {"extra"}, {"-nope"}} {
		var out, errs bytes.Buffer
		require.Equal(t, 2, run(t.Context(), args, &out, &errs), "%q", args)
		require.NotEmpty(t, errs.String(), "%q says what is wrong", args)
	}
}
