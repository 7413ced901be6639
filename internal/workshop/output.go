package workshop

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"raftgo/internal/course"
)

// testifyField matches a line of a testify failure: indentation, a tab, the
// padded field name ("Error:      ", or blanks on a continuation line), a
// tab, and the text.
var testifyField = regexp.MustCompile(`^ *\t([^\t]*)\t(.*)$`)

// essentials trims a test's output to what helps a learner. It drops go
// test's own lines (=== RUN, --- FAIL: …), testify's Error Trace and Test
// fields, which repeat what the report already shows, and of a panic's
// stack trace it keeps only the frames in the course's code, one line each.
func essentials(lines []string) []string {
	var out []string
	inPanic := false   // after "panic:", only stack frames follow
	skipField := false // inside a testify field that is dropped
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if inPanic {
			if frame, ok := courseFrame(trimmed, lines[i+1:]); ok {
				out = append(out, "    at "+frame)
				i++ // the frame's file line
			}
			continue
		}
		if m := testifyField.FindStringSubmatch(line); m != nil {
			field := strings.TrimSpace(m[1])
			if field != "" {
				skipField = field == "Error Trace:" || field == "Test:"
			}
			if !skipField {
				out = append(out, strings.TrimRight("  "+m[1]+" "+m[2], " "))
			}
			continue
		}
		switch {
		case isFraming(trimmed):
		case strings.HasPrefix(line, "panic: "):
			inPanic = true
			out = append(out, strings.TrimSuffix(strings.TrimSuffix(line, " [recovered, repanicked]"), " [recovered]"))
		default:
			out = append(out, strings.TrimRight(dedent(line), " "))
		}
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// isFraming reports whether a trimmed line is one that go test prints around
// a test's own output.
func isFraming(trimmed string) bool {
	for _, prefix := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS:", "--- FAIL:", "--- SKIP:"} {
		if strings.HasPrefix(trimmed, prefix) {
			return true
		}
	}
	return false
}

// dedent removes the four spaces go test puts before a test's log lines.
func dedent(line string) string {
	for range 4 {
		line = strings.TrimPrefix(line, " ")
	}
	return line
}

// courseFrame recognizes a stack frame in the course's code: a function line
// such as "raftgo/04-log.(*Log).Append(0xc000010000, ...)" followed by its
// file line "\t/…/04-log/log.go:12 +0x1d". It returns the frame as
// "04-log.(*Log).Append (log.go:12)".
func courseFrame(fn string, rest []string) (string, bool) {
	if !strings.HasPrefix(fn, course.Module+"/") || len(rest) == 0 {
		return "", false
	}
	if i := strings.LastIndexByte(fn, '('); i > 0 && strings.HasSuffix(fn, ")") {
		fn = fn[:i] // the arguments
	}
	file, _, _ := strings.Cut(strings.TrimSpace(rest[0]), " ")
	return strings.TrimPrefix(fn, course.Module+"/") + " (" + path.Base(file) + ")", true
}

// A failure is one failed check in a test's output, as essentials leaves
// it: a line that starts with the check's place ("log_test.go:18: ...")
// and the lines that continue it, or a panic and its stack frames.
type failure []string

// location matches the line that starts a failure: the place of the check
// in a test file, as t.Error and testify print it.
var location = regexp.MustCompile(`^[\w./-]+\.go:\d+:(?: |$)`)

// failures splits the essentials of a test's output into failures. Lines
// before the first place form a failure of their own.
func failures(lines []string) []failure {
	var out []failure
	for _, line := range lines {
		if len(out) == 0 || location.MatchString(line) || strings.HasPrefix(line, "panic: ") {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], line)
	}
	return out
}

// testifyName matches the first line of a testify field as essentials
// leaves it: two spaces, the field's name and a colon.
var testifyName = regexp.MustCompile(`^  ([A-Z][A-Za-z ]*):(?: +|$)`)

// field returns the first paragraph of a testify field of the failure, its
// lines joined with single spaces, and whether the failure has that field.
// The paragraph ends at a blank line, before the Diff of a Not equal error.
func (f failure) field(name string) (string, bool) {
	for i, line := range f {
		m := testifyName.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		words := strings.Fields(line[len(m[0]):])
		for _, more := range f[i+1:] {
			if testifyName.MatchString(more) || strings.TrimSpace(more) == "" {
				break
			}
			words = append(words, strings.Fields(more)...)
		}
		return strings.Join(words, " "), true
	}
	return "", false
}

// messagesStart returns the index of the line that starts the failure's
// testify Messages field, or -1.
func (f failure) messagesStart() int {
	for i, line := range f {
		if m := testifyName.FindStringSubmatch(line); m != nil && m[1] == "Messages" {
			return i
		}
	}
	return -1
}

// summary says in one line what the failure is: a testify failure's
// message, or its error when it has no message, or the text that t.Error
// printed, or the panic.
func (f failure) summary() string {
	if msg, ok := f.field("Messages"); ok && msg != "" {
		return msg
	}
	if msg, ok := f.field("Error"); ok && msg != "" {
		return msg
	}
	for i, line := range f {
		if i == 0 {
			line = location.ReplaceAllString(line, "")
		}
		if text := strings.Join(strings.Fields(line), " "); text != "" {
			return text
		}
	}
	return ""
}

