package workshop

import (
	"path"
	"regexp"
	"strings"

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
