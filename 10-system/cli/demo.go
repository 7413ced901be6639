package cli

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	raft "raftgo/solutions/03-planning"
)

// demoText is the demo's banner, a text/template. It is embedded in the
// binary at build time (go:embed), so the command needs no file beside it.
//
//go:embed demo.txt
var demoText string

var demoTemplate = template.Must(template.New("demo.txt").Parse(demoText))

// demoSize is the number of nodes of the demo cluster.
const demoSize = 3

// demoShutdown bounds how long the demo waits for its nodes to stop.
const demoShutdown = 15 * time.Second

// demoNode is one node of the demo cluster: a child process.
type demoNode struct {
	ID               raft.NodeID
	Peer, HTTP, RESP string
	PID              int
	cmd              *exec.Cmd
}

// RESPPort is the port of the node's RESP address, for redis-cli -p.
func (n *demoNode) RESPPort() string {
	_, port, _ := net.SplitHostPort(n.RESP)
	return port
}

// demoBanner is what demoTemplate shows.
type demoBanner struct {
	Dir         string
	Nodes       []*demoNode
	First, Last *demoNode
	Leader      raft.NodeID
	LeaderPID   int
	// UI is the address of the live view, "" without --ui.
	UI string
}

// runDemo starts a local cluster of demoSize raftkv processes (this same
// binary, with flags), with their data in a temporary folder, prints their
// addresses and commands to try, and waits for Ctrl-C; then it stops them
// all and deletes the folder. With --ui it also serves the cluster's live
// view (demoui.go), whose buttons act on the nodes.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("raftkv demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	uiAddr := fs.String("ui", "", "serve the cluster's live view, with buttons that stop, start, cut off and slow nodes, at this `address`, such as 127.0.0.1:8080")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "raftkv demo takes no arguments, only flags, got %q\n", fs.Args())
		return 2
	}
	var uiLn net.Listener
	if *uiAddr != "" {
		ln, err := net.Listen("tcp", *uiAddr)
		if err != nil {
			fmt.Fprintf(stderr, "raftkv demo: --ui: %v\n", err)
			return 2
		}
		uiLn = ln
		defer ln.Close()
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "raftkv demo: cannot find this program to start its nodes: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "raftkv-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "raftkv demo: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	nodes, err := demoAddresses()
	if err != nil {
		fmt.Fprintf(stderr, "raftkv demo: %v\n", err)
		return 1
	}
	var cluster []string
	for _, n := range nodes {
		cluster = append(cluster, fmt.Sprintf("%d=%s", n.ID, n.Peer))
	}
	logs := &lockedWriter{w: stderr}
	exited := make(chan *demoNode, len(nodes))
	alive := make(map[*demoNode]bool) // the nodes started and not yet seen to exit
	// start runs node n's process with args, or, without, as before.
	start := func(n *demoNode, args ...string) error {
		if args == nil {
			args = n.cmd.Args[1:]
		}
		n.cmd = exec.Command(exe, args...)
		n.cmd.Stdout = &lineWriter{out: logs, prefix: fmt.Sprintf("[node %d] ", n.ID)}
		n.cmd.Stderr = n.cmd.Stdout
		if err := n.cmd.Start(); err != nil {
			return fmt.Errorf("start node %d: %w", n.ID, err)
		}
		alive[n] = true
		n.PID = n.cmd.Process.Pid
		cmd := n.cmd
		go func() {
			cmd.Wait()
			exited <- n
		}()
		return nil
	}
	for _, n := range nodes {
		args := []string{"--id", fmt.Sprint(n.ID), "--cluster", strings.Join(cluster, ","),
			"--http", n.HTTP, "--resp", n.RESP, "--data", filepath.Join(dir, fmt.Sprint("node", n.ID)), "--log", "warn"}
		if uiLn != nil {
			args = append(args, "--debug")
		}
		if err := start(n, args...); err != nil {
			fmt.Fprintf(stderr, "raftkv demo: %v\n", err)
			stopDemo(alive, exited)
			return 1
		}
	}
	leader, err := waitDemoLeader(ctx, nodes, alive, exited, 10*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "raftkv demo: %v\n", err)
		stopDemo(alive, exited)
		return 1
	}
	banner := demoBanner{Dir: dir, Nodes: nodes, First: nodes[0], Last: nodes[len(nodes)-1], Leader: leader.ID, LeaderPID: leader.PID}
	exit := func(n *demoNode) {
		delete(alive, n)
		fmt.Fprintf(stdout, "raftkv demo: node %d (pid %d) exited: %v\n  restart it from its data with:\n  %s\n",
			n.ID, n.PID, n.cmd.ProcessState, strings.Join(n.cmd.Args, " "))
	}
	var ops chan demoOp // the live view's requests, nil without --ui
	if uiLn != nil {
		ops = make(chan demoOp)
		stopUI := serveDemoView(uiLn, nodes, ops, stderr)
		defer stopUI()
		banner.UI = uiLn.Addr().String()
	}
	procs := &demoProcs{
		alive: func(n *demoNode) bool { return alive[n] },
		start: func(n *demoNode) error { return start(n) },
		kill: func(n *demoNode) error {
			if err := n.cmd.Process.Kill(); err != nil {
				return fmt.Errorf("kill node %d: %w", n.ID, err)
			}
			for alive[n] {
				exit(<-exited) // it exits at once: killed
			}
			return nil
		},
	}
	if err := demoTemplate.Execute(stdout, banner); err != nil {
		fmt.Fprintf(stderr, "raftkv demo: %v\n", err)
	}
	for len(alive) > 0 || ops != nil {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, "\nraftkv demo: stopping every node")
			stopDemo(alive, exited)
			return 0
		case n := <-exited:
			exit(n)
		case op := <-ops:
			op.done <- op.f(procs)
		}
	}
	fmt.Fprintln(stdout, "raftkv demo: every node has exited")
	return 0
}