// Limits on how much of one failure check shows in full.
const (
	maxFailureLines = 40  // lines of one failure
	maxLineLength   = 300 // characters of one line
)

// full returns the failure's lines for the detailed view. A very long one
// (a testify diff of two big values) keeps its start and its Messages
// field, the text that says what is wrong, and leaves out the middle.
// Very long lines are cut, but never the message's.
func (f failure) full() []string {
	head, tail := []string(f), []string(nil)
	if i := f.messagesStart(); i >= 0 {
		head, tail = f[:i], f[i:]
	}
	if len(head)+len(tail) > maxFailureLines {
		if tail == nil {
			head, tail = head[:len(head)-1], head[len(head)-1:]
		}
		keep := max(maxFailureLines-len(tail)-1, 5)
		if keep < len(head) {
			cut := len(head) - keep
			head = append(head[:keep:keep], fmt.Sprintf("               … %d lines left out (run the test alone to see all)", cut))
		}
	}
	out := make([]string, 0, len(head)+len(tail))
	for _, line := range head {
		out = append(out, clip(line, maxLineLength))
	}
	return append(out, tail...)
}

// clip cuts a line longer than n bytes, on a rune boundary, and says how
// much it left out.
func clip(line string, n int) string {
	if len(line) <= n {
		return line
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(line[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more characters)", line[:cut], len(line)-cut)
}

// goroutineHeader matches the first line of a goroutine in a stack dump,
// such as "goroutine 19 [chan receive, 2 minutes]:".
var goroutineHeader = regexp.MustCompile(`^goroutine \d+ \[([^\],]+)[^\]]*\]:$`)

// stuckGoroutine is what a test's goroutine was doing when its test binary
// timed out: its state, as the runtime names it ("running", "chan
// receive", …), and its innermost frame in the course's code.
type stuckGoroutine struct {
	state string
	frame string // as courseFrame returns it
}

// busy reports whether the goroutine was running rather than waiting: a
// loop that never ends, or work that takes far too long. A goroutine that
// allocates as it runs may be caught helping the garbage collector.
func (g stuckGoroutine) busy() bool {
	switch g.state {
	case "running", "runnable", "preempted", "garbage collection":
		return true
	}
	return strings.HasPrefix(g.state, "GC assist")
}

// blocked reports whether the goroutine waited on a channel or a lock.
func (g stuckGoroutine) blocked() bool {
	switch strings.TrimSuffix(strings.TrimSuffix(g.state, " (nil chan)"), " (no cases)") {
	case "chan receive", "chan send", "select", "semacquire",
		"sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock",
		"sync.WaitGroup.Wait", "sync.Cond.Wait":
		return true
	}
	return false
}

// stuck reads the stack dump that a timed-out test binary prints and
// returns what the test was doing: the goroutine in the course's code that
// was busy, or else one that was blocked. It skips goroutines that only
// wait in testing.(*T).Run for a subtest. It reports false when the dump
// shows no goroutine in the course's code.
func stuck(output []string) (stuckGoroutine, bool) {
	var found []stuckGoroutine
	for i := 0; i < len(output); i++ {
		m := goroutineHeader.FindStringSubmatch(output[i])
		if m == nil {
			continue
		}
		g := stuckGoroutine{state: m[1]}
		first := true
		for i+1 < len(output) && output[i+1] != "" && !goroutineHeader.MatchString(output[i+1]) {
			i++
			fn := strings.TrimSpace(output[i])
			if strings.HasPrefix(output[i], "\t") || strings.HasPrefix(fn, "created by ") {
				continue // a file line, or where the goroutine was started
			}
			if first && strings.HasPrefix(fn, "testing.(*T).Run(") {
				break // waits for a subtest, which has a goroutine of its own
			}
			first = false
			if frame, ok := courseFrame(fn, output[i+1:]); ok && g.frame == "" {
				g.frame = frame
			}
		}
		if g.frame != "" {
			found = append(found, g)
		}
	}
	for _, g := range found {
		if g.busy() {
			return g, true
		}
	}
	if len(found) > 0 {
		return found[0], true
	}
	return stuckGoroutine{}, false
}

// timeoutNote says why a test timed out, from what its goroutine was doing.
func timeoutNote(output []string) string {
	g, ok := stuck(output)
	switch {
	case !ok:
		return "timed out"
	case g.busy():
		return "timed out, still busy in " + g.frame + ": a loop that never ends, or messages that make more messages?"
	case waitsOnNetwork(g.state):
		return "timed out waiting for the network in " + g.frame + ": a read without a deadline, or a peer that never answers?"
	case g.state == "sleep":
		return "timed out, asleep in " + g.frame
	case g.blocked():
		return "timed out, blocked (" + g.state + ") in " + g.frame + ": waiting forever on a channel or a lock?"
	}
	return "timed out (" + g.state + ") in " + g.frame
}

// waitsOnNetwork reports whether a goroutine state is a wait for I/O.
func waitsOnNetwork(state string) bool { return state == "IO wait" }
