package raftkv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"raftgo/solutions/03-planning"
	core "raftgo/solutions/06-consensus"
)

// MaxBodySize is the largest request body the HTTP API reads: a bigger one
// gets 413 Request Entity Too Large.
const MaxBodySize = 1 << 20

// AddressBook tells where a node serves its clients: kind is "http" or
// "resp". A node learns its peers' addresses from their handshakes on the
// peer port (transport.PeerMeta).
type AddressBook func(id raft.NodeID, kind string) (addr string, ok bool)

// httpAPI serves the HTTP client API of one node:
//
//	POST   /key         {"k1":"v1","k2":"v2"}: set each key; 200 {"index":N}
//	GET    /key/{key}   200 {"key":"value"}, or 404
//	DELETE /key/{key}   200 {"deleted":true|false}
//	GET    /status      this node's state, in JSON; served by every node
//
// Only the leader serves /key. Any other node answers 307 Temporary
// Redirect to the same path on the leader, with the leader's HTTP address
// in the X-Raft-Leader header, so that curl -L and Go's http.Client follow
// it; or 503 Service Unavailable with Retry-After while it knows no leader.
// Reads are linearizable: the leader waits for a barrier entry to apply
// before it reads its store.
//
// Stage 11 adds, with a core that offers them (reads.go):
//
//	GET    /key/{key}              served by ReadIndex, with no log write,
//	                               on the leader or a follower
//	GET    /key/{key}?stale=true   a dirty read of this node's store, at
//	                               once, on any node; it may be stale
//	POST   /key, DELETE /key/{key} with X-Raft-Client-Id and
//	                               X-Raft-Sequence: a session command,
//	                               applied once however often it is retried
//	POST   /transfer?to=N          hand the leadership to node N
type httpAPI struct {
	node    *Node
	addrs   AddressBook
	peers   []raft.NodeID
	timeout time.Duration
	log     *slog.Logger
}

// newHTTPHandler returns the handler of the HTTP client API. Each request
// waits at most timeout for its commands to apply.
func newHTTPHandler(node *Node, peers []raft.NodeID, addrs AddressBook, timeout time.Duration, log *slog.Logger) http.Handler {
	a := &httpAPI{node: node, addrs: addrs, peers: peers, timeout: timeout, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /key", a.leaderOnly(a.set))
	mux.HandleFunc("GET /key/{key...}", a.reads(a.get))
	mux.HandleFunc("DELETE /key/{key...}", a.leaderOnly(a.delete))
	mux.HandleFunc("GET /status", a.status)
	mux.HandleFunc("POST /transfer", a.leaderOnly(a.transfer))           // stage 11
	mux.HandleFunc("POST /join", a.leaderOnly(a.join))                   // stage 11
	mux.HandleFunc("DELETE /members/{id}", a.leaderOnly(a.removeMember)) // stage 11
	return a.withLeaderHeader(mux)
}

// withLeaderHeader sets X-Raft-Leader on every response of a node that
// knows the leader's HTTP address.
func (a *httpAPI) withLeaderHeader(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if addr, ok := a.addrs(a.node.Status().Leader, "http"); ok {
			w.Header().Set("X-Raft-Leader", addr)
		}
		h.ServeHTTP(w, r)
	})
}

// leaderOnly serves a request with h on the leader, and redirects it to
// the leader anywhere else.
func (a *httpAPI) leaderOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if st := a.node.Status(); st.Role != raft.Leader {
			a.redirect(w, r, st.Leader)
			return
		}
		h(w, r)
	}
}

