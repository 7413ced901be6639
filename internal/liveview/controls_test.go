package liveview

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// do sends one request to the server and returns its status and decoded
// JSON body.
func do(t *testing.T, s *Server, method, path, body string, header map[string]string) (int, map[string]string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var answer map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer), "every control answer is JSON: %q", rec.Body.String())
	return rec.Code, answer
}

// viewWith returns a server whose latest snapshot is threeNodes.
func viewWith(t *testing.T, ctl Controller) *Server {
	s := New(make(chanSource), ctl)
	require.NoError(t, s.publish(Event{State: threeNodes()}))
	return s
}

// TestControls checks that each button reaches the Controller, once, with
// the node it names, and that the page gets the Controller's answer.
func TestControls(t *testing.T) {
	for _, action := range []string{"stop", "start", "cut", "heal"} {
		ctl := &fakeController{}
		s := viewWith(t, ctl)
		code, answer := do(t, s, "POST", "/api/nodes/2/"+action, "", nil)
		require.Equal(t, http.StatusOK, code, "%s: %v", action, answer)
		require.Equal(t, []string{action + " 2"}, ctl.Calls())
		require.Equal(t, action+" node 2: done", answer["result"])
	}
	ctl := &fakeController{}
	s := viewWith(t, ctl)
	code, answer := do(t, s, "POST", "/api/write", `{"key": "x", "value": "1"}`,
		map[string]string{"Content-Type": "application/json", "Origin": "http://example.com"})
	require.Equal(t, http.StatusOK, code, "a write from the page's own origin: %v", answer)
	require.Equal(t, []string{"write x=1"}, ctl.Calls())
	require.Equal(t, "committed at index 4", answer["result"])

	ctl = &fakeController{}
	s = viewWith(t, ctl)
	code, answer = do(t, s, "POST", "/api/links/1/3", `{"delay": "300ms"}`, nil)
	require.Equal(t, http.StatusOK, code, "slow a link: %v", answer)
	code, answer = do(t, s, "POST", "/api/links/3/1", `{"delay": "0s"}`, nil)
	require.Equal(t, http.StatusOK, code, "restore a link: %v", answer)
	require.Equal(t, "the link 3 ↔ 1 is back to full speed", answer["result"])
	require.Equal(t, []string{"slow 1-3 300ms", "slow 3-1 0s"}, ctl.Calls())
}

// onlyButtons is a Controller that cannot slow links.
type onlyButtons struct{ Controller }

// TestSlowLinkOnlyWhenSupported checks that the page is told whether the
// Controller can slow links, and that the endpoint refuses when it cannot.
func TestSlowLinkOnlyWhenSupported(t *testing.T) {
	for _, tt := range []struct {
		ctl  Controller
		want bool
	}{{&fakeController{}, true}, {onlyButtons{&fakeController{}}, false}, {nil, false}} {
		s := viewWith(t, tt.ctl)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/state", nil))
		var state struct{ SlowLink bool }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &state))
		require.Equal(t, tt.want, state.SlowLink, "%T", tt.ctl)
		if !tt.want {
			code, _ := do(t, s, "POST", "/api/links/1/2", `{"delay": "1s"}`, nil)
			require.GreaterOrEqual(t, code, 400)
			require.Less(t, code, 500)
		}
	}
}

// TestControllerErrors checks that what the cluster refuses reaches the
// page with the Controller's words.
func TestControllerErrors(t *testing.T) {
	ctl := &fakeController{err: errors.New("node 2 is already stopped")}
	s := viewWith(t, ctl)
	code, answer := do(t, s, "POST", "/api/nodes/2/stop", "", nil)
	require.Equal(t, http.StatusConflict, code)
	require.Equal(t, "node 2 is already stopped", answer["error"])

	ctl.err = fmt.Errorf("stop: %w", ErrUnknownNode)
	code, _ = do(t, s, "POST", "/api/nodes/2/stop", "", nil)
	require.Equal(t, http.StatusNotFound, code, "ErrUnknownNode from the Controller")
}

