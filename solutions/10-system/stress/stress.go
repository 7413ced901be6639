// Package stress is the stress command: it loads a raftkv cluster as hard
// as it can and checks that it stayed correct, as goraft's stress test
// does. The commands of stage 10 and stage 11 are each a few lines that
// call Main with the core they plug in.
//
//	go run ./solutions/10-system/cmd/stress                  # 10 s, 64 clients
//	go run ./solutions/10-system/cmd/stress -entries 200000 -clients 256
//
// It starts three raftkv servers (stage 10) in this process, on loopback
// TCP, each with its write-ahead log, fsync and all, in a temporary folder
// that it removes at the end. Its clients propose SET commands through the
// leader's Go API (Node.Propose), not HTTP, so that it measures Raft and
// storage rather than the HTTP stack; each client waits for its command to
// apply before it proposes the next. Halfway through the run it restarts a
// follower from its own folder: it closes the server and opens it again,
// never wiping its data under its old identity (a wiped node can vote
// twice in a term, and lose a committed entry from the majority that held
// it). It prints a progress line each second, then the entries per second
// and the p50, p99 and p999 commit latency: the time from a client's
// proposal to its command applied on the leader.
//
// At the end it checks that every node applied the same entries in the
// same order (a digest of each entry applied, reported by the runtime's
// Observer), that their stores agree with what each client was told, and
// that each node's write-ahead log, reopened after the shutdown, holds the
// entries it applied. It exits with status 0 when every check passes, 1
// when one fails or the cluster does, and 2 for bad flags.
//
// With a core that changes its membership (stage 11's), the command also
// takes snapshots (-snapshot-every), and after the restart it wipes a
// follower: it stops it, deletes its folder, removes it from the cluster,
// and starts a new server under a new ID that joins and catches up by
// InstallSnapshot; the checks then cover the new member too, from the
// snapshot it was sent.
package stress

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"maps"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"raftgo/solutions/03-planning"
	invariants "raftgo/solutions/08-testing"
	"raftgo/solutions/10-system"
)

// Options are what a command built on Main plugs in.
type Options struct {
	// NewCore makes the nodes' cores; nil means stage 07's
	// (raftkv.NodeConfig.NewCore).
	NewCore func(raft.Config) (raft.Node, error)
}

// Main runs the command with its arguments (without the program's name)
// and returns its exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, opts Options) int {
	return run(ctx, args, stdout, stderr, opts)
}

// config is what the flags ask for.
type config struct {
	clients  int
	size     int
	entries  int           // stop after this many acknowledged commands, if > 0
	duration time.Duration // otherwise, stop after this long
	restart  bool
	down     time.Duration // how long the restarted follower stays down
	tick     time.Duration
	timeout  time.Duration // bounds every wait: a leader, a proposal, a shutdown
	dir      string        // the parent of the temporary folder; "" for the system's
	profile  string        // the CPU profile's file, or ""
	// invariants also feeds stage 08's Checker, which checks Figure 3's
	// properties after every Ready.
	invariants bool
	// newCore makes the cores (Options.NewCore); snapshotEvery is
	// raftkv.Config's; wipe wipes a follower and has a new member take its
	// place, with a core that changes its membership (stage 11).
	newCore       func(raft.Config) (raft.Node, error)
	snapshotEvery int
	wipe          bool
	// lean keeps no record per entry (-lean).
	lean   bool
	logger *slog.Logger
}

// run runs the command with its arguments and returns its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, opts Options) int {
	cfg, err := parseFlags(args, stderr)
	cfg.newCore = opts.NewCore
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "stress: %v\nRun stress -h for the flags.\n", err)
		return 2
	}
	if _, err := stress(ctx, cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "stress: FAIL: %v\n", err)
		return 1
	}
	return 0
}

