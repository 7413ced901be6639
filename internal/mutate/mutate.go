// Package mutate plants known bugs in reference code by textual mutation:
// find this text in that file, replace it with that. The course uses one
// mechanism for two jobs (DESIGN §7):
//
//   - Stage 08's mutant cores: the reference core with one classic bug
//     planted, generated into a folder of their own, so that tests and the
//     stage 09 simulator can run against them.
//   - verify's learner-mistake checks: a plausible wrong answer in one
//     marked region of a reference, applied through go test -overlay, which
//     some test must catch and blame on the right task.
//
// A mutation is one txtar file (golang.org/x/tools/txtar). Its comment holds
// "key: value" lines (a line without a key continues the one before); its
// files come in pairs, "find" then "replace", one pair per edit. This is
// internal/mistakes/06-consensus/commit-old-terms.txtar:
//
//	file: solutions/06-consensus/node.go
//	task: 1. The commit rule
//	doc: The leader commits an entry of an earlier term by counting replicas,
//	  the bug of Figure 8.
//	-- find --
//	majority > n.commit && term == n.term {
//	-- replace --
//	majority > n.commit && term <= n.term {
//
// Each find text must occur exactly once in the file, so a mutation that no
// longer applies after the reference changed is an error, never a silent
// no-op. txtar ends every section with a newline; Parse drops that one
// newline from both texts of an edit, so that a one-line edit can match
// inside a line, and keeps every other newline as written.
package mutate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"golang.org/x/tools/txtar"
)

// A Mutation is a documented change of one reference file.
type Mutation struct {
	// Name is the mutation's short kebab-case name, such as "figure8".
	Name string
	// File is the file to change, relative to the course root, with
	// forward slashes.
	File string
	// Task is the handout task the mutated code belongs to, for a learner
	// mistake; it may be empty for a mutant core.
	Task string
	// Doc says in a sentence or two what the mutation does wrong.
	Doc string
	// Fields holds every key of the comment, the ones above included, for
	// the uses that need more (such as the checker that must catch a mutant).
	Fields map[string]string
	// Edits are applied in order.
	Edits []Edit
}

// An Edit replaces the one occurrence of Find with Replace.
type Edit struct {
	Find, Replace string
}

// Parse reads a mutation from its txtar form. The name is the mutation's
// name unless the comment gives one.
func Parse(name string, data []byte) (Mutation, error) {
	ar := txtar.Parse(data)
	m := Mutation{Name: name, Fields: make(map[string]string)}
	var last string
	for i, line := range strings.Split(string(ar.Comment), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		key, value, ok := strings.Cut(trimmed, ":")
		if !ok {
			// A line without a key continues the previous key's value.
			if last == "" {
				return Mutation{}, fmt.Errorf("mutation %s: comment line %d: want \"key: value\", got %q", name, i+1, trimmed)
			}
			m.Fields[last] += " " + trimmed
			continue
		}
		key = strings.TrimSpace(key)
		m.Fields[key] = strings.TrimSpace(value)
		last = key
	}
	if v := m.Fields["name"]; v != "" {
		m.Name = v
	}
	m.File, m.Task, m.Doc = m.Fields["file"], m.Fields["task"], m.Fields["doc"]
	switch {
	case m.Name == "":
		return Mutation{}, errors.New("mutation with no name")
	case m.File == "":
		return Mutation{}, fmt.Errorf("mutation %s: no \"file:\" line in its comment", m.Name)
	case m.Doc == "":
		return Mutation{}, fmt.Errorf("mutation %s: no \"doc:\" line in its comment: say what it does wrong", m.Name)
	case len(ar.Files) == 0 || len(ar.Files)%2 != 0:
		return Mutation{}, fmt.Errorf("mutation %s: want pairs of -- find -- and -- replace -- sections, got %d sections", m.Name, len(ar.Files))
	}
	for i := 0; i < len(ar.Files); i += 2 {
		find, replace := ar.Files[i], ar.Files[i+1]
		if find.Name != "find" || replace.Name != "replace" {
			return Mutation{}, fmt.Errorf("mutation %s: edit %d: want sections \"find\" then \"replace\", got %q then %q", m.Name, i/2+1, find.Name, replace.Name)
		}
		e := Edit{Find: strings.TrimSuffix(string(find.Data), "\n"), Replace: strings.TrimSuffix(string(replace.Data), "\n")}
		if e.Find == "" {
			return Mutation{}, fmt.Errorf("mutation %s: edit %d: the find text is empty", m.Name, i/2+1)
		}
		if e.Find == e.Replace {
			return Mutation{}, fmt.Errorf("mutation %s: edit %d: the replace text is the find text", m.Name, i/2+1)
		}
		m.Edits = append(m.Edits, e)
	}
	return m, nil
}

// Load reads every mutation in dir of fsys: one per file ending in .txtar,
// named after the file, in the order of their names.
func Load(fsys fs.FS, dir string) ([]Mutation, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Mutation
	seen := make(map[string]string)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txtar") {
			continue
		}
		file := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		m, err := Parse(strings.TrimSuffix(e.Name(), ".txtar"), data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if prev, ok := seen[m.Name]; ok {
			return nil, fmt.Errorf("%s: mutation %s is also defined in %s", file, m.Name, prev)
		}
		seen[m.Name] = file
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b Mutation) int { return strings.Compare(a.Name, b.Name) })
	return ms, nil
}

// Apply returns src with the mutation's edits made. Each edit's find text
// must occur exactly once in the text the earlier edits left.
func (m Mutation) Apply(src []byte) ([]byte, error) {
	out := src
	for i, e := range m.Edits {
		switch n := bytes.Count(out, []byte(e.Find)); n {
		case 1:
			out = bytes.Replace(out, []byte(e.Find), []byte(e.Replace), 1)
		case 0:
			return nil, fmt.Errorf("mutation %s no longer applies to %s: edit %d's find text is not there (the reference changed; update the mutation):\n%s", m.Name, m.File, i+1, e.Find)
		default:
			return nil, fmt.Errorf("mutation %s is ambiguous in %s: edit %d's find text occurs %d times; quote more of the line:\n%s", m.Name, m.File, i+1, n, e.Find)
		}
	}
	return out, nil
}
