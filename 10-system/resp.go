package raftkv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"raftgo/solutions/01-kvserver"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/06-consensus"
)

// respHandler serves the RESP front door: stage 01's protocol, with every
// command that touches data going through Raft. SET and DEL are proposed;
// GET and EXISTS wait for a barrier, then read the store. PING, ECHO,
// CONFIG GET and COMMAND are answered by stage 01's StoreHandler, on any
// node.
//
// A node that is not the leader answers a data command with Redis Cluster's
// redirection, "-MOVED 0 host:port", naming the leader's RESP address:
// redis-cli -c follows it, and so does Client below.
type respHandler struct {
	node    *Node
	addrs   AddressBook
	timeout time.Duration
	// local is stage 01's handler on this node's store. It answers the
	// commands that read no replicated data, and reads after a barrier.
	local kvserver.Handler
}

// dataCommands are the commands that go through Raft, with their bounds
// on the number of arguments.
var dataCommands = map[string]struct{ minArgs, maxArgs int }{
	"get":    {1, 1},
	"exists": {1, -1},
	"set":    {2, 2},
	"del":    {1, -1},
}

// ServeRESP runs one command, as a kvserver.Handler.
func (h *respHandler) ServeRESP(ctx context.Context, w *kvserver.Writer, args []string) error {
	name := strings.ToLower(args[0])
	arity, ok := dataCommands[name]
	if !ok {
		return h.local.ServeRESP(ctx, w, args)
	}
	if n := len(args) - 1; n < arity.minArgs || (arity.maxArgs >= 0 && n > arity.maxArgs) {
		return w.WriteError("ERR wrong number of arguments for '" + name + "' command")
	}
	if st := h.node.Status(); st.Role != raft.Leader {
		return h.moved(w, st.Leader)
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	switch name {
	case "get", "exists":
		if err := h.node.Barrier(ctx); err != nil {
			return h.fail(w, err)
		}
		return h.local.ServeRESP(ctx, w, args)
	case "set":
		if _, err := h.node.Propose(ctx, core.Set(args[1], args[2]).Encode()); err != nil {
			return h.fail(w, err)
		}
		return w.WriteSimpleString("OK")
	default: // del
		deleted := 0
		for _, key := range args[1:] {
			res, err := h.node.Propose(ctx, core.Delete(key).Encode())
			if err != nil {
				return h.fail(w, err)
			}
			if res.Deleted {
				deleted++
			}
		}
		return w.WriteInteger(int64(deleted))
	}
}

// moved sends the client to the leader's RESP address, or tells it to
// retry while there is none.
func (h *respHandler) moved(w *kvserver.Writer, leader raft.NodeID) error {
	// TODO: Redirect as Redis Cluster does, so that redis-cli -c follows: the
	// error "MOVED 0 host:port" with the leader's RESP address (a.addrs,
	// kind "resp"); slot 0, because this cluster does not shard. Without
	// an address, answer "CLUSTERDOWN" and say why, so the client retries
	// (handout: "9. The RESP front door").
	return w.WriteError("ERR MOVED is not implemented")
}

// fail answers a command that failed in Raft.
func (h *respHandler) fail(w *kvserver.Writer, err error) error {
	var notLeader *NotLeaderError
	switch {
	case errors.As(err, &notLeader):
		return h.moved(w, notLeader.Leader)
	case errors.Is(err, ErrLeadershipLost), errors.Is(err, core.ErrProposalLost), errors.Is(err, ErrStopped):
		return w.WriteError("TRYAGAIN " + err.Error())
	}
	return w.WriteError(fmt.Sprintf("ERR %v", err))
}
