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
@@ -11,13 +11,23 @@
 
 // Append adds terms at the end of the log.
 func (l *Log) Append(terms ...int) error {
-	// TODO: Append the terms (handout: "Appending").
-	// Reject a term lower than the last one.
-	return errors.New("raftlog: Append is not implemented")
+	//workshop:todo Append the terms (handout: "Appending").
+	//workshop:todo Reject a term lower than the last one.
+	for _, t := range terms {
+		if len(l.terms) > 0 && t < l.terms[len(l.terms)-1] {
+			return errors.New("raftlog: term goes down")
+		}
+		l.terms = append(l.terms, t)
+	}
+	return nil
+	//workshop:stub return errors.New("raftlog: Append is not implemented")
+	//workshop:end
 }
 
 // Terms returns the terms in the log.
 func (l *Log) Terms() []int {
-	// TODO: Return the terms. This sentence is not in the summary.
-	return nil
+	//workshop:todo Return the terms. This sentence is not in the summary.
+	return l.terms
+	//workshop:stub return nil
+	//workshop:end
 }
Only in 04-log: notes.txt
`, out.String(), "README.md and log_test.go are the same on both sides")
}

func TestDiffSame(t *testing.T) {
	w, out := testCourse(t, nil)
	require.NoError(t, os.CopyFS(w.path(filepath.Join("solutions", "05-replication")), os.DirFS(w.path("04-log"))))
	require.NoError(t, os.CopyFS(w.path("05-replication"), os.DirFS(w.path("04-log"))))

	require.NoError(t, w.Diff(mustFind("05")))
	assert.Equal(t, "05-replication is the same as solutions/05-replication.\n", out.String())
}

func TestDiffMissing(t *testing.T) {
	w, _ := testCourse(t, nil)
	assert.EqualError(t, w.Diff(mustFind("05")), "stage 05 is not built yet: solutions/05-replication does not exist")

	require.NoError(t, os.RemoveAll(w.path("04-log")))
	assert.EqualError(t, w.Diff(stage04), "04-log does not exist: create it with go run ./cmd/workshop reset 04")
}
