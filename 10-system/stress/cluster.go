package stress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"raftgo/10-system"
	"raftgo/10-system/wal"
	"raftgo/solutions/03-planning"
	core "raftgo/solutions/06-consensus"
	invariants "raftgo/solutions/08-testing"
)

// cluster is three raftkv servers running in this process.
type cluster struct {
	cfg     config
	configs map[raft.NodeID]raftkv.Config // a restart reopens the same one
	// failed receives the error of a server that stopped by itself.
	failed chan error

	mu      sync.Mutex
	servers map[raft.NodeID]*server // nil while stopped
	// leader is the node the clients propose to; a client that finds it
	// is no longer the leader looks for the new one.
	leader atomic.Pointer[raftkv.Node]
	// restarted is the follower restartFollower restarted, once it has.
	restarted raft.NodeID
	// wiped is the follower wipeAndRejoin wiped, and joined the new
	// member that took its place, once it has (stage 11).
	wiped, joined raft.NodeID
	// logs are the applied entries the Observer saw; a wiped node's goes.
	logs *appliedLogs
	// firstRetry is the error after which a client first proposed again.
	firstRetry atomic.Pointer[error]
}

// server is one running server.
type server struct {
	srv    *raftkv.Server
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned, after err is set
	err    error
}

// startCluster opens three servers with their folders under dir, on free
// loopback ports, and starts them.
func startCluster(ctx context.Context, cfg config, dir string, obs invariants.Observer) (*cluster, error) {
	var cl raft.Cluster
	for id := raft.NodeID(1); id <= 3; id++ {
		addr, err := freeAddr()
		if err != nil {
			return nil, fmt.Errorf("find a free port for node %d: %w", id, err)
		}
		cl = append(cl, raft.Peer{ID: id, Addr: addr})
	}
	c := &cluster{cfg: cfg, failed: make(chan error, 4), servers: make(map[raft.NodeID]*server), configs: make(map[raft.NodeID]raftkv.Config)}
	snapshotEvery := cfg.snapshotEvery
	if snapshotEvery == 0 {
		snapshotEvery = -1 // never
	}
	for _, p := range cl {
		c.configs[p.ID] = raftkv.Config{
			ID: p.ID, Cluster: cl, HTTPAddr: "127.0.0.1:0", RESPAddr: "127.0.0.1:0",
			Dir:          filepath.Join(dir, "node-"+strconv.Itoa(int(p.ID))),
			TickInterval: cfg.tick, Logger: cfg.logger, Observer: obs,
			NewCore: cfg.newCore, SnapshotEvery: snapshotEvery,
		}
	}
	for _, p := range cl {
		if err := c.start(ctx, p.ID); err != nil {
			c.stopAll()
			return nil, err
		}
	}
	return c, nil
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start opens server id from its folder and runs it. A server whose Run
// returns before stop asks it to has failed: its error goes to c.failed.
func (c *cluster) start(ctx context.Context, id raft.NodeID) error {
	srv, err := raftkv.Open(c.configs[id])
	if err != nil {
		return fmt.Errorf("open node %d: %w", id, err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &server{srv: srv, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = srv.Run(ctx)
		if ctx.Err() == nil {
			select {
			case c.failed <- fmt.Errorf("node %d stopped by itself: %v", id, s.err):
			default:
			}
		}
	}()
	c.mu.Lock()
	c.servers[id] = s
	c.mu.Unlock()
	return nil
}

// stop shuts server id down and waits, up to the timeout, for it to
// return.
func (c *cluster) stop(id raft.NodeID) error {
	c.mu.Lock()
	s := c.servers[id]
	delete(c.servers, id)
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	s.cancel()
	select {
	case <-s.done:
		if s.err != nil {
			return fmt.Errorf("stop node %d: %w", id, s.err)
		}
		return nil
	case <-time.After(c.cfg.timeout):
		return fmt.Errorf("node %d did not shut down within %v", id, c.cfg.timeout)
	}
}

// stopAll stops every server that runs.
func (c *cluster) stopAll() error {
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(c.configs)) {
		errs = append(errs, c.stop(id))
	}
	return errors.Join(errs...)
}

// dirs returns the members' folders, by ID: not the wiped one's.
func (c *cluster) dirs() map[raft.NodeID]string {
	dirs := make(map[raft.NodeID]string)
	for id, cfg := range c.configs {
		if id != c.wiped {
			dirs[id] = cfg.Dir
		}
	}
	return dirs
}

// nodes returns the running nodes.
func (c *cluster) nodes() []*raftkv.Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	var nodes []*raftkv.Node
	for _, id := range slices.Sorted(maps.Keys(c.servers)) {
		nodes = append(nodes, c.servers[id].srv.Node())
	}
	return nodes
}

// poll calls done every few milliseconds until it returns true or an
// error, and fails after the timeout, when ctx ends, or when a server
// fails. what says what it waits for.
func (c *cluster) poll(ctx context.Context, what string, done func() (bool, error)) error {
	deadline := time.NewTimer(c.cfg.timeout)
	defer deadline.Stop()
	ticker := time.NewTicker(2 * time.Millisecond)
	defer ticker.Stop()
	for {
		ok, err := done()
		if ok || err != nil {
			return err
		}
		select {
		case <-ticker.C:
		case <-deadline.C:
			return fmt.Errorf("gave up after %v waiting for %s", c.cfg.timeout, what)
		case err := <-c.failed:
			return err
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		}
	}
}

// findLeader waits for a node to say it leads, makes it the clients'
// leader, and returns it. stale is the node that has just failed a
// proposal: if another client has already replaced it, findLeader returns
// that client's find.
func (c *cluster) findLeader(ctx context.Context, stale *raftkv.Node) (*raftkv.Node, error) {
	if l := c.leader.Load(); l != nil && l != stale {
		return l, nil // another client found it already
	}
	var leader *raftkv.Node
	err := c.poll(ctx, "a leader", func() (bool, error) {
		var term raft.Term
		for _, n := range c.nodes() {
			if st := n.Status(); st.Role == raft.Leader && st.Term > term {
				leader, term = n, st.Term
			}
		}
		return leader != nil, nil
	})
	if err != nil {
		return nil, err
	}
	c.leader.Store(leader)
	return leader, nil
}

// writes is what one client wrote: the sequence number of the last
// command it was told applied, and of the last it proposed (which may
// have applied, unbeknown to it).
type writes struct{ acked, tried uint64 }

// load runs the clients, a progress line each second, and the restart, and
// returns what the clients measured and wrote.
func (c *cluster) load(ctx context.Context, out io.Writer) (*result, []writes, error) {
	if _, err := c.findLeader(ctx, nil); err != nil {
		return nil, nil, err
	}
	var (
		done     atomic.Int64 // commands acknowledged
		claimed  atomic.Int64 // commands claimed, with -entries
		retries  atomic.Int64
		halfway  = make(chan struct{})
		halfOnce sync.Once
		stopLoad = make(chan struct{})
		stopOnce sync.Once
		acked    = make([]writes, c.cfg.clients)
		since    = make([]atomic.Int64, c.cfg.clients)
		lats     = make([][]time.Duration, c.cfg.clients)
	)
	reachHalfway := func() { halfOnce.Do(func() { close(halfway) }) }
	endLoad := func() { stopOnce.Do(func() { close(stopLoad) }) }
	g, gctx := errgroup.WithContext(ctx)
	start := time.Now()
	if c.cfg.entries == 0 {
		halfTimer := time.AfterFunc(c.cfg.duration/2, reachHalfway)
		defer halfTimer.Stop()
		stopTimer := time.AfterFunc(c.cfg.duration, endLoad)
		defer stopTimer.Stop()
	}
	var clients sync.WaitGroup
	for i := range c.cfg.clients {
		clients.Add(1)
		g.Go(func() error {
			defer clients.Done()
			cmds := newCommands(i, c.cfg.size)
			for seq := uint64(1); ; seq++ {
				select {
				case <-stopLoad:
					return nil
				default:
				}
				if c.cfg.entries > 0 && claimed.Add(1) > int64(c.cfg.entries) {
					return nil
				}
				acked[i].tried = seq
				began := time.Now()
				since[i].Store(began.UnixNano())
				n, err := c.propose(gctx, cmds.command(seq))
				if err != nil {
					return fmt.Errorf("client %d: %w", i, err)
				}
				if !c.cfg.lean || seq%64 == 0 {
					lats[i] = append(lats[i], time.Since(began))
				}
				since[i].Store(0)
				acked[i].acked = seq
				retries.Add(int64(n))
				total := done.Add(1)
				if c.cfg.entries > 0 && total == int64(max(1, c.cfg.entries/2)) {
					reachHalfway()
				}
			}
		})
	}
	var elapsed time.Duration
	loadOver := make(chan struct{})
	go func() {
		clients.Wait()
		elapsed = time.Since(start)
		close(loadOver)
	}()
	g.Go(func() error { return c.progress(gctx, out, start, &done, loadOver) })
	g.Go(func() error { return c.watchdog(gctx, since, loadOver) })
	if c.cfg.restart {
		g.Go(func() error {
			select {
			case <-halfway:
			case <-loadOver:
				select {
				case <-halfway: // reached just before the end
				default:
					return nil // a run too short to reach its halfway point
				}
			case <-gctx.Done():
				return nil
			}
			if err := c.restartFollower(gctx, out); err != nil || !c.cfg.wipe || !c.changesMembership() {
				return err
			}
			return c.wipeAndRejoin(gctx, out)
		})
	}
	g.Go(func() error {
		select {
		case err := <-c.failed:
			return err
		case <-loadOver:
			return nil
		case <-gctx.Done():
			return nil
		}
	})
	err := g.Wait()
	endLoad()
	if err != nil {
		return nil, nil, err
	}
	<-loadOver // every client has returned: g.Wait waited for them
	res := &result{entries: int(done.Load()), elapsed: elapsed, retries: int(retries.Load()), restarted: c.restarted}
	if err := c.firstRetry.Load(); err != nil {
		res.firstRetry = *err
	}
	for _, l := range lats {
		res.latencies = append(res.latencies, l...)
	}
	if len(res.latencies) == 0 {
		return nil, nil, errors.New("no command was acknowledged")
	}
	slices.Sort(res.latencies)
	return res, acked, nil
}

// commands makes one client's commands: SETs of the client's key to a
// sequence number in hexadecimal, zero-padded to size bytes in all.
type commands struct {
	prefix []byte // the SET's operation byte, key length and key
	size   int
}

// newCommands returns client i's commands of size bytes.
func newCommands(i, size int) commands {
	return commands{prefix: core.Set(clientKey(i), "").Encode(), size: size}
}

// command returns the command of sequence number seq, in a new slice: the
// log keeps it.
func (cs commands) command(seq uint64) []byte {
	const hexDigits = "0123456789abcdef"
	b := make([]byte, cs.size)
	n := copy(b, cs.prefix)
	for i := len(b) - 1; i >= n; i-- {
		b[i] = hexDigits[seq&0xf]
		seq >>= 4
	}
	return b
}

// propose proposes data on the leader until a leader acknowledges it, and
// returns how many times it proposed again: after a leadership change or
// a stopped node, whose proposal's outcome is unknown, so that the command
// may apply twice, which a SET of the same value tolerates. The watchdog
// bounds how long it tries.
func (c *cluster) propose(ctx context.Context, data []byte) (retries int, err error) {
	for ; ; retries++ {
		leader := c.leader.Load()
		_, err := leader.Propose(ctx, data)
		var notLeader *raftkv.NotLeaderError
		switch {
		case err == nil:
			return retries, nil
		case ctx.Err() != nil:
			return retries, ctx.Err()
		case errors.As(err, &notLeader), errors.Is(err, raftkv.ErrLeadershipLost),
			errors.Is(err, raftkv.ErrStopped), errors.Is(err, core.ErrProposalLost):
			st := leader.Status()
			retry := fmt.Errorf("node %d, %s in term %d, said: %w", st.ID, st.Role, st.Term, err)
			c.firstRetry.CompareAndSwap(nil, &retry)
			if _, err := c.findLeader(ctx, leader); err != nil {
				return retries, err
			}
		default:
			return retries, err
		}
	}
}

// watchdog fails the run when a client has waited longer than the timeout
// for its command to apply. since holds, for each client, when its
// command was first proposed, in Unix nanoseconds, or 0 between commands.
// Watching from here spares each proposal a context with a timeout, which
// costs more than a tenth of a command's CPU time.
func (c *cluster) watchdog(ctx context.Context, since []atomic.Int64, over <-chan struct{}) error {
	ticker := time.NewTicker(min(c.cfg.timeout/4, 100*time.Millisecond))
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
		case <-over:
			return nil
		case <-ctx.Done():
			return nil
		}
		now := time.Now().UnixNano()
		for i := range since {
			if s := since[i].Load(); s != 0 && time.Duration(now-s) > c.cfg.timeout {
				return fmt.Errorf("client %d's command has not applied after %v (-timeout)", i, c.cfg.timeout)
			}
		}
	}
}

