// Command raftkv runs one server of a replicated key-value store on the
// Raft core of stage 07, or a local demo cluster of three (raftkv demo).
// Its flags and demo are package cli's; run raftkv -h for them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"raftgo/solutions/10-system/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, cli.Options{}))
}
