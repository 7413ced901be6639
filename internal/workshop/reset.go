package workshop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"raftgo/internal/course"
	"raftgo/internal/stubgen"
)

// BackupDir is where reset keeps the learner's folders, relative to the
// course root. The go command ignores it, because its name starts with a dot.
const BackupDir = ".workshop/backup"

// Gen regenerates the learner's folder of each stage from its reference,
// and skips the stages that do not have a reference yet.
func (w *Workshop) Gen(stages []course.Stage) error {
	for _, s := range stages {
		if !exists(w.path(s.ReferenceDir())) {
			w.printf("skipped %s: %s does not exist yet\n", s.Dir, s.ReferenceDir())
			continue
		}
		files, err := w.generate(s)
		if err != nil {
			return err
		}
		if err := stubgen.WriteStage(w.path(s.Dir), files); err != nil {
			return err
		}
		w.printf("generated %s from %s\n", s.Dir, s.ReferenceDir())
	}
	return nil
}

// generate builds the files of a stage's learner folder from its reference.
func (w *Workshop) generate(s course.Stage) (map[string][]byte, error) {
	return stubgen.Generate(os.DirFS(w.path(s.ReferenceDir())), s.Generator())
}

// Reset starts a stage over: it moves what the learner's folder holds to a
// new backup folder under BackupDir and generates the stub again in the
// same folder, so a shell inside it sees the fresh stub. It says where the
// backup is and how to get it back, and returns the backup folder,
// relative to the root, or "" when there was nothing to back up. A stage
// that is exactly what gen makes is left alone.
func (w *Workshop) Reset(s course.Stage) (string, error) {
	if !exists(w.path(s.ReferenceDir())) {
		return "", fmt.Errorf("stage %s is not built yet: %s does not exist", s.Number(), s.ReferenceDir())
	}
	files, err := w.generate(s) // before touching the learner's folder
	if err != nil {
		return "", err
	}
	var backup string
	if exists(w.path(s.Dir)) {
		if problems, err := stubgen.Diff(w.path(s.Dir), files); err == nil && len(problems) == 0 {
			w.printf("%s is as new already: nothing to reset.\n", s.Dir)
			return "", nil
		}
		backup, err = w.backup(s)
		if err != nil {
			return "", err
		}
		w.printf("Backed up %s to %s.\n", s.Dir, w.show(backup))
	}
	if err := writeFiles(w.path(s.Dir), files); err != nil {
		return backup, err
	}
	w.printf("Regenerated %s from %s: the stage is as new.\n", s.Dir, w.show(s.ReferenceDir()))
	if backup == "" {
		return "", nil
	}
	restore := fmt.Sprintf("rm -r %s && mv %s %s", s.Dir, filepath.ToSlash(backup), s.Dir)
	if root := w.show("."); root != "." {
		restore = "cd " + root + " && " + restore
	}
	w.printf("To get your work back:  %s\n", restore)
	if strings.HasPrefix(filepath.ToSlash(filepath.Clean(w.Cwd)), s.Dir+"/") {
		// The current folder is below the stage's, and moved with the backup.
		back := w.Cwd
		if !exists(w.path(back)) {
			back = s.Dir // the fresh stage has no such folder
		}
		w.printf("Your shell is in a folder that moved to the backup; go back with  cd %s\n", w.path(back))
	}
	return backup, nil
}

// backup moves what the learner's folder of a stage holds to a new folder
// under BackupDir named after the stage and the time, and returns that
// folder relative to the root. The stage's folder stays, empty.
func (w *Workshop) backup(s course.Stage) (string, error) {
	if err := os.MkdirAll(w.path(BackupDir), 0o755); err != nil {
		return "", fmt.Errorf("backing up %s: %w", s.Dir, err)
	}
	stamp := w.Now().Format("20060102-150405")
	name := filepath.Join(BackupDir, s.Dir+"-"+stamp)
	for i := 2; exists(w.path(name)); i++ { // two resets within a second
		name = filepath.Join(BackupDir, fmt.Sprintf("%s-%s-%d", s.Dir, stamp, i))
	}
	entries, err := os.ReadDir(w.path(s.Dir))
	if err != nil {
		return "", fmt.Errorf("backing up %s: %w", s.Dir, err)
	}
	if err := os.Mkdir(w.path(name), 0o755); err != nil {
		return "", fmt.Errorf("backing up %s: %w", s.Dir, err)
	}
	for _, e := range entries {
		if err := os.Rename(w.path(filepath.Join(s.Dir, e.Name())), w.path(filepath.Join(name, e.Name()))); err != nil {
			return "", fmt.Errorf("backing up %s (what is moved so far is in %s): %w", s.Dir, name, err)
		}
	}
	return name, nil
}

// writeFiles writes files, by slash-separated path, into dir, creating the
// folders they need. Unlike stubgen.WriteStage it keeps dir itself, so a
// shell whose current folder it is sees the new files.
func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
