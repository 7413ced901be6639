package workshop

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
)

// stubRun returns a run of stage 04's stub with the given top-level tests.
func stubRun(tests ...*gotest.Test) *stageRun {
	for _, t := range tests {
		t.Package = "raftgo/04-log"
	}
	return &stageRun{dir: "04-log", report: &gotest.Report{
		Packages: []*gotest.Package{{Path: "raftgo/04-log", Status: gotest.Fail}},
		Tests:    tests,
	}}
}

func test(name string, status gotest.Status, output ...string) *gotest.Test {
	return &gotest.Test{ID: gotest.ID{Name: name}, Status: status, Output: output}
}

func TestClassifyStub(t *testing.T) {
	w := New(t.TempDir(), nil)
	panicked := test("TestPanics", gotest.Fail, "panic: runtime error: invalid memory address or nil pointer dereference")
	panicked.Panicked = true
	timedOut := test("TestHangs", gotest.Missing, "panic: test timed out after 2m0s")
	timedOut.TimedOut = true
	broken := stubRun()
	broken.report.Packages[0].BuildOutput = []string{"# raftgo/04-log", "./log.go:3:1: syntax error"}

	tests := []struct {
		name        string
		run         *stageRun
		wantProblem string
		wantNote    string
	}{
		{
			name:     "clean",
			run:      stubRun(test("TestGivenNew", gotest.Pass), test("TestAppend", gotest.Fail), test("TestRedis", gotest.Skip), test("ExampleLog", gotest.Fail)),
			wantNote: "2 fail, 1 given pass, 1 skipped",
		},
		{
			name:        "a test passes on the stub",
			run:         stubRun(test("TestAppend", gotest.Pass), test("TestTerm", gotest.Fail), test("FuzzAppend", gotest.Pass)),
			wantProblem: "pass on the untouched stub, but must fail: TestAppend, FuzzAppend",
		},
		{
			name:        "a given test fails",
			run:         stubRun(test("TestGivenNew", gotest.Fail, "    log_test.go:9: New returned nil")),
			wantProblem: "fail on the stub, but given tests (TestGiven…, FuzzGiven…) must pass: TestGivenNew",
		},
		{
			name:        "a panic and the tests it kept from running",
			run:         stubRun(panicked, test("TestAfter", gotest.Missing)),
			wantProblem: "panic; a stub must fail politely: TestPanics; report no result (the test binary panicked, timed out or exited before they ended): TestAfter",
		},
		{
			name:        "a hang",
			run:         stubRun(test("TestAppend", gotest.Fail), timedOut),
			wantProblem: "hang until the -timeout: TestHangs",
		},
		{
			name:        "does not compile",
			run:         broken,
			wantProblem: "the stub does not compile",
		},
		{
			name:        "no tests",
			run:         stubRun(),
			wantProblem: "the stage has no tests",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.classifyStub("04-log stub fails cleanly", tt.run)
			assert.Equal(t, tt.wantProblem, r.problem)
			assert.Equal(t, tt.wantNote, r.note)
		})
	}
}

func TestClassifyStubDetails(t *testing.T) {
	w := New(t.TempDir(), nil)
	r := w.classifyStub("stub", stubRun(test("TestGivenNew", gotest.Fail, "=== RUN   TestGivenNew", "    log_test.go:9: New returned nil")))
	assert.Equal(t, []string{"TestGivenNew:\n    log_test.go:9: New returned nil"}, r.details)

	broken := stubRun()
	broken.report.Packages[0].BuildOutput = []string{"# raftgo/04-log", "./log.go:3:1: syntax error"}
	r = w.classifyStub("stub", broken)
	assert.Equal(t, []string{"04-log/log.go:3:1: syntax error"}, r.details)
}

func TestCheckStageWithoutStub(t *testing.T) {
	w, _ := testCourse(t, map[string]string{"solutions/04-log": "04-log.json"}) // its outcome does not matter here
	require.NoError(t, os.RemoveAll(w.path("04-log")))

	results := w.checkStage(t.Context(), stage04)
	var names []string
	for _, r := range results {
		names = append(names, r.name)
	}
	assert.Equal(t, []string{"04-log has a handout", "04-log has a deck", "04-log reference passes go test -race", "04-log is fresh"}, names,
		"the stub's checks cannot run without it")
	assert.Equal(t, "04-log does not exist; run go run ./cmd/workshop gen 04", results[3].problem)
}

