package workshop

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEssentialsTestify(t *testing.T) {
	out := essentials([]string{
		"=== RUN   TestAppend",
		"    log_test.go:18: ",
		"        \tError Trace:\t/work/04-log/log_test.go:18",
		"        \t            \t/work/04-log/helpers_test.go:9",
		"        \tError:      \tNot equal: ",
		"        \t            \texpected: 3",
		"        \t            \tactual  : 0",
		"        \tTest:       \tTestAppend",
		"        \tMessages:   \tthe last index (handout: \"Indexes\")",
		"--- FAIL: TestAppend (0.00s)",
	})
	assert.Equal(t, []string{
		"log_test.go:18:",
		"  Error:       Not equal:",
		"               expected: 3",
		"               actual  : 0",
		"  Messages:    the last index (handout: \"Indexes\")",
	}, out, "the Error Trace field, with its continuation line, and the Test field are dropped")
}

func TestEssentialsLog(t *testing.T) {
	out := essentials([]string{
		"=== RUN   TestTable/empty",
		"=== PAUSE TestTable/empty",
		"=== CONT  TestTable/empty",
		"    log_test.go:23: first line",
		"        second line",
		"    --- FAIL: TestTable/empty (0.00s)",
		"",
	})
	assert.Equal(t, []string{"log_test.go:23: first line", "    second line"}, out)
}

func TestEssentialsPanic(t *testing.T) {
	out := essentials([]string{
		"=== RUN   TestGet",
		"--- FAIL: TestGet (0.00s)",
		"panic: assignment to entry in nil map [recovered, repanicked]",
		"",
		"goroutine 20 [running]:",
		"testing.tRunner.func1.2({0x55a7a0, 0x6cac90})",
		"\t/usr/local/go/src/testing/testing.go:1974 +0x232",
		"panic({0x55a7a0?, 0x6cac90?})",
		"\t/usr/local/go/src/runtime/panic.go:860 +0x13a",
		"raftgo/01-kvserver.(*Store).Set(0xc000010000, {0x5a1b2c, 0x1})",
		"\t/work/main/01-kvserver/store.go:31 +0x28",
		"raftgo/01-kvserver.TestGet(0x34fd049d6488?)",
		"\t/work/main/01-kvserver/store_test.go:12 +0x28",
		"testing.tRunner(0x34fd049d6488, 0x592e28)",
		"\t/usr/local/go/src/testing/testing.go:2036 +0xea",
		"created by testing.(*T).Run in goroutine 1",
		"\t/usr/local/go/src/testing/testing.go:2101 +0x4c5",
	})
	assert.Equal(t, []string{
		"panic: assignment to entry in nil map",
		"    at 01-kvserver.(*Store).Set (store.go:31)",
		"    at 01-kvserver.TestGet (store_test.go:12)",
	}, out, "of the stack, only the frames in the course's code")
}

func TestEssentialsTimeout(t *testing.T) {
	out := essentials([]string{
		"=== RUN   TestWait",
		"panic: test timed out after 1m0s",
		"\trunning tests:",
		"\t\tTestWait (1m0s)",
		"",
		"goroutine 7 [chan receive]:",
		"raftgo/02-eventdriven.(*Loop).Run(...)",
		"\t/work/main/02-eventdriven/loop.go:40 +0x1d",
	})
	assert.Equal(t, []string{
		"panic: test timed out after 1m0s",
		"    at 02-eventdriven.(*Loop).Run (loop.go:40)",
	}, out, "the frame shows where the test is stuck")
}
