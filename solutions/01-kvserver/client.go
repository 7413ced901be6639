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
	//workshop:todo Connect with a net.Dialer's DialContext, and wrap the
	//workshop:todo connection in a Reader (default limits) and a Writer
	//workshop:todo (handout: "7. The client").
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, r: NewReader(conn, Limits{}), w: NewWriter(conn)}, nil
	//workshop:stub return nil, fmt.Errorf("not implemented")
	//workshop:end
}

// Close closes the connection.
func (c *Client) Close() error {
	return c.conn.Close()
}

// Do sends one command, its name first, and returns the server's reply. An
// error reply is a reply like any other: it comes back as a Value of kind
// KindError, with a nil error.
func (c *Client) Do(ctx context.Context, args ...string) (Value, error) {
	//workshop:todo Send the command and read its reply, in one call to
	//workshop:todo Pipeline (handout: "7. The client").
	replies, err := c.Pipeline(ctx, args)
	if err != nil {
		return Value{}, err
	}
	return replies[0], nil
	//workshop:stub return Value{}, fmt.Errorf("not implemented")
	//workshop:end
}

// Pipeline sends all the commands in one write, then reads their replies,
// one per command and in the same order. Error replies come back as Values
// of kind KindError, as with Do.
func (c *Client) Pipeline(ctx context.Context, cmds ...[]string) ([]Value, error) {
	//workshop:todo Inside c.withContext: write every command, flush once,
	//workshop:todo then read one reply per command (handout: "7. The
	//workshop:todo client", and "Pipelining").
	replies := make([]Value, 0, len(cmds))
	err := c.withContext(ctx, func() error {
		for _, args := range cmds {
			c.w.WriteCommand(args...) // errors are sticky: Flush reports them
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		for range cmds {
			v, err := c.r.ReadValue()
			if err != nil {
				return err
			}
			replies = append(replies, v)
		}
		return nil
	})
	return replies, err
	//workshop:stub return nil, fmt.Errorf("not implemented")
	//workshop:end
}

// Get returns the value stored under key, and whether there is one.
func (c *Client) Get(ctx context.Context, key string) (value string, ok bool, err error) {
	//workshop:todo Send GET. A bulk string is the value; null means no
	//workshop:todo value; anything else is an error (unexpectedReply)
	//workshop:todo (handout: "7. The client").
	v, err := c.Do(ctx, "GET", key)
	switch {
	case err != nil:
		return "", false, err
	case v.Kind == KindBulkString:
		return v.Str, true, nil
	case v.Kind == KindNull:
		return "", false, nil
	}
	return "", false, unexpectedReply("GET", v)
	//workshop:stub return "", false, fmt.Errorf("not implemented")
	//workshop:end
}

// Set stores value under key.
func (c *Client) Set(ctx context.Context, key, value string) error {
	//workshop:todo Send SET; anything but the simple string OK is an error
	//workshop:todo (handout: "7. The client").
	v, err := c.Do(ctx, "SET", key, value)
	switch {
	case err != nil:
		return err
	case v.Kind == KindSimpleString && v.Str == "OK":
		return nil
	}
	return unexpectedReply("SET", v)
	//workshop:stub return fmt.Errorf("not implemented")
	//workshop:end
}

// Del deletes the keys and returns how many of them existed.
func (c *Client) Del(ctx context.Context, keys ...string) (int64, error) {
	//workshop:todo Send DEL with the keys; the reply is an integer
	//workshop:todo (handout: "7. The client").
	v, err := c.Do(ctx, append([]string{"DEL"}, keys...)...)
	switch {
	case err != nil:
		return 0, err
	case v.Kind == KindInteger:
		return v.Int, nil
	}
	return 0, unexpectedReply("DEL", v)
	//workshop:stub return 0, fmt.Errorf("not implemented")
	//workshop:end
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