// TestBadControlInput checks that a bad control request gets a 4xx that
// says what is wrong, and never reaches the Controller.
func TestBadControlInput(t *testing.T) {
	jsonHeader := map[string]string{"Content-Type": "application/json"}
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		want                     int
	}{
		{"unknown node", "POST", "/api/nodes/9/stop", "", nil, http.StatusNotFound},
		{"node zero", "POST", "/api/nodes/0/cut", "", nil, http.StatusNotFound},
		{"node not a number", "POST", "/api/nodes/two/stop", "", nil, http.StatusBadRequest},
		{"negative node", "POST", "/api/nodes/-1/stop", "", nil, http.StatusBadRequest},
		{"unknown action", "POST", "/api/nodes/1/explode", "", nil, http.StatusNotFound},
		{"GET a node action", "GET", "/api/nodes/1/stop", "", nil, http.StatusMethodNotAllowed},
		{"DELETE a node action", "DELETE", "/api/nodes/1/stop", "", nil, http.StatusMethodNotAllowed},
		{"GET the write", "GET", "/api/write", "", nil, http.StatusMethodNotAllowed},
		{"malformed JSON", "POST", "/api/write", `{"key": "x", "value": `, jsonHeader, http.StatusBadRequest},
		{"not an object", "POST", "/api/write", `["x", "1"]`, jsonHeader, http.StatusBadRequest},
		{"a value not a string", "POST", "/api/write", `{"key": "x", "value": 1}`, jsonHeader, http.StatusBadRequest},
		{"unknown field", "POST", "/api/write", `{"key": "x", "value": "1", "ttl": 5}`, jsonHeader, http.StatusBadRequest},
		{"two objects", "POST", "/api/write", `{"key": "x"} {"key": "y"}`, jsonHeader, http.StatusBadRequest},
		{"empty key", "POST", "/api/write", `{"key": "", "value": "1"}`, jsonHeader, http.StatusBadRequest},
		{"empty body", "POST", "/api/write", ``, jsonHeader, http.StatusBadRequest},
		{"body too large", "POST", "/api/write", `{"key": "x", "value": "` + strings.Repeat("v", maxBody) + `"}`, jsonHeader, http.StatusBadRequest},
		{"slow a link to itself", "POST", "/api/links/2/2", `{"delay": "1s"}`, nil, http.StatusBadRequest},
		{"slow a link to an unknown node", "POST", "/api/links/1/9", `{"delay": "1s"}`, nil, http.StatusNotFound},
		{"slow a link from no number", "POST", "/api/links/one/2", `{"delay": "1s"}`, nil, http.StatusBadRequest},
		{"slow a link with no delay", "POST", "/api/links/1/2", `{}`, nil, http.StatusBadRequest},
		{"slow a link by a number", "POST", "/api/links/1/2", `{"delay": 300}`, nil, http.StatusBadRequest},
		{"slow a link by nonsense", "POST", "/api/links/1/2", `{"delay": "slow"}`, nil, http.StatusBadRequest},
		{"slow a link by a negative delay", "POST", "/api/links/1/2", `{"delay": "-1s"}`, nil, http.StatusBadRequest},
		{"slow a link by too much", "POST", "/api/links/1/2", `{"delay": "1h"}`, nil, http.StatusBadRequest},
		{"GET a link", "GET", "/api/links/1/2", "", nil, http.StatusMethodNotAllowed},
		{"another site's page", "POST", "/api/nodes/1/stop", "", map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"another site's write", "POST", "/api/write", `{"key": "x"}`, map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"a malformed origin", "POST", "/api/nodes/1/stop", "", map[string]string{"Origin": "://"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctl := &fakeController{}
			s := viewWith(t, ctl)
			code, answer := do(t, s, tt.method, tt.path, tt.body, tt.header)
			require.Equal(t, tt.want, code, "answer: %v", answer)
			require.NotEmpty(t, answer["error"], "a 4xx says what is wrong")
			require.Empty(t, ctl.Calls(), "a bad request must change nothing")
		})
	}
}

// TestNoNodesBeforeFirstSnapshot checks that no node can be named before
// the source has shown any.
func TestNoNodesBeforeFirstSnapshot(t *testing.T) {
	ctl := &fakeController{}
	s := New(make(chanSource), ctl)
	code, _ := do(t, s, "POST", "/api/nodes/1/stop", "", nil)
	require.Equal(t, http.StatusNotFound, code)
	require.Empty(t, ctl.Calls())
}

// TestReplayHasNoControls checks that a view without a Controller (a
// replay) refuses the controls and tells the page to show none.
func TestReplayHasNoControls(t *testing.T) {
	s := viewWith(t, nil)
	code, answer := do(t, s, "POST", "/api/nodes/1/stop", "", nil)
	require.Equal(t, http.StatusMethodNotAllowed, code, "answer: %v", answer)
	code, _ = do(t, s, "POST", "/api/write", `{"key": "x"}`, nil)
	require.Equal(t, http.StatusMethodNotAllowed, code)

	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/state", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var state struct {
		Leader   uint64
		Controls bool
		Nodes    []NodeState
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &state))
	require.False(t, state.Controls)
	require.Equal(t, uint64(1), state.Leader)
	require.Len(t, state.Nodes, 3)
}

// TestPageIsEmbedded checks that the page and its script and style are
// served from the binary.
func TestPageIsEmbedded(t *testing.T) {
	s := New(make(chanSource), nil)
	for path, want := range map[string]string{
		"/":          `<script src="app.js">`,
		"/app.js":    "new EventSource('events')",
		"/style.css": "--leader",
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		require.Equal(t, http.StatusOK, rec.Code, path)
		body, _ := io.ReadAll(rec.Body)
		require.Contains(t, string(body), want, path)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/nothing.js", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
}
