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
	"raftgo/internal/stubgen"
)

// Diff prints the differences between the learner's stage and its
// reference, like `diff -ru NN-name solutions/NN-name`: a unified diff for
// each text file that differs, and a line for each file that only one side
// has or that is not text. The reference's Go files are shown as the learner
// would write them (see asLearner), so the diff shows only the learner's
// work. On an untouched stage, a warning comes first: the diff is the
// whole solution.
func (w *Workshop) Diff(s course.Stage) error {
	learner, ref := s.Dir, filepath.ToSlash(s.ReferenceDir())
	if !exists(w.path(ref)) {
		return fmt.Errorf("stage %s is not built yet: %s does not exist", s.Number(), ref)
	}
	if !exists(w.path(learner)) {
		return fmt.Errorf("%s does not exist: create it with %s", learner, w.tool("reset", s))
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
	var out strings.Builder
	for _, name := range names {
		a, inMine := mine[name]
		b, inTheirs := theirs[name]
		switch {
		case !inTheirs:
			fmt.Fprintf(&out, "Only in %s: %s\n", learner, name)
		case !inMine:
			fmt.Fprintf(&out, "Only in %s: %s\n", ref, name)
		case bytes.Equal(a, b):
		case !isText(a) || !isText(b):
			fmt.Fprintf(&out, "Files %s/%s and %s/%s differ\n", learner, name, ref, name)
		default:
			out.WriteString(w.colorUnified(linediff.Unified(learner+"/"+name, ref+"/"+name, string(a), string(b))))
		}
	}
	if out.Len() == 0 {
		w.printf("%s matches the reference, %s.\n", learner, ref)
		return nil
	}
	if w.untouched(s) {
		w.printf("%s\n%s\n\n",
			w.paint(yellow, fmt.Sprintf("You have not changed %s yet, so what follows is the reference solution of every TODO.", learner)),
			w.paint(yellow, fmt.Sprintf("To work it out yourself, stop here: %s gives a hint instead.", w.tool("hint", s))))
	}
	w.printf("%s", out.String())
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

// untouched reports whether the learner's folder of a stage is exactly
// what gen makes from the reference.
func (w *Workshop) untouched(s course.Stage) bool {
	files, err := w.generate(s)
	if err != nil {
		return false
	}
	problems, err := stubgen.Diff(w.path(s.Dir), files)
	return err == nil && len(problems) == 0
}

// colorUnified returns a unified diff in colour when the Workshop uses it.
func (w *Workshop) colorUnified(diff string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(diff, "\n") {
		text, newline := strings.CutSuffix(line, "\n")
		switch {
		case strings.HasPrefix(text, "---"), strings.HasPrefix(text, "+++"):
			text = w.paint(bold, text)
		case strings.HasPrefix(text, "@@"):
			text = w.paint(dim, text)
		case strings.HasPrefix(text, "-"):
			text = w.paint(red, text)
		case strings.HasPrefix(text, "+"):
			text = w.paint(green, text)
		}
		b.WriteString(text)
		if newline {
			b.WriteByte('\n')
		}
	}
	return b.String()
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