// parseFlags turns the command's flags into a config. Its errors name the
// flag at fault and what is wrong with its value.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("stress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage:\n  stress [flags]\n\nRuns a 3-node raftkv cluster with fsync in one process, proposes as fast\nas it can, restarts a follower halfway, and checks that every node applied\nthe same entries in the same order.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var cfg config
	fs.IntVar(&cfg.clients, "clients", 64, "the `number` of concurrent clients, each with one command in flight")
	fs.IntVar(&cfg.size, "size", 16, "the size of each command in `bytes` (a SET of the client's key and a sequence number)")
	fs.IntVar(&cfg.entries, "entries", 0, "stop after this `many` acknowledged commands; 0 runs for -duration")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to propose, when -entries is 0")
	fs.BoolVar(&cfg.restart, "restart", true, "restart a follower halfway through the run")
	fs.DurationVar(&cfg.down, "down", 500*time.Millisecond, "how long the restarted follower stays down")
	fs.DurationVar(&cfg.tick, "tick", 20*time.Millisecond, "the Raft tick: heartbeats every tick, elections after 10 to 20")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "the longest wait for a leader, a command, a catch-up or a shutdown")
	fs.StringVar(&cfg.dir, "dir", "", "the `folder` to make the nodes' temporary folders in; empty for the system's")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of the load to this `file` (go tool pprof -top FILE)")
	fs.IntVar(&cfg.snapshotEvery, "snapshot-every", raftkv.DefaultSnapshotEvery, "with stage 11's core: take a snapshot every `N` applied entries (0: never)")
	fs.BoolVar(&cfg.wipe, "wipe", true, "with stage 11's core: after the restart, wipe a follower's folder and have a new member take its place")
	fs.BoolVar(&cfg.lean, "lean", false, "keep no record per entry, for long runs that measure memory: one latency in 64, and a running hash of each node's applied entries instead of one digest each (a node that joined from a snapshot is checked by its store and log only)")
	fs.BoolVar(&cfg.invariants, "invariants", false, "also check Figure 3's properties after every Ready with stage 08's Checker (slow: it keeps every log)")
	verbose := fs.Bool("v", false, "print the servers' log (warnings and errors) on standard error")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q: stress takes only flags", fs.Arg(0))
	}
	cfg.logger = slog.New(slog.DiscardHandler)
	if *verbose {
		cfg.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return cfg, cfg.check()
}

// maxClients bounds -clients: each client is a goroutine with a key.
const maxClients = 100_000

// seqDigits is the fewest hexadecimal digits of a command's sequence
// number: enough for four billion commands per client.
const seqDigits = 8

// check says what is wrong with the flags' values, if anything.
func (cfg config) check() error {
	switch {
	case cfg.clients < 1 || cfg.clients > maxClients:
		return fmt.Errorf("-clients %d: the number of clients must be from 1 to %d", cfg.clients, maxClients)
	case cfg.size < minSize(cfg.clients) || cfg.size > raft.MaxEntryDataSize:
		return fmt.Errorf("-size %d: with %d clients a command takes from %d bytes (a SET of a key such as %q and a %d-digit sequence number) to %d (raft.MaxEntryDataSize)",
			cfg.size, cfg.clients, minSize(cfg.clients), clientKey(cfg.clients-1), seqDigits, raft.MaxEntryDataSize)
	case cfg.entries < 0:
		return fmt.Errorf("-entries %d: the number of entries cannot be negative", cfg.entries)
	case cfg.entries == 0 && cfg.duration <= 0:
		return fmt.Errorf("-duration %v: give a positive duration, or a number of -entries", cfg.duration)
	case cfg.down < 0:
		return fmt.Errorf("-down %v: a follower cannot stay down for a negative time", cfg.down)
	case cfg.tick <= 0:
		return fmt.Errorf("-tick %v: the tick must be positive", cfg.tick)
	case cfg.timeout <= 0:
		return fmt.Errorf("-timeout %v: the timeout must be positive", cfg.timeout)
	case cfg.snapshotEvery < 0:
		return fmt.Errorf("-snapshot-every %d: give 0 for never, or a positive number of entries", cfg.snapshotEvery)
	}
	return nil
}

// clientKey is the key client i writes.
func clientKey(i int) string { return fmt.Sprintf("c%d", i) }

// minSize is the smallest command of n clients: the operation byte, the
// key's length and the key (core.Command's encoding), and the sequence
// number's digits.
func minSize(n int) int {
	return 1 + binary.PutUvarint(make([]byte, binary.MaxVarintLen64), uint64(len(clientKey(n-1)))) + len(clientKey(n-1)) + seqDigits
}

// result is what a run measured.
type result struct {
	entries int           // commands acknowledged
	elapsed time.Duration // from the first proposal to the last acknowledgement
	retries int           // proposals made again after a leadership change
	// firstRetry is the error after which a client first proposed again.
	firstRetry error
	latencies  []time.Duration
	applied    raft.Index  // entries every node applied, the same ones
	restarted  raft.NodeID // the follower restarted, or raft.None
	// wiped is the follower wiped and removed, and joined the new member
	// that took its place, or raft.None (stage 11).
	wiped, joined raft.NodeID
}