// demoAddresses returns the demo's nodes with their addresses: the usual
// ports (peers 7001…, HTTP 8001…, RESP 6381…) when they are all free, or
// else ports the system picks.
func demoAddresses() ([]*demoNode, error) {
	nodes := make([]*demoNode, demoSize)
	for i := range nodes {
		nodes[i] = &demoNode{
			ID:   raft.NodeID(i + 1),
			Peer: fmt.Sprintf("127.0.0.1:%d", 7001+i),
			HTTP: fmt.Sprintf("127.0.0.1:%d", 8001+i),
			RESP: fmt.Sprintf("127.0.0.1:%d", 6381+i),
		}
	}
	var fixed []string
	for _, n := range nodes {
		fixed = append(fixed, n.Peer, n.HTTP, n.RESP)
	}
	if free(fixed...) == nil {
		return nodes, nil
	}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	next := func() (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		return ln.Addr().String(), nil
	}
	for _, n := range nodes {
		for _, addr := range []*string{&n.Peer, &n.HTTP, &n.RESP} {
			a, err := next()
			if err != nil {
				return nil, err
			}
			*addr = a
		}
	}
	return nodes, nil
}

// free checks that every address can be listened on.
func free(addrs ...string) error {
	for _, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		ln.Close()
	}
	return nil
}

// waitDemoLeader asks the nodes' /status until one of them is the leader.
// It fails when a node exits first (and forgets it in alive): its log says
// why.
func waitDemoLeader(ctx context.Context, nodes []*demoNode, alive map[*demoNode]bool, exited <-chan *demoNode, timeout time.Duration) (*demoNode, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		for _, n := range nodes {
			var st struct{ Role string }
			resp, err := client.Get("http://" + n.HTTP + "/status")
			if err != nil {
				continue
			}
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err == nil && st.Role == raft.Leader.String() {
				return n, nil
			}
		}
		select {
		case n := <-exited:
			delete(alive, n)
			return nil, fmt.Errorf("node %d exited before a leader was elected: %v (its log is above)", n.ID, n.cmd.ProcessState)
		case <-ctx.Done():
			return nil, fmt.Errorf("no leader within %v: %w", timeout, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopDemo asks every node still alive to stop (SIGTERM), waits up to
// demoShutdown for each to exit, and kills the rest.
func stopDemo(alive map[*demoNode]bool, exited <-chan *demoNode) {
	for n := range alive {
		n.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.After(demoShutdown)
	for len(alive) > 0 {
		select {
		case n := <-exited:
			delete(alive, n)
		case <-deadline:
			for n := range alive {
				n.cmd.Process.Kill()
			}
			return
		}
	}
}

// lockedWriter serializes the writes of several goroutines to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// lineWriter writes whole lines, each with a prefix such as "[node 2] ",
// so that the logs of several nodes can be told apart. It keeps a partial
// last line until the rest of it comes.
type lineWriter struct {
	out     io.Writer
	prefix  string
	partial []byte
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.partial = append(l.partial, b...)
	var lines bytes.Buffer
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		lines.WriteString(l.prefix)
		lines.Write(l.partial[:i+1])
		l.partial = l.partial[i+1:]
	}
	if lines.Len() > 0 {
		if _, err := l.out.Write(lines.Bytes()); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}
