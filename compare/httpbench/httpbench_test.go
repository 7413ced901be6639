package httpbench

import (
	"net/http"
	"testing"
	"time"
)

// TestBothSystemsServeTheWorkload runs a small workload of writes and reads
// against both systems: each must answer every request.
func TestBothSystemsServeTheWorkload(t *testing.T) {
	for _, start := range []func(string) (*System, error){StartRaftkv, StartHraftkv} {
		sys, err := start(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Run(sys.Name, func(t *testing.T) {
			defer func() {
				if err := sys.Close(); err != nil {
					t.Errorf("stop: %v", err)
				}
			}()
			leader, err := sys.Leader(t.Context(), 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range []Op{Write, Read} {
				r, err := Run(t.Context(), http.DefaultClient, leader, op, 4, 50)
				if err != nil {
					t.Fatalf("%s: %v", op, err)
				}
				if r.Ops != 50 || r.Errors != 0 {
					t.Fatalf("%s: %d of 50 requests answered, %d errors", op, r.Ops, r.Errors)
				}
			}
		})
	}
}
