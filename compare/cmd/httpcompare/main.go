// Command httpcompare runs one HTTP key-value workload against raftkv
// (stage 10) and against the same service on hashicorp/raft, each as a
// 3-node cluster on loopback with fsync on, in one run on one machine, and
// prints a table with the ratio of the two.
//
//	cd compare && go run ./cmd/httpcompare -ops 20000
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"raftgo/compare/httpbench"
)

func main() {
	ops := flag.Int("ops", 10000, "requests per measurement")
	clientList := flag.String("clients", "1,16,64", "the concurrent `clients` of each write measurement, comma-separated")
	readClients := flag.Int("read-clients", 16, "concurrent clients of the read measurement")
	flag.Parse()
	var clients []int
	for _, s := range strings.Split(*clientList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "httpcompare: -clients: %q is not a positive number\n", s)
			os.Exit(2)
		}
		clients = append(clients, n)
	}
	if err := run(*ops, clients, *readClients); err != nil {
		fmt.Fprintf(os.Stderr, "httpcompare: %v\n", err)
		os.Exit(1)
	}
}

// A measurement is one row of the table.
type measurement struct {
	op      httpbench.Op
	clients int
}

func run(ops int, clients []int, readClients int) error {
	var rows []measurement
	for _, c := range clients {
		rows = append(rows, measurement{httpbench.Write, c})
	}
	rows = append(rows, measurement{httpbench.Read, readClients})

	starts := []func(string) (*httpbench.System, error){httpbench.StartRaftkv, httpbench.StartHraftkv}
	results := make([][]httpbench.Result, len(starts))
	var names []string
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	for i, start := range starts {
		dir, err := os.MkdirTemp("", "httpcompare-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		sys, err := start(dir)
		if err != nil {
			return err
		}
		names = append(names, sys.Name)
		leader, err := sys.Leader(context.Background(), 30*time.Second)
		if err != nil {
			sys.Close()
			return err
		}
		for _, m := range rows {
			fmt.Fprintf(os.Stderr, "%s: %d %ss from %d clients…\n", sys.Name, ops, m.op, m.clients)
			r, err := httpbench.Run(context.Background(), client, leader, m.op, m.clients, ops)
			if err != nil {
				sys.Close()
				return fmt.Errorf("%s, %s with %d clients: %w", sys.Name, m.op, m.clients, err)
			}
			results[i] = append(results[i], r)
		}
		if err := sys.Close(); err != nil {
			return fmt.Errorf("stop %s: %w", sys.Name, err)
		}
	}

	fmt.Printf("3 nodes on loopback, fsync on, %d requests per row; %s, %d CPUs, %s/%s\n\n", ops, runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "op\tclients\t%s/s\tp50\tp99\t%s/s\tp50\tp99\tratio\t\n", names[0], names[1])
	for j, m := range rows {
		a, b := results[0][j], results[1][j]
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%v\t%v\t%.0f\t%v\t%v\t%.2f×\t\n", m.op, m.clients,
			a.PerSecond(), a.P50.Round(10*time.Microsecond), a.P99.Round(10*time.Microsecond),
			b.PerSecond(), b.P50.Round(10*time.Microsecond), b.P99.Round(10*time.Microsecond),
			a.PerSecond()/b.PerSecond())
	}
	return tw.Flush()
}
