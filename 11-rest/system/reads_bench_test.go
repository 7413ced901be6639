package system

import (
	"fmt"
	"io"
	"net/http"
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
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reads/s")
		})
	}
}
