// Command stress loads a three-node raftkv cluster on the core of stage 07
// as hard as it can, restarts a follower halfway, and checks that every
// node applied the same entries in the same order. Its flags and checks
// are package stress's; run stress -h for them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"raftgo/solutions/10-system/stress"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(stress.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, stress.Options{}))
}
