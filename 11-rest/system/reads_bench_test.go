package system

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	core "raftgo/11-rest"
	"raftgo/solutions/03-planning"
)

// throughTheLog is this stage's core without ReadIndex: the runtime then
// reads through the log, proposing a barrier entry per read, as stage 10
// does.
type throughTheLog struct{ raft.Node }

// BenchmarkLinearizableReads measures linearizable reads per second on a
// three-server cluster on loopback, through the HTTP API: GET /key/{k}
// served by ReadIndex (a heartbeat round, no log write) on the leader and
// on a follower, against reads through the log (a barrier entry, written
// to every write-ahead log with an fsync) on the leader. Run it with
//
//	go test ./solutions/11-rest/system -run '^$' -bench LinearizableReads -cpu 1,4
func BenchmarkLinearizableReads(b *testing.B) {
	for _, bc := range []struct {
		name     string
		newCore  func(raft.Config) (raft.Node, error)
		follower bool
	}{
		{"ReadIndex/leader", NewCore, false},
		{"ReadIndex/follower", NewCore, true},
		{"log/leader", func(cfg raft.Config) (raft.Node, error) {
			n, err := core.New(cfg)
			return throughTheLog{n}, err
		}, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, leader := staticCluster(b, 3, bc.newCore)
			require.NoError(b, put(leader.cfg.HTTPAddr, "k", "v"))
			target := leader
			if bc.follower {
				target = c.servers[c.others(leader.cfg.ID)[0]]
			}
			client := &http.Client{Timeout: wait, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
			url := fmt.Sprintf("http://%s/key/k", target.cfg.HTTPAddr)
			b.SetParallelism(16)
			start := time.Now()
			b.ResetTimer()
			var retries atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					// A leader change on a busy machine answers 503 with
					// Retry-After for a moment: retry, as a client would.
					for try := 0; ; try++ {
						code, body, err := getWith(client, url)
						if err == nil && code == http.StatusOK {
							break
						}
						if err != nil || code != http.StatusServiceUnavailable || try == 100 {
							b.Errorf("GET %s: %d %s %v", url, code, body, err)
							return
						}
						retries.Add(1)
						<-time.After(10 * time.Millisecond)
					}
				}
			})
			b.ReportMetric(float64(retries.Load()), "retries")
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reads/s")
		})
	}
}

// getWith sends a GET with client and returns the status and the body.
func getWith(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}
