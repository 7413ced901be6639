package workshop

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestFailures(t *testing.T) {
	fs := failures([]string{
		"a line before any place",
		"log_test.go:18:",
		"  Error:       Not equal:",
		"               expected: 3",
		"               actual  : 0",
		"",
		"               Diff:",
		"               -3",
		"               +0",
		"  Messages:    the last index",
		"               (handout: \"Indexes\")",
		"helpers_test.go:9: node 2 sent",
		"    nothing",
		"panic: boom",
		"    at 04-log.TestX (log_test.go:3)",
	})
	require.Len(t, fs, 4)
	assert.Equal(t, "a line before any place", fs[0].summary())
	assert.Equal(t, `the last index (handout: "Indexes")`, fs[1].summary(), "the message, across its lines")
	assert.Equal(t, "node 2 sent", fs[2].summary(), "the first line of what t.Error printed")
	assert.Equal(t, "panic: boom", fs[3].summary())

	noMessage := failure{"log_test.go:18:", "  Error:       Not equal:", "               expected: 3", "               actual  : 0", "", "               Diff:", "               -3"}
	assert.Equal(t, "Not equal: expected: 3 actual : 0", noMessage.summary(), "without a message, the error up to its diff")
	assert.Equal(t, "", failure{"log_test.go:18: "}.summary(), "nothing to say")
}

func TestFailureFull(t *testing.T) {
	long := failure{"log_test.go:18:", "  Error:       Not equal:"}
	for i := range 60 {
		long = append(long, fmt.Sprintf("               -entry %d", i))
	}
	long = append(long, "  Messages:    the follower's log (Figure 2)", "               second line")
	full := long.full()
	assert.Len(t, full, maxFailureLines)
	assert.Equal(t, []string{
		"               -entry 34",
		"               … 25 lines left out (run the test alone to see all)",
		"  Messages:    the follower's log (Figure 2)",
		"               second line",
	}, full[len(full)-4:], "the message survives the cut")

	message := strings.Repeat("the message says what is wrong ", 20)
	kept := failure{"log_test.go:18:", "  Error:       Not equal:", "  Messages:    " + message}.full()
	assert.Equal(t, "  Messages:    "+message, kept[2], "a long message is never cut")

	short := failure{"log_test.go:18: " + strings.Repeat("é", 200)}
	line := short.full()[0]
	assert.True(t, utf8.ValidString(line), "cut on a rune boundary")
	assert.True(t, strings.HasSuffix(line, "… (116 more characters)"), line)
}

func TestTimeoutNote(t *testing.T) {
	dump := func(state string, frames ...string) []string {
		lines := []string{
			"panic: test timed out after 1m0s",
			"\trunning tests:",
			"\t\tTestX (1m0s)",
			"",
			"goroutine 5 [running]:",
			"testing.(*M).startAlarm.func1()",
			"\t/usr/local/go/src/testing/testing.go:2802 +0x354",
			"",
			"goroutine 9 [chan receive]:",
			"testing.(*T).Run(0xc0, {0x6?, 0x0?}, 0x5)",
			"\t/usr/local/go/src/testing/testing.go:2109 +0x4e5",
			"raftgo/10-system.TestX(0xc0)",
			"\t/work/10-system/x_test.go:20 +0x8b",
			"",
			"goroutine 10 [" + state + "]:",
		}
		for _, f := range frames {
			lines = append(lines, f, "\t/work/10-system/x.go:42 +0x1")
		}
		return lines
	}
	assert.Equal(t, "timed out waiting for the network in 10-system.(*Server).read (x.go:42): a read without a deadline, or a peer that never answers?",
		timeoutNote(dump("IO wait", "internal/poll.(*FD).Read(0x1)", "raftgo/10-system.(*Server).read(0x1)")))
	assert.Equal(t, "timed out, blocked (sync.Mutex.Lock) in 10-system.(*Node).Step (x.go:42): waiting forever on a channel or a lock?",
		timeoutNote(dump("sync.Mutex.Lock, 1 minutes", "sync.(*Mutex).Lock(0x1)", "raftgo/10-system.(*Node).Step(0x1)")))
	assert.Equal(t, "timed out, asleep in 10-system.wait (x.go:42)", timeoutNote(dump("sleep", "time.Sleep(0x1)", "raftgo/10-system.wait(...)")))
	assert.Equal(t, "timed out, still busy in 10-system.(*Node).Tick (x.go:42): a loop that never ends, or messages that make more messages?",
		timeoutNote(dump("runnable", "raftgo/10-system.(*Node).Tick(0x1)")))
	assert.Equal(t, "timed out, still busy in 10-system.grow (x.go:42): a loop that never ends, or messages that make more messages?",
		timeoutNote(dump("GC assist marking", "runtime.gcAssistAlloc(0x1)", "raftgo/10-system.grow(0x1)")), "a busy loop that allocates")
	assert.Equal(t, "timed out, blocked (select (no cases)) in 10-system.wait (x.go:42): waiting forever on a channel or a lock?",
		timeoutNote(dump("select (no cases)", "raftgo/10-system.wait(...)")))
	assert.Equal(t, "timed out (syscall) in 10-system.write (x.go:42)", timeoutNote(dump("syscall", "syscall.write(0x1)", "raftgo/10-system.write(0x1)")))
	assert.Equal(t, "timed out", timeoutNote(dump("select", "main.helper()")), "no goroutine in the course's code but the parent, which waits for a subtest")
	assert.Equal(t, "timed out", timeoutNote(nil))
}