// rate returns the acknowledged commands per second.
func (r *result) rate() float64 { return float64(r.entries) / r.elapsed.Seconds() }

// percentile returns the latency that a fraction q of the commands did not
// exceed.
func (r *result) percentile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*q))]
}

// stress runs the load of cfg on a new cluster, checks the cluster, and
// returns what it measured, or what failed.
func stress(ctx context.Context, cfg config, out io.Writer) (_ *result, err error) {
	out = &syncWriter{w: out} // the progress lines and the restart's come from two goroutines
	fmt.Fprintf(out, "stress: 3 nodes, fsync on, %d clients, %d-byte commands, %s; %s %s/%s, GOMAXPROCS %d%s\n",
		cfg.clients, cfg.size, cfg.length(), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), loadAverage())
	dir, err := os.MkdirTemp(cfg.dir, "raftkv-stress-")
	if err != nil {
		return nil, fmt.Errorf("make the nodes' folder: %w", err)
	}
	defer func() {
		if rmErr := os.RemoveAll(dir); rmErr != nil && err == nil {
			err = fmt.Errorf("remove the nodes' folder: %w", rmErr)
		}
	}()
	logs := newAppliedLogs()
	logs.lean = cfg.lean
	var obs invariants.Observer = logs
	var checker *invariants.Checker
	if cfg.invariants {
		checker = invariants.NewChecker()
		obs = observers{logs, checker}
	}
	c, err := startCluster(ctx, cfg, dir, obs)
	if err != nil {
		return nil, err
	}
	c.logs = logs
	defer func() {
		if stopErr := c.stopAll(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	if cfg.profile != "" {
		f, err := os.Create(cfg.profile)
		if err != nil {
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	res, acked, err := c.load(ctx, out)
	if cfg.profile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "done: %d entries in %v: %.0f entries/s, %d proposals retried\n",
		res.entries, res.elapsed.Round(time.Millisecond), res.rate(), res.retries)
	if res.firstRetry != nil {
		fmt.Fprintf(out, "retries: the first came after %v\n", res.firstRetry)
	}
	fmt.Fprintf(out, "fsyncs (one per Save with entries or a new term or vote): %s\n", logs.batching(res.elapsed))
	fmt.Fprintf(out, "commit latency: p50 %v, p99 %v, p999 %v, max %v\n",
		ms(res.percentile(0.50)), ms(res.percentile(0.99)), ms(res.percentile(0.999)), ms(res.latencies[len(res.latencies)-1]))

	applied, err := c.converge(ctx)
	if err != nil {
		return nil, err
	}
	if err := logs.compare(); err != nil {
		return nil, err
	}
	if checker != nil {
		if err := checker.Err(); err != nil {
			return nil, fmt.Errorf("stage 08's Checker: %w", err)
		}
	}
	res.applied, res.wiped, res.joined = applied, c.wiped, c.joined
	if err := c.checkStores(acked); err != nil {
		return nil, err
	}
	if err := c.stopAll(); err != nil {
		return nil, err
	}
	if err := checkWALs(c.dirs(), logs); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "check: PASS: the 3 nodes applied the same %d entries in the same order; their stores hold each client's last write; their write-ahead logs hold what they applied\n", applied)
	return res, nil
}

// syncWriter serializes the writes of several goroutines to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// length describes the run's length.
func (cfg config) length() string {
	if cfg.entries > 0 {
		return fmt.Sprintf("%d entries", cfg.entries)
	}
	return fmt.Sprint(cfg.duration)
}

// loadAverage returns ", load average …" from /proc/loadavg, or "" where
// there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return ", load average " + strings.Join(f[:3], " ")
}

