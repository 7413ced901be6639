// Command sim runs the deterministic simulator over many seeds, or one.
//
//	go run ./solutions/09-simulation/cmd/sim -seeds 1000 -nodes 5
//	go run ./solutions/09-simulation/cmd/sim -seed 42
//	go run ./solutions/09-simulation/cmd/sim -mutant figure8 -seeds 2000
//
// With -seeds it runs seeds 0 to N-1 (from -first), on every core, with a
// progress line, and stops at the first failing seed: it prints the
// property broken, the last events before it, writes the HTML timeline and
// prints the command that replays that seed. With -seed it runs one seed
// verbosely, twice, and checks that both runs had the same trace hash.
// With -ui it then serves the seed's replay in the live view's page: a
// slider over the run's steps, opened at the step that broke a property.
//
//	go run ./solutions/09-simulation/cmd/sim -seed 2 -mutant figure8 -ui 127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"raftgo/internal/liveview"
	"raftgo/solutions/09-simulation"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errFailed) {
			fmt.Fprintln(os.Stderr, "sim:", err)
		}
		os.Exit(1)
	}
}

// errFailed reports that a seed failed; the output has said how.
var errFailed = errors.New("a seed failed")

// config is what the flags ask for.
type config struct {
	seeds, first, seed int
	nodes, clients     int
	duration, quiet    time.Duration
	mutant, html       string
	ui                 string
	staleReads         bool
	workers            int
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.IntVar(&c.seeds, "seeds", 100, "run this many seeds, from -first on")
	fs.IntVar(&c.first, "first", 0, "the first seed of a campaign")
	fs.IntVar(&c.seed, "seed", -1, "run only this seed, verbosely, twice")
	fs.IntVar(&c.nodes, "nodes", 5, "nodes in the cluster (3 to 9)")
	fs.IntVar(&c.clients, "clients", 3, "clients")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "virtual time of faults per seed")
	fs.DurationVar(&c.quiet, "quiet", 30*time.Second, "the longest the cluster may take to complete a client operation once the faults end")
	fs.StringVar(&c.mutant, "mutant", "", "run a stage 08 mutant core instead of stage 07's (an unknown name lists them)")
	fs.BoolVar(&c.staleReads, "stale-reads", false, "plant a bug: every node answers Gets from its own store, leader or not")
	fs.StringVar(&c.html, "html", "", "where to write the HTML timeline of a failing seed (default: sim-seed-N.html in the temporary folder)")
	fs.IntVar(&c.workers, "workers", runtime.GOMAXPROCS(0), "seeds run at once")
	fs.StringVar(&c.ui, "ui", "", "with -seed: serve the seed's replay in a web page at this `address`, such as 127.0.0.1:8080, until Ctrl-C")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: every option is a flag (see -h)", fs.Args())
	}
	switch {
	case c.seeds < 1:
		return fmt.Errorf("-seeds %d: run at least one seed", c.seeds)
	case c.first < 0:
		return fmt.Errorf("-first %d: seeds are not negative", c.first)
	case c.seed < -1:
		return fmt.Errorf("-seed %d: seeds are not negative", c.seed)
	case c.nodes < 3 || c.nodes > 9:
		return fmt.Errorf("-nodes %d: the simulator runs 3 to 9 nodes", c.nodes)
	case c.clients < 1 || c.clients > 100:
		return fmt.Errorf("-clients %d: the simulator runs 1 to 100 clients", c.clients)
	case c.duration < time.Second:
		return fmt.Errorf("-duration %v: give the faults at least 1s", c.duration)
	case c.quiet < 5*time.Second:
		return fmt.Errorf("-quiet %v: give the cluster at least 5s to recover (elections, client timeouts)", c.quiet)
	case c.workers < 1:
		return fmt.Errorf("-workers %d: at least one", c.workers)
	case c.ui != "" && c.seed < 0:
		return fmt.Errorf("-ui %s: a replay shows one seed: give -seed N", c.ui)
	}
	opts, err := options(c)
	if err != nil {
		return err
	}
	if c.seed >= 0 {
		return runOne(c, opts, stdout)
	}
	return campaign(c, opts, stdout, stderr)
}

