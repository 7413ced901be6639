package workshop

import (
	"bytes"
	"fmt"
	"go/format"
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
// has or that is not text. The reference's Go files are shown as the learner
// would write them (see asLearner), so the diff shows only the learner's
// work.
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
	for name, data := range theirs {
		theirs[name] = asLearner(s, name, data)
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
		w.printf("%s matches the reference, %s.\n", learner, ref)
	}
	return nil
}

// asLearner returns a reference file as the learner's copy would be if the
// learner wrote exactly the reference: a Go file without its //workshop:
// marker lines (CONTRIBUTING.md), importing the stage's own packages from
// the learner's folder as the generator rewrites them, and formatted (which
// sorts the rewritten imports) as the generator formats it.
func asLearner(s course.Stage, name string, data []byte) []byte {
	if !strings.HasSuffix(name, ".go") {
		return data
	}
	from := `"` + course.Module + "/" + filepath.ToSlash(s.ReferenceDir())
	to := `"` + course.Module + "/" + s.Dir
	data = bytes.ReplaceAll(data, []byte(from+`"`), []byte(to+`"`))
	data = bytes.ReplaceAll(data, []byte(from+"/"), []byte(to+"/"))
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("//workshop:")) {
			out.Write(line)
		}
	}
	if formatted, err := format.Source(out.Bytes()); err == nil {
		return formatted
	}
	return out.Bytes() // the diff shows the file as it is
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
