package workshop

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	w, out := testCourse(t, nil)
	stub, ref := w.path("04-log"), w.path(filepath.Join("solutions", "04-log"))
	require.NoError(t, os.WriteFile(filepath.Join(stub, "notes.txt"), []byte("mine\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(ref, "data.bin"), []byte{0, 1, 2}, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(stub, "data.bin"), []byte{0, 1, 3}, 0o644))

	require.NoError(t, w.Diff(stage04))
	assert.Equal(t, `Files 04-log/data.bin and solutions/04-log/data.bin differ
--- 04-log/log.go
+++ solutions/04-log/log.go
@@ -11,13 +11,16 @@
 
 // Append adds terms at the end of the log.
 func (l *Log) Append(terms ...int) error {
-	// TODO: Append the terms (handout: "Appending").
-	// Reject a term lower than the last one.
-	return errors.New("raftlog: Append is not implemented")
+	for _, t := range terms {
+		if len(l.terms) > 0 && t < l.terms[len(l.terms)-1] {
+			return errors.New("raftlog: term goes down")
+		}
+		l.terms = append(l.terms, t)
+	}
+	return nil
 }
 
 // Terms returns the terms in the log.
 func (l *Log) Terms() []int {
-	// TODO: Return the terms. This sentence is not in the summary.
-	return nil
+	return l.terms
 }
Only in 04-log: notes.txt
`, out.String(), "README.md and log_test.go are the same on both sides; the reference is shown without its markers")
}

func TestAsLearner(t *testing.T) {
	ref := `package raftlog_test

import (
	"raftgo/solutions/03-planning"
	"raftgo/solutions/04-log"
	"raftgo/solutions/04-log/internal/x"
)

func f() int {
	//workshop:todo Return one.
	return 1
	//workshop:stub return 0
	//workshop:end
}
`
	assert.Equal(t, `package raftlog_test

import (
	"raftgo/04-log"
	"raftgo/04-log/internal/x"
	"raftgo/solutions/03-planning"
)

func f() int {
	return 1
}
`, string(asLearner(stage04, "log_test.go", []byte(ref))), "the stage's own imports are rewritten, an earlier stage's are not, and they are sorted again")
	assert.Equal(t, "//workshop:todo stays in a README\n", string(asLearner(stage04, "README.md", []byte("//workshop:todo stays in a README\n"))))
}

func TestDiffSame(t *testing.T) {
	w, out := testCourse(t, nil)
	require.NoError(t, os.CopyFS(w.path(filepath.Join("solutions", "05-replication")), os.DirFS(w.path("04-log"))))
	require.NoError(t, os.CopyFS(w.path("05-replication"), os.DirFS(w.path("04-log"))))

	require.NoError(t, w.Diff(mustFind("05")))
	assert.Equal(t, "05-replication matches the reference, solutions/05-replication.\n", out.String())
}

func TestDiffMissing(t *testing.T) {
	w, _ := testCourse(t, nil)
	assert.EqualError(t, w.Diff(mustFind("05")), "stage 05 is not built yet: solutions/05-replication does not exist")

	require.NoError(t, os.RemoveAll(w.path("04-log")))
	assert.EqualError(t, w.Diff(stage04), "04-log does not exist: create it with go run ./cmd/workshop reset 04")
}

func TestDiffUntouchedWarnsFirst(t *testing.T) {
	w, out := testCourse(t, nil)

	require.NoError(t, w.Diff(stage07))
	assert.Equal(t, `You have not changed 07-election yet, so what follows is the reference solution of every TODO.
To work it out yourself, stop here: go run ./cmd/workshop hint 07 gives a hint instead.

--- 07-election/core.go
+++ solutions/07-election/core.go
@@ -6,6 +6,6 @@
 
 // Step handles one message and returns the messages it sends in answer.
 func (n *Node) Step(msg string) []string {
-	// TODO: Answer a message only once (handout: "Quiet").
-	return nil
+	n.outbox = append(n.outbox[:0], "answer to "+msg)
+	return n.outbox
 }
`, out.String())

	out.Reset()
	require.NoError(t, os.WriteFile(w.path("07-election/notes.txt"), []byte("my plan\n"), 0o644))
	require.NoError(t, w.Diff(stage07))
	assert.NotContains(t, out.String(), "You have not changed", "a stage the learner has worked on gets no warning")
}

func TestDiffColor(t *testing.T) {
	w := New(t.TempDir(), nil)
	w.Color = true
	assert.Equal(t, "\x1b[1m--- a\x1b[0m\n\x1b[1m+++ b\x1b[0m\n\x1b[2m@@ -1 +1 @@\x1b[0m\n\x1b[31m-x\x1b[0m\n\x1b[32m+y\x1b[0m\n same",
		w.colorUnified("--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n same"))
}
