package kvserver_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
)

// BenchmarkPipelinedSetGet measures the server over loopback, with one
// client connection that sends pipelines of 64 commands, SET and GET in
// turn, and reads their replies. One op is one pipeline; cmds/s is how many
// commands the client and the server get through per second together.
//
//	go test -run '^$' -bench PipelinedSetGet -benchmem
func BenchmarkPipelinedSetGet(b *testing.B) {
	const depth = 64
	ts := startServer(b, nil, kvserver.Limits{})
	c := dialClient(b, ts.addr)
	pipeline := make([][]string, depth)
	for i := range pipeline {
		key := fmt.Sprint("key:", i/2)
		if i%2 == 0 {
			pipeline[i] = []string{"SET", key, "xxx"}
		} else {
			pipeline[i] = []string{"GET", key}
		}
	}

	b.ReportAllocs()
	sent := 0
	for b.Loop() {
		replies, err := c.Pipeline(b.Context(), pipeline...)
		require.NoError(b, err)
		require.Len(b, replies, depth)
		sent += depth
	}
	b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "cmds/s")
}
