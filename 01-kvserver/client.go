package kvserver

import (
	"context"
	"fmt"
	"net"
	"time"
)

// A Client is a connection to a RESP server. It is not safe for concurrent
// use: give each goroutine its own.
//
// Every call takes a context. Its deadline becomes the connection's, and
// cancelling it interrupts a call that is blocked on the network. After a
// call fails for any reason other than an error reply, the connection is in
// an unknown state (a reply may still be on its way): close the client.
type Client struct {
	conn net.Conn
	r    *Reader
	w    *Writer
}

// Dial connects to the server at addr, such as "localhost:6380".
func Dial(ctx context.Context, addr string) (*Client, error) {
	// TODO: Connect with a net.Dialer's DialContext, and wrap the
	// connection in a Reader (default limits) and a Writer
	// (handout: "7. The client").
	return nil, fmt.Errorf("not implemented")
}

// Close closes the connection.
func (c *Client) Close() error {
	return c.conn.Close()
}

// Do sends one command, its name first, and returns the server's reply. An
// error reply is a reply like any other: it comes back as a Value of kind
// KindError, with a nil error.
func (c *Client) Do(ctx context.Context, args ...string) (Value, error) {
	// TODO: Send the command and read its reply, in one call to
	// Pipeline (handout: "7. The client").
	return Value{}, fmt.Errorf("not implemented")
}

// Pipeline sends all the commands in one write, then reads their replies,
// one per command and in the same order. Error replies come back as Values
// of kind KindError, as with Do.
func (c *Client) Pipeline(ctx context.Context, cmds ...[]string) ([]Value, error) {
	// TODO: Inside c.withContext: write every command, flush once,
	// then read one reply per command (handout: "7. The
	// client", and "Pipelining").
	return nil, fmt.Errorf("not implemented")
}

// Get returns the value stored under key, and whether there is one.
func (c *Client) Get(ctx context.Context, key string) (value string, ok bool, err error) {
	// TODO: Send GET. A bulk string is the value; null means no
	// value; anything else is an error (unexpectedReply)
	// (handout: "7. The client").
	return "", false, fmt.Errorf("not implemented")
}

// Set stores value under key.
func (c *Client) Set(ctx context.Context, key, value string) error {
	// TODO: Send SET; anything but the simple string OK is an error
	// (handout: "7. The client").
	return fmt.Errorf("not implemented")
}

// Del deletes the keys and returns how many of them existed.
func (c *Client) Del(ctx context.Context, keys ...string) (int64, error) {
	// TODO: Send DEL with the keys; the reply is an integer
	// (handout: "7. The client").
	return 0, fmt.Errorf("not implemented")
}

// unexpectedReply describes a reply that a command should not get, such as
// an error reply to SET.
func unexpectedReply(command string, v Value) error {
	return fmt.Errorf("%s: unexpected %s reply: %v", command, v.Kind, v)
}

// withContext runs f, which reads and writes the connection, under ctx:
// ctx's deadline is the connection's deadline while f runs, and cancelling
// ctx interrupts f's blocked reads and writes. When f fails because ctx
// ended, the error says so and wraps ctx's error.
func (c *Client) withContext(ctx context.Context, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline() // the zero time, no deadline, if ctx has none
	if err := c.conn.SetDeadline(deadline); err != nil {
		return err
	}
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		// A deadline in the past wakes every blocked read and write.
		c.conn.SetDeadline(time.Unix(1, 0))
		close(interrupted)
	})
	err := f()
	if !stop() {
		// ctx ended and the interruption has started: wait for it, so
		// that it cannot cut short the next call.
		<-interrupted
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return err
}
