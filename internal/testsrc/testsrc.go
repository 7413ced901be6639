// Package testsrc reads what a stage's source says to a learner: the tests
// its _test.go files declare, each with its hint (the test function's doc
// comment), and the TODO comments left in its other Go files.
package testsrc

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
	"raftgo/internal/stubgen"
)

// Kind says how go test runs a test function.
type Kind int

// The kinds in the order go test runs them within a package.
const (
	KindTest    Kind = iota // func TestXxx(t *testing.T)
	KindFuzz                // func FuzzXxx(f *testing.F), run on its seed corpus
	KindExample             // func ExampleXxx() with an output comment
)

// A Test is a test function declared in a _test.go file.
type Test struct {
	gotest.ID
	Kind Kind
	// Pos is where the function is declared, as "file.go:12" with the
	// file's path relative to the folder given to Tests.
	Pos string
	// Hint is the function's doc comment as plain text, or "" if it has
	// none.
	Hint string

	external bool // declared in a package p_test file
}

// Tests returns the tests that `go test ./...` in dir runs: the test
// functions, the fuzz targets and the examples that have an output comment,
// declared in the _test.go files of dir and its subfolders, in the order go
// test runs them. Within each package, tests come before fuzz targets and
// examples; files count in name order. The importPath is dir's package path,
// such as "raftgo/04-log". Files excluded by build constraints are skipped,
// as are testdata folders and folders whose name starts with "." or "_".
func Tests(dir, importPath string) ([]Test, error) {
	var tests []Test
	err := walkGo(dir, func(rel string, f *ast.File, fset *token.FileSet) {
		if !strings.HasSuffix(rel, "_test.go") {
			return
		}
		pkgPath := importPath
		if d := path.Dir(rel); d != "." {
			pkgPath += "/" + d
		}
		tests = append(tests, declared(f, fset, rel, pkgPath)...)
	})
	if err != nil {
		return nil, fmt.Errorf("reading the tests in %s: %w", dir, err)
	}
	order := func(a, b Test) int {
		return cmp.Or(
			strings.Compare(a.Package, b.Package),
			cmp.Compare(a.Kind, b.Kind),
			compareBool(a.external, b.external),
		)
	}
	slices.SortStableFunc(tests, order) // walkGo visits files in name order
	return tests, nil
}

// declared returns the tests declared in one _test.go file.
func declared(f *ast.File, fset *token.FileSet, rel, pkgPath string) []Test {
	examples := make(map[string]bool) // examples that go test runs
	for _, ex := range doc.Examples(f) {
		if ex.Output != "" || ex.EmptyOutput {
			examples["Example"+ex.Name] = true
		}
	}
	var tests []Test
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Type.TypeParams != nil {
			continue
		}
		name := fn.Name.Name
		var kind Kind
		switch {
		case isTestName(name, "Test") && takesTesting(fn, "T"):
			kind = KindTest
		case isTestName(name, "Fuzz") && takesTesting(fn, "F"):
			kind = KindFuzz
		case examples[name]:
			kind = KindExample
		default:
			continue
		}
		tests = append(tests, Test{
			ID:       gotest.ID{Package: pkgPath, Name: name},
			Kind:     kind,
			Pos:      fmt.Sprintf("%s:%d", rel, fset.Position(fn.Pos()).Line),
			Hint:     strings.TrimSpace(fn.Doc.Text()),
			external: strings.HasSuffix(f.Name.Name, "_test"),
		})
	}
	return tests
}

// isTestName reports whether name is prefix alone or prefix followed by
// something that does not start with a lower-case letter, the rule go test
// uses ("Testing" is not a test, "Test_x" is).
func isTestName(name, prefix string) bool {
	if !strings.HasPrefix(name, prefix) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(name[len(prefix):]) // utf8.RuneError if none
	return !unicode.IsLower(r)
}

// takesTesting reports whether fn takes one *testing.<typ> and returns
// nothing.
func takesTesting(fn *ast.FuncDecl, typ string) bool {
	params := fn.Type.Params.List
	if len(params) != 1 || len(params[0].Names) > 1 || fn.Type.Results != nil {
		return false
	}
	star, ok := params[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == typ
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// A Todo is a TODO comment left in a stage's code for the learner.
type Todo struct {
	// Pos is where the comment starts, as "file.go:12" with the file's path
	// relative to the folder given to Todos.
	Pos string
	// Text is the comment without "// TODO: "; the comment lines that follow
	// it continue the text, one line each.
	Text string
}

// Todos returns the TODO comments (lines starting with stubgen.TodoPrefix)
// in the Go files of dir and its subfolders that are not tests, in file
// name and line order. A TODO's text continues on the comment lines right
// below it.
func Todos(dir string) ([]Todo, error) {
	var todos []Todo
	err := walkFiles(dir, func(rel string, src []byte) error {
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		var open *Todo // the TODO whose comment continues on the next line
		sc := bufio.NewScanner(bytes.NewReader(src))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			switch {
			case strings.HasPrefix(line, stubgen.TodoPrefix):
				todos = append(todos, Todo{
					Pos:  fmt.Sprintf("%s:%d", rel, n),
					Text: strings.TrimPrefix(line, stubgen.TodoPrefix),
				})
				open = &todos[len(todos)-1]
			case open != nil && strings.HasPrefix(line, "//"):
				open.Text += "\n" + strings.TrimSpace(strings.TrimPrefix(line, "//"))
			default:
				open = nil
			}
		}
		return sc.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("reading the TODOs in %s: %w", dir, err)
	}
	return todos, nil
}

// walkGo parses every Go file under dir that the build constraints of this
// machine include, in path order, and calls visit with its slash-separated
// path relative to dir.
func walkGo(dir string, visit func(rel string, f *ast.File, fset *token.FileSet)) error {
	fset := token.NewFileSet()
	return walkFiles(dir, func(rel string, src []byte) error {
		if !strings.HasSuffix(rel, ".go") {
			return nil
		}
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if ok, err := build.Default.MatchFile(filepath.Dir(full), filepath.Base(full)); err != nil || !ok {
			return err
		}
		f, err := parser.ParseFile(fset, rel, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		visit(rel, f, fset)
		return nil
	})
}

// walkFiles calls visit for every file under dir with its slash-separated
// path relative to dir and its contents, skipping the folders the go command
// skips (course.IgnoredDir).
func walkFiles(dir string, visit func(rel string, src []byte) error) error {
	return fs.WalkDir(os.DirFS(dir), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." && course.IgnoredDir(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		return visit(rel, src)
	})
}