// progress prints a line each second until the load is over.
func (c *cluster) progress(ctx context.Context, out io.Writer, start time.Time, done *atomic.Int64, over <-chan struct{}) error {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	last := int64(0)
	for {
		select {
		case <-ticker.C:
		case <-over:
			return nil
		case <-ctx.Done():
			return nil
		}
		n := done.Load()
		elapsed := time.Since(start)
		st := c.leader.Load().Status()
		fmt.Fprintf(out, "%6.1fs %10d entries %9.0f entries/s (last second %.0f); leader %d, term %d\n",
			elapsed.Seconds(), n, float64(n)/elapsed.Seconds(), float64(n-last), st.ID, st.Term)
		last = n
	}
}

// restartFollower stops a follower, keeps it down for a while, and opens
// it again from its own folder, as the same node: its log and its vote are
// what it promised the others (never wipe them and come back under the
// same ID). It returns once the follower has caught up with the leader's
// commit index as of its return.
func (c *cluster) restartFollower(ctx context.Context, out io.Writer) error {
	var follower raftkv.Status
	for _, n := range c.nodes() {
		if st := n.Status(); st.Role != raft.Leader {
			follower = st
			break
		}
	}
	if follower.ID == raft.None {
		return errors.New("no follower to restart")
	}
	id := follower.ID
	if err := c.stop(id); err != nil {
		return err
	}
	fmt.Fprintf(out, "restart: stopped follower %d (applied %d, log %d); it stays down %v\n", id, follower.Applied, follower.LastIndex, c.cfg.down)
	select {
	case <-time.After(c.cfg.down):
	case <-ctx.Done():
		return nil
	}
	began := time.Now()
	if err := c.start(ctx, id); err != nil {
		return err
	}
	leader := c.leader.Load().Status()
	fmt.Fprintf(out, "restart: reopened follower %d from its folder; the leader's commit index is %d\n", id, leader.Commit)
	err := c.poll(ctx, fmt.Sprintf("follower %d to catch up", id), func() (bool, error) {
		for _, n := range c.nodes() {
			if st := n.Status(); st.ID == id {
				return st.Applied >= leader.Commit, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restart: follower %d caught up in %v\n", id, time.Since(began).Round(time.Millisecond))
	c.restarted = id
	return nil
}

// changesMembership reports whether the cluster's core changes its
// membership (stage 11's).
func (c *cluster) changesMembership() bool {
	_, ok := c.leader.Load().Configuration()
	return ok
}

// wipeAndRejoin loses a follower's disk, as rm -rf of its folder does, and
// brings it back the only safe way (stage 11): the cluster removes it, and
// a new server under a new ID joins, as raftkv --join does, and catches up
// from the leader, by InstallSnapshot once the leader has compacted its
// log. A wiped server must never come back under its old ID: it would have
// forgotten its vote and its log, the promises the others counted on. It
// returns once the new member holds the leader's commit index as of its
// join.
func (c *cluster) wipeAndRejoin(ctx context.Context, out io.Writer) error {
	leader, err := c.findLeader(ctx, nil)
	if err != nil {
		return err
	}
	var victim raft.NodeID
	for _, n := range c.nodes() {
		if id := n.Status().ID; id != leader.Status().ID && id != c.restarted {
			victim = id
		}
	}
	if victim == raft.None {
		return errors.New("no follower to wipe")
	}
	if err := c.stop(victim); err != nil {
		return err
	}
	if err := os.RemoveAll(c.configs[victim].Dir); err != nil {
		return fmt.Errorf("wipe node %d's folder: %w", victim, err)
	}
	c.logs.forget(victim)
	c.wiped = victim
	fmt.Fprintf(out, "wipe: stopped follower %d and deleted its folder; the cluster removes it\n", victim)
	began := time.Now()
	err = c.retryOnLeader(ctx, fmt.Sprintf("the removal of node %d", victim), func(ctx context.Context, leader *raftkv.Node) error {
		return leader.RemoveMember(ctx, victim)
	})
	if err != nil {
		return err
	}
	id := slices.Max(slices.Collect(maps.Keys(c.configs))) + 1
	addr, err := freeAddr()
	if err != nil {
		return fmt.Errorf("find a free port for node %d: %w", id, err)
	}
	leaderHTTP, ok := c.httpAddr(c.leader.Load().Status().ID)
	if !ok {
		return errors.New("the leader's HTTP address is not known")
	}
	cfg := c.configs[victim]
	cfg.ID, cfg.Cluster = id, raft.Cluster{{ID: id, Addr: addr}}
	cfg.Dir = filepath.Join(filepath.Dir(cfg.Dir), "node-"+strconv.Itoa(int(id)))
	cfg.Join = leaderHTTP // it starts in no configuration
	c.configs[id] = cfg
	if err := c.start(ctx, id); err != nil {
		return err
	}
	c.mu.Lock()
	srv := c.servers[id].srv
	c.mu.Unlock()
	err = c.retryOnLeader(ctx, fmt.Sprintf("node %d to join", id), func(ctx context.Context, leader *raftkv.Node) error {
		httpAddr, ok := c.httpAddr(leader.Status().ID)
		if !ok {
			return fmt.Errorf("no HTTP address for leader %d", leader.Status().ID)
		}
		return srv.Join(ctx, httpAddr)
	})
	if err != nil {
		return err
	}
	commit := c.leader.Load().Status().Commit
	fmt.Fprintf(out, "wipe: node %d joined in %v; the leader's commit index is %d\n", id, time.Since(began).Round(time.Millisecond), commit)
	err = c.poll(ctx, fmt.Sprintf("node %d to catch up", id), func() (bool, error) {
		return srv.Node().Status().Applied >= commit, nil
	})
	if err != nil {
		return err
	}
	l := c.logs.node(id)
	l.mu.Lock()
	base := l.base
	l.mu.Unlock()
	how := "from the log"
	if base > 0 {
		how = fmt.Sprintf("from a snapshot at index %d (InstallSnapshot)", base)
	}
	fmt.Fprintf(out, "wipe: node %d caught up %s in %v\n", id, how, time.Since(began).Round(time.Millisecond))
	c.joined = id
	return nil
}

// httpAddr returns where running server id serves HTTP.
func (c *cluster) httpAddr(id raft.NodeID) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.servers[id]
	if s == nil {
		return "", false
	}
	return s.srv.Addr(id, "http")
}

// retryOnLeader calls f with the leader until it succeeds, finding the
// leader again when f fails, until the timeout.
func (c *cluster) retryOnLeader(ctx context.Context, what string, f func(context.Context, *raftkv.Node) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	for {
		leader, err := c.findLeader(ctx, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		err = f(ctx, leader)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if _, err := c.findLeader(ctx, leader); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		time.Sleep(c.cfg.tick)
	}
}

// converge waits until every node has applied the leader's last entry,
// and returns its index.
func (c *cluster) converge(ctx context.Context) (raft.Index, error) {
	var applied raft.Index
	err := c.poll(ctx, "every node to apply the same entries", func() (bool, error) {
		nodes := c.nodes()
		if len(nodes) != 3 {
			return false, fmt.Errorf("%d nodes run, not 3", len(nodes))
		}
		var sts []raftkv.Status
		for _, n := range nodes {
			sts = append(sts, n.Status())
		}
		applied = sts[0].Applied
		for _, st := range sts {
			if st.Applied != applied || st.Commit != applied || st.LastIndex != applied {
				return false, nil
			}
		}
		return true, nil
	})
	return applied, err
}

// checkStores checks that every node's store holds, under each client's
// key, the same value: the last command the client was told applied, or
// one it proposed after.
func (c *cluster) checkStores(acked []writes) error {
	for i, w := range acked {
		key := clientKey(i)
		var first string
		for j, n := range c.nodes() {
			v, ok := n.Store().Get(key)
			if !ok && w.acked > 0 {
				return fmt.Errorf("node %d's store has no %q, but client %d was told its command %d applied", j+1, key, i, w.acked)
			}
			if j == 0 {
				first = v
			} else if v != first {
				return fmt.Errorf("the stores disagree on %q: node 1 has %q, node %d %q", key, first, j+1, v)
			}
		}
		if !holdsLastWrite(first, w) {
			return fmt.Errorf("the stores hold %q under %q, but client %d was told its command %d applied and proposed none after %d", first, key, i, w.acked, w.tried)
		}
	}
	return nil
}

// holdsLastWrite reports whether value, a client's key's final value, is the sequence
// number of a command it was told applied last, or of a later one.
func holdsLastWrite(value string, w writes) bool {
	if w.acked == 0 && value == "" {
		return true
	}
	seq, err := strconv.ParseUint(value, 16, 64)
	return err == nil && seq >= w.acked && seq <= w.tried
}

// checkWALs reopens each node's write-ahead log, once the servers have
// stopped, and checks that it holds, up to its commit index, the entries
// the node applied, after its snapshot if it has one.
func checkWALs(dirs map[raft.NodeID]string, logs *appliedLogs) error {
	for _, id := range slices.Sorted(maps.Keys(dirs)) {
		w, err := wal.Open(dirs[id], wal.Options{})
		if err != nil {
			return fmt.Errorf("reopen node %d's write-ahead log: %w", id, err)
		}
		hs, snap, entries := w.State()
		if err := w.Close(); err != nil {
			return fmt.Errorf("close node %d's write-ahead log: %w", id, err)
		}
		l := logs.node(id)
		applied, base := l.digests, l.base
		if hs.Commit != l.last() {
			return fmt.Errorf("node %d's write-ahead log has commit index %d, but the node applied up to %d", id, hs.Commit, l.last())
		}
		next := raft.Index(1)
		if snap != nil {
			next = snap.LastIncludedIndex + 1
		}
		for _, e := range entries {
			if e.Index > hs.Commit {
				break
			}
			if e.Index != next {
				return fmt.Errorf("node %d's write-ahead log holds entry %d after %d", id, e.Index, next-1)
			}
			if !logs.lean && e.Index > base && logs.digest(e) != applied[e.Index-base-1] {
				return fmt.Errorf("node %d's write-ahead log holds an entry %d (term %d) other than the one it applied", id, e.Index, e.Term)
			}
			next++
		}
		if next <= hs.Commit {
			return fmt.Errorf("node %d's write-ahead log ends at entry %d, before its commit index %d", id, next-1, hs.Commit)
		}
	}
	return nil
}
