// Package stubgen generates a learner's stage from its reference solution.
//
// A stage's reference lives in solutions/NN-name. The learner's copy, NN-name,
// is generated from it: every file is copied, imports of the stage's own
// packages are rewritten from module/solutions/NN-name to module/NN-name, and
// in Go files each region marked for the learner is replaced by a TODO comment
// and a stub body. Everything outside the marked regions (tests, given code,
// the handout) is copied verbatim, so the stub and the reference cannot drift
// and `diff -ru NN-name solutions/NN-name` shows exactly the learner's work.
//
// # Markers
//
// A region starts with one or more todo lines, holds the reference code,
// then zero or more stub lines, and ends with an end line. Each marker is a
// comment alone on its line:
//
//	func (s *Store) Get(key string) (string, bool) {
//		//workshop:todo Read the value under the read lock (handout §2).
//		s.mu.RLock()
//		defer s.mu.RUnlock()
//		v, ok := s.data[key]
//		return v, ok
//		//workshop:stub return "", false
//		//workshop:end
//	}
//
// becomes, in the learner's copy:
//
//	func (s *Store) Get(key string) (string, bool) {
//		// TODO: Read the value under the read lock (handout §2).
//		return "", false
//	}
//
// The first todo line becomes "// TODO: <text>", later todo lines continue
// the comment, and each stub line becomes one line of code at the marker's
// indentation. A region may cover part of a body, a whole body, or whole
// top-level declarations (with no stub lines, or with stub declarations).
// Imports that only the removed code used are dropped from the stub, and the
// result is gofmt-formatted.
package stubgen

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MarkerPrefix starts every marker comment.
const MarkerPrefix = "//workshop:"

// The marker comments, each alone on its line.
const (
	markTodo = "//workshop:todo"
	markStub = "//workshop:stub"
	markEnd  = "//workshop:end"
)

// TodoPrefix starts the comment that replaces every marked region.
const TodoPrefix = "// TODO: "

// Stage names one stage of the course, such as "04-log".
type Stage struct {
	// Module is the Go module path, such as "raftgo".
	Module string
	// Name is the stage's folder name, such as "04-log".
	Name string
}

// ReferenceDir is the stage's reference folder relative to the module root.
func (s Stage) ReferenceDir() string { return path.Join("solutions", s.Name) }

// Generate builds the learner's copy of a stage from the reference files in
// ref (rooted at solutions/NN-name). It returns the generated files by their
// slash-separated path relative to the stage folder.
func Generate(ref fs.FS, stage Stage) (map[string][]byte, error) {
	out := make(map[string][]byte)
	err := fs.WalkDir(ref, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		src, err := fs.ReadFile(ref, name)
		if err != nil {
			return err
		}
		if strings.HasSuffix(name, ".go") {
			src, err = GenerateFile(name, src, stage)
			if err != nil {
				return err
			}
		}
		out[name] = src
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", stage.Name, err)
	}
	return out, nil
}

// GenerateFile turns one reference Go file into the learner's version: marked
// regions replaced, own-stage imports rewritten, unused imports dropped, and
// the result gofmt-formatted. The name is used in error messages only.
func GenerateFile(name string, src []byte, stage Stage) ([]byte, error) {
	stubbed, regions, err := replaceRegions(name, src, allRegions)
	if err != nil {
		return nil, err
	}
	return finish(name, src, rewriteImports(stubbed, stage), len(regions) > 0)
}

// A Region is one marked region of a reference file.
type Region struct {
	// Line is the line of the region's first todo marker.
	Line int
	// Todo is the region's todo text, its lines joined by spaces.
	Todo string
}

// Regions returns the marked regions of a reference Go file, in order.
func Regions(name string, src []byte) ([]Region, error) {
	_, regions, err := replaceRegions(name, src, allRegions)
	return regions, err
}

// StubOne returns a reference Go file with only its region number k (from 0,
// in the order Regions returns them) replaced by its TODO and stub lines.
// Every other region keeps its reference code, without its marker lines.
// Imports stay the reference's own, so the result builds in place of the
// reference file; a test run on it shows whether the tests notice that this
// one region is missing.
func StubOne(name string, src []byte, k int) ([]byte, error) {
	stubbed, regions, err := replaceRegions(name, src, k)
	if err != nil {
		return nil, err
	}
	if k < 0 || k >= len(regions) {
		return nil, fmt.Errorf("%s: no region %d: the file has %d", name, k, len(regions))
	}
	return finish(name, src, stubbed, true)
}