// redirect sends a client to the leader: 307 to the same path on the
// leader's HTTP address, or 503 with Retry-After while there is no leader
// or its address is not known yet.
func (a *httpAPI) redirect(w http.ResponseWriter, r *http.Request, leader raft.NodeID) {
	//workshop:todo Look the leader's HTTP address up (a.addrs). Without one (no leader, or
	//workshop:todo one whose address this node has not learned yet), answer 503 with a
	//workshop:todo Retry-After header of 1 second and an error that says why. With one,
	//workshop:todo set X-Raft-Leader to it and redirect with 307 Temporary Redirect to
	//workshop:todo the same path and query on the leader: 307, unlike 302, tells the
	//workshop:todo client to repeat the method and the body (handout: "8. The HTTP API").
	addr, ok := a.addrs(leader, "http")
	if !ok {
		w.Header().Set("Retry-After", "1")
		why := "no leader is elected yet"
		if leader != raft.None {
			why = fmt.Sprintf("node %d leads; its address"+
				" is not known here yet", leader)
		}
		writeError(w, http.StatusServiceUnavailable, why)
		return
	}
	w.Header().Set("X-Raft-Leader", addr)
	target := "http://" + addr + r.URL.RequestURI()
	http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	//workshop:stub writeError(w, http.StatusNotImplemented, "redirect is not implemented")
	//workshop:end
}

// set serves POST /key: it sets every key of the JSON object in the body.
// Each key is its own command, proposed at once with the others; the
// response comes when all have applied.
func (a *httpAPI) set(w http.ResponseWriter, r *http.Request) {
	kv, status, err := decodeObject(w, r)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.timeout)
	defer cancel()
	if c, ok, err := sessionOf(r); err != nil || ok {
		for _, k := range slices.Sorted(maps.Keys(kv)) {
			c.Commands = append(c.Commands, core.Set(k, kv[k]))
		}
		a.proposeSession(ctx, w, r, c, err, func(reply SessionReply) map[string]any {
			return map[string]any{"index": reply.Index}
		})
		return
	}
	g, ctx := errgroup.WithContext(ctx)
	results := make([]core.Result, len(kv))
	keys := slices.Sorted(maps.Keys(kv))
	for i, k := range keys {
		g.Go(func() (err error) {
			results[i], err = a.node.Propose(ctx, core.Set(k, kv[k]).Encode())
			return err
		})
	}
	if err := g.Wait(); err != nil {
		a.fail(w, r, err)
		return
	}
	last := raft.Index(0)
	for _, res := range results {
		last = max(last, res.Index)
	}
	writeJSON(w, http.StatusOK, map[string]raft.Index{"index": last})
}

// decodeObject reads a request's body as one JSON object of strings. It
// returns the status to answer with when it fails: 413 for a body over
// MaxBodySize, 400 for anything else.
func decodeObject(w http.ResponseWriter, r *http.Request) (map[string]string, int, error) {
	//workshop:todo Read the body through http.MaxBytesReader (at most MaxBodySize
	//workshop:todo bytes), decode one JSON object of strings with a json.Decoder, and
	//workshop:todo refuse anything after it. A body that is too big is 413 (errors.As
	//workshop:todo *http.MaxBytesError); malformed JSON, a value that is not a string,
	//workshop:todo trailing data, an empty object or an empty key is 400. Every error
	//workshop:todo says what is wrong (handout: "8. The HTTP API").
	body := http.MaxBytesReader(w, r.Body, MaxBodySize)
	dec := json.NewDecoder(body)
	var kv map[string]string
	err := dec.Decode(&kv)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("data after the JSON object")
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge,
			fmt.Errorf("the body is over %d bytes", tooBig.Limit)
	case err != nil:
		return nil, http.StatusBadRequest, fmt.Errorf(`the body must be one JSON object of strings, such as {"key":"value"}: %w`, err)
	case len(kv) == 0:
		return nil, http.StatusBadRequest, errors.New(`the JSON object has no keys; send {"key":"value"}`)
	}
	if _, ok := kv[""]; ok {
		return nil, http.StatusBadRequest, errors.New("a key must not be empty")
	}
	return kv, 0, nil
	//workshop:stub return nil, http.StatusNotImplemented, errors.New("decodeObject is not implemented")
	//workshop:end
}

// get serves GET /key/{key} with a linearizable read: Node.Read waits for
// a barrier entry to apply, or, with stage 11's core, for a read index.
func (a *httpAPI) get(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	ctx, cancel := context.WithTimeout(r.Context(), a.timeout)
	defer cancel()
	if err := a.node.Read(ctx); err != nil {
		a.fail(w, r, err)
		return
	}
	a.writeValue(w, key)
}

