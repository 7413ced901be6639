package liveview

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

//go:embed page
var pageFiles embed.FS

// backlog bounds the messages waiting for one page. A page that falls
// further behind skips messages (and is told how many); it always gets the
// latest snapshot.
const backlog = 64

// controlTimeout bounds how long a button waits for the Controller.
const controlTimeout = 10 * time.Second

// maxBody bounds the body of a control request.
const maxBody = 4 << 10

// Server serves the page, its event stream (GET /events), the latest
// snapshot (GET /api/state) and the controls (POST /api/nodes/{id}/stop,
// start, cut and heal, POST /api/write, and POST /api/links/{a}/{b} when
// the Controller is a LinkSlower). Run feeds it from its Source.
type Server struct {
	src  Source
	ctl  Controller
	mux  *http.ServeMux
	mu   sync.Mutex
	last *Snapshot // the latest snapshot, nil before the first
	subs map[*subscriber]bool
	// replay is the recording a replay shows, nil for a live view.
	replay *Recording
}

// subscriber is one page's event stream. The feeder leaves its updates
// here and never waits for it: a newer snapshot replaces one not yet sent,
// and messages beyond backlog are counted and skipped.
type subscriber struct {
	wake     chan struct{} // has a value when there is something to send
	state    []byte        // the encoded snapshot to send, nil if sent
	messages [][]byte      // the encoded messages to send
	skipped  int           // messages skipped since the last one sent
}

// New returns a server for the cluster that src feeds. ctl carries out the
// buttons; when it is nil (a replay), the page shows none and the control
// endpoints answer 405 Method Not Allowed.
func New(src Source, ctl Controller) *Server {
	s := &Server{src: src, ctl: ctl, mux: http.NewServeMux(), subs: map[*subscriber]bool{}}
	page, err := fs.Sub(pageFiles, "page")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	files := http.FileServerFS(page)
	s.mux.Handle("GET /{$}", files)
	s.mux.Handle("GET /{file}", files)
	s.mux.HandleFunc("GET /events", s.serveEvents)
	s.mux.HandleFunc("GET /api/state", s.serveState)
	// The controls take any method and answer 405 to all but POST
	// themselves, so that every answer is JSON.
	s.mux.HandleFunc("/api/nodes/{id}/{action}", s.serveNodeAction)
	s.mux.HandleFunc("/api/write", s.serveWrite)
	s.mux.HandleFunc("/api/links/{a}/{b}", s.serveSlowLink)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Run reads the source and passes what it sends to every page, until the
// source closes its channel or ctx ends.
func (s *Server) Run(ctx context.Context) error {
	events := s.src.Events()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if err := s.publish(ev); err != nil {
				return err
			}
		}
	}
}

// publish encodes an event once and leaves it with every subscriber.
func (s *Server) publish(ev Event) error {
	var data []byte
	var err error
	switch {
	case ev.State != nil:
		data, err = json.Marshal(ev.State)
	case ev.Message != nil:
		data, err = json.Marshal(ev.Message)
	default:
		return errors.New("liveview: an event with neither a state nor a message")
	}
	if err != nil {
		return fmt.Errorf("liveview: encode event: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.State != nil {
		snap := *ev.State
		s.last = &snap
	}
	for sub := range s.subs {
		if ev.State != nil {
			sub.state = data
		} else if len(sub.messages) < backlog {
			sub.messages = append(sub.messages, data)
		} else {
			sub.skipped++
		}
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// subscribe adds a page's stream, primed with the latest snapshot.
func (s *Server) subscribe() (*subscriber, error) {
	sub := &subscriber{wake: make(chan struct{}, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last != nil {
		data, err := json.Marshal(s.last)
		if err != nil {
			return nil, fmt.Errorf("liveview: encode snapshot: %w", err)
		}
		sub.state = data
		sub.wake <- struct{}{}
	}
	s.subs[sub] = true
	return sub, nil
}

func (s *Server) unsubscribe(sub *subscriber) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs, sub)
}

// subscribers returns how many pages are connected.
func (s *Server) subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// take returns what the subscriber has to send, as server-sent events, and
// empties it.
func (s *Server) take(sub *subscriber) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b bytes.Buffer
	if sub.state != nil {
		writeEvent(&b, "state", sub.state)
		sub.state = nil
	}
	if sub.skipped > 0 {
		fmt.Fprintf(&b, "event: skipped\ndata: %d\n\n", sub.skipped)
		sub.skipped = 0
	}
	for _, m := range sub.messages {
		writeEvent(&b, "message", m)
	}
	sub.messages = sub.messages[:0]
	return b.Bytes()
}

// writeEvent frames one server-sent event. The data is one line of JSON
// (json.Marshal escapes newlines inside strings).
func writeEvent(b *bytes.Buffer, name string, data []byte) {
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteString("\ndata: ")
	b.Write(data)
	b.WriteString("\n\n")
}

// serveEvents streams the cluster's events to one page until it leaves.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	sub, err := s.subscribe()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer s.unsubscribe(sub)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// The page reconnects a second after the stream breaks.
	if _, err := w.Write([]byte("retry: 1000\n\n")); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sub.wake:
		}
		if _, err := w.Write(s.take(sub)); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	snap := s.last
	s.mu.Unlock()
	if snap == nil {
		snap = &Snapshot{Nodes: []NodeState{}}
	}
	writeJSON(w, http.StatusOK, struct {
		Snapshot
		Leader   uint64 `json:"leader"`
		Controls bool   `json:"controls"`
		SlowLink bool   `json:"slowLink"`
		Replay   bool   `json:"replay"`
	}{*snap, snap.Leader(), s.ctl != nil, s.slower() != nil, s.replay != nil})
}

