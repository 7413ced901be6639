package raftkv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// joinRetry is how long Join waits before it asks again.
const joinRetry = 500 * time.Millisecond

// Join asks a running cluster to add this server, which started in no
// configuration (Config.Join), through the member whose HTTP API is at
// addr: POST /join, which any member redirects to the leader. The leader
// adds the server as a learner, sends it the log (a snapshot first if it
// has compacted what the server lacks), and promotes it to voter once it
// has caught up. Join asks again while the cluster cannot answer (no
// leader, a timeout, a change already in progress), until ctx ends; a
// refusal (a 4xx, or 501 from a cluster without membership changes) is
// final. Asking again is safe: a voter already added at the same address
// is a success.
func (s *Server) Join(ctx context.Context, addr string) error {
	body, err := json.Marshal(joinRequest{ID: s.id, Raft: s.self.Raft, HTTP: s.self.HTTP, RESP: s.self.RESP})
	if err != nil {
		return s.errorf("join: %w", err)
	}
	client := &http.Client{}
	for {
		err := s.askToJoin(ctx, client, addr, body)
		if err == nil {
			s.log.Info("joined the cluster", "via", addr)
			return nil
		}
		if refusal, ok := err.(joinRefusal); ok {
			return s.errorf("join through %s: %w", addr, refusal)
		}
		s.log.Warn("cannot join yet; will ask again", "via", addr, "err", err)
		t := time.NewTimer(joinRetry)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return s.errorf("join through %s: gave up (%v): %w", addr, err, ctx.Err())
		}
	}
}

// joinRefusal is a final answer of the cluster to a join: its status and
// error message.
type joinRefusal struct {
	status int
	msg    string
}

func (r joinRefusal) Error() string {
	return fmt.Sprintf("the cluster refused: %d %s: %s", r.status, http.StatusText(r.status), r.msg)
}

// askToJoin sends one POST /join, following redirects to the leader, and
// returns nil once the server is a voter, a joinRefusal, or another error
// worth a retry.
func (s *Server) askToJoin(ctx context.Context, client *http.Client, addr string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/join", bytes.NewReader(body))
	if err != nil {
		return joinRefusal{status: http.StatusBadRequest, msg: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Error string `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize))
	if json.Unmarshal(raw, &answer) != nil {
		answer.Error = string(raw)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500, resp.StatusCode == http.StatusNotImplemented:
		return joinRefusal{status: resp.StatusCode, msg: answer.Error}
	}
	return fmt.Errorf("%s: %s", resp.Status, answer.Error)
}