// The fake course for TestVerify: stage 04 with a reference that passes and
// a stub that fails, a deck, the tool's packages, and no dependencies.
var fakeCourse = map[string]string{
	"go.mod": "module raftgo\n\ngo 1.25\n",
	"solutions/04-log/log.go": `// Package raftlog is a stage of the fake course.
package raftlog

// Add returns a+b.
func Add(a, b int) int {
	//workshop:todo Return the sum (handout: "1. The sum").
	return a + b
	//workshop:stub return 0
	//workshop:end
}

// Double is given.
func Double(a int) int { return 2 * a }
`,
	"solutions/04-log/log_test.go": `package raftlog

import "testing"

// TestGivenDouble checks given code.
func TestGivenDouble(t *testing.T) {
	if Double(2) != 4 {
		t.Fatal("Double(2) != 4")
	}
}

// TestAdd checks Add. Handout: "1. The sum".
func TestAdd(t *testing.T) {
	if got := Add(1, 2); got != 3 {
		t.Fatalf("Add(1, 2) = %d, want 3", got)
	}
}
`,
	"solutions/04-log/README.md":                   "# The log\n\n## Tasks\n\n### 1. The sum\n",
	"internal/mistakes/04-log/add-subtracts.txtar": "file: solutions/04-log/log.go\ntask: 1. The sum\ndoc: Add subtracts.\n-- find --\n\treturn a + b\n-- replace --\n\treturn a - b\n",
	"slides/00-introduction.slide":                 "The course\n\n* Welcome\n\n: Say what the course builds.\n",
	"slides/04-log.slide":                          "The log\n\n* Double\n\n.code ../solutions/04-log/log.go /^func Double/\n\n: Double is given.\n",
	"cmd/tool/main.go":                             "// Command tool is the fake course's tool.\npackage main\n\nfunc main() {}\n",
	"internal/tool/tool.go":                        "// Package tool is the fake course's tool support.\npackage tool\n\n// One returns 1.\nfunc One() int { return 1 }\n",
	"internal/tool/tool_test.go":                   "package tool\n\nimport \"testing\"\n\nfunc TestOne(t *testing.T) {\n\tif One() != 1 {\n\t\tt.Fatal(\"One() != 1\")\n\t}\n}\n",
}

// durations matches the durations in verify's output.
var durations = regexp.MustCompile(`\d+(\.\d+)?(ms|s)\b`)