// options turns the flags into the simulator's options for seed 0.
func options(c config) (sim.Options, error) {
	opts := sim.Options{Nodes: c.nodes, Clients: c.clients, Duration: c.duration, Quiet: c.quiet, NewChecker: sim.NewInvariantChecker}
	opts.StaleReads = c.staleReads
	if c.mutant != "" {
		newNode, err := sim.Mutant(c.mutant)
		if err != nil {
			return opts, err
		}
		opts.NewNode = newNode
	}
	return opts, nil
}

// runOne runs one seed verbosely, twice, to check that it replays.
func runOne(c config, opts sim.Options, stdout io.Writer) error {
	opts.Seed = uint64(c.seed)
	opts.TraceLength = 200
	var events []liveview.Event
	if c.ui != "" {
		opts.Observer = liveview.NewRecorder(func(ev liveview.Event) { events = append(events, ev) })
	}
	start := time.Now()
	r, err := sim.Run(opts)
	if err != nil {
		return err
	}
	opts.Observer = nil
	took := time.Since(start)
	fmt.Fprintf(stdout, "seed %d: %d events, %v simulated in %v (%.0f× real time)\n", r.Seed, r.Events, r.Simulated, took.Round(time.Millisecond), r.Simulated.Seconds()/took.Seconds())
	fmt.Fprintf(stdout, "history: %d operations, %d with unknown outcome; linearizability check: %s\n", r.Ops, r.Unknown, orNone(string(r.Check)))
	fmt.Fprintln(stdout, "last events:")
	for _, line := range r.Trace {
		fmt.Fprintln(stdout, " ", line)
	}
	again, err := sim.Run(opts)
	if err != nil {
		return err
	}
	if again.TraceHash != r.TraceHash {
		return fmt.Errorf("seed %d does not replay: trace hash %#016x, then %#016x; something in the run is not decided by the seed (a map's order, the wall clock, a goroutine)", r.Seed, r.TraceHash, again.TraceHash)
	}
	fmt.Fprintf(stdout, "replay check: two runs, same trace hash %#016x\n", r.TraceHash)
	if c.html != "" || !r.Passed() {
		if err := writeTimeline(c, r, stdout); err != nil {
			return err
		}
	}
	if !r.Passed() {
		fmt.Fprintf(stdout, "FAIL seed %d: %v\n", r.Seed, r.Failure)
	} else {
		fmt.Fprintf(stdout, "seed %d passed\n", r.Seed)
	}
	if c.ui != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if err := serveReplay(ctx, c.ui, recording(c, r, events), stdout); err != nil {
			return err
		}
	}
	if !r.Passed() {
		return errFailed
	}
	return nil
}

// maxReplaySteps bounds the steps a replay keeps: the last ones, which
// lead to the failure.
const maxReplaySteps = 20000

// recording turns the events a Recorder saw during the run into a replay.
// The run stops at the first report after which a checker finds a
// property broken, so a failure's step is the last one, and it is marked.
// A linearizability failure is found in the history once the run is over;
// its mark is the last step too, and its note says to read the timeline.
func recording(c config, r *sim.Result, events []liveview.Event) liveview.Recording {
	rec := liveview.Recording{Title: fmt.Sprintf("sim -seed %d", r.Seed), Steps: liveview.Steps(events), Mark: -1}
	if c.mutant != "" {
		rec.Title += " -mutant " + c.mutant
	}
	if c.staleReads {
		rec.Title += " -stale-reads"
	}
	if n := len(rec.Steps); n > maxReplaySteps {
		rec.Title += fmt.Sprintf(" (the last %d of %d steps)", maxReplaySteps, n)
		rec.Steps = rec.Steps[n-maxReplaySteps:]
	}
	if r.Failure != nil && len(rec.Steps) > 0 {
		rec.Mark = len(rec.Steps) - 1
		note := r.Failure.Error()
		if r.Failure.Property == sim.PropertyLinearizability || r.Failure.Property == sim.PropertyLiveness {
			note += " (found in the clients' history once the run was over: the timeline shows the operations)"
		}
		rec.Steps[rec.Mark].State.Note = note
		rec.Steps[rec.Mark].State.At = r.Failure.At
	}
	return rec
}

