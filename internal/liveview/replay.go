package liveview

import (
	"errors"
	"fmt"
	"net/http"
)

// Step is one moment of a recorded run: the nodes' states after a report,
// and the messages the report sent.
type Step struct {
	State    Snapshot  `json:"state"`
	Messages []Message `json:"messages,omitempty"`
}

// Recording is a run to replay in the page, which shows a slider over its
// steps and opens at the marked one.
type Recording struct {
	// Title says what was run, such as "sim -seed 42 -nodes 5".
	Title string `json:"title"`
	Steps []Step `json:"steps"`
	// Mark is the index in Steps of the step to highlight (where a
	// violation was found; its State.Note says which), or -1 for none.
	Mark int `json:"mark"`
}

// Steps groups a run's events into steps: each snapshot starts one, and
// the messages after it belong to it. A Recorder whose emit appends to a
// slice gives the events.
func Steps(events []Event) []Step {
	var steps []Step
	for _, ev := range events {
		switch {
		case ev.State != nil:
			steps = append(steps, Step{State: *ev.State})
		case ev.Message != nil && len(steps) > 0:
			last := &steps[len(steps)-1]
			last.Messages = append(last.Messages, *ev.Message)
		}
	}
	return steps
}

// NewReplay returns a server that shows a recorded run: the page, GET
// /api/state (the marked step, or the first) and GET /api/replay (the whole
// recording). It has no controls and no event stream; Run returns at once.
func NewReplay(rec Recording) (*Server, error) {
	if len(rec.Steps) == 0 {
		return nil, errors.New("liveview: a recording with no steps")
	}
	if rec.Mark < -1 || rec.Mark >= len(rec.Steps) {
		return nil, fmt.Errorf("liveview: mark %d is not a step of the recording (0 to %d, or -1 for none)", rec.Mark, len(rec.Steps)-1)
	}
	s := New(closedSource{}, nil)
	s.replay = &rec
	first := rec.Steps[max(rec.Mark, 0)].State
	s.last = &first
	s.mux.HandleFunc("GET /api/replay", s.serveReplay)
	return s, nil
}

func (s *Server) serveReplay(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.replay)
}

// closedSource is the Source of a replay: it sends nothing.
type closedSource struct{}

func (closedSource) Events() <-chan Event {
	ch := make(chan Event)
	close(ch)
	return ch
}
