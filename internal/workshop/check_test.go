package workshop

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/gotest"
	"raftgo/internal/testsrc"
)

func TestCheck(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log.json"})

	ok, err := w.Check(t.Context(), stage04)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, `Stage 04: The log (04-log)
0 of 4 tests pass (+1 given).

TestAppend fails first:
    log_test.go:18:
      Error:       Received unexpected error:
                   raftlog: Append is not implemented
      Messages:    Append to an empty log

Hint for TestAppend (04-log/log_test.go:16):
    TestAppend checks that Append adds terms at the end.
    Handout: "Appending".
Run it alone:  go test -run '^TestAppend$' ./04-log

Next TODO, 04-log/log.go:14:
    Append the terms (handout: "Appending").
    Reject a term lower than the last one.

Also failing (3):
  ✗ TestTerms        one: Not equal: expected: []int{3} actual : []int(nil)
  ✗ TestTermsNotNil  panic: runtime error: index out of range [0] with length 0
  ? TestAfterPanic   did not run: TestTermsNotNil panicked

Passing (1): TestGivenNew

TODOs left (2):
  04-log/log.go:14: Append the terms (handout: "Appending").
  04-log/log.go:21: Return the terms.
`, out.String(), "the next step first: the first failure, its hint, how to run it and its TODO; then the others, one line each")
}

func TestCheckFromTheStageFolder(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log.json"})
	w.Cwd = "04-log"

	_, err := w.Check(t.Context(), stage04)
	require.NoError(t, err)
	assert.Contains(t, out.String(), `Hint for TestAppend (log_test.go:16):`)
	assert.Contains(t, out.String(), `Run it alone:  go test -run '^TestAppend$' .`+"\n")
	assert.Contains(t, out.String(), "Next TODO, log.go:14:\n")
	assert.Contains(t, out.String(), "  log.go:21: Return the terms.\n", "places are shown from the current folder")
}

func TestCheckRunaway(t *testing.T) {
	w, out := testCourse(t, map[string]string{"07-election": "07-election.json"})

	ok, err := w.Check(t.Context(), stage07)
	require.NoError(t, err)
	assert.False(t, ok)
	var diff []string
	for i := range 29 {
		diff = append(diff, fmt.Sprintf("                   -entry %d/1\n", i))
	}
	assert.Equal(t, `Stage 07: Leader election (07-election)
0 of 5 tests pass (+1 given).

TestLongDiff fails first:
    core_test.go:24:
      Error:       Not equal:
                   expected: "entry 0/1\nentry 1/1\nentry 2/1\nentry 3/1\nentry 4/1\nentry 5/1\nentry 6/1\nentry 7/1\nentry 8/1\nentry 9/1\nentry 10/1\nentry 11/1\nentry 12/1\nentry 13/1\nentry 14/1\nentry 15/1\nentry 16/1\nentry 17/1\nentry 18/1\nentry 19/1\nentry 20/1\nentry 21/1\nentry 22/1\nentry 23… (195 more characters)
                   actual  : "entry 0/2\nentry 1/2\nentry 2/2\nentry 3/2\nentry 4/2\nentry 5/2\nentry 6/2\nentry 7/2\nentry 8/2\nentry 9/2\nentry 10/2\nentry 11/2\nentry 12/2\nentry 13/2\nentry 14/2\nentry 15/2\nentry 16/2\nentry 17/2\nentry 18/2\nentry 19/2\nentry 20/2\nentry 21/2\nentry 22/2\nentry 23… (195 more characters)

                   Diff:
                   --- Expected
                   +++ Actual
                   @@ -1,40 +1,40 @@
`+strings.Join(diff, "")+`                   … 51 lines left out (run the test alone to see all)
      Messages:    node 2's log after the election: a new leader never deletes committed entries (Figure 2, Leader Completeness)

Hint for TestLongDiff (07-election/core_test.go:18):
    TestLongDiff compares two long logs. Handout: "Logs".
Run it alone:  go test -run '^TestLongDiff$' ./07-election

Next TODO, 07-election/core.go:9:
    Answer a message only once (handout: "Quiet").

Also failing (4):
  ✗ TestManyFailures   check 0 failed: want 1, got 0 (and 8 more failures)
  ✗ TestQuiet          timed out, still busy in 07-election.settle (core_test.go:53): a loop that never ends, or messages that make more messages?
  ? TestAfterQuiet     did not run: TestQuiet timed out
  ✗ blocked.TestWaits  timed out, blocked (chan receive) in 07-election/blocked.TestWaits (wait_test.go:8): waiting forever on a channel or a lock?

Passing (1): TestGivenNode

TODOs left (1):
  07-election/core.go:9: Answer a message only once (handout: "Quiet").
`, out.String(), "a long diff loses its middle, never its message; a runaway core is busy, not waiting on a lock")
}

