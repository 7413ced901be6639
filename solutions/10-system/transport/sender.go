package transport

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"time"
)

// runSender is peer p's sender goroutine. It owns p's connection: it
// dials, writes the messages of p's queue to it, and dials again when a
// write fails. It is the only reader of p's queue, and returns when Close
// closes the queue (or cancels t.ctx while it dials).
func (t *Transport) runSender(p *peer) {
	//workshop:todo Loop (handout: "The sender goroutine"): get a connection with t.connect
	//workshop:todo (nil means the transport is closing: return), then write with t.pump
	//workshop:todo until it says why it stopped: the queue was closed (return) or the
	//workshop:todo connection failed (dial again).
	for {
		conn := t.connect(p)
		if conn == nil {
			return
		}
		if !t.pump(p, conn) {
			return
		}
	}
	//workshop:end
}

// pump writes the messages of p's queue to conn, and closes conn when it
// returns: false once the queue is closed, true when a write failed and
// the sender should dial again.
func (t *Transport) pump(p *peer, conn net.Conn) (reconnect bool) {
	//workshop:todo Receive from p.queue until it is closed (return false). Write each message
	//workshop:todo with appendMessageFrame into a bufio.Writer, and before you flush, take
	//workshop:todo whatever else is already queued (a select with a default case), so that one
	//workshop:todo write carries a burst of messages. Drop (and count in p.dropped) a message
	//workshop:todo while p is cut, or that does not encode (log it). Set a write deadline of
	//workshop:todo t.cfg.Timeout before each burst. When a flush fails, count the burst as
	//workshop:todo dropped, log the error and return true; when it succeeds, count it in
	//workshop:todo p.sent. Close conn with t.untrack when you return, whatever the reason
	//workshop:todo (handout: "The sender goroutine").
	defer t.untrack(conn)
	w := bufio.NewWriterSize(conn, 64<<10)
	var frame []byte
	for {
		m, ok := <-p.queue
		if !ok {
			return false
		}
		conn.SetWriteDeadline(time.Now().Add(t.cfg.Timeout))
		batch := 0
		for ok {
			if p.cut.Load() {
				p.dropped.Add(1)
			} else if f, err := appendMessageFrame(frame[:0], m); err != nil {
				p.dropped.Add(1)
				t.log.Error("transport: cannot encode a message; dropped", "peer", uint64(p.id), "kind", m.Kind().String(), "err", err)
			} else {
				frame = f
				w.Write(frame) // a bufio.Writer's error comes back from Flush
				batch++
			}
			select {
			case m, ok = <-p.queue:
			default:
				ok = false
			}
		}
		if err := w.Flush(); err != nil {
			p.dropped.Add(uint64(batch))
			t.log.Warn("transport: lost the connection to a peer; redialing", "peer", uint64(p.id), "addr", p.addr, "err", err)
			return true
		}
		p.sent.Add(uint64(batch))
	}
	//workshop:stub return false
	//workshop:end
}

// connect dials p and shakes hands until it succeeds, waiting longer after
// each failure (backoff), and returns the connection; it returns nil when
// the transport is closing. It logs the first failure of a streak as a
// warning and the rest at debug level, so that a peer that stays down
// does not flood the log.
func (t *Transport) connect(p *peer) net.Conn {
	for attempt := 0; ; attempt++ {
		conn, err := t.dialPeer(p)
		if err == nil {
			t.log.Info("transport: connected to a peer", "peer", uint64(p.id), "addr", p.addr, "attempts", attempt+1)
			return conn
		}
		if t.ctx.Err() != nil || p.removed.Load() {
			return nil
		}
		if errors.Is(err, ErrRemoved) && t.cfg.OnRemoved != nil {
			t.removedOnce.Do(t.cfg.OnRemoved)
		}
		level := slog.LevelDebug
		if attempt == 0 {
			level = slog.LevelWarn
		}
		t.log.Log(t.ctx, level, "transport: cannot reach a peer; will retry", "peer", uint64(p.id), "addr", p.addr, "attempt", attempt+1, "err", err)
		//workshop:todo Wait t.backoff(attempt) before the next attempt, or return nil as soon as
		//workshop:todo t.ctx is done: a select on a time.Timer's channel and t.ctx.Done(). Stop
		//workshop:todo the timer when you return early (handout: "Reconnecting with backoff").
		timer := time.NewTimer(t.backoff(attempt))
		select {
		case <-timer.C:
		case <-t.ctx.Done():
			timer.Stop()
			return nil
		}
		//workshop:stub return nil
		//workshop:end
	}
}

