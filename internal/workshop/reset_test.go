package workshop

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
	"raftgo/internal/stubgen"
)

func TestReset(t *testing.T) {
	w, out := testCourse(t, nil)
	stub := w.path("04-log")
	fresh, err := os.ReadFile(filepath.Join(stub, "log.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(stub, "log.go"), []byte("package raftlog // my work\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(stub, "notes.txt"), []byte("my notes\n"), 0o644))
	before, err := os.Stat(stub)
	require.NoError(t, err)

	backup, err := w.Reset(stage04)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(".workshop", "backup", "04-log-20260314-150926"), backup)
	assert.Equal(t, `Backed up 04-log to .workshop/backup/04-log-20260314-150926.
Regenerated 04-log from solutions/04-log: the stage is as new.
To get your work back:  rm -r 04-log && mv .workshop/backup/04-log-20260314-150926 04-log
`, out.String())
	after, err := os.Stat(stub)
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "the stage's folder stays the same folder, so a shell inside it sees the new files")

	saved, err := os.ReadFile(w.path(filepath.Join(backup, "log.go")))
	require.NoError(t, err)
	assert.Equal(t, "package raftlog // my work\n", string(saved), "the backup keeps the learner's work")
	assert.FileExists(t, w.path(filepath.Join(backup, "notes.txt")))

	restored, err := os.ReadFile(filepath.Join(stub, "log.go"))
	require.NoError(t, err)
	assert.Equal(t, string(fresh), string(restored), "the stub is generated again")
	assert.NoFileExists(t, filepath.Join(stub, "notes.txt"))

	files, err := w.generate(stage04)
	require.NoError(t, err)
	problems, err := stubgen.Diff(stub, files)
	require.NoError(t, err)
	assert.Empty(t, problems, "the stage is exactly what gen makes")

	require.NoError(t, os.WriteFile(filepath.Join(stub, "notes.txt"), []byte("more notes\n"), 0o644))
	again, err := w.Reset(stage04)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(".workshop", "backup", "04-log-20260314-150926-2"), again, "a second reset in the same second gets its own backup")
}

func TestResetUntouched(t *testing.T) {
	w, out := testCourse(t, nil)

	backup, err := w.Reset(stage04)
	require.NoError(t, err)
	assert.Empty(t, backup)
	assert.Equal(t, "04-log is as new already: nothing to reset.\n", out.String())
	assert.NoDirExists(t, w.path(".workshop"), "no backup of what gen makes again")
}

// touch changes a file of the learner's stage, so that reset has work to
// keep.
func touch(t *testing.T, w *Workshop) {
	t.Helper()
	require.NoError(t, os.WriteFile(w.path("04-log/notes.txt"), []byte("my plan\n"), 0o644))
}

func TestResetFromInside(t *testing.T) {
	w, out := testCourse(t, nil)
	w.Cwd = "04-log"
	touch(t, w)

	_, err := w.Reset(stage04)
	require.NoError(t, err)
	assert.Equal(t, `Backed up 04-log to ../.workshop/backup/04-log-20260314-150926.
Regenerated 04-log from ../solutions/04-log: the stage is as new.
To get your work back:  cd .. && rm -r 04-log && mv .workshop/backup/04-log-20260314-150926 04-log
`, out.String(), "paths from the current folder; the restore command from the root")

	w, out = testCourse(t, nil)
	require.NoError(t, os.MkdirAll(w.path("04-log/sub"), 0o755))
	w.Cwd = filepath.Join("04-log", "sub")
	touch(t, w)
	_, err = w.Reset(stage04)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "Your shell is in a folder that moved to the backup; go back with  cd "+w.path("04-log")+"\n",
		"the fresh stage has no folder sub")

	w, out = testCourse(t, nil)
	require.NoError(t, os.MkdirAll(w.path("solutions/04-log/sub"), 0o755))
	require.NoError(t, os.WriteFile(w.path("solutions/04-log/sub/notes.md"), []byte("notes\n"), 0o644))
	_, err = w.Reset(stage04)
	require.NoError(t, err)
	assert.NotContains(t, out.String(), "Your shell", "the shell is at the root")
	out.Reset()
	w.Cwd = filepath.Join("04-log", "sub")
	touch(t, w)
	_, err = w.Reset(stage04)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "Your shell is in a folder that moved to the backup; go back with  cd "+w.path("04-log/sub")+"\n")
}

func TestResetWithoutFolder(t *testing.T) {
	w, out := testCourse(t, nil)
	require.NoError(t, os.RemoveAll(w.path("04-log")))

	backup, err := w.Reset(stage04)
	require.NoError(t, err)
	assert.Empty(t, backup, "nothing to back up")
	assert.Equal(t, "Regenerated 04-log from solutions/04-log: the stage is as new.\n", out.String())
	assert.FileExists(t, w.path(filepath.Join("04-log", "log.go")))
	assert.NoDirExists(t, w.path(".workshop"))
}

func TestResetWithoutReference(t *testing.T) {
	w, _ := testCourse(t, nil)
	_, err := w.Reset(mustFind("05"))
	assert.EqualError(t, err, "stage 05 is not built yet: solutions/05-replication does not exist")
}

func TestResetKeepsWorkWhenTheReferenceIsBroken(t *testing.T) {
	w, _ := testCourse(t, nil)
	ref := w.path(filepath.Join("solutions", "04-log", "log.go"))
	require.NoError(t, os.WriteFile(ref, []byte("package raftlog\n//workshop:end\n"), 0o644))

	_, err := w.Reset(stage04)
	assert.ErrorContains(t, err, "log.go:2: //workshop:end without a matching //workshop:todo")
	assert.FileExists(t, w.path(filepath.Join("04-log", "log.go")), "the learner's folder is untouched")
	assert.NoDirExists(t, w.path(".workshop"))
}

func TestGen(t *testing.T) {
	w, out := testCourse(t, nil)
	require.NoError(t, os.RemoveAll(w.path("04-log")))

	require.NoError(t, w.Gen([]course.Stage{stage04, mustFind("05")}))
	assert.Equal(t, "generated 04-log from solutions/04-log\nskipped 05-replication: solutions/05-replication does not exist yet\n", out.String())
	assert.FileExists(t, w.path(filepath.Join("04-log", "log.go")))
}
