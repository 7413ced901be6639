package system

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// TestTransferHandsOverAndRefusesProposalsMeanwhile checks POST
// /transfer?to=N (TimeoutNow, §3.10). First the leader is cut off from the
// transferee, so the transfer cannot finish: while the core tries, a write
// gets 503 with Retry-After, and once the core gives up (after an election
// timeout) writes go through again, under the same leader. Then, with the
// link healed, the transfer completes: the transferee leads in the very
// next term, with no election lost on the way, and takes writes. Handout:
// "The system, part 2: reads, sessions, transfer".
func TestTransferHandsOverAndRefusesProposalsMeanwhile(t *testing.T) {
	c, leader := staticCluster(t, 3, NewCore)
	from := leader.cfg.ID
	to := c.others(from)[0]
	code, body, err := do(http.MethodPost, leader.cfg.HTTPAddr, fmt.Sprintf("/debug/cut/%d", to), "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, body)

	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	transferred := make(chan error, 1)
	go func() {
		_, err := leader.node().TransferLeadership(ctx, to)
		transferred <- err
	}()
	refused := false
	for i := 0; !refused && i < 200; i++ {
		req, err := http.NewRequest(http.MethodPost, "http://"+leader.cfg.HTTPAddr+"/key", strings.NewReader(`{"k":"during"}`))
		require.NoError(t, err)
		resp, err := noRedirects.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		refused = resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != ""
	}
	require.True(t, refused, "no write got 503 with Retry-After while the leader was transferring its leadership")
	require.Error(t, <-transferred, "the transfer to a server cut off from the leader cannot finish")
	require.NoError(t, put(leader.cfg.HTTPAddr, "k", "after"), "once the core gives the transfer up, the leader takes writes again")
	require.Equal(t, from, leader.node().Status().Leader, "the leader stays the leader after a failed transfer")

	code, body, err = do(http.MethodPost, leader.cfg.HTTPAddr, fmt.Sprintf("/debug/heal/%d", to), "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, body)
	term := leader.node().Status().Term
	code, body, err = do(http.MethodPost, leader.cfg.HTTPAddr, fmt.Sprintf("/transfer?to=%d", to), "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "POST /transfer?to=%d: %s", to, body)
	var got struct {
		Leader raft.NodeID `json:"leader"`
		Term   raft.Term   `json:"term"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Equal(t, to, got.Leader, "POST /transfer answers once the transferee leads")
	require.Equal(t, term+1, got.Term, "the transferee wins the very next term: the transfer costs one election, not a timeout and a contest")
	require.NoError(t, put(c.servers[to].cfg.HTTPAddr, "k", "new leader"))

	code, body, err = do(http.MethodPost, c.servers[to].cfg.HTTPAddr, "/transfer?to=9", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, code, "a transfer to a server that is not a voter: %s", body)
}