// serveReplay serves the replay's page at addr until ctx ends.
func serveReplay(ctx context.Context, addr string, rec liveview.Recording, stdout io.Writer) error {
	view, err := liveview.NewReplay(rec)
	if err != nil {
		return fmt.Errorf("-ui: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-ui: %w", err)
	}
	srv := &http.Server{Handler: view, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "replay: http://%s/ (%d steps; Ctrl-C stops)\n", ln.Addr(), len(rec.Steps))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("-ui: %w", err)
	case <-ctx.Done():
		return srv.Close()
	}
}

// campaign runs seeds on several workers and stops at the first failure:
// the failing seed it reports is the smallest one that fails among those
// run, so two campaigns report the same seed.
func campaign(c config, opts sim.Options, stdout, stderr io.Writer) error {
	var (
		mu        sync.Mutex
		next      = c.first
		last      = c.first + c.seeds
		done      int
		simulated time.Duration
		failed    *sim.Result
		wg        sync.WaitGroup
		runErr    error
	)
	start := time.Now()
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= last || failed != nil || runErr != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	progress := time.NewTicker(time.Second)
	defer progress.Stop()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-progress.C:
				mu.Lock()
				d, s := done, simulated
				mu.Unlock()
				report(stderr, d, c.seeds, s, time.Since(start))
			}
		}
	}()
	for range c.workers {
		wg.Go(func() {
			for {
				seed, ok := take()
				if !ok {
					return
				}
				o := opts
				o.Seed = uint64(seed)
				r, err := sim.Run(o)
				mu.Lock()
				switch {
				case err != nil:
					runErr = err
				case !r.Passed() && (failed == nil || r.Seed < failed.Seed):
					failed = r
				}
				if r != nil {
					done++
					simulated += r.Simulated
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(stop)
	if runErr != nil {
		return runErr
	}
	report(stderr, done, c.seeds, simulated, time.Since(start))
	if failed != nil {
		return reportFailure(c, failed, stdout)
	}
	fmt.Fprintf(stdout, "%d seeds passed\n", c.seeds)
	return nil
}

// report prints the progress line.
func report(w io.Writer, done, total int, simulated, wall time.Duration) {
	secs := wall.Seconds()
	fmt.Fprintf(w, "%d/%d seeds  %.1f seeds/s  %.0fs simulated per wall second (%.0f× real time)\n",
		done, total, float64(done)/secs, simulated.Seconds()/secs, simulated.Seconds()/secs)
}

// reportFailure prints what a failing seed broke, its last events, writes
// its timeline and prints the command that replays it.
func reportFailure(c config, r *sim.Result, stdout io.Writer) error {
	fmt.Fprintf(stdout, "FAIL seed %d: %s broken at %v of virtual time\n  %s\n", r.Seed, r.Failure.Property, r.Failure.At, r.Failure.Detail)
	fmt.Fprintln(stdout, "last events:")
	for _, line := range r.Trace {
		fmt.Fprintln(stdout, " ", line)
	}
	if err := writeTimeline(c, r, stdout); err != nil {
		return err
	}
	replay := []string{"go run ./solutions/09-simulation/cmd/sim", fmt.Sprintf("-seed %d", r.Seed)}
	if c.nodes != 5 {
		replay = append(replay, fmt.Sprintf("-nodes %d", c.nodes))
	}
	if c.clients != 3 {
		replay = append(replay, fmt.Sprintf("-clients %d", c.clients))
	}
	if c.duration != 20*time.Second {
		replay = append(replay, fmt.Sprintf("-duration %v", c.duration))
	}
	if c.quiet != 30*time.Second {
		replay = append(replay, fmt.Sprintf("-quiet %v", c.quiet))
	}
	if c.mutant != "" {
		replay = append(replay, "-mutant "+c.mutant)
	}
	if c.staleReads {
		replay = append(replay, "-stale-reads")
	}
	fmt.Fprintf(stdout, "replay: %s\n", strings.Join(replay, " "))
	return errFailed
}

// writeTimeline writes the seed's HTML timeline where -html says.
func writeTimeline(c config, r *sim.Result, stdout io.Writer) error {
	path := c.html
	if path == "" {
		path = filepath.Join(os.TempDir(), fmt.Sprintf("sim-seed-%d.html", r.Seed))
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write the timeline: %w", err)
	}
	if err := r.WriteTimeline(f); err != nil {
		f.Close()
		return fmt.Errorf("write the timeline to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the timeline to %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "timeline: %s (open it in a browser)\n", path)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "not run (a checker stopped the run first)"
	}
	return s
}
