package wal

import (
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// benchEntrySize is the size of the command in each entry the benchmark
// saves: a small key-value write.
const benchEntrySize = 100

// BenchmarkSave measures what durability costs: Save with and without
// fsync, with 1 and with 64 entries per call, the way a Ready loop saves
// one Ready. The figures and their conditions are in BENCH.md. Run it with
//
//	go test -run '^$' -bench BenchmarkSave -benchtime 2s
//
// (handout: "6. The write-ahead log", "Measuring fsync").
func BenchmarkSave(b *testing.B) {
	for _, fsync := range []bool{true, false} {
		for _, perSave := range []int{1, 64} {
			b.Run(fmt.Sprintf("fsync=%t/entries=%d", fsync, perSave), func(b *testing.B) {
				benchmarkSave(b, b.TempDir(), Options{NoSync: !fsync}, perSave)
			})
		}
	}
}

// benchmarkSave opens a WAL in dir and measures its Save of perSave
// entries of benchEntrySize bytes each, with a new Commit each time.
func benchmarkSave(b *testing.B, dir string, opts Options, perSave int) {
	// TODO: Write this benchmark (handout: "Measuring fsync"). Open a WAL in dir with
	// opts and close it at the end. Make the entries' data outside the loop;
	// then, in a `for b.Loop()` loop, Save perSave new entries (indexes 1, 2, 3, …
	// in a row, each with benchEntrySize bytes of data) and a HardState whose
	// Commit is the last index, and fail with b.Fatal if Save fails. Call
	// b.SetBytes with the data bytes one Save writes, and after the loop report
	// the entries saved per second with b.ReportMetric(…, "entries/s").
	b.Fatal("TODO: write benchmarkSave in bench_test.go: open a WAL, Save perSave entries per iteration of b.Loop, report entries/s (handout: \"Measuring fsync\")")
}

// TestBenchmarkSave runs benchmarkSave for 20 iterations (with fsync, as a
// server runs) and checks that it measures what it says: it must not fail,
// must run 20 iterations, must leave a WAL that holds exactly 20 × perSave
// entries and a Commit at the last one, and must report SetBytes and an
// "entries/s" metric (handout: "6. The write-ahead log", "Measuring fsync").
func TestBenchmarkSave(t *testing.T) {
	benchtime := flag.Lookup("test.benchtime")
	require.NotNil(t, benchtime, "the test.benchtime flag of package testing")
	old := benchtime.Value.String()
	require.NoError(t, benchtime.Value.Set("20x"))
	t.Cleanup(func() { benchtime.Value.Set(old) })

	for _, perSave := range []int{1, 64} {
		dir := t.TempDir()
		result := testing.Benchmark(func(b *testing.B) { benchmarkSave(b, dir, Options{}, perSave) })
		require.Equal(t, 20, result.N,
			"benchmarkSave(perSave=%d) ran %d iterations, want 20 (0 means it failed: run go test -run '^$' -bench BenchmarkSave to see why) (handout: \"Measuring fsync\")", perSave, result.N)
		require.Equal(t, int64(perSave*benchEntrySize), result.Bytes,
			"benchmarkSave(perSave=%d) must call b.SetBytes with the data bytes one Save writes (handout: \"Measuring fsync\")", perSave)
		require.Greater(t, result.Extra["entries/s"], 0.0,
			"benchmarkSave(perSave=%d) must report its rate with b.ReportMetric(…, \"entries/s\") (handout: \"Measuring fsync\")", perSave)

		w := openWAL(t, dir, testOptions)
		hs, _, entries := w.State()
		require.Len(t, entries, 20*perSave,
			"the WAL that benchmarkSave(perSave=%d) leaves holds every entry it saved: perSave entries in each of the 20 iterations, none outside the loop (handout: \"Measuring fsync\")", perSave)
		require.Equal(t, raft.Index(20*perSave), hs.Commit, "the last Save's Commit is the last index")
		for i, e := range entries {
			require.Len(t, e.Data, benchEntrySize, "entry %d's data", i+1)
		}
	}
}
