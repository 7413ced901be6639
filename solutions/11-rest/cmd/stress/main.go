// Command stress is stage 10's stress command on the core of stage 11: the
// same load and checks, with snapshots every -snapshot-every entries, and a
// follower wiped and replaced by a new member that catches up by
// InstallSnapshot. Run stress -h for the flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"raftgo/solutions/10-system/stress"
	"raftgo/solutions/11-rest/system"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(stress.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, stress.Options{NewCore: system.NewCore}))
}
