package system

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
)

// TestRetriedWriteAppliesOnceThroughALeaderChange plays a client whose
// write applied but whose answer it never saw: it retries the write, with
// the same client ID and sequence number (X-Raft-Client-Id,
// X-Raft-Sequence), after the leader has crashed and another client has
// written the key since. The session (§6.3) recognises the retry: it
// answers with the first reply (the index at which the write applied, and
// "duplicate": true) and does not apply it again, so the other client's
// write stands. A DELETE retried alike reports what the first one deleted;
// an older sequence number is refused with 409. Handout: "The system,
// part 2: reads, sessions, transfer".
func TestRetriedWriteAppliesOnceThroughALeaderChange(t *testing.T) {
	c, leader := staticCluster(t, 3, NewCore)
	const client = 4242
	code, first, err := session(http.MethodPost, leader.cfg.HTTPAddr, "/key", `{"x":"mine"}`, client, 1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "POST /key with a session: %s", first)
	var reply struct {
		Index     raft.Index `json:"index"`
		Duplicate bool       `json:"duplicate"`
	}
	require.NoError(t, json.Unmarshal([]byte(first), &reply))
	firstIndex := reply.Index

	require.NoError(t, put(leader.cfg.HTTPAddr, "x", "theirs"), "another client's write")
	oldID, oldTerm := leader.cfg.ID, leader.node().Status().Term
	c.stop(oldID)
	next := c.leaderAmong(oldTerm, c.others(oldID)...)

	code, body, err := session(http.MethodPost, next.cfg.HTTPAddr, "/key", `{"x":"mine"}`, client, 1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "the retry: %s", body)
	require.NoError(t, json.Unmarshal([]byte(body), &reply))
	require.Equal(t, firstIndex, reply.Index, "the retry is answered with the first reply: the index at which the write applied")
	require.True(t, reply.Duplicate, "the retry's answer says it is a duplicate: %s", body)
	v, ok, err := get(next.cfg.HTTPAddr, "x")
	require.NoError(t, err)
	require.True(t, ok && v == "theirs", "the retried write must not apply again over the later write: x is %q", v)

	code, body, err = session(http.MethodDelete, next.cfg.HTTPAddr, "/key/x", "", client, 2)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "DELETE with a session: %s", body)
	require.JSONEq(t, `{"deleted":true}`, body)
	code, body, err = session(http.MethodDelete, next.cfg.HTTPAddr, "/key/x", "", client, 2)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `{"deleted":true,"duplicate":true}`, body, "a retried DELETE reports what the first one deleted, though x is gone")

	code, body, err = session(http.MethodPost, next.cfg.HTTPAddr, "/key", `{"x":"old"}`, client, 1)
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, code, "a sequence number older than the session's last is refused: %s", body)
	code, body, err = session(http.MethodPost, next.cfg.HTTPAddr, "/key", `{"x":"v"}`, 999, 7)
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, code, "a session that never began (its first number must be 1): %s", body)
	_, ok, err = get(next.cfg.HTTPAddr, "x")
	require.NoError(t, err)
	require.False(t, ok, "the refused commands did not apply")
}

// TestRESPConnectionIsASession checks the RESP front door with this
// stage's core: SET and DEL go through the connection's session, and GET
// is served by a follower itself, with a read index, instead of MOVED.
// Handout: "The system, part 2: reads, sessions, transfer".
func TestRESPConnectionIsASession(t *testing.T) {
	c, leader := staticCluster(t, 3, NewCore)
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	conn, err := kvserver.Dial(ctx, leader.cfg.RESPAddr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.Set(ctx, "k", "v1"))
	require.NoError(t, conn.Set(ctx, "k", "v2"))
	n, err := conn.Del(ctx, "k", "absent")
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "DEL k absent through the session deletes one key")
	require.NoError(t, conn.Set(ctx, "k", "v3"))

	follower := c.servers[c.others(leader.cfg.ID)[0]]
	fc, err := kvserver.Dial(ctx, follower.cfg.RESPAddr)
	require.NoError(t, err)
	defer fc.Close()
	v, ok, err := fc.Get(ctx, "k")
	require.NoError(t, err, "GET on a follower is served there, not MOVED")
	require.True(t, ok && v == "v3", "GET k on a follower after SET k v3 acknowledged: %q, %v", v, ok)
}