// backoff returns how long to wait after the failed attempt number attempt
// (from 0): MinBackoff doubled attempt times, capped at MaxBackoff, then
// jittered to a random duration between half of that and all of it, so
// that nodes that lost a peer together do not all redial it in lockstep.
func (t *Transport) backoff(attempt int) time.Duration {
	//workshop:todo Double MinBackoff attempt times, but never past MaxBackoff: stop doubling
	//workshop:todo as soon as you reach it, so that the shift cannot overflow. Then return a
	//workshop:todo random duration in [d/2, d] (math/rand/v2's rand.N) (handout:
	//workshop:todo "Reconnecting with backoff").
	d := t.cfg.MinBackoff
	for range attempt {
		if d >= t.cfg.MaxBackoff/2 {
			d = t.cfg.MaxBackoff
			break
		}
		d *= 2
	}
	d = min(d, t.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
	//workshop:stub return t.cfg.MinBackoff
	//workshop:end
}

// dialPeer dials p and shakes hands: it sends a hello and reads the
// peer's welcome, whose metadata it records. A refusal, or a welcome from
// another node than p, is an error.
func (t *Transport) dialPeer(p *peer) (net.Conn, error) {
	ctx, cancel := t.withTimeout()
	defer cancel()
	conn, err := t.cfg.Dial(ctx, p.addr)
	if err != nil {
		return nil, err
	}
	if !t.track(conn) {
		conn.Close()
		return nil, errClosing
	}
	if err := t.greet(p, conn); err != nil {
		t.untrack(conn)
		return nil, err
	}
	return conn, nil
}

// greet is the dialer's side of the handshake.
func (t *Transport) greet(p *peer, conn net.Conn) error {
	conn.SetDeadline(time.Now().Add(t.cfg.Timeout))
	hello := appendHandshake(nil, handshake{kind: kindHello, from: t.cfg.ID, to: p.id, meta: t.cfg.Advertise})
	if _, err := conn.Write(appendFrame(nil, hello)); err != nil {
		return fmt.Errorf("send the hello: %w", err)
	}
	payload, err := readFrame(bufio.NewReaderSize(conn, 512), maxHandshakeFrame, nil)
	if err != nil {
		return fmt.Errorf("read the answer to the hello: %w", err)
	}
	h, err := parseHandshake(payload)
	switch {
	case err != nil:
		return err
	case h.kind == kindRefusal && strings.Contains(h.reason, removedReason):
		return fmt.Errorf("%w: refused by the peer: %s", ErrRemoved, h.reason)
	case h.kind == kindRefusal:
		return fmt.Errorf("refused by the peer: %s", h.reason)
	case h.kind != kindWelcome:
		return fmt.Errorf("the peer answered the hello with a handshake of kind %d", h.kind)
	case h.from != p.id || h.to != t.cfg.ID:
		return fmt.Errorf("the node at %s is node %d (for node %d), but the cluster says it is node %d: check --cluster", p.addr, h.from, h.to, p.id)
	}
	conn.SetDeadline(time.Time{})
	p.setMeta(h.meta)
	return nil
}

// errClosing is the error of a dial that the closing of the transport
// interrupted.
var errClosing = errors.New("transport: closing")
