package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/09-simulation"
	"raftgo/internal/liveview"
)

// TestGivenBadFlags checks that the command refuses bad flags with an
// error that names the flag, before it runs anything.
func TestGivenBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-seeds", "0"}, "-seeds 0"},
		{[]string{"-seed", "-2"}, "-seed -2"},
		{[]string{"-first", "-1"}, "-first -1"},
		{[]string{"-nodes", "2"}, "-nodes 2"},
		{[]string{"-nodes", "10"}, "-nodes 10"},
		{[]string{"-clients", "0"}, "-clients 0"},
		{[]string{"-duration", "10ms"}, "-duration 10ms"},
		{[]string{"-quiet", "1s"}, "-quiet 1s"},
		{[]string{"-workers", "0"}, "-workers 0"},
		{[]string{"-mutant", "no-such-bug"}, `no mutant "no-such-bug"`},
		{[]string{"-ui", "127.0.0.1:0"}, "give -seed N"},
		{[]string{"stray"}, "unexpected arguments"},
		{[]string{"-no-such-flag"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error()+stderr.String(), tt.want)
			assert.Empty(t, stdout.String(), "nothing runs on bad flags")
		})
	}
}

// TestReplayMarksTheViolation records a failing seed of a stage 08 mutant
// as -ui does, serves it, and checks the replay API: every report is a
// step, and the last one, where the checker found the commit rule broken,
// is marked, with the failure as its note and its virtual time.
func TestReplayMarksTheViolation(t *testing.T) {
	c := config{seed: 2, nodes: 5, clients: 3, duration: 20 * time.Second, quiet: 30 * time.Second, mutant: "figure8", ui: "127.0.0.1:0"}
	opts, err := options(c)
	require.NoError(t, err)
	opts.Seed = 2
	var events []liveview.Event
	opts.Observer = liveview.NewRecorder(func(ev liveview.Event) { events = append(events, ev) })
	r, err := sim.Run(opts)
	require.NoError(t, err)
	require.NotNil(t, r.Failure, "seed 2 of the figure8 mutant fails (the handout's example)")
	require.Equal(t, "commit-rule", r.Failure.Property)

	view, err := liveview.NewReplay(recording(c, r, events))
	require.NoError(t, err)
	ts := httptest.NewServer(view)
	defer ts.Close()
	var rec liveview.Recording
	getJSON(t, ts.URL+"/api/replay", &rec)
	require.NotEmpty(t, rec.Steps)
	assert.Equal(t, "sim -seed 2 -mutant figure8", rec.Title)
	assert.Equal(t, len(rec.Steps)-1, rec.Mark, "the run stops at the report that broke the rule: the last step is marked")
	marked := rec.Steps[rec.Mark].State
	assert.Contains(t, marked.Note, "commit-rule", "the marked step says which property broke")
	assert.Equal(t, r.Failure.At, marked.At, "the marked step has the failure's virtual time")
	assert.Len(t, marked.Nodes, 5)
	for i, step := range rec.Steps[:rec.Mark] {
		require.Empty(t, step.State.Note, "only the marked step has a note (step %d)", i)
	}

	var state struct {
		liveview.Snapshot
		Replay   bool `json:"replay"`
		Controls bool `json:"controls"`
	}
	getJSON(t, ts.URL+"/api/state", &state)
	assert.True(t, state.Replay)
	assert.False(t, state.Controls, "a replay has no buttons")
	assert.Equal(t, marked.Note, state.Note, "the page opens at the marked step")
}

// getJSON decodes the answer to GET url.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v), url)
}