// TestVerify runs verify, with the real go command, on a fake course: once
// as it is, once broken in every way a check should catch.
func TestVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command on a fake course")
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off") // the fake course has no dependencies
	t.Setenv("GOWORK", "off")
	root := t.TempDir()
	for name, text := range fakeCourse {
		write(t, filepath.Join(root, name), text)
	}
	var out bytes.Buffer
	w := New(root, &out)
	w.Stages = []course.Stage{stage04, mustFind("05")}
	require.NoError(t, w.Gen(w.Stages[:1]))
	out.Reset()

	ok := w.Verify(t.Context())
	assert.Equal(t, `PASS gofmt
PASS go vet ./...
PASS 04-log has a handout
PASS 04-log has a deck
PASS 04-log reference passes go test -race (2 tests, Ds)
PASS 04-log is fresh
PASS 04-log stub fails cleanly (1 fail, 1 given pass, Ds)
PASS 04-log stub has TODOs (1)
PASS 04-log every TODO is tested (1 region, Ds)
PASS 04-log handout's tasks and quotes (1 task, 2 quotes)
PASS 04-log learner mistakes (1, all caught at the right task, Ds)
SKIP 05-replication: no reference yet (solutions/05-replication)
SKIP README.md's Go concept map cites real handout sections: no README.md
PASS the course has an introduction deck
PASS slides parse (2 decks, 1 .code or .play reference)
PASS slides fit 1280×800 and have notes (2 slides in 2 decks)
PASS tool tests pass (go test -race ./cmd/... ./internal/...) (Ds)
15 passed, 0 failed
`, durations.ReplaceAllString(out.String(), "Ds"))
	assert.True(t, ok)

	// Break it: a stub that passes a test, an unformatted file that vet
	// rejects, a deck whose code reference no longer matches, a reference
	// without its handout, a course without its introduction, a TODO that
	// no test needs, a learner mistake that no test catches.
	write(t, filepath.Join(root, "04-log", "log.go"), "package raftlog\n\nfunc Add(a, b int) int { return a + b }\n\n// Double is given.\nfunc Double(a int) int { return 2 * a }\n")
	write(t, filepath.Join(root, "internal", "tool", "ugly.go"), "package tool\n\nimport \"fmt\"\n\nfunc ugly( ) { fmt.Printf(\"%d\", \"x\") }\n")
	write(t, filepath.Join(root, "slides", "04-log.slide"), "The log\n\n* Add\n\n.code ../solutions/04-log/log.go /^func Sum/,/^}/\n")
	require.NoError(t, os.Remove(filepath.Join(root, "solutions", "04-log", "README.md")))
	require.NoError(t, os.Remove(filepath.Join(root, "slides", "00-introduction.slide")))
	write(t, filepath.Join(root, "solutions", "04-log", "triple.go"), "package raftlog\n\n// Triple is tested by nothing.\nfunc Triple(a int) int {\n\t//workshop:todo Return 3a.\n\treturn 3 * a\n\t//workshop:stub return 0\n\t//workshop:end\n}\n")
	write(t, filepath.Join(root, "internal", "mistakes", "04-log", "double-triples.txtar"), "file: solutions/04-log/log.go\ntask: 1. The sum\ndoc: Double triples.\n-- find --\nreturn 2 * a\n-- replace --\nreturn 3 * a\n")
	out.Reset()

	ok = w.Verify(t.Context())
	assert.False(t, ok)
	got := durations.ReplaceAllString(out.String(), "Ds")
	for _, want := range []string{
		"FAIL gofmt: 1 file to format with gofmt -w\n    internal/tool/ugly.go\n",
		"FAIL 04-log is fresh: 3 differences from what the generator makes; run go run ./cmd/workshop gen 04\n    README.md: not in the reference (remove it, or add it to solutions/)\n    log.go: differs from what the generator makes\n    triple.go: missing\n",
		"FAIL 04-log has a handout: solutions/04-log/README.md does not exist\n",
		"PASS 04-log reference passes go test -race (2 tests, Ds)\n",
		"FAIL 04-log stub fails cleanly: pass on the untouched stub, but must fail: TestAdd (Ds)\n",
		"FAIL 04-log stub has TODOs: no \"// TODO:\" comment in the stub's Go files",
		"FAIL slides parse: 1 deck with errors\n    slides/04-log.slide:5: no match for ^func Sum\n",
		"FAIL the course has an introduction deck: slides/00-introduction.slide does not exist\n",
		"FAIL 04-log every TODO is tested: 1 region no test needs (of 2 regions) (Ds)\n    solutions/04-log/triple.go:5: Return 3a.\n        every test passes with only this region stubbed\n",
		"FAIL 04-log handout's tasks and quotes: open ",
		"FAIL 04-log learner mistakes: open ",
		"FAIL go vet ./...: vet reports problems\n    internal/tool/ugly.go:5:28: fmt.Printf format %d has arg \"x\" of wrong type string\n",
		"FAIL tool tests pass (go test -race ./cmd/... ./internal/...): failing: raftgo/internal/tool (Ds)\n    raftgo/internal/tool does not compile:\n    internal/tool/ugly.go:5:28: fmt.Printf format %d has arg \"x\" of wrong type string\n",
	} {
		assert.Contains(t, got, want)
	}
	assert.Regexp(t, `\n2 passed, 13 failed\n$`, got)

	// With the handout back, the mistake in given code is refused.
	write(t, filepath.Join(root, "solutions", "04-log", "README.md"), "# The log\n\n## Tasks\n\n### 1. The sum\n")
	out.Reset()
	assert.False(t, w.Verify(t.Context(), stage04))
	assert.Contains(t, out.String(), "FAIL 04-log learner mistakes: 1 of 2 mistakes not caught at the right task")
	assert.Contains(t, out.String(), "double-triples (solutions/04-log/log.go, task \"1. The sum\"): edit 1 changes line 13 of solutions/04-log/log.go, outside every //workshop:todo region")
}

// write writes a file, making its folder.
func write(t *testing.T, name, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(name), 0o755))
	require.NoError(t, os.WriteFile(name, []byte(text), 0o644))
}

// TestVerifyInProgress checks that verify skips a stage marked in progress,
// and checks it all the same when the stage is named.
func TestVerifyInProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command on a fake course")
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off") // the fake course has no dependencies
	t.Setenv("GOWORK", "off")
	root := t.TempDir()
	for name, text := range fakeCourse {
		write(t, filepath.Join(root, name), text)
	}
	var out bytes.Buffer
	w := New(root, &out)
	w.Stages = []course.Stage{stage04}
	require.NoError(t, w.Gen(w.Stages))
	// Unfinished work: a stub that passes its test would fail verify.
	write(t, filepath.Join(root, "04-log", "log.go"), "package raftlog\n\nfunc Add(a, b int) int { return a + b }\n\n// Double is given.\nfunc Double(a int) int { return 2 * a }\n")
	write(t, filepath.Join(root, "solutions", "04-log", course.InProgressFile), "the stub is not done\n")
	out.Reset()

	assert.True(t, w.Verify(t.Context()), "a stage in progress must not fail verify:\n%s", out.String())
	assert.Contains(t, out.String(), "SKIP 04-log: in progress (solutions/04-log/IN-PROGRESS); verify 04 checks it\n")

	out.Reset()
	assert.False(t, w.Verify(t.Context(), stage04), "verify 04 must check a stage in progress")
	got := out.String()
	assert.Contains(t, got, "FAIL 04-log stub fails cleanly: pass on the untouched stub, but must fail: TestAdd")
	assert.NotContains(t, got, "gofmt", "verify NN runs only the stage's checks and the decks'")
	assert.NotContains(t, got, "tool tests")
}
