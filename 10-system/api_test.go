package raftkv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
)

// The API tests serve the HTTP and RESP handlers of nodes of a memCluster
// without any socket: httptest.NewRecorder stands for the connection, so
// they run inside a synctest bubble like the runtime's tests.

// memBook is the address book of a memCluster: node id serves at
// memAddr(id, kind).
func memBook(id raft.NodeID, kind string) (string, bool) {
	if id == raft.None {
		return "", false
	}
	return memAddr(id, kind), true
}

// serveHTTP sends one request to node n's HTTP API and returns the
// response.
func serveHTTP(c *memCluster, n *Node, method, target, body string) *http.Response {
	h := newHTTPHandler(n, c.ids, memBook, 5*time.Second, slog.New(slog.DiscardHandler))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	return rec.Result()
}

// decodeBody decodes a JSON response body.
func decodeBody(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v), "every answer of the HTTP API is a JSON object")
	return v
}

// TestHTTPServesKeys checks the HTTP API on the leader: POST /key with a
// JSON object sets every key; GET /key/{key} reads one, or answers 404;
// DELETE /key/{key} removes one; GET /status describes the node. Handout:
// "8. The HTTP API".
func TestHTTPServesKeys(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		leader := c.waitLeader()
		resp := serveHTTP(c, leader, "POST", "/key", `{"a":"1","b":"two words"}`)
		body := decodeBody(t, resp)
		require.Equal(t, http.StatusOK, resp.StatusCode, "POST /key on the leader: %v", body)
		require.Greater(t, body["index"], 0.0, `POST /key answers {"index":N}, the last index written`)

		resp = serveHTTP(c, leader, "GET", "/key/b", "")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, map[string]any{"b": "two words"}, decodeBody(t, resp), "GET /key/b answers the key and its value")
		resp = serveHTTP(c, leader, "GET", "/key/missing", "")
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "GET of a missing key")

		resp = serveHTTP(c, leader, "DELETE", "/key/a", "")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, map[string]any{"deleted": true}, decodeBody(t, resp))
		resp = serveHTTP(c, leader, "GET", "/key/a", "")
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "GET after DELETE")

		follower := c.follower(leader)
		resp = serveHTTP(c, follower, "GET", "/status", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "every node serves /status itself")
		st := decodeBody(t, resp)
		require.Equal(t, "follower", st["role"])
		require.Equal(t, float64(leader.Status().ID), st["leader"])
		for _, field := range []string{"id", "term", "commit", "applied", "last_index", "peers"} {
			require.Contains(t, st, field, "GET /status reports %q", field)
		}
		require.Len(t, st["peers"], 3, "GET /status lists every peer with its addresses")
	})
}

// TestHTTPRedirectsToTheLeader checks what a node that is not the leader
// answers on /key: 307 to the same path and query on the leader, with
// X-Raft-Leader naming the leader's HTTP address; and, while no leader is
// known, 503 with Retry-After. Handout: "8. The HTTP API".
func TestHTTPRedirectsToTheLeader(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		leader := c.waitLeader()
		want := memAddr(leader.Status().ID, "http")
		follower := c.follower(leader)
		for _, req := range []struct{ method, target, body string }{
			{"POST", "/key", `{"a":"1"}`},
			{"GET", "/key/a?x=1", ""},
			{"DELETE", "/key/a", ""},
		} {
			resp := serveHTTP(c, follower, req.method, req.target, req.body)
			require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode, "%s %s on a follower: 307, so the client repeats the method and body on the leader (handout: \"8. The HTTP API\")", req.method, req.target)
			require.Equal(t, "http://"+want+req.target, resp.Header.Get("Location"), "%s %s on a follower: the same path and query on the leader", req.method, req.target)
			require.Equal(t, want, resp.Header.Get("X-Raft-Leader"), "%s %s on a follower: X-Raft-Leader names the leader's HTTP address", req.method, req.target)
		}

		for _, n := range c.running() {
			if n != follower {
				c.stop(n.Status().ID)
			}
		}
		time.Sleep(time.Second) // the follower times out and campaigns in vain
		resp := serveHTTP(c, follower, "POST", "/key", `{"a":"1"}`)
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "with no leader, a node answers 503 (handout: \"8. The HTTP API\")")
		require.Equal(t, "1", resp.Header.Get("Retry-After"), "a 503 says when to retry")
		require.Contains(t, decodeBody(t, resp), "error", "the 503 says why, in JSON")
	})
}

