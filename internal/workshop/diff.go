package workshop

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"raftgo/internal/course"
	"raftgo/internal/linediff"
)

// Diff prints the differences between the learner's stage and its
// reference, like `diff -ru NN-name solutions/NN-name`: a unified diff for
// each text file that differs, and a line for each file that only one side
// has or that is not text.
func (w *Workshop) Diff(s course.Stage) error {
	learner, ref := s.Dir, filepath.ToSlash(s.ReferenceDir())
	if !exists(w.path(ref)) {
		return fmt.Errorf("stage %s is not built yet: %s does not exist", s.Number(), ref)
	}
	if !exists(w.path(learner)) {
		return fmt.Errorf("%s does not exist: create it with go run ./cmd/workshop reset %s", learner, s.Number())
	}
	mine, err := readTree(w.path(learner))
	if err != nil {
		return err
	}
	theirs, err := readTree(w.path(ref))
	if err != nil {
		return err
	}
	names := make([]string, 0, len(mine)+len(theirs))
	for name := range mine {
		names = append(names, name)
	}
	for name := range theirs {
		if _, ok := mine[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	differ := 0
	for _, name := range names {
		a, inMine := mine[name]
		b, inTheirs := theirs[name]
		switch {
		case !inTheirs:
			w.printf("Only in %s: %s\n", learner, name)
		case !inMine:
			w.printf("Only in %s: %s\n", ref, name)
		case bytes.Equal(a, b):
			continue
		case !isText(a) || !isText(b):
			w.printf("Files %s/%s and %s/%s differ\n", learner, name, ref, name)
		default:
			w.printUnified(linediff.Unified(learner+"/"+name, ref+"/"+name, string(a), string(b)))
		}
		differ++
	}
	if differ == 0 {
		w.printf("%s is the same as %s.\n", learner, ref)
	}
	return nil
}

// printUnified prints a unified diff, in colour when the Workshop uses it.
func (w *Workshop) printUnified(diff string) {
	for _, line := range strings.SplitAfter(diff, "\n") {
		switch {
		case strings.HasPrefix(line, "---"), strings.HasPrefix(line, "+++"):
			line = w.paint(bold, strings.TrimSuffix(line, "\n")) + "\n"
		case strings.HasPrefix(line, "@@"):
			line = w.paint(dim, strings.TrimSuffix(line, "\n")) + "\n"
		case strings.HasPrefix(line, "-"):
			line = w.paint(red, strings.TrimSuffix(line, "\n")) + "\n"
		case strings.HasPrefix(line, "+"):
			line = w.paint(green, strings.TrimSuffix(line, "\n")) + "\n"
		}
		w.printf("%s", line)
	}
}

// readTree reads every file under dir, by its slash-separated path relative
// to dir.
func readTree(dir string) (map[string][]byte, error) {
	files := make(map[string][]byte)
	fsys := os.DirFS(dir)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		files[name] = data
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return files, nil
}

// isText reports whether data looks like text: valid UTF-8 without NUL bytes.
func isText(data []byte) bool {
	return utf8.Valid(data) && !bytes.ContainsRune(data, 0)
}
