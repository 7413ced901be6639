package raftkv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"weak"

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
//
// Stage 11: with a core that has ReadIndex, GET and EXISTS are served on
// any node by Node.Read, with no log write; and each connection is a
// client session (respSessions), so that SET and DEL apply once.
type respHandler struct {
	node    *Node
	addrs   AddressBook
	timeout time.Duration
	// local is stage 01's handler on this node's store. It answers the
	// commands that read no replicated data, and reads after a barrier.
	local kvserver.Handler
	// sessions gives each connection its session (stage 11).
	sessions respSessions
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
	read := name == "get" || name == "exists"
	if st := h.node.Status(); st.Role != raft.Leader && !(read && h.node.ReadsAnywhere()) {
		return h.moved(w, st.Leader)
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	if !read && h.node.ReadsAnywhere() {
		return h.serveSession(ctx, w, args)
	}
	switch name {
	case "get", "exists":
		if err := h.node.Read(ctx); err != nil {
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
	//workshop:todo Redirect as Redis Cluster does, so that redis-cli -c follows: the
	//workshop:todo error "MOVED 0 host:port" with the leader's RESP address (a.addrs,
	//workshop:todo kind "resp"); slot 0, because this cluster does not shard. Without
	//workshop:todo an address, answer "CLUSTERDOWN" and say why, so the client retries
	//workshop:todo (handout: "9. The RESP front door").
	addr, ok := h.addrs(leader, "resp")
	if !ok {
		return w.WriteError("CLUSTERDOWN no leader known; retry")
	}
	return w.WriteError("MOVED 0 " + addr)
	//workshop:stub return w.WriteError("ERR MOVED is not implemented")
	//workshop:end
}

// fail answers a command that failed in Raft.
func (h *respHandler) fail(w *kvserver.Writer, err error) error {
	var notLeader *NotLeaderError
	switch {
	case errors.As(err, &notLeader):
		return h.moved(w, notLeader.Leader)
	case errors.Is(err, ErrLeadershipLost), errors.Is(err, core.ErrProposalLost), errors.Is(err, ErrStopped),
		errors.Is(err, ErrReadTimeout), errors.Is(err, ErrTransferring), errors.Is(err, errReadNotReady):
		return w.WriteError("TRYAGAIN " + err.Error())
	}
	return w.WriteError(fmt.Sprintf("ERR %v", err))
}

// serveSession runs SET or DEL as a command of the connection's session
// (stage 11). A command whose outcome the connection could not tell
// (TRYAGAIN, a timeout) keeps its sequence number: if the client sends the
// same command again on the same connection, it is a retry, and applies
// once.
func (h *respHandler) serveSession(ctx context.Context, w *kvserver.Writer, args []string) error {
	s := h.sessions.of(w)
	c := s.next(args)
	set := strings.EqualFold(args[0], "set")
	if set {
		c.Commands = []core.Command{core.Set(args[1], args[2])}
	} else {
		for _, key := range args[1:] {
			c.Commands = append(c.Commands, core.Delete(key))
		}
	}
	reply, err := h.node.ProposeSession(ctx, c)
	if err != nil {
		var notLeader *NotLeaderError
		if !errors.As(err, &notLeader) && !errors.Is(err, core.ErrProposalLost) {
			s.unsure = args // its outcome is unknown: a retry reuses its number
		}
		return h.fail(w, err)
	}
	if set {
		return w.WriteSimpleString("OK")
	}
	return w.WriteInteger(int64(reply.Deleted))
}

// respSessions gives each RESP connection a client session of its own,
// keyed by the connection's Writer, which the handler sees with every
// command. The key is a weak pointer, so the table does not keep a closed
// connection's Writer alive; a cleanup forgets its session once the Writer
// is collected (runtime.AddCleanup).
type respSessions struct {
	mu     sync.Mutex
	byConn map[weak.Pointer[kvserver.Writer]]*respSession
}

// respSession is the session of one connection. Only the connection's
// goroutine uses it: a connection runs one command at a time.
type respSession struct {
	client uint64
	seq    uint64
	// unsure is the last command, if its outcome is unknown.
	unsure []string
}

// of returns the session of the connection that writes to w, starting one
// with a random client ID if it has none.
func (t *respSessions) of(w *kvserver.Writer) *respSession {
	key := weak.Make(w)
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.byConn[key]; ok {
		return s
	}
	if t.byConn == nil {
		t.byConn = make(map[weak.Pointer[kvserver.Writer]]*respSession)
	}
	s := &respSession{client: rand.Uint64()>>1 | 1} // never 0
	t.byConn[key] = s
	runtime.AddCleanup(w, func(key weak.Pointer[kvserver.Writer]) {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.byConn, key)
	}, key)
	return s
}

// next returns the session command for args: a retry of the last command,
// whose outcome was unknown, keeps its sequence number; anything else gets
// the next one.
func (s *respSession) next(args []string) SessionCommand {
	if !slices.Equal(args, s.unsure) {
		s.seq++
	}
	s.unsure = nil
	return SessionCommand{Client: s.client, Seq: s.seq}
}
