package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"raftgo/solutions/03-planning"
)

// acceptLoop accepts the peers' connections and starts a reader goroutine
// for each, until Close closes the listener.
func (t *Transport) acceptLoop() {
	for {
		conn, err := t.cfg.Listener.Accept()
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, say: wait a little, as
			// net/http.Server does, rather than spin.
			t.log.Error("transport: accept failed; retrying", "err", err)
			timer := time.NewTimer(50 * time.Millisecond)
			select {
			case <-timer.C:
			case <-t.ctx.Done():
				timer.Stop()
				return
			}
			continue
		}
		if !t.track(conn) {
			conn.Close()
			return
		}
		// The accept loop is itself counted in t.wg, so the count is above
		// zero here and this Go cannot race with Close's Wait.
		t.wg.Go(func() { t.serveConn(conn) })
	}
}

// serveConn is the reader goroutine of an accepted connection: it answers
// the handshake, then hands each message to Receive. Anything wrong closes
// the connection, with a log line that says why; the transport keeps
// serving everyone else.
func (t *Transport) serveConn(conn net.Conn) {
	defer t.untrack(conn)
	log := t.log.With("remote", conn.RemoteAddr().String())
	r := bufio.NewReaderSize(conn, 64<<10)
	p, err := t.welcome(conn, r)
	if err != nil {
		log.Warn("transport: refused a connection", "reason", err)
		return
	}
	log = log.With("peer", uint64(p.id))
	var buf []byte
	for {
		payload, err := readFrame(r, t.cfg.MaxFrame, buf)
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), t.ctx.Err() != nil:
			log.Debug("transport: a connection closed", "err", err)
			return
		case err != nil:
			log.Warn("transport: closing a peer's connection", "reason", err)
			return
		}
		buf = payload[:0]
		if p.removed.Load() {
			log.Info("transport: closing the connection of a removed peer")
			return
		}
		m, err := raft.Unmarshal(payload)
		if err != nil {
			log.Warn("transport: closing a peer's connection", "reason", err)
			return
		}
		if m.From != p.id || m.To != t.cfg.ID {
			log.Warn("transport: closing a peer's connection", "reason",
				fmt.Sprintf("a message from node %d to node %d on the connection of node %d to node %d", m.From, m.To, p.id, t.cfg.ID))
			return
		}
		if p.cut.Load() {
			p.dropped.Add(1)
			continue
		}
		select {
		case t.recv <- m:
			p.received.Add(1)
		case <-t.ctx.Done():
			return
		}
	}
}

// welcome is the accepting side of the handshake: it reads the hello,
// checks that it comes from a peer of the cluster and is meant for this
// node, and answers with a welcome, or with a refusal that says why. It
// returns the peer, or the reason for the refusal.
func (t *Transport) welcome(conn net.Conn, r *bufio.Reader) (*peer, error) {
	conn.SetDeadline(time.Now().Add(t.cfg.Timeout))
	payload, err := readFrame(r, maxHandshakeFrame, nil)
	if err != nil {
		return nil, fmt.Errorf("no handshake: %w", err)
	}
	h, err := parseHandshake(payload)
	if err != nil {
		return nil, err
	}
	if h.kind != kindHello {
		return nil, fmt.Errorf("a handshake of kind %d where a hello was due", h.kind)
	}
	p, ok := t.peer(h.from)
	t.mu.RLock()
	removed := t.removed[h.from]
	t.mu.RUnlock()
	var refusal string
	switch {
	case !ok && removed:
		refusal = fmt.Sprintf("node %d %s of node %d", h.from, removedReason, t.cfg.ID)
	case !ok && t.cfg.AcceptNewPeers && h.to == t.cfg.ID:
		if p, err = t.acceptNewPeer(h); err != nil {
			refusal = err.Error()
		}
	case !ok:
		refusal = fmt.Sprintf("node %d is not in the cluster of node %d", h.from, t.cfg.ID)
	case h.to != t.cfg.ID:
		refusal = fmt.Sprintf("node %d dialed node %d at this address, but this is node %d: check --cluster", h.from, h.to, t.cfg.ID)
	}
	if refusal != "" {
		answer := appendHandshake(nil, handshake{kind: kindRefusal, from: t.cfg.ID, to: h.from, reason: refusal})
		conn.Write(appendFrame(nil, answer)) // best effort: the connection closes anyway
		return nil, errors.New(refusal)
	}
	answer := appendHandshake(nil, handshake{kind: kindWelcome, from: t.cfg.ID, to: h.from, meta: t.cfg.Advertise})
	if _, err := conn.Write(appendFrame(nil, answer)); err != nil {
		return nil, fmt.Errorf("send the welcome to node %d: %w", h.from, err)
	}
	conn.SetDeadline(time.Time{})
	p.setMeta(h.meta)
	return p, nil
}

// acceptNewPeer adds the node that sent hello h as a peer, at the address
// it advertised under PeerAddrKey (Config.AcceptNewPeers).
func (t *Transport) acceptNewPeer(h handshake) (*peer, error) {
	addr := h.meta[PeerAddrKey]
	if addr == "" {
		return nil, fmt.Errorf("node %d is not in the cluster of node %d, and advertised no %q address to be added at", h.from, t.cfg.ID, PeerAddrKey)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.peers[h.from]; ok {
		return p, nil // added since by another connection
	}
	return t.addPeerLocked(h.from, addr)
}

// withTimeout returns a context that t.ctx and Config.Timeout bound.
func (t *Transport) withTimeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.ctx, t.cfg.Timeout)
}