// ms rounds a latency for printing.
func ms(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// appliedLogs keeps, for each node, a digest of every entry it applied,
// from the runtime's Observer reports: the Observer sees each Ready's
// committed entries, which the node applies right after. It is safe for
// the nodes' loops to call at once.
type appliedLogs struct {
	seed maphash.Seed
	// lean keeps, instead of every digest, a running hash of each node's
	// applied entries and their count (-lean).
	lean  bool
	mu    sync.Mutex
	nodes map[raft.NodeID]*appliedLog
}

// appliedLog is one node's applied entries: digests[i] is entry
// base+i+1's. base is the index of the snapshot a node that joined was
// sent (stage 11), 0 for the others.
type appliedLog struct {
	mu      sync.Mutex
	base    raft.Index
	digests []uint64
	// chain and count are the running hash of the applied entries and
	// their number, with -lean.
	chain uint64
	count raft.Index
	err   error // the first entry applied out of order or changed
	// saves and saved count the node's Saves that sync (one fsync each)
	// and the entries they wrote: how well group commit batches. A Save
	// that only moves the commit index is not synced by the WAL, so it
	// is not counted; hard is the last hard state saved, to tell.
	saves, saved int
	hard         raft.HardState
}

// newAppliedLogs returns no log yet: a node's starts with its first report.
func newAppliedLogs() *appliedLogs {
	return &appliedLogs{seed: maphash.MakeSeed(), nodes: make(map[raft.NodeID]*appliedLog)}
}

// node returns node id's log, new if it has none yet.
func (a *appliedLogs) node(id raft.NodeID) *appliedLog {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.nodes[id]
	if l == nil {
		l = new(appliedLog)
		a.nodes[id] = l
	}
	return l
}

// forget drops node id's log: a wiped node's, whose folder is gone.
func (a *appliedLogs) forget(id raft.NodeID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.nodes, id)
}

// logs returns every node's log, by ID.
func (a *appliedLogs) logs() map[raft.NodeID]*appliedLog {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.nodes)
}

// digest returns a digest of an entry's term, type and data.
func (a *appliedLogs) digest(e raft.Entry) uint64 {
	var h maphash.Hash
	h.SetSeed(a.seed)
	var head [9]byte
	binary.LittleEndian.PutUint64(head[:8], uint64(e.Term))
	head[8] = byte(e.Type)
	h.Write(head[:])
	h.Write(e.Data)
	return h.Sum64()
}

// NodeStarted is part of invariants.Observer: a restarted node applies its
// committed entries again from the first, and NodeReady checks that they
// are the ones it applied before.
func (a *appliedLogs) NodeStarted(raft.Config, raft.Status) {}

// NodeCrashed is part of invariants.Observer.
func (a *appliedLogs) NodeCrashed(raft.NodeID) {}

// NodeReady records the entries a Ready commits, which its node applies,
// and counts its Save.
func (a *appliedLogs) NodeReady(id raft.NodeID, rd raft.Ready, _ raft.Status) {
	l := a.node(id)
	l.mu.Lock()
	defer l.mu.Unlock()
	hs := rd.HardState
	if len(rd.Entries) > 0 || (!hs.IsZero() && (hs.Term != l.hard.Term || hs.Vote != l.hard.Vote)) {
		l.saves++
		l.saved += len(rd.Entries)
	}
	if !hs.IsZero() {
		l.hard = hs
	}
	if snap := rd.Snapshot; snap != nil && snap.LastIncludedIndex > l.last() {
		// A snapshot from the leader (stage 11) replaces what the node
		// applied: the entries it covers are known from the others.
		l.base, l.digests, l.chain, l.count = snap.LastIncludedIndex, nil, 0, 0
	}
	if a.lean {
		a.chainEntries(id, l, rd.CommittedEntries)
		return
	}
	for _, e := range rd.CommittedEntries {
		d := a.digest(e)
		i := int(e.Index-l.base) - 1
		switch {
		case l.err != nil:
			return
		case i < len(l.digests) && l.digests[i] != d:
			l.err = fmt.Errorf("node %d applied a different entry %d (term %d) after its restart than before", id, e.Index, e.Term)
		case i < len(l.digests):
			// The same entry again, applied after a restart.
		case i == len(l.digests):
			l.digests = append(l.digests, d)
		default:
			l.err = fmt.Errorf("node %d applied entry %d right after entry %d: it skipped some", id, e.Index, l.base+raft.Index(len(l.digests)))
		}
	}
}

// last returns the index of the last entry the node applied.
func (l *appliedLog) last() raft.Index {
	return l.base + raft.Index(len(l.digests)) + l.count
}

// chainEntries adds committed entries to a node's running hash, with
// -lean. An entry applied again after a restart is skipped: only its
// index can be checked.
func (a *appliedLogs) chainEntries(id raft.NodeID, l *appliedLog, entries []raft.Entry) {
	for _, e := range entries {
		switch {
		case l.err != nil:
			return
		case e.Index <= l.last():
		case e.Index == l.last()+1:
			var b [16]byte
			binary.LittleEndian.PutUint64(b[:8], l.chain)
			binary.LittleEndian.PutUint64(b[8:], a.digest(e))
			l.chain, l.count = maphash.Bytes(a.seed, b[:]), l.count+1
		default:
			l.err = fmt.Errorf("node %d applied entry %d right after entry %d: it skipped some", id, e.Index, l.last())
		}
	}
}

