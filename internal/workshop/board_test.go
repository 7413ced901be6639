package workshop

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
)

func TestBoard(t *testing.T) {
	w, out := testCourse(t, map[string]string{
		"04-log":       "04-log.json",
		"06-consensus": "04-log-broken.json",
	})
	w.Stages = []course.Stage{mustFind("01"), stage04, mustFind("05"), mustFind("06")}
	require.NoError(t, os.MkdirAll(filepath.Join(w.Root, "solutions", "05-replication"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(w.Root, "06-consensus"), 0o755))

	w.Board(t.Context())

	assert.Equal(t, `Raft in Go: your progress

    01  A key-value server          not built yet
  → 04  The log                     0/4 tests pass (+1 given); TestTermsNotNil panicked
    05  Log replication             05-replication is missing: go run ./cmd/workshop reset 05 creates it
    06  Consensus: the commit rule  does not compile: 06-consensus/log.go:22:9: invalid operation: nil + 1 (mismatched types untyped nil and untyped int)

Next: stage 04, The log.
  Read the handout 04-log/README.md and the slides slides/04-log.slide,
  fill in the TODOs, and run:  go run ./cmd/workshop check 04
`, out.String())
}

func TestBoardRow(t *testing.T) {
	w := New(t.TempDir(), nil)
	ran := func(passed, total int) Progress {
		return Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: passed, Total: total}}
	}
	untouched := Progress{Stage: stage04, State: Ran, Tests: Tally{Total: 13, GivenPassed: 4, Given: 4}}
	crashed := ran(0, 3)
	crashed.Detail = "TestX timed out"
	tests := []struct {
		name string
		p    Progress
		next bool
		want string
	}{
		{"not built", Progress{Stage: stage04}, false, "    04  The log  not built yet"},
		{"done", ran(3, 3), false, "  ✓ 04  The log  3/3 tests pass"},
		{"next", ran(1, 3), true, "  → 04  The log  1/3 tests pass"},
		{"untouched, with given tests", untouched, true, "  → 04  The log  0/13 tests pass (+4 given)"},
		{"done, with given tests", Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: 13, Total: 13, GivenPassed: 4, Given: 4}}, false, "  ✓ 04  The log  13/13 tests pass (+4 given)"},
		{"a given test fails", Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: 13, Total: 13, GivenPassed: 3, Given: 4}}, false, "    04  The log  13/13 tests pass (+4 given, 1 of them failing)"},
		{"done, one skipped", Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: 29, Total: 29, Skipped: 1}}, false, "  ✓ 04  The log  29/29 tests pass (1 skipped)"},
		{"no tests", Progress{Stage: stage04, State: Ran}, false, "    04  The log  no tests yet"},
		{"crashed", crashed, false, "    04  The log  0/3 tests pass; TestX timed out"},
		{"does not compile", Progress{Stage: stage04, State: NoCompile, Detail: "04-log/log.go:1:1: oops"}, true, "  → 04  The log  does not compile: 04-log/log.go:1:1: oops"},
		{"go test fails", Progress{Stage: stage04, State: CannotRun, Detail: "go: no go.mod"}, false, "    04  The log  go test could not run: go: no go.mod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, w.boardRow(tt.p, tt.next, len("The log")))
		})
	}
}

func TestBoardRowColor(t *testing.T) {
	w := New(t.TempDir(), nil)
	w.Color = true
	row := w.boardRow(Progress{Stage: stage04, State: Ran, Tests: Tally{Passed: 3, Total: 3}}, false, 7)
	assert.Equal(t, "  \x1b[32m✓\x1b[0m 04  The log  \x1b[32m3/3 tests pass\x1b[0m", row)
}

func TestNextStep(t *testing.T) {
	w := New(t.TempDir(), nil)
	done := func(s course.Stage) Progress {
		return Progress{Stage: s, State: Ran, Tests: Tally{Passed: 1, Total: 1}}
	}
	notBuilt := func(s course.Stage) Progress { return Progress{Stage: s} }
	s1, s2 := mustFind("01"), mustFind("02")

	assert.Equal(t, "No stage is built yet.\n", w.nextStep([]Progress{notBuilt(s1), notBuilt(s2)}, -1))
	assert.Equal(t, "Every stage built so far passes; the others are still being written.\n",
		w.nextStep([]Progress{done(s1), notBuilt(s2)}, -1))
	assert.Equal(t, "All 2 stages pass. You have built Raft: well done!\n", w.nextStep([]Progress{done(s1), done(s2)}, -1))
	assert.Equal(t, "Next: stage 02, Event-driven programming: a traffic light.\n  It does not build. See why:  go run ./cmd/workshop check 02\n",
		w.nextStep([]Progress{done(s1), {Stage: s2, State: NoCompile}}, 1))
	assert.Equal(t, "Next: stage 01, A key-value server.\n  Create its folder:  go run ./cmd/workshop reset 01\n",
		w.nextStep([]Progress{{Stage: s1, State: NoFolder}, notBuilt(s2)}, 0))
}
