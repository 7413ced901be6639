package testsrc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata/04-log is a small stage: tests in internal and external test
// packages and in a subpackage, functions that look like tests but are not,
// a file excluded by a build constraint, and folders go test skips. The
// order TestTests expects is the order `go test -json ./...` runs them in.
const stage = "testdata/04-log"

func TestTests(t *testing.T) {
	tests, err := Tests(stage, "raftgo/04-log")
	require.NoError(t, err)

	var got []string
	for _, t := range tests {
		got = append(got, t.Package+" "+t.Name+" "+t.Pos)
	}
	assert.Equal(t, []string{
		"raftgo/04-log TestAdd log_test.go:11",
		"raftgo/04-log TestSub log_test.go:13",
		"raftgo/04-log Test_underscore log_test.go:16",
		"raftgo/04-log TestLast z_test.go:5",
		"raftgo/04-log TestExternal a_external_test.go:6",
		"raftgo/04-log FuzzAdd log_test.go:19",
		"raftgo/04-log ExampleAdd log_test.go:22",
		"raftgo/04-log/cmd/tool TestGivenTool cmd/tool/main_test.go:6",
	}, got, "tests, then fuzz targets, then examples with output; internal test files before external ones")
}

func TestTestsHint(t *testing.T) {
	tests, err := Tests(stage, "raftgo/04-log")
	require.NoError(t, err)
	hints := make(map[string]string)
	for _, t := range tests {
		hints[t.Name] = t.Hint
	}
	assert.Equal(t, "TestAdd checks Add on small numbers.\n\nFigure 2 does not cover addition; see the handout, \"Adding\".", hints["TestAdd"])
	assert.Equal(t, "", hints["TestSub"], "a test without a doc comment has no hint")
	assert.Equal(t, "ExampleAdd shows Add.", hints["ExampleAdd"])
}

func TestTestsParseError(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad_test.go"), []byte("package p\nfunc {"), 0o644))
	_, err := Tests(dir, "raftgo/p")
	assert.ErrorContains(t, err, "bad_test.go:2")
}

func TestTodos(t *testing.T) {
	todos, err := Todos(stage)
	require.NoError(t, err)
	assert.Equal(t, []Todo{
		{Pos: "cmd/tool/main.go:4", Text: "Start the tool."},
		{Pos: "log.go:5", Text: "Return the sum (handout: \"Adding\").\nMind overflow."},
		{Pos: "log.go:12", Text: "Return the difference."},
	}, todos, "only TODOs at the start of a comment line, outside tests and testdata")
}
