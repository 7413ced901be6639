package workshop

import (
	"fmt"
	"os"
	"path/filepath"

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

// Reset starts a stage over: it moves the learner's folder to a new backup
// folder under BackupDir and generates the stub again. It returns the backup
// folder, relative to the root, or "" when there was nothing to back up.
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
		backup, err = w.backup(s)
		if err != nil {
			return "", err
		}
	}
	if err := stubgen.WriteStage(w.path(s.Dir), files); err != nil {
		return backup, err
	}
	return backup, nil
}

// backup moves the learner's folder of a stage to a new folder under
// BackupDir named after the stage and the time, and returns that folder
// relative to the root.
func (w *Workshop) backup(s course.Stage) (string, error) {
	if err := os.MkdirAll(w.path(BackupDir), 0o755); err != nil {
		return "", fmt.Errorf("backing up %s: %w", s.Dir, err)
	}
	stamp := w.Now().Format("20060102-150405")
	name := filepath.Join(BackupDir, s.Dir+"-"+stamp)
	for i := 2; exists(w.path(name)); i++ { // two resets within a second
		name = filepath.Join(BackupDir, fmt.Sprintf("%s-%s-%d", s.Dir, stamp, i))
	}
	if err := os.Rename(w.path(s.Dir), w.path(name)); err != nil {
		return "", fmt.Errorf("backing up %s: %w", s.Dir, err)
	}
	return name, nil
}
