package raftkv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"raftgo/solutions/03-planning"
)

// This file serves stage 11: the HTTP API of membership changes.
//
//	POST   /join          {"id":4,"raft":"host:port","http":"host:port","resp":"host:port"}:
//	                      add server 4, as a learner, then as a voter once
//	                      it has caught up; 200 {"voters":[…],"learners":[…]}
//	DELETE /members/{id}  remove a server, the leader included; 200
//
// Both run on the leader (others redirect, as for /key) and wait at most
// the request timeout. With a core that has no membership changes (stage
// 07's) they answer 501 Not Implemented.

// joinRequest is the body of POST /join, in the shape of hraftd's join
// request, with the addresses of the joining server.
type joinRequest struct {
	ID   raft.NodeID `json:"id"`
	Raft string      `json:"raft"`
	HTTP string      `json:"http"`
	RESP string      `json:"resp"`
}

// configurationJSON is the configuration in a membership change's answer.
type configurationJSON struct {
	Voters   []raft.NodeID `json:"voters"`
	Learners []raft.NodeID `json:"learners"`
}

// join serves POST /join.
func (a *httpAPI) join(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.node.Configuration(); !ok {
		writeError(w, http.StatusNotImplemented, ErrNoMembership.Error())
		return
	}
	var req joinRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodySize))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`the body must be {"id":N,"raft":"host:port","http":"host:port","resp":"host:port"}: %v`, err))
		return
	}
	if req.ID == raft.None {
		writeError(w, http.StatusBadRequest, `"id" must be a positive integer`)
		return
	}
	for _, addr := range []struct{ name, value string }{{"raft", req.Raft}, {"http", req.HTTP}, {"resp", req.RESP}} {
		if err := checkAdvertisable(addr.value); err != nil && (addr.name == "raft" || addr.value != "") {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%q: %v", addr.name, err))
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.timeout)
	defer cancel()
	err := a.node.AddMember(ctx, req.ID, Member{Raft: req.Raft, HTTP: req.HTTP, RESP: req.RESP})
	if err != nil {
		a.failMembership(w, r, err)
		return
	}
	a.log.Info("joined", "node", uint64(req.ID), "raft", req.Raft)
	a.writeConfiguration(w)
}

// removeMember serves DELETE /members/{id}.
func (a *httpAPI) removeMember(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.node.Configuration(); !ok {
		writeError(w, http.StatusNotImplemented, ErrNoMembership.Error())
		return
	}
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is no node ID: an ID is a positive integer", r.PathValue("id")))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.timeout)
	defer cancel()
	if err := a.node.RemoveMember(ctx, raft.NodeID(id)); err != nil {
		a.failMembership(w, r, err)
		return
	}
	a.log.Info("removed", "node", id)
	a.writeConfiguration(w)
}

// writeConfiguration answers 200 with the configuration this node knows.
func (a *httpAPI) writeConfiguration(w http.ResponseWriter) {
	conf, _ := a.node.Configuration()
	writeJSON(w, http.StatusOK, configurationJSON{Voters: conf.Voters, Learners: conf.Learners})
}

// failMembership answers a membership change that failed.
func (a *httpAPI) failMembership(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrMemberExists):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, ErrNotMember):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrNoMembership):
		writeError(w, http.StatusNotImplemented, err.Error())
	default:
		a.fail(w, r, err)
	}
}
