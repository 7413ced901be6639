package gotest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The files in testdata were recorded with `go test -json ./...` (Go 1.26)
// in small packages built to pass, fail, panic, time out and not build.

func summarize(t *testing.T, name string) *Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	events, err := ParseEvents(data)
	require.NoError(t, err)
	return Summarize(events)
}

// statuses returns the status of each top-level test by name.
func statuses(r *Report) map[string]Status {
	m := make(map[string]Status)
	for _, t := range r.Tests {
		m[t.Name] = t.Status
	}
	return m
}

func TestSummarizeStage(t *testing.T) {
	r := summarize(t, "stage.json")

	assert.Equal(t, map[string]Status{
		"TestGivenOne": Pass,
		"TestAdd":      Fail,
		"TestTable":    Fail,
		"TestSkip":     Skip,
		"FuzzAdd":      Fail,
		"ExampleAdd":   Fail,
		"TestTool":     Pass,
	}, statuses(r), "top-level tests only: subtests and fuzz seeds are not counted")
	assert.Equal(t, 2, r.Passed())
	assert.Empty(t, r.BuildFailures())

	var paths []string
	for _, p := range r.Packages {
		paths = append(paths, p.Path)
		assert.False(t, p.Panicked || p.TimedOut, p.Path)
	}
	assert.Equal(t, []string{"raftgo/04-log", "raftgo/04-log/cmd/tool", "raftgo/04-log/internal/notests"}, paths)
	assert.Equal(t, Skip, r.Packages[2].Status, "a package without test files is skipped")

	table := r.tests[ID{"raftgo/04-log", "TestTable"}]
	require.Len(t, table.Subtests, 2)
	assert.Equal(t, "TestTable/case_1", table.Subtests[0].Name)
	assert.Equal(t, Pass, table.Subtests[0].Status)
	assert.Equal(t, Fail, table.Subtests[1].Status)
	assert.Contains(t, table.Subtests[1].Output, "    log_test.go:23: case 2 fails")
	assert.NotContains(t, table.Output, "    log_test.go:23: case 2 fails", "a subtest's output stays with the subtest")

	add := r.tests[ID{"raftgo/04-log", "TestAdd"}]
	assert.Contains(t, add.Output, "    log_test.go:15: Add(1, 2) = 0, want 3")
}

func TestSummarizeBuildFailure(t *testing.T) {
	for _, name := range []string{"build-failure.json", "vet-failure.json"} {
		t.Run(name, func(t *testing.T) {
			r := summarize(t, name)
			failed := r.BuildFailures()
			require.Len(t, failed, 1)
			assert.Equal(t, Fail, failed[0].Status)
			assert.Empty(t, r.Tests)
			msgs := failed[0].CompilerMessages()
			require.Len(t, msgs, 1, "the compiler message, not the # headers")
			assert.Regexp(t, `^\./[bv]\.go:\d+:\d+: `, msgs[0])
		})
	}
}

func TestSummarizeBuildFailureWithoutOutput(t *testing.T) {
	r := Summarize([]Event{{Action: "fail", Package: "p", FailedBuild: "p [p.test]"}})
	require.Len(t, r.BuildFailures(), 1)
	assert.Equal(t, []string{"p [p.test]: build failed"}, r.Packages[0].CompilerMessages(), "a failed build always says so")
}

func TestSummarizePanic(t *testing.T) {
	r := summarize(t, "panic.json")
	r.Expect([]ID{{"raftgo/panicky", "TestA"}, {"raftgo/panicky", "TestB"}, {"raftgo/panicky", "TestC"}})

	assert.Equal(t, map[string]Status{"TestA": Pass, "TestB": Fail, "TestC": Missing}, statuses(r))
	assert.True(t, r.Packages[0].Panicked)
	assert.False(t, r.Tests[0].Panicked)
	assert.True(t, r.Tests[1].Panicked, "TestB panicked")
	assert.False(t, r.Tests[2].Panicked, "TestC never ran")
}