func TestCheckFirstFailureInFull(t *testing.T) {
	w, _ := testCourse(t, map[string]string{"07-election": "07-election.json"})
	run, err := w.learnerRun(t.Context(), stage07)
	require.NoError(t, err)
	test := func(name string) *gotest.Test {
		for _, test := range run.report.Tests {
			if test.Name == name {
				return test
			}
		}
		t.Fatalf("no test %s", name)
		return nil
	}
	assert.Equal(t, []string{
		"core_test.go:30: check 0 failed: want 1, got 0",
		"core_test.go:30: check 1 failed: want 2, got 0",
		"core_test.go:30: check 2 failed: want 3, got 0",
		"core_test.go:30: check 3 failed: want 4, got 0",
		"core_test.go:30: check 4 failed: want 5, got 0",
		"… and 4 more failures (run the test alone to see all)",
	}, w.outputLines(test("TestManyFailures")))
	assert.Equal(t, []string{
		"✗ TestQuiet/seed=1",
		"    panic: test timed out after 3s",
		"        at 07-election.TestQuiet (core_test.go:38)",
		"        at 07-election.settle (core_test.go:53)",
		"        at 07-election.TestQuiet.func1 (core_test.go:39)",
		"(0 of 1 subtest pass)",
	}, w.outputLines(test("TestQuiet")))
}

func TestCheckDone(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log-pass.json"})

	ok, err := w.Check(t.Context(), stage04)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, `Stage 04: The log (04-log)
4 of 4 tests pass (+1 given).

Passing (5): TestGivenNew, TestAppend, TestTerms, TestTermsNotNil,
  TestAfterPanic

Every test passes. TODO comments left in the code (delete them as you finish):
  04-log/log.go:14: Append the terms (handout: "Appending").
  04-log/log.go:21: Return the terms.

Stage 04 is done. Compare with the reference: go run ./cmd/workshop diff 04
`, out.String(), "the recorded run is of the reference's code; the stub's TODOs are still in the folder")

	out.Reset()
	require.NoError(t, w.Hint(t.Context(), stage04))
	assert.Equal(t, "Every test of 04-log passes.\n", out.String())
}

func TestCheckDoesNotCompile(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log-broken.json"})

	ok, err := w.Check(t.Context(), stage04)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, `Stage 04: The log (04-log)

04-log does not compile:
    04-log/log.go:22:9: invalid operation: nil + 1 (mismatched types untyped nil and untyped int)

Fix the first error, then run go run ./cmd/workshop check 04 again.
`, out.String())
}

func TestCheckMissingStage(t *testing.T) {
	w, _ := testCourse(t, nil)

	_, err := w.Check(t.Context(), mustFind("05"))
	assert.EqualError(t, err, "stage 05 is not built yet: 05-replication does not exist")

	w, _ = testCourse(t, nil)
	require.NoError(t, os.RemoveAll(w.path("04-log")))
	_, err = w.Check(t.Context(), stage04)
	assert.EqualError(t, err, "04-log does not exist: create it with go run ./cmd/workshop reset 04")
}

func TestHint(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log.json"})

	require.NoError(t, w.Hint(t.Context(), stage04))
	assert.Equal(t, `TestAppend fails:
    Append to an empty log

Hint for TestAppend (04-log/log_test.go:16):
    TestAppend checks that Append adds terms at the end.
    Handout: "Appending".
Run it alone:  go test -run '^TestAppend$' ./04-log

Next TODO, 04-log/log.go:14:
    Append the terms (handout: "Appending").
    Reject a term lower than the last one.
`, out.String())
}

func TestHintRunaway(t *testing.T) {
	w, out := testCourse(t, map[string]string{"07-election": "07-election.json"})

	require.NoError(t, w.Hint(t.Context(), stage07))
	assert.Equal(t, `TestLongDiff fails:
    node 2's log after the election: a new leader never deletes committed
    entries (Figure 2, Leader Completeness)
`, firstLines(out.String(), 3), "the message that says what is wrong, not the start of the diff")
}