// writeValue answers with key's value in this node's store, or 404.
func (a *httpAPI) writeValue(w http.ResponseWriter, key string) {
	value, ok := a.node.Store().Get(key)
	if !ok {
		msg := fmt.Sprintf("no key %q", key)
		writeError(w, http.StatusNotFound, msg)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{key: value})
}

// reads serves GET /key/{key} with h where a linearizable read can be
// served: on the leader, or on any node whose core has ReadIndex (stage
// 11), since a follower asks its leader for the read index and serves the
// read from its own store once it has applied that far. Another node
// redirects. With ?stale=true (stage 11) it serves a dirty read of this
// node's store at once, on any node, with the index applied when it began
// in X-Raft-Applied.
func (a *httpAPI) reads(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		stale, err := staleOf(r)
		switch st := a.node.Status(); {
		case err != nil:
			writeError(w, http.StatusBadRequest, err.Error())
		case stale:
			w.Header().Set("X-Raft-Applied", strconv.FormatUint(uint64(st.Applied), 10))
			a.writeValue(w, r.PathValue("key"))
		case st.Role != raft.Leader && !a.node.ReadsAnywhere():
			a.redirect(w, r, st.Leader)
		default:
			h(w, r)
		}
	}
}

// delete serves DELETE /key/{key}.
func (a *httpAPI) delete(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), a.timeout)
	defer cancel()
	if c, ok, err := sessionOf(r); err != nil || ok {
		c.Commands = []core.Command{core.Delete(r.PathValue("key"))}
		a.proposeSession(ctx, w, r, c, err, func(reply SessionReply) map[string]any {
			return map[string]any{"deleted": reply.Deleted > 0}
		})
		return
	}
	res, err := a.node.Propose(ctx, core.Delete(r.PathValue("key")).Encode())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"deleted": res.Deleted})
}

// statusJSON is the body of GET /status.
type statusJSON struct {
	ID        raft.NodeID `json:"id"`
	Role      string      `json:"role"`
	Term      raft.Term   `json:"term"`
	Leader    raft.NodeID `json:"leader"`
	Commit    raft.Index  `json:"commit"`
	Applied   raft.Index  `json:"applied"`
	LastIndex raft.Index  `json:"last_index"`
	Peers     []peerJSON  `json:"peers"`
	// Voters and Learners are the configuration, with a core that changes
	// its membership (stage 11).
	Voters   []raft.NodeID `json:"voters,omitempty"`
	Learners []raft.NodeID `json:"learners,omitempty"`
}

// peerJSON is one server of the cluster in GET /status, with the client
// addresses this node knows for it.
type peerJSON struct {
	ID   raft.NodeID `json:"id"`
	Raft string      `json:"raft,omitempty"` // stage 11
	HTTP string      `json:"http,omitempty"`
	RESP string      `json:"resp,omitempty"`
}

// status serves GET /status from this node's own state, on any node.
func (a *httpAPI) status(w http.ResponseWriter, _ *http.Request) {
	st := a.node.Status()
	body := statusJSON{
		ID: st.ID, Role: st.Role.String(), Term: st.Term, Leader: st.Leader,
		Commit: st.Commit, Applied: st.Applied, LastIndex: st.LastIndex,
	}
	peers := a.peers
	conf, ok := a.node.Configuration() // stage 11: the configuration changes
	if ok {
		body.Voters, body.Learners = conf.Voters, conf.Learners
		peers = slices.Sorted(slices.Values(append(slices.Clone(conf.Voters), conf.Learners...)))
	}
	for _, id := range peers {
		p := peerJSON{ID: id, Raft: conf.Members[id].Raft}
		if p.Raft == "" {
			p.Raft, _ = a.addrs(id, "raft")
		}
		p.HTTP, _ = a.addrs(id, "http")
		p.RESP, _ = a.addrs(id, "resp")
		body.Peers = append(body.Peers, p)
	}
	writeJSON(w, http.StatusOK, body)
}