func TestSummarizeSubtestPanic(t *testing.T) {
	r := summarize(t, "subtest-panic.json")
	r.Expect([]ID{{"raftgo/parallel", "TestA"}, {"raftgo/parallel", "TestB"}, {"raftgo/parallel", "TestC"}})

	assert.Equal(t, map[string]Status{"TestA": Missing, "TestB": Fail, "TestC": Missing}, statuses(r),
		"the paused parallel test TestA never finished")
	assert.True(t, r.Tests[1].Panicked, "the panic of TestB/inner is charged to TestB")
	assert.False(t, r.Tests[1].Subtests[0].Panicked, "only top-level tests are marked")
}

func TestSummarizeTimeout(t *testing.T) {
	r := summarize(t, "timeout.json")
	r.Expect([]ID{{"raftgo/slow", "TestA"}, {"raftgo/slow", "TestB"}, {"raftgo/slow", "TestC"}})

	assert.Equal(t, map[string]Status{"TestA": Pass, "TestB": Missing, "TestC": Missing}, statuses(r))
	assert.True(t, r.Tests[1].TimedOut, "TestB was running when the binary timed out")
	assert.False(t, r.Tests[1].Panicked, "a timeout is not counted as a panic")
	assert.True(t, r.Packages[0].TimedOut)
	assert.False(t, r.Packages[0].Panicked)
}

func TestExpectOrder(t *testing.T) {
	r := summarize(t, "stage.json")
	r.Expect([]ID{{"raftgo/04-log", "TestAdd"}, {"raftgo/04-log", "TestNew"}, {"raftgo/04-log", "TestAdd"}})

	var names []string
	for _, t := range r.Tests {
		names = append(names, t.Name)
	}
	assert.Equal(t, []string{"TestAdd", "TestNew", "TestTool", "TestGivenOne", "TestTable", "TestSkip", "FuzzAdd", "ExampleAdd"}, names,
		"expected tests first, in the given order, then the others in the order they ran")
	assert.Equal(t, Missing, r.Tests[1].Status)
}

func TestParseEventsKeepsPlainLines(t *testing.T) {
	events, err := ParseEvents([]byte("go: downloading example.com/m v1.0.0\n\n{\"Action\":\"start\",\"Package\":\"p\"}\n"))
	require.NoError(t, err)
	require.Len(t, events, 2)
	r := Summarize(events)
	assert.Equal(t, []string{"go: downloading example.com/m v1.0.0"}, r.Output)
	assert.Len(t, r.Packages, 1)

	_, err = ParseEvents([]byte("{\"Action\":\n"))
	assert.ErrorContains(t, err, "line 1")
}

// fakeRunner returns canned output for any command.
type fakeRunner struct {
	stdout, stderr string
	err            error
}

func (f fakeRunner) Go(context.Context, string, ...string) ([]byte, []byte, error) {
	return []byte(f.stdout), []byte(f.stderr), f.err
}

func TestRunErrors(t *testing.T) {
	exitErr := exec.Command("false").Run()
	require.IsType(t, &exec.ExitError{}, exitErr)

	_, err := Run(t.Context(), fakeRunner{stderr: "go: cannot find main module\n", err: exitErr}, "stage")
	assert.ErrorContains(t, err, "go: cannot find main module", "a go test that reported no package failed to run")

	data, readErr := os.ReadFile(filepath.Join("testdata", "panic.json"))
	require.NoError(t, readErr)
	r, err := Run(t.Context(), fakeRunner{stdout: string(data), err: exitErr}, "stage")
	require.NoError(t, err, "failing tests are not an error")
	assert.Len(t, r.Tests, 2)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = Run(ctx, fakeRunner{stdout: string(data), err: context.Canceled}, "stage")
	assert.ErrorContains(t, err, "did not finish in time")
}
