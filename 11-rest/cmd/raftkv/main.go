// Command raftkv is stage 10's raftkv command on the core of stage 11:
// the same flags and demo (package cli), with snapshots, log compaction
// and membership changes (--join, POST /join, DELETE /members/{id}).
// Run raftkv -h for the flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"raftgo/11-rest"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/10-system/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, cli.Options{NewCore: newCore}))
}

// newCore makes the stage-11 core.
func newCore(cfg raft.Config) (raft.Node, error) { return core.New(cfg) }