// fail answers a request whose command failed.
func (a *httpAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	var notLeader *NotLeaderError
	switch {
	case errors.As(err, &notLeader):
		a.redirect(w, r, notLeader.Leader)
	case errors.Is(err, raft.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, err.Error())
	case errors.Is(err, ErrLeadershipLost), errors.Is(err, core.ErrProposalLost), errors.Is(err, ErrStopped),
		errors.Is(err, ErrReadTimeout), errors.Is(err, ErrTransferring), errors.Is(err, errReadNotReady):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case errors.Is(err, ErrSessionExpired), errors.Is(err, ErrStaleSequence):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, ErrUnsupported):
		writeError(w, http.StatusNotImplemented, err.Error())
	case r.Context().Err() != nil:
		// The client has gone: nobody reads the answer.
	default:
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

// writeJSON answers with status and v in JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// writeError answers with status and {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// The headers of a client session (stage 11; sessions.go). A command sent
// with both applies once, however often the client sends it again: the
// client picks an ID that no other client uses (a random 63-bit number)
// and numbers its commands 1, 2, 3, …, one at a time, retrying a command
// whose outcome it does not know under the same number.
const (
	ClientIDHeader = "X-Raft-Client-Id"
	SequenceHeader = "X-Raft-Sequence"
)

// sessionOf reads a request's session headers: ok is false when it has
// neither. Both must be decimal numbers of at least 1.
func sessionOf(r *http.Request) (c SessionCommand, ok bool, err error) {
	client, seq := r.Header.Get(ClientIDHeader), r.Header.Get(SequenceHeader)
	if client == "" && seq == "" {
		return SessionCommand{}, false, nil
	}
	c.Client, err = strconv.ParseUint(client, 10, 64)
	if err == nil {
		c.Seq, err = strconv.ParseUint(seq, 10, 64)
	}
	if err != nil || c.Client == 0 || c.Seq == 0 {
		return SessionCommand{}, true, fmt.Errorf("a session needs both %s and %s, decimal numbers of at least 1; got %q and %q", ClientIDHeader, SequenceHeader, client, seq)
	}
	return c, true, nil
}

// proposeSession proposes a session command and answers with what reply
// makes of its reply, adding "duplicate": true when the command had
// applied before. A bad session header (headerErr) is 400.
func (a *httpAPI) proposeSession(ctx context.Context, w http.ResponseWriter, r *http.Request, c SessionCommand, headerErr error, reply func(SessionReply) map[string]any) {
	if headerErr != nil {
		writeError(w, http.StatusBadRequest, headerErr.Error())
		return
	}
	res, err := a.node.ProposeSession(ctx, c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	body := reply(res)
	if res.Duplicate {
		body["duplicate"] = true
	}
	writeJSON(w, http.StatusOK, body)
}

// staleOf reads a GET's stale parameter: ?stale=true asks for a dirty
// read.
func staleOf(r *http.Request) (bool, error) {
	v := r.URL.Query().Get("stale")
	if v == "" {
		return false, nil
	}
	stale, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("stale must be true or false, not %q", v)
	}
	return stale, nil
}

// transfer serves POST /transfer?to=N (stage 11): it hands the leadership
// to voter N and answers once N leads, with its ID and term. Proposals
// made meanwhile get 503 with Retry-After.
func (a *httpAPI) transfer(w http.ResponseWriter, r *http.Request) {
	to, err := strconv.ParseUint(r.URL.Query().Get("to"), 10, 64)
	if err != nil || to == 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("to must name a voter's ID, a number of at least 1, not %q", r.URL.Query().Get("to")))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.timeout)
	defer cancel()
	st, err := a.node.TransferLeadership(ctx, raft.NodeID(to))
	var notLeader *NotLeaderError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]any{"leader": st.Leader, "term": st.Term})
	case errors.As(err, &notLeader), errors.Is(err, ErrUnsupported), errors.Is(err, ErrStopped),
		errors.Is(err, context.DeadlineExceeded), r.Context().Err() != nil:
		a.fail(w, r, err)
	default: // the core refused: to is not a voter
		writeError(w, http.StatusBadRequest, err.Error())
	}
}
