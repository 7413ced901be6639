// Package cli is the raftkv command: its flags, the server it runs, and
// its local demo cluster. The commands of stage 10 and stage 11 are each a
// few lines that call Main with the core they plug in.
//
// The command runs one server of a replicated key-value store, or a local
// demo cluster of three:
//
//	raftkv --id 1 --cluster 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 \
//	       --http 127.0.0.1:8001 --resp 127.0.0.1:6381 --data /var/lib/raftkv/1
//	raftkv demo
//
// Clients use the HTTP API (POST /key, GET and DELETE /key/{key}, GET
// /status) or the RESP front door (redis-cli -c). Every server of a
// cluster is started with the same --cluster, its own --id, and its own
// client addresses, which it advertises to its peers. Ctrl-C (SIGINT) or
// SIGTERM shuts a server down gracefully.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"

	"golang.org/x/sync/errgroup"

	raft "raftgo/solutions/03-planning"
	raftkv "raftgo/solutions/10-system"
)

// Options are what a command built on Main plugs in.
type Options struct {
	// NewCore makes the node's core; nil means stage 07's
	// (raftkv.NodeConfig.NewCore).
	NewCore func(raft.Config) (raft.Node, error)
}

// Main runs the command with its arguments (without the program's name)
// and returns its exit status: 0 after a clean shutdown, 1 when the server
// failed, 2 for bad flags. The server stops when ctx ends. "raftkv demo"
// starts its nodes as child processes of the running program, so the demo
// runs the same core as the command that started it.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, opts Options) int {
	if len(args) > 0 && args[0] == "demo" {
		return runDemo(ctx, args[1:], stdout, stderr)
	}
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftkv: %v\nRun raftkv -h for the flags.\n", err)
		return 2
	}
	cfg.NewCore = opts.NewCore
	s, err := raftkv.Open(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "raftkv: %v\n", err)
		return 1
	}
	cfg.Logger.Info("serving", "http", cfg.HTTPAddr, "resp", cfg.RESPAddr, "data", cfg.Dir)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.Run(gctx) })
	if cfg.Join != "" {
		g.Go(func() error {
			if err := s.Join(gctx, cfg.Join); err != nil && gctx.Err() == nil {
				return err
			}
			return nil
		})
	}
	err = g.Wait()
	switch {
	case errors.Is(err, raftkv.ErrRemoved):
		fmt.Fprintf(stderr, "raftkv: node %d was removed from the cluster, and stopped; its data can be deleted\n", cfg.ID)
	case err != nil:
		fmt.Fprintf(stderr, "raftkv: %v\n", err)
		return 1
	}
	return 0
}

// parseFlags turns the command's flags into a server's configuration. Its
// errors name the flag at fault and what is wrong with its value.
func parseFlags(args []string, stderr io.Writer) (raftkv.Config, error) {
	fs := flag.NewFlagSet("raftkv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage:\n  raftkv --id N --cluster ID=host:port,... --http host:port --resp host:port --data DIR\n  raftkv --id N --join host:port --raft host:port --http host:port --resp host:port --data DIR\n  raftkv demo\n\nFlags:\n")
		fs.PrintDefaults()
	}
	id := fs.String("id", "", "this server's `ID` in --cluster (required)")
	cluster := fs.String("cluster", "", "every server's ID and peer address, such as `1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003` (required, or --join)")
	join := fs.String("join", "", "with the core of stage 11: the HTTP `address` of a member of a running cluster, which this new server joins under a new --id (instead of --cluster)")
	peerAddr := fs.String("raft", "", "with --join: this server's peer `address`, such as 127.0.0.1:7004")
	snapshotEvery := fs.Int("snapshot-every", raftkv.DefaultSnapshotEvery, "with the core of stage 11: take a snapshot and truncate the log every `N` applied entries (0: never)")
	httpAddr := fs.String("http", "", "the HTTP API's `address`, such as 127.0.0.1:8001 (required)")
	respAddr := fs.String("resp", "", "the RESP front door's `address`, such as 127.0.0.1:6381 (required)")
	dir := fs.String("data", "", "the `folder` of the write-ahead log; created if missing (required)")
	tick := fs.Duration("tick", raftkv.DefaultTickInterval, "the length of one Raft tick: heartbeats every tick, elections after 10 to 20")
	level := fs.String("log", "info", "the log `level`: debug, info, warn or error")
	debug := fs.Bool("debug", false, "serve the node's live view and the switches that cut and slow its links under /debug/ on the HTTP API (raftkv demo --ui sets it); only on one machine")
	if err := fs.Parse(args); err != nil {
		return raftkv.Config{}, err
	}
	if fs.NArg() > 0 {
		return raftkv.Config{}, fmt.Errorf("unexpected argument %q: every setting is a flag", fs.Arg(0))
	}
	switch {
	case *join != "" && *cluster != "":
		return raftkv.Config{}, fmt.Errorf("--join and --cluster: give one; --cluster starts a new cluster, --join joins a running one")
	case *join != "" && *peerAddr == "":
		return raftkv.Config{}, fmt.Errorf("--join needs --raft, this server's peer address")
	case *join == "" && *peerAddr != "":
		return raftkv.Config{}, fmt.Errorf("--raft goes with --join; with --cluster, this server's peer address is its entry there")
	case *join != "":
		*cluster = *id + "=" + *peerAddr
		if err := checkHostPort(*join); err != nil {
			return raftkv.Config{}, fmt.Errorf("--join %q: %w", *join, err)
		}
	}
	if *snapshotEvery < 0 {
		return raftkv.Config{}, fmt.Errorf("--snapshot-every %d: give 0 for never, or a positive number of entries", *snapshotEvery)
	}
	for _, f := range []struct{ name, value string }{{"id", *id}, {"cluster", *cluster}, {"http", *httpAddr}, {"resp", *respAddr}, {"data", *dir}} {
		if f.value == "" {
			return raftkv.Config{}, fmt.Errorf("--%s is required", f.name)
		}
	}
	n, err := strconv.ParseUint(*id, 10, 64)
	if err != nil || n == 0 {
		return raftkv.Config{}, fmt.Errorf("--id %q: an ID is a positive integer", *id)
	}
	peers, err := raft.ParseCluster(*cluster)
	if err != nil {
		return raftkv.Config{}, fmt.Errorf("--cluster: %w", err)
	}
	if _, ok := peers.Addr(raft.NodeID(n)); !ok {
		return raftkv.Config{}, fmt.Errorf("--id %d is not in --cluster %s", n, peers)
	}
	if *tick <= 0 {
		return raftkv.Config{}, fmt.Errorf("--tick %v: a tick must be positive", *tick)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return raftkv.Config{}, fmt.Errorf("--log %q: the level is debug, info, warn or error", *level)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	return raftkv.Config{
		ID: raft.NodeID(n), Cluster: peers, HTTPAddr: *httpAddr, RESPAddr: *respAddr,
		Dir: *dir, TickInterval: *tick, Logger: logger, Debug: *debug,
		Join: *join, SnapshotEvery: snapshotEveryConfig(*snapshotEvery),
	}, nil
}

// snapshotEveryConfig turns --snapshot-every into Config.SnapshotEvery,
// where 0 means the default and a negative value never.
func snapshotEveryConfig(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// checkHostPort checks that addr is a host and a port.
func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || port == "" {
		return fmt.Errorf("give a host and a port, such as 127.0.0.1:8001")
	}
	return nil
}
