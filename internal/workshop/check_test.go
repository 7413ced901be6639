package workshop

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/testsrc"
)

func TestCheck(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log.json"})

	ok, err := w.Check(t.Context(), stage04)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, `Stage 04: The log (04-log)

  ✓ TestGivenNew
  ✗ TestAppend
      log_test.go:18:
        Error:       Received unexpected error:
                     raftlog: Append is not implemented
        Messages:    Append to an empty log
  ✗ TestTerms
      ✗ TestTerms/one
          log_test.go:29:
            Error:       Not equal:
                         expected: []int{3}
                         actual  : []int(nil)

                         Diff:
                         --- Expected
                         +++ Actual
                         @@ -1,4 +1,2 @@
                         -([]int) (len=1) {
                         - (int) 3
                         -}
          … and 1 more (run the test alone to see all)
      (1 of 2 subtests pass)
  ✗ TestTermsNotNil (panicked)
      panic: runtime error: index out of range [0] with length 0
          at 04-log.TestTermsNotNil (log_test.go:39)
  ? TestAfterPanic (did not run: TestTermsNotNil panicked)

1 of 5 tests pass.

Hint for TestAppend (04-log/log_test.go:16):
    TestAppend checks that Append adds terms at the end.
    Handout: "Appending".
Run it alone:  go test -run '^TestAppend$' ./04-log

TODOs left (2):
  04-log/log.go:14: Append the terms (handout: "Appending").
  04-log/log.go:21: Return the terms.
`, out.String())
}

func TestCheckDone(t *testing.T) {
	w, out := testCourse(t, map[string]string{"04-log": "04-log-pass.json"})

	ok, err := w.Check(t.Context(), stage04)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, `Stage 04: The log (04-log)

  ✓ TestGivenNew
  ✓ TestAppend
  ✓ TestTerms
  ✓ TestTermsNotNil
  ✓ TestAfterPanic

5 of 5 tests pass.

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
	assert.Equal(t, `Hint for TestAppend (04-log/log_test.go:16):
    TestAppend checks that Append adds terms at the end.
    Handout: "Appending".
Run it alone:  go test -run '^TestAppend$' ./04-log

Next TODO, 04-log/log.go:14:
    Append the terms (handout: "Appending").
    Reject a term lower than the last one.
`, out.String())
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
