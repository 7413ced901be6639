// Command kvserver serves an in-memory key-value store over RESP, the Redis
// protocol, so redis-cli and redis-benchmark can talk to it:
//
//	go run ./cmd/kvserver &
//	redis-cli -p 6380 set k v
//	redis-cli -p 6380 get k
//
// On SIGINT (Ctrl-C) or SIGTERM it shuts down gracefully: it stops accepting
// connections, lets the commands in flight finish, and exits. If that takes
// longer than -shutdown-timeout, it closes the remaining connections. A
// second Ctrl-C stops it at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"raftgo/01-kvserver"
)

func main() {
	addr := flag.String("addr", "localhost:6380", "`address` to listen on")
	var limits kvserver.Limits
	flag.IntVar(&limits.MaxArrayLen, "max-array", kvserver.DefaultMaxArrayLen, "most arguments in a command")
	flag.IntVar(&limits.MaxBulkLen, "max-bulk", kvserver.DefaultMaxBulkLen, "most bytes in a key or a value")
	flag.IntVar(&limits.MaxLineLen, "max-line", kvserver.DefaultMaxLineLen, "most bytes in a protocol line")
	grace := flag.Duration("shutdown-timeout", 10*time.Second, "how long to wait for commands in flight on shutdown")
	flag.Parse()

	if err := run(*addr, limits, *grace); err != nil {
		log.Fatal(err)
	}
}

// run serves until a signal asks it to stop, then shuts the server down
// within grace.
func run(addr string, limits kvserver.Limits, grace time.Duration) error {
	if limits.MaxArrayLen < 1 || limits.MaxBulkLen < 1 || limits.MaxLineLen < 1 {
		return fmt.Errorf("limits must be positive: -max-array=%d -max-bulk=%d -max-line=%d",
			limits.MaxArrayLen, limits.MaxBulkLen, limits.MaxLineLen)
	}
	// ctx ends on the first SIGINT or SIGTERM.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := kvserver.NewServer(kvserver.NewStoreHandler(new(kvserver.Store)), limits)
	log.Printf("kvserver: serving on %s", ln.Addr())

	// Two goroutines, one fate: if Serve fails, the group's context ends and
	// the second goroutine shuts down; if a signal comes, the second one
	// shuts down and Serve returns ErrServerClosed.
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, kvserver.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		stop() // from now on, a second Ctrl-C kills the process
		log.Printf("kvserver: shutting down, waiting up to %v for commands in flight", grace)
		shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			srv.Close()
			return fmt.Errorf("shutdown: %w", err)
		}
		log.Printf("kvserver: stopped")
		return nil
	})
	return g.Wait()
}
