// Package gotest runs `go test -json` and makes sense of its output: which
// tests passed, failed, were skipped or never reported a result, whether a
// package failed to build, and whether a test binary panicked or timed out.
//
// Only top-level tests, examples and fuzz targets (whose seed corpus runs as a
// test) count as tests. Subtests are kept under their top-level test, so a
// report can show them without counting them.
package gotest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// A Runner runs the go command. Tests replace it with recorded output.
type Runner interface {
	// Go runs `go args...` in dir and returns what the command wrote to its
	// standard output and standard error. A command that ran and exited with
	// a non-zero status returns its output together with an *exec.ExitError.
	Go(ctx context.Context, dir string, args ...string) (stdout, stderr []byte, err error)
}

// GoCommand is the Runner that runs the go command found on PATH, with the
// environment of the current process.
type GoCommand struct{}

// Go runs `go args...` in dir. When ctx ends, the command is killed and any
// output it wrote so far is returned with the context's error.
func (GoCommand) Go(ctx context.Context, dir string, args ...string) ([]byte, []byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A test binary that go test started may outlive a killed go command and
	// keep the output pipes open; do not wait for it forever.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return stdout.Bytes(), stderr.Bytes(), err
}

// An Event is one line of `go test -json` output; `go doc cmd/test2json`
// describes the fields.
type Event struct {
	Action  string
	Package string
	Test    string
	Output  string
	// ImportPath names the package of a build-output or build-fail event.
	ImportPath string
	// FailedBuild is set on a package's fail event when the package, or one
	// it depends on, did not build.
	FailedBuild string
}

// ParseEvents reads `go test -json` output. A line that is not a JSON event
// becomes an output event of no package, so nothing the command printed is
// lost.
func ParseEvents(data []byte) ([]Event, error) {
	var events []Event
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20) // a test may print very long lines
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if line[0] != '{' {
			events = append(events, Event{Action: "output", Output: string(line) + "\n"})
			continue
		}
		var e Event
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("go test -json output, line %d: %w", n, err)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading go test -json output: %w", err)
	}
	return events, nil
}

// Run runs `go test -json args...` in dir and summarizes its output. The
// arguments are flags and packages, such as "-count=1", "./...". An error
// means that go test could not run at all (a broken go.mod, an unknown flag)
// or did not finish before ctx ended; failing tests and packages that do not
// build are not errors but part of the report.
func Run(ctx context.Context, r Runner, dir string, args ...string) (*Report, error) {
	stdout, stderr, err := r.Go(ctx, dir, append([]string{"test", "-json"}, args...)...)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("go test in %s did not finish in time: %w", dir, ctx.Err())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, fmt.Errorf("go test in %s: %w", dir, err)
	}
	events, perr := ParseEvents(stdout)
	if perr != nil {
		return nil, fmt.Errorf("go test in %s: %w", dir, perr)
	}
	report := Summarize(events)
	if err != nil && len(report.Packages) == 0 {
		return nil, fmt.Errorf("go test in %s failed: %s", dir, firstLines(stderr, stdout))
	}
	return report, nil
}

// firstLines returns the first few lines of the first non-empty output, to
// explain why a command failed.
func firstLines(outputs ...[]byte) string {
	for _, out := range outputs {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if lines[0] != "" {
			return strings.Join(lines[:min(len(lines), 5)], "\n")
		}
	}
	return "no output"
}
