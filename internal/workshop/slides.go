package workshop

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/present"

	"raftgo/internal/stubgen"
)

// checkSlides parses every deck in slides/ with the present tool's parser,
// which also reads every file a .code or .play line names and finds the
// lines its address selects.
func (w *Workshop) checkSlides() result {
	const name = "slides parse"
	decks, err := filepath.Glob(w.path(filepath.Join("slides", "*.slide")))
	if err != nil {
		return fail(name, err.Error())
	}
	var problems []string
	codes := 0
	for _, deck := range decks {
		rel, err := filepath.Rel(w.Root, deck)
		if err != nil {
			return fail(name, err.Error())
		}
		n, err := w.parseDeck(filepath.ToSlash(rel))
		if err != nil {
			problems = append(problems, err.Error())
		}
		codes += n
	}
	if len(problems) > 0 {
		return fail(name, plural(len(problems), "deck")+" with errors", problems...)
	}
	return pass(name, fmt.Sprintf("%s, %s", plural(len(decks), "deck"), plural(codes, ".code or .play reference")))
}

// parseDeck parses one deck, named relative to the course root, and returns
// how many .code and .play references it has. The files they name are read
// relative to the deck's folder, and must be inside the course.
func (w *Workshop) parseDeck(deck string) (int, error) {
	root := os.DirFS(w.Root)
	ctx := present.Context{ReadFile: func(name string) ([]byte, error) {
		name = filepath.ToSlash(name)
		if !fs.ValidPath(name) {
			return nil, fmt.Errorf("%s is outside the course", name)
		}
		return fs.ReadFile(root, name)
	}}
	src, err := fs.ReadFile(root, deck)
	if err != nil {
		return 0, err
	}
	doc, err := ctx.Parse(bytes.NewReader(src), deck, 0)
	if err != nil {
		return 0, err
	}
	var codes []present.Code
	for _, s := range doc.Sections {
		codes = appendCode(codes, s)
	}
	for _, c := range codes {
		if strings.Contains(string(c.Text), stubgen.MarkerPrefix) {
			return 0, fmt.Errorf("%s: %s shows a %s marker line; quote a range inside the marked region, or end the marker line with OMIT", deck, c.Cmd, stubgen.MarkerPrefix)
		}
	}
	return len(codes), nil
}

// appendCode appends the .code and .play elements of a section, and of the
// sections inside it, to codes.
func appendCode(codes []present.Code, s present.Section) []present.Code {
	for _, e := range s.Elem {
		switch e := e.(type) {
		case present.Code:
			codes = append(codes, e)
		case present.Section:
			codes = appendCode(codes, e)
		}
	}
	return codes
}