func TestHintDoesNotCompile(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log-broken.json"})

	require.NoError(t, w.Hint(t.Context(), stage04))
	assert.Equal(t, "04-log does not compile. Fix this first:\n    04-log/log.go:22:9: invalid operation: nil + 1 (mismatched types untyped nil and untyped int)\n", out.String())
}

func TestNextTodo(t *testing.T) {
	todos := []testsrc.Todo{
		{Pos: "client.go:25", Text: "Connect with a net.Dialer\n(handout: \"7. The client\")."},
		{Pos: "store.go:12", Text: "Look the key up under the read lock (handout:\n\"1. The store\")."},
		{Pos: "store.go:30", Text: "Store the value (handout: \"1. The store\")."},
	}
	assert.Equal(t, todos[1], nextTodo(todos, "TestGet checks Get on a zero Store. (Handout: \"1. The\nstore\".)"),
		"the first TODO of the section the hint names, across line breaks")
	assert.Equal(t, todos[0], nextTodo(todos, "TestX names no section."))
	assert.Equal(t, todos[0], nextTodo(todos, ""), "a test without a hint")
}

func TestSummary(t *testing.T) {
	assert.Equal(t, "Do this.", summary("Do this. Then\nthat."))
	assert.Equal(t, "One line", summary("One\nline"))
	assert.Equal(t, `Write Do (handout: "7. The client").`, summary(`Write Do (handout: "7. The client"). Then more.`))
	assert.Equal(t, "Keep 2. 5 stays.", summary("Keep 2. 5 stays. Not this."))
	long := "Apply the rules of Figure 2 to every entry that arrives, in order, and reject the rest with a hint"
	assert.Equal(t, "Apply the rules of Figure 2 to every entry that arrives, in order, and reject the rest …", summary(long))
}

func TestCheckNotice(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log.json"})
	w.NoticeAfter = 0

	_, err := w.Check(t.Context(), stage04)
	require.NoError(t, err)
	assert.Equal(t, "Stage 04: The log (04-log)\nCompiling and running the tests of 04-log (the first time takes up to a minute)…\n0 of 4 tests pass (+1 given).\n",
		firstLines(out.String(), 3), "the header, then what the tool is doing while the tests build")
}

func TestCheckSkipped(t *testing.T) {
	w, out := testCourse(t, nil)
	events, err := gotest.ParseEvents([]byte(`{"Action":"run","Package":"raftgo/04-log","Test":"TestRedisCLI"}
{"Action":"output","Package":"raftgo/04-log","Test":"TestRedisCLI","Output":"=== RUN   TestRedisCLI\n"}
{"Action":"output","Package":"raftgo/04-log","Test":"TestRedisCLI","Output":"    redis_test.go:22: redis-cli is not installed, so this test cannot run; install it with ` + "`sudo apt-get install redis-tools`" + ` (Debian, Ubuntu) or ` + "`brew install redis`" + ` (macOS)\n"}
{"Action":"output","Package":"raftgo/04-log","Test":"TestRedisCLI","Output":"--- SKIP: TestRedisCLI (0.00s)\n"}
{"Action":"skip","Package":"raftgo/04-log","Test":"TestRedisCLI"}
{"Action":"pass","Package":"raftgo/04-log"}
`))
	require.NoError(t, err)
	run := &stageRun{dir: "04-log", report: gotest.Summarize(events)}

	w.printOthers(run, nil)
	assert.Equal(t, `
Skipped TestRedisCLI:
    redis-cli is not installed, so this test cannot run; install it with
    `+"`sudo apt-get install redis-tools`"+` (Debian, Ubuntu) or `+"`brew install redis`"+`
    (macOS)
`, out.String(), "the whole reason, which says what to install")
	assert.Equal(t, Tally{Skipped: 1}, tallyTests(run.report))
}

func TestWrap(t *testing.T) {
	assert.Equal(t, "one two\n  three", wrap("one two three", 10, 0, "  "))
	assert.Equal(t, "one\n  two\n  three", wrap("one two three", 10, 4, "  "), "the first line starts at column 4")
	assert.Equal(t, "run\n  `go test -run X`\n  now", wrap("run `go test -run X` now", 12, 0, "  "), "a quoted command stays whole")
	assert.Equal(t, "", wrap("", 10, 0, "  "))
}
