package workshop

import (
	"bytes"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
	"raftgo/internal/mutate"
)

// The fake course for TestCheckProvesLearnerTests: stage 04 whose learner
// writes Add and TestAdd, a table test that must catch the two planted
// bugs of internal/mistakes/04-log.
var provingCourse = map[string]string{
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
`,
	"solutions/04-log/add_test.go": `package raftlog

import "testing"

// TestAdd is yours to write: a table of sums (handout: "2. Your test").
func TestAdd(t *testing.T) {
	//workshop:todo Write a table of sums (handout: "2. Your test").
	for _, c := range []struct{ a, b, want int }{{2, 2, 4}, {1, 2, 3}} {
		if got := Add(c.a, c.b); got != c.want {
			t.Errorf("Add(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	//workshop:stub t.Fatal("TestAdd is not written yet (handout: \"2. Your test\")")
	//workshop:end
}
`,
	"solutions/04-log/README.md": "# The log\n\n## Tasks\n\n### 1. The sum\n\n### 2. Your test\n",
	"internal/mistakes/04-log/add-subtracts.txtar": "file: solutions/04-log/log.go\ntask: 1. The sum\n" +
		"doc: Add subtracts.\ncaught-by: TestAdd\n-- find --\n\treturn a + b\n-- replace --\n\treturn a - b\n",
	"internal/mistakes/04-log/add-doubles-a.txtar": "file: solutions/04-log/log.go\ntask: 1. The sum\n" +
		"doc: Add returns a+a, right only when a equals b.\ncaught-by: TestAdd\n-- find --\n\treturn a + b\n-- replace --\n\treturn a + a\n",
	"internal/mistakes/04-log/add-zero.txtar": "file: solutions/04-log/log.go\ntask: 1. The sum\n" +
		"doc: Add returns 0: no caught-by line, so it is not TestAdd's to catch.\n-- find --\n\treturn a + b\n-- replace --\n\treturn 0\n",
}

// TestCheckProvesLearnerTests runs check, with the real go command, on a
// stage whose learner writes a test: untouched, then with a test that misses
// a planted bug, then with one that fails on the reference, then with a good
// one.
func TestCheckProvesLearnerTests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command on a fake course")
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off") // the fake course has no dependencies
	t.Setenv("GOWORK", "off")
	root := t.TempDir()
	for name, text := range provingCourse {
		write(t, filepath.Join(root, name), text)
	}
	var out bytes.Buffer
	w := New(root, &out)
	w.NoticeAfter = -1
	w.Stages = []course.Stage{stage04}
	require.NoError(t, w.Gen(w.Stages))
	check := func() (bool, string) {
		t.Helper()
		out.Reset()
		ok, err := w.Check(t.Context(), stage04)
		require.NoError(t, err)
		return ok, regexp.MustCompile(`\d+(\.\d+)?(ms|s)\)`).ReplaceAllString(out.String(), "Ds)")
	}

	ok, got := check()
	assert.False(t, ok)
	assert.Contains(t, got, "Your own tests, against the bugs they must catch:\n"+
		"  · TestAdd does not pass yet: when it passes, check runs it against the 2 planted bugs it must catch (handout: \"2. Your test\").\n",
		"the untouched stub: the test fails first, so there is nothing to prove yet")

	// The learner's Add is right; their test has one case, which a+a passes.
	learnerAdd := "package raftlog\n\n// Add returns a+b.\nfunc Add(a, b int) int { return a + b }\n"
	write(t, filepath.Join(root, "04-log", "log.go"), learnerAdd)
	write(t, filepath.Join(root, "04-log", "add_test.go"), "package raftlog\n\nimport \"testing\"\n\n"+
		"// TestAdd is mine (handout: \"2. Your test\").\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 2) != 4 {\n\t\tt.Fatal(\"Add(2, 2) != 4\")\n\t}\n}\n")
	ok, got = check()
	assert.False(t, ok, "a test that misses a planted bug leaves the stage unfinished")
	assert.Contains(t, got, "Your own tests, against the bugs they must catch:\n"+
		"  ✗ Your test TestAdd does not catch mutant add-doubles-a:\n"+
		"      Add returns a+a, right only when a equals b.\n"+
		"      The planted bug: internal/mistakes/04-log/add-doubles-a.txtar\n"+
		"      (handout: \"2. Your test\")\n"+
		"  TestAdd catches 1 of 2 planted bugs in log.go: add a case that fails on each bug it misses.\n"+
		"  (3 runs of your tests, Ds)\n")
	assert.NotContains(t, got, "add-zero", "a mistake without caught-by is not the learner test's")
	assert.NotContains(t, got, "is done")

	// A test that passes on the learner's (wrong) Add but not on the
	// reference proves nothing.
	write(t, filepath.Join(root, "04-log", "log.go"), "package raftlog\n\n// Add returns a*b.\nfunc Add(a, b int) int { return a * b }\n")
	write(t, filepath.Join(root, "04-log", "add_test.go"), "package raftlog\n\nimport \"testing\"\n\n"+
		"// TestAdd is mine (handout: \"2. Your test\").\nfunc TestAdd(t *testing.T) {\n\tif got := Add(1, 3); got != 3 {\n\t\tt.Fatalf(\"Add(1, 3) = %d\", got)\n\t}\n}\n")
	ok, got = check()
	assert.False(t, ok)
	assert.Contains(t, got, "  ✗ Your test TestAdd passes on your code, but fails with the reference log.go\n"+
		"      in place of yours, so its failures would not show the planted bugs:\n"+
		"      Add(1, 3) = 4\n      (handout: \"2. Your test\")\n")

	// A good table catches both.
	write(t, filepath.Join(root, "04-log", "log.go"), learnerAdd)
	write(t, filepath.Join(root, "04-log", "add_test.go"), "package raftlog\n\nimport \"testing\"\n\n"+
		"// TestAdd is mine (handout: \"2. Your test\").\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 2) != 4 || Add(1, 2) != 3 {\n\t\tt.Fatal(\"wrong sum\")\n\t}\n}\n")
	ok, got = check()
	assert.True(t, ok, "every test passes and catches its bugs:\n%s", got)
	assert.Contains(t, got, "  ✓ TestAdd catches all 2 planted bugs (in log.go).\n  (3 runs of your tests, Ds)\n")
	assert.Contains(t, got, "Stage 04 is done.")
}

// TestLearnerVersion checks the file a proving run puts in place of the
// learner's: the reference without its markers, with the bug planted, and
// importing the learner's packages of the stage, not the reference's.
func TestLearnerVersion(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "solutions", "11-rest", "quorum", "quorum.go"), `package quorum

import (
	"raftgo/solutions/03-planning"
	"raftgo/solutions/11-rest/raftlog"
)

// Size is given.
func Size(n int) int { return n/2 + 1 }

// Pick picks.
func Pick(held []raft.Index, l raftlog.Log) raft.Index {
	//workshop:todo Take what a majority holds.
	return held[len(held)-Size(len(held))]
	//workshop:stub return 0
	//workshop:end
}
`)
	w := New(root, nil)
	m, err := mutate.Parse("wrong-end", []byte("file: solutions/11-rest/quorum/quorum.go\ndoc: The wrong end.\n-- find --\n\treturn held[len(held)-Size(len(held))]\n-- replace --\n\treturn held[Size(len(held))-1]\n"))
	require.NoError(t, err)

	got, err := w.learnerVersion(mustFind("11"), m.File, &m)
	require.NoError(t, err)
	assert.Equal(t, `package quorum

import (
	"raftgo/solutions/03-planning"
	"raftgo/11-rest/raftlog"
)

// Size is given.
func Size(n int) int { return n/2 + 1 }

// Pick picks.
func Pick(held []raft.Index, l raftlog.Log) raft.Index {
	return held[Size(len(held))-1]
}
`, string(got), "the stage's own imports are the learner's; earlier stages' stay the reference's")

	ref, err := w.learnerVersion(mustFind("11"), m.File, nil)
	require.NoError(t, err)
	assert.Contains(t, string(ref), "\treturn held[len(held)-Size(len(held))]\n}\n", "the reference, without a bug")
}
