// Package httpbench drives the same HTTP key-value workload against any
// service with stage 10's API (raftkv, or hraftkv on hashicorp/raft), and
// measures throughput and latency.
package httpbench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// An Op is one kind of request the workload sends.
type Op string

const (
	// Write is POST /key with a one-key JSON object.
	Write Op = "write"
	// Read is GET /key/{k} of a key written before the run.
	Read Op = "read"
)

// Result sums up one run.
type Result struct {
	Ops      int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
}

// PerSecond returns the successful operations per second.
func (r Result) PerSecond() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// Run sends total requests of kind op to the service at base (such as
// "http://127.0.0.1:8001", the leader) from clients concurrent clients,
// each waiting for its answer before it sends the next, and measures each
// request's latency. Keys are spread over 1,000 names; values are 16 bytes.
func Run(ctx context.Context, client *http.Client, base string, op Op, clients, total int) (Result, error) {
	if op == Read {
		// The keys the reads ask for must exist.
		for k := range min(total, 1000) {
			if err := write(ctx, client, base, k); err != nil {
				return Result{}, fmt.Errorf("write key %d before the reads: %w", k, err)
			}
		}
	}
	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, total)
		errs      int
		firstErr  error
		next      int
		wg        sync.WaitGroup
	)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= total || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				var err error
				if op == Write {
					err = write(ctx, client, base, i)
				} else {
					err = read(ctx, client, base, i%1000)
				}
				took := time.Since(t0)
				mu.Lock()
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					latencies = append(latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r := Result{Ops: len(latencies), Errors: errs, Elapsed: time.Since(start)}
	if len(latencies) == 0 {
		return r, fmt.Errorf("no request succeeded: %w", firstErr)
	}
	slices.Sort(latencies)
	r.P50 = latencies[len(latencies)*50/100]
	r.P99 = latencies[len(latencies)*99/100]
	return r, nil
}

// write sets key k to a 16-byte value.
func write(ctx context.Context, client *http.Client, base string, k int) error {
	body := fmt.Sprintf(`{"key%04d":"value-%010d"}`, k%1000, k)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/key", bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(client, req, http.StatusOK, http.StatusNoContent)
}

// read gets key k.
func read(ctx context.Context, client *http.Client, base string, k int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/key/key%04d", base, k), nil)
	if err != nil {
		return err
	}
	return do(client, req, http.StatusOK)
}

// do sends a request and checks that its status is one of ok.
func do(client *http.Client, req *http.Request, ok ...int) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if !slices.Contains(ok, resp.StatusCode) {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}
