package liveview

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// recording is a replay of three steps, the last one marked.
func recording() Recording {
	first, second, third := threeNodes(), threeNodes(), threeNodes()
	second.Nodes[0].Up = false
	third.Nodes[1].Term, third.Nodes[1].Role = 3, "leader"
	third.Nodes[2].Term, third.Nodes[2].Role = 3, "leader"
	third.Note = "two leaders in term 3: nodes 2 and 3 (Election Safety, Figure 3)"
	return Recording{
		Title: "sim -seed 7",
		Steps: []Step{
			{State: *first, Messages: []Message{{From: 1, To: 2, Type: "AppendEntries", Term: 2}}},
			{State: *second},
			{State: *third, Messages: []Message{{From: 2, To: 3, Type: "RequestVote", Term: 3}}},
		},
		Mark: 2,
	}
}

// TestSteps checks how a run's events group into steps: a snapshot and
// the messages after it.
func TestSteps(t *testing.T) {
	a, b := threeNodes(), threeNodes()
	b.Note = "b"
	m1 := Message{From: 1, To: 2, Type: "AppendEntries"}
	m2 := Message{From: 2, To: 1, Type: "AppendEntriesResponse"}
	steps := Steps([]Event{{Message: &m2}, {State: a}, {Message: &m1}, {Message: &m2}, {State: b}})
	require.Equal(t, []Step{{State: *a, Messages: []Message{m1, m2}}, {State: *b}}, steps,
		"a message before the first snapshot has no step and is dropped")
}

// TestReplayAPI checks what a replay serves: the recording whole, the
// marked step as the state, no controls and no live stream.
func TestReplayAPI(t *testing.T) {
	rec := recording()
	s, err := NewReplay(rec)
	require.NoError(t, err)
	require.NoError(t, s.Run(t.Context()), "a replay's Run returns at once")

	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	w := get("/api/replay")
	require.Equal(t, http.StatusOK, w.Code)
	var got Recording
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	require.Equal(t, rec, got)

	w = get("/api/state")
	var state struct {
		Snapshot
		Replay, Controls bool
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &state))
	require.True(t, state.Replay)
	require.False(t, state.Controls)
	require.Equal(t, rec.Steps[2].State.Note, state.Note, "the state is the marked step's")

	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", "/api/replay", nil))
	require.Equal(t, http.StatusMethodNotAllowed, w.Code)
}

// TestNewReplayRefusesBadRecordings checks that a recording with no steps,
// or a mark outside them, is an error, not a page that breaks.
func TestNewReplayRefusesBadRecordings(t *testing.T) {
	_, err := NewReplay(Recording{Mark: -1})
	require.ErrorContains(t, err, "no steps")
	for _, mark := range []int{-2, 3} {
		rec := recording()
		rec.Mark = mark
		_, err := NewReplay(rec)
		require.ErrorContains(t, err, "not a step", "mark %d", mark)
	}
	rec := recording()
	rec.Mark = -1
	_, err = NewReplay(rec)
	require.NoError(t, err, "-1 marks no step")
}