// observers tells each of its Observers what it is told.
type observers []invariants.Observer

func (obs observers) NodeStarted(cfg raft.Config, st raft.Status) {
	for _, o := range obs {
		o.NodeStarted(cfg, st)
	}
}

func (obs observers) NodeReady(id raft.NodeID, rd raft.Ready, st raft.Status) {
	for _, o := range obs {
		o.NodeReady(id, rd, st)
	}
}

func (obs observers) NodeCrashed(id raft.NodeID) {
	for _, o := range obs {
		o.NodeCrashed(id)
	}
}

// batching describes each node's Saves: how many, and how many entries
// each wrote on average.
func (a *appliedLogs) batching(elapsed time.Duration) string {
	var parts []string
	logs := a.logs()
	for _, id := range slices.Sorted(maps.Keys(logs)) {
		l := logs[id]
		l.mu.Lock()
		parts = append(parts, fmt.Sprintf("node %d %d (%.0f/s, %.1f entries each)",
			id, l.saves, float64(l.saves)/elapsed.Seconds(), float64(l.saved)/float64(max(1, l.saves))))
		l.mu.Unlock()
	}
	return strings.Join(parts, ", ")
}

// compare checks that every node applied the same entries in the same
// order, and returns an error naming the first difference. A node that
// joined from a snapshot is compared from the snapshot on.
func (a *appliedLogs) compare() error {
	if a.lean {
		return a.compareChains()
	}
	logs := make(map[raft.NodeID][]uint64)
	joined := make(map[raft.NodeID]*appliedLog)
	for id, l := range a.logs() {
		l.mu.Lock()
		err := l.err
		if l.base == 0 {
			logs[id] = slices.Clone(l.digests)
		} else {
			joined[id] = &appliedLog{base: l.base, digests: slices.Clone(l.digests)}
		}
		l.mu.Unlock()
		if err != nil {
			return err
		}
	}
	if err := compareLogs(logs); err != nil {
		return err
	}
	for ref, full := range logs {
		for id, l := range joined {
			if int(l.base) > len(full) {
				return fmt.Errorf("node %d joined from a snapshot at index %d, past the %d entries node %d applied", id, l.base, len(full), ref)
			}
			if err := compareLogs(map[raft.NodeID][]uint64{ref: full[l.base:], id: l.digests}); err != nil {
				return fmt.Errorf("after node %d's snapshot at index %d, counting from there: %w", id, l.base, err)
			}
		}
		break // the full logs are equal: one is enough
	}
	return nil
}

// compareChains checks, with -lean, that the nodes that applied the log
// from its start have the same running hash. A node that joined from a
// snapshot is checked only by its store and its write-ahead log.
func (a *appliedLogs) compareChains() error {
	var first *appliedLog
	var firstID raft.NodeID
	logs := a.logs()
	for _, id := range slices.Sorted(maps.Keys(logs)) {
		l := logs[id]
		l.mu.Lock()
		err, base, chain, count := l.err, l.base, l.chain, l.count
		l.mu.Unlock()
		switch {
		case err != nil:
			return err
		case base > 0:
		case first == nil:
			first, firstID = &appliedLog{chain: chain, count: count}, id
		case count != first.count:
			return fmt.Errorf("node %d applied %d entries and node %d %d, after the cluster had settled", firstID, first.count, id, count)
		case chain != first.chain:
			return fmt.Errorf("nodes %d and %d applied different entries, or in another order, among their first %d: the same entries in the same order is State Machine Safety (§5.4.3)", firstID, id, count)
		}
	}
	return nil
}

// compareLogs checks that logs, the applied entries' digests of each node,
// are all equal, and returns an error naming the first index at which two
// differ.
func compareLogs(logs map[raft.NodeID][]uint64) error {
	ids := slices.Sorted(func(yield func(raft.NodeID) bool) {
		for id := range logs {
			if !yield(id) {
				return
			}
		}
	})
	if len(ids) == 0 {
		return nil
	}
	first := ids[0]
	for _, id := range ids[1:] {
		a, b := logs[first], logs[id]
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				return fmt.Errorf("nodes %d and %d applied different entries at index %d: the same entries in the same order is State Machine Safety (§5.4.3)", first, id, i+1)
			}
		}
		if len(a) != len(b) {
			return fmt.Errorf("node %d applied %d entries and node %d %d, after the cluster had settled", first, len(a), id, len(b))
		}
	}
	return nil
}