// serveNodeAction carries out stop, start, cut or heal on one node.
func (s *Server) serveNodeAction(w http.ResponseWriter, r *http.Request) {
	if !s.checkControl(w, r) {
		return
	}
	actions := map[string]func(context.Context, uint64) error{
		"stop": s.ctl.StopNode, "start": s.ctl.StartNode, "cut": s.ctl.Cut, "heal": s.ctl.Heal,
	}
	action, ok := actions[r.PathValue("action")]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no action %q: want stop, start, cut or heal", r.PathValue("action")))
		return
	}
	id, ok := s.nodeParam(w, r, "id")
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), controlTimeout)
	defer cancel()
	if err := action(ctx, id); err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"result": fmt.Sprintf("%s node %d: done", r.PathValue("action"), id)})
}

// nodeParam returns the node that the path's parameter names, or answers
// 400 (not a number) or 404 (not in the cluster) and returns false.
func (s *Server) nodeParam(w http.ResponseWriter, r *http.Request, name string) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue(name), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("node ID %q is not a number", r.PathValue(name)))
		return 0, false
	}
	s.mu.Lock()
	known := s.last != nil && s.last.has(id)
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no node %d in the cluster", id))
		return 0, false
	}
	return id, true
}

// slower returns the Controller as a LinkSlower, or nil if it is none.
func (s *Server) slower() LinkSlower {
	ls, _ := s.ctl.(LinkSlower)
	return ls
}

// slowRequest is the body of POST /api/links/{a}/{b}.
type slowRequest struct {
	// Delay is a Go duration, such as "300ms"; "0s" restores the link.
	Delay string `json:"delay"`
}

// serveSlowLink slows the link between nodes a and b, both ways.
func (s *Server) serveSlowLink(w http.ResponseWriter, r *http.Request) {
	if !s.checkControl(w, r) {
		return
	}
	ls := s.slower()
	if ls == nil {
		writeError(w, http.StatusNotFound, "this cluster's links cannot be slowed")
		return
	}
	a, ok := s.nodeParam(w, r, "a")
	if !ok {
		return
	}
	b, ok := s.nodeParam(w, r, "b")
	if !ok {
		return
	}
	if a == b {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("a link joins two nodes, and both ends are node %d", a))
		return
	}
	var req slowRequest
	if !decodeBody(w, r, &req, `{"delay": "300ms"}`) {
		return
	}
	delay, err := time.ParseDuration(req.Delay)
	if err != nil || delay < 0 || delay > MaxLinkDelay {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("delay %q: want a duration from 0s to %v, such as \"300ms\"", req.Delay, MaxLinkDelay))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), controlTimeout)
	defer cancel()
	if err := ls.SlowLink(ctx, a, b, delay); err != nil {
		writeControlError(w, err)
		return
	}
	result := fmt.Sprintf("the link %d ↔ %d is slowed by %v", a, b, delay)
	if delay == 0 {
		result = fmt.Sprintf("the link %d ↔ %d is back to full speed", a, b)
	}
	writeJSON(w, http.StatusOK, map[string]string{"result": result})
}

// decodeBody decodes a control request's body, one JSON object of the
// shape example shows, or answers 400 and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, example string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the body must be %s: %v", example, err))
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "the body must hold one JSON object, and it holds more")
		return false
	}
	return true
}

// writeRequest is the body of POST /api/write.
type writeRequest struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (s *Server) serveWrite(w http.ResponseWriter, r *http.Request) {
	if !s.checkControl(w, r) {
		return
	}
	var req writeRequest
	if !decodeBody(w, r, &req, `{"key": "…", "value": "…"}`) {
		return
	}
	if req.Key == "" {
		writeError(w, http.StatusBadRequest, "the key is empty")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), controlTimeout)
	defer cancel()
	result, err := s.ctl.Write(ctx, req.Key, req.Value)
	if err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"result": result})
}

// checkControl answers the request with an error, and returns false, when
// it is not a POST, the view has no controls or the request comes from another site's page
// (a browser sends Origin with every cross-site POST).
func (s *Server) checkControl(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: the controls take POST", r.Method, r.URL.Path))
		return false
	}
	if s.ctl == nil {
		w.Header().Set("Allow", "GET")
		writeError(w, http.StatusMethodNotAllowed, "this view has no controls (a replay)")
		return false
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host {
			writeError(w, http.StatusForbidden, fmt.Sprintf("a control request from another site (Origin %q)", origin))
			return false
		}
	}
	return true
}

// writeControlError answers with the Controller's error: 404 for an
// unknown node, 409 Conflict for anything else the cluster refused.
func writeControlError(w http.ResponseWriter, err error) {
	status := http.StatusConflict
	switch {
	case errors.Is(err, ErrUnknownNode):
		status = http.StatusNotFound
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	}
	writeError(w, status, err.Error())
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