// Strip returns a reference Go file as the reference code alone: every
// region keeps its reference code and loses its marker lines, and nothing
// else changes. Stage 08's mutant cores are made from it.
func Strip(name string, src []byte) ([]byte, error) {
	stripped, _, err := replaceRegions(name, src, noRegion)
	return stripped, err
}

// finish drops the imports the removed code alone used, when any region
// was replaced, and gofmt-formats the result.
func finish(name string, ref, stubbed []byte, replaced bool) ([]byte, error) {
	var err error
	if replaced {
		stubbed, err = dropUnusedImports(name, ref, stubbed)
		if err != nil {
			return nil, err
		}
	}
	formatted, err := format.Source(stubbed)
	if err != nil {
		return nil, fmt.Errorf("%s: the generated stub is not valid Go: %w", name, err)
	}
	return formatted, nil
}

// allRegions asks replaceRegions to replace every region, and noRegion
// none.
const (
	allRegions = -1
	noRegion   = -2
)

// replaceRegions replaces the marked region number only (from 0), or every
// region when only is allRegions, with its TODO comment and stub lines; the
// regions it keeps lose their marker lines. It returns the result and every
// region it found.
func replaceRegions(name string, src []byte, only int) ([]byte, []Region, error) {
	const (
		outside = iota
		inTodo  // reading todo lines
		inCode  // reading the reference code
		inStub  // reading stub lines
	)
	var (
		out      bytes.Buffer
		regions  []Region
		state    = outside
		start    int // line number where the current region began
		indent   string
		stubbing bool // whether the current region is replaced
	)
	lines := strings.SplitAfter(string(src), "\n")
	for i, line := range lines {
		lineNo := i + 1
		trimmed := strings.TrimSpace(line)
		marker, text := splitMarker(trimmed)
		switch {
		case marker == markTodo && state == outside:
			state, start = inTodo, lineNo
			stubbing = only == allRegions || only == len(regions)
			regions = append(regions, Region{Line: lineNo, Todo: text})
			indent = line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			if stubbing {
				out.WriteString(indent + strings.TrimRight(TodoPrefix+text, " ") + "\n")
			}
		case marker == markTodo && state == inTodo:
			r := &regions[len(regions)-1]
			r.Todo = strings.TrimSpace(r.Todo + " " + text)
			if stubbing {
				out.WriteString(indent + strings.TrimRight("// "+text, " ") + "\n")
			}
		case marker == markTodo:
			return nil, nil, fmt.Errorf("%s:%d: %s inside the region opened at line %d; close it with %s first", name, lineNo, markTodo, start, markEnd)
		case marker == markStub && state != outside:
			state = inStub
			if stubbing {
				out.WriteString(indent + text + "\n")
			}
		case marker == markStub:
			return nil, nil, fmt.Errorf("%s:%d: %s outside a region; open one with %s", name, lineNo, markStub, markTodo)
		case marker == markEnd && state != outside:
			state = outside
		case marker == markEnd:
			return nil, nil, fmt.Errorf("%s:%d: %s without a matching %s", name, lineNo, markEnd, markTodo)
		case marker != "":
			return nil, nil, fmt.Errorf("%s:%d: unknown marker %q; the markers are %s, %s and %s", name, lineNo, marker, markTodo, markStub, markEnd)
		case state == outside:
			out.WriteString(line)
		case state == inStub && trimmed != "":
			return nil, nil, fmt.Errorf("%s:%d: code after %s in the region opened at line %d; stub lines must be %s comments", name, lineNo, markStub, start, markStub)
		case state == inStub:
			// a blank line among the stub lines
		default:
			state = inCode
			if !stubbing {
				out.WriteString(line) // a kept region keeps its reference code
			}
		}
	}
	if state != outside {
		return nil, nil, fmt.Errorf("%s:%d: region is never closed with %s", name, start, markEnd)
	}
	return out.Bytes(), regions, nil
}