// TestHTTPRejectsBadInput checks that bad requests get a clear 4xx answer
// in JSON and leave the node serving: malformed JSON, values that are not
// strings, trailing data, no keys, an empty key (400); a body over
// MaxBodySize, or a value too big for one entry (413); an unknown path
// (404) or method (405). Handout: "8. The HTTP API".
func TestHTTPRejectsBadInput(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		leader := c.waitLeader()
		huge := `{"a":"1"` + strings.Repeat(" ", MaxBodySize) + `}`
		tooBigForAnEntry := `{"a":"` + strings.Repeat("x", raft.MaxEntryDataSize+1) + `"}`
		for _, tc := range []struct {
			name, method, target, body string
			status                     int
		}{
			{"truncated JSON", "POST", "/key", `{"a":`, http.StatusBadRequest},
			{"not an object", "POST", "/key", `["a","b"]`, http.StatusBadRequest},
			{"a number value", "POST", "/key", `{"a":1}`, http.StatusBadRequest},
			{"two objects", "POST", "/key", `{"a":"1"} {"b":"2"}`, http.StatusBadRequest},
			{"garbage after the object", "POST", "/key", `{"a":"1"} garbage`, http.StatusBadRequest},
			{"no keys", "POST", "/key", `{}`, http.StatusBadRequest},
			{"empty key", "POST", "/key", `{"":"x"}`, http.StatusBadRequest},
			{"huge body", "POST", "/key", huge, http.StatusRequestEntityTooLarge},
			{"value over an entry", "POST", "/key", tooBigForAnEntry, http.StatusRequestEntityTooLarge},
			{"unknown path", "GET", "/nothing/here", "", http.StatusNotFound},
			{"unknown method", "PUT", "/key", `{"a":"1"}`, http.StatusMethodNotAllowed},
		} {
			resp := serveHTTP(c, leader, tc.method, tc.target, tc.body)
			require.Equal(t, tc.status, resp.StatusCode, "%s: %s %s (handout: \"8. The HTTP API\")", tc.name, tc.method, tc.target)
			if tc.status != http.StatusNotFound && tc.status != http.StatusMethodNotAllowed {
				body := decodeBody(t, resp)
				require.NotEmpty(t, body["error"], "%s: the answer says what is wrong, in JSON", tc.name)
			}
		}
		resp := serveHTTP(c, leader, "POST", "/key", `{"still":"serving"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "after bad requests, the node still serves good ones")
	})
}

// respDo runs one command through node n's RESP handler and returns the
// reply, as a client would read it.
func respDo(t *testing.T, n *Node, args ...string) kvserver.Value {
	t.Helper()
	h := &respHandler{node: n, addrs: memBook, timeout: 5 * time.Second, local: kvserver.NewStoreHandler(n.sm.store)}
	var buf bytes.Buffer
	w := kvserver.NewWriter(&buf)
	require.NoError(t, h.ServeRESP(context.Background(), w, args))
	require.NoError(t, w.Flush())
	v, err := kvserver.NewReader(&buf, kvserver.Limits{}).ReadValue()
	require.NoError(t, err, "the reply to %q is one RESP value", args)
	_, err = kvserver.NewReader(&buf, kvserver.Limits{}).ReadValue()
	require.ErrorIs(t, err, io.EOF, "the reply to %q is exactly one RESP value", args)
	return v
}

// TestRESPFrontDoor checks the RESP front door: on the leader, SET, GET,
// EXISTS and DEL go through Raft and answer as Redis does; on a follower,
// a data command answers "-MOVED 0 host:port" with the leader's RESP
// address, so that redis-cli -c follows it; PING works anywhere; with no
// leader, a data command answers CLUSTERDOWN. Handout: "9. The RESP front
// door".
func TestRESPFrontDoor(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, c *memCluster) {
		leader := c.waitLeader()
		follower := c.follower(leader)
		str := func(s string) kvserver.Value { return kvserver.Value{Kind: kvserver.KindSimpleString, Str: s} }
		bulk := func(s string) kvserver.Value { return kvserver.Value{Kind: kvserver.KindBulkString, Str: s} }
		integer := func(n int64) kvserver.Value { return kvserver.Value{Kind: kvserver.KindInteger, Int: n} }
		moved := kvserver.Value{Kind: kvserver.KindError, Str: "MOVED 0 " + memAddr(leader.Status().ID, "resp")}

		require.Equal(t, moved, respDo(t, follower, "SET", "a", "1"), "SET on a follower: Redis Cluster's redirection to the leader's RESP address (handout: \"9. The RESP front door\")")
		require.Equal(t, moved, respDo(t, follower, "get", "a"), "GET on a follower is redirected too: a follower's store may lag")
		require.Equal(t, str("PONG"), respDo(t, follower, "PING"), "PING touches no data: any node answers")

		require.Equal(t, str("OK"), respDo(t, leader, "SET", "a", "1"))
		require.Equal(t, bulk("1"), respDo(t, leader, "GET", "a"))
		require.Equal(t, integer(1), respDo(t, leader, "EXISTS", "a", "b"))
		require.Equal(t, integer(1), respDo(t, leader, "DEL", "a", "b"))
		require.Equal(t, kvserver.Value{}, respDo(t, leader, "GET", "a"), "GET of a deleted key is null")
		require.Equal(t, kvserver.Value{Kind: kvserver.KindError, Str: "ERR wrong number of arguments for 'set' command"}, respDo(t, follower, "SET", "a"),
			"a malformed command gets Redis's error on any node")

		for _, n := range c.running() {
			if n != follower {
				c.stop(n.Status().ID)
			}
		}
		time.Sleep(time.Second)
		reply := respDo(t, follower, "SET", "a", "1")
		require.Equal(t, kvserver.KindError, reply.Kind)
		require.True(t, strings.HasPrefix(reply.Str, "CLUSTERDOWN "), "with no leader, a data command answers CLUSTERDOWN and why, not %q", reply.Str)
	})
}
