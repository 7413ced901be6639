package httpbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"raftgo/compare/hraftkv"
	"raftgo/solutions/03-planning"
	raftkv "raftgo/solutions/10-system"
)

// A System is a 3-node cluster of one implementation on loopback, each
// node with its own folder and real fsync.
type System struct {
	// Name is the implementation's name, such as "raftkv".
	Name string
	// URLs are the nodes' HTTP base URLs.
	URLs []string
	// stop stops every node and waits for it.
	stop func() error
}

// Close stops the cluster.
func (s *System) Close() error { return s.stop() }

// Leader waits, up to timeout, for a node to say it leads in GET /status,
// and returns its URL.
func (s *System) Leader(ctx context.Context, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		for _, u := range s.URLs {
			if role, err := role(ctx, u); err == nil && role == "leader" {
				return u, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s: no leader within %v", s.Name, timeout)
		case <-time.After(20 * time.Millisecond): // poll a cluster on real timers
		}
	}
}

// role asks a node for its role.
func role(ctx context.Context, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/status", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var st struct{ Role string }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return "", err
	}
	return st.Role, nil
}

// freeAddrs returns n loopback addresses whose ports were free a moment ago.
func freeAddrs(n int) ([]string, error) {
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, ln.Addr().String())
		ln.Close()
	}
	return addrs, nil
}

// StartRaftkv starts three raftkv servers (stage 10) with their
// write-ahead logs in folders under dir.
func StartRaftkv(dir string) (*System, error) {
	peerAddrs, err := freeAddrs(3)
	if err != nil {
		return nil, err
	}
	var cluster raft.Cluster
	for i, a := range peerAddrs {
		cluster = append(cluster, raft.Peer{ID: raft.NodeID(i + 1), Addr: a})
	}
	ctx, cancel := context.WithCancel(context.Background())
	sys := &System{Name: "raftkv"}
	done := make(chan error, 3)
	for i := range 3 {
		id := raft.NodeID(i + 1)
		s, err := raftkv.Open(raftkv.Config{
			ID: id, Cluster: cluster, HTTPAddr: "127.0.0.1:0", RESPAddr: "127.0.0.1:0",
			Dir: filepath.Join(dir, "raftkv-"+strconv.Itoa(i+1)),
		})
		if err != nil {
			cancel()
			return nil, err
		}
		addr, _ := s.Addr(id, "http")
		sys.URLs = append(sys.URLs, "http://"+addr)
		go func() { done <- s.Run(ctx) }()
	}
	sys.stop = func() error {
		cancel()
		var errs []error
		for range 3 {
			errs = append(errs, <-done)
		}
		return errors.Join(errs...)
	}
	return sys, nil
}

// StartHraftkv starts three hraftkv servers (hashicorp/raft with
// raft-boltdb) with their stores in folders under dir.
func StartHraftkv(dir string) (*System, error) {
	addrs, err := freeAddrs(6)
	if err != nil {
		return nil, err
	}
	var servers []hraftkv.Server
	for i := range 3 {
		servers = append(servers, hraftkv.Server{ID: strconv.Itoa(i + 1), Raft: addrs[i], HTTP: addrs[3+i]})
	}
	sys := &System{Name: "hashicorp/raft"}
	var nodes []*hraftkv.Node
	var https []*http.Server
	stop := func() error {
		var errs []error
		for _, h := range https {
			errs = append(errs, h.Close())
		}
		for _, n := range nodes {
			errs = append(errs, n.Close())
		}
		return errors.Join(errs...)
	}
	for _, s := range servers {
		n, err := hraftkv.Start(hraftkv.Config{ID: s.ID, Raft: s.Raft, Dir: filepath.Join(dir, "hraftkv-"+s.ID), Cluster: servers})
		if err != nil {
			stop()
			return nil, err
		}
		nodes = append(nodes, n)
		ln, err := net.Listen("tcp", s.HTTP)
		if err != nil {
			stop()
			return nil, err
		}
		h := &http.Server{Handler: n.Handler()}
		https = append(https, h)
		go h.Serve(ln)
		sys.URLs = append(sys.URLs, "http://"+s.HTTP)
	}
	sys.stop = stop
	return sys, nil
}