// splitMarker splits a trimmed line into a workshop marker and its text. It
// returns an empty marker for lines that are not workshop markers.
func splitMarker(trimmed string) (marker, text string) {
	if !strings.HasPrefix(trimmed, MarkerPrefix) {
		return "", ""
	}
	marker, text, _ = strings.Cut(trimmed, " ")
	return marker, strings.TrimSpace(text)
}

// rewriteImports rewrites imports of the stage's own reference packages to
// the learner's packages. Imports of other stages' references stay as they
// are: a stage builds on the reference of the stages before it.
func rewriteImports(src []byte, stage Stage) []byte {
	from := `"` + stage.Module + "/" + stage.ReferenceDir()
	to := `"` + stage.Module + "/" + stage.Name
	src = bytes.ReplaceAll(src, []byte(from+`"`), []byte(to+`"`))
	return bytes.ReplaceAll(src, []byte(from+"/"), []byte(to+"/"))
}

// dropUnusedImports removes the imports that the reference used and the stub
// no longer does, because the code that used them was in a marked region.
// Imports the reference never used by their guessed name are left alone, so
// a wrong guess shows up as a compile error rather than a silent change.
func dropUnusedImports(name string, ref, stub []byte) ([]byte, error) {
	fset := token.NewFileSet()
	refFile, err := parser.ParseFile(fset, name, ref, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	stubFile, err := parser.ParseFile(fset, name+" (stub)", stub, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("%s: the generated stub is not valid Go: %w", name, err)
	}
	refUses, stubUses := qualifiers(refFile), qualifiers(stubFile)
	var unused []int // line numbers of import specs to delete
	for _, spec := range stubFile.Imports {
		importPath, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: bad import %s: %w", name, spec.Path.Value, err)
		}
		local := guessPackageName(importPath)
		if spec.Name != nil {
			local = spec.Name.Name
		}
		if local == "_" || local == "." {
			continue
		}
		if refUses[local] && !stubUses[local] {
			unused = append(unused, fset.Position(spec.Pos()).Line)
		}
	}
	if len(unused) == 0 {
		return stub, nil
	}
	lines := strings.SplitAfter(string(stub), "\n")
	var out strings.Builder
	for i, line := range lines {
		if slices.Contains(unused, i+1) {
			continue // the spec's line, or a whole single-line import declaration
		}
		out.WriteString(line)
	}
	return []byte(out.String()), nil
}

// qualifiers returns the set of identifiers used as the package part of a
// qualified name (the x in x.Y) anywhere in the file.
func qualifiers(f *ast.File) map[string]bool {
	used := make(map[string]bool)
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	return used
}

// guessPackageName guesses an import's package name from its path: the last
// element, without a major-version suffix or a "go-" prefix.
func guessPackageName(importPath string) string {
	elems := strings.Split(importPath, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && len(last) > 1 && last[0] == 'v' {
		if _, err := strconv.Atoi(last[1:]); err == nil {
			last = elems[len(elems)-2]
		}
	}
	last = strings.TrimPrefix(last, "go-")
	if i := strings.IndexAny(last, ".-"); i >= 0 {
		last = last[:i]
	}
	return last
}

// WriteStage writes the generated files into the stage folder dir, replacing
// what is there. A file in dir that the generator did not produce is removed.
func WriteStage(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
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

// Diff compares the generated files with the stage folder dir and describes
// every difference: a file that is missing, different or extra. An empty
// result means the folder is fresh.
func Diff(dir string, files map[string][]byte) ([]string, error) {
	var problems []string
	seen := make(map[string]bool)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		seen[name] = true
		want, ok := files[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: not in the reference (remove it, or add it to solutions/)", name))
			return nil
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			problems = append(problems, fmt.Sprintf("%s: differs from what the generator makes", name))
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return []string{fmt.Sprintf("%s: the stage folder does not exist", dir)}, nil
	}
	if err != nil {
		return nil, err
	}
	for name := range files {
		if !seen[name] {
			problems = append(problems, fmt.Sprintf("%s: missing", name))
		}
	}
	slices.Sort(problems)
	return problems, nil
}
