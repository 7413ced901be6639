package mutate

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const figure8 = `name: figure8
file: solutions/07-election/node.go
task: 6. Commit
doc: A leader commits an entry of an earlier term
  by counting replicas.
catch: state-machine-safety
-- find --
term == n.term
-- replace --
term <= n.term
`

func TestParse(t *testing.T) {
	m, err := Parse("file-name", []byte(figure8))
	require.NoError(t, err)
	assert.Equal(t, "figure8", m.Name, "the comment's name wins over the file's")
	assert.Equal(t, "solutions/07-election/node.go", m.File)
	assert.Equal(t, "6. Commit", m.Task)
	assert.Equal(t, "A leader commits an entry of an earlier term by counting replicas.", m.Doc, "a line without a key continues the one before")
	assert.Equal(t, "state-machine-safety", m.Fields["catch"])
	assert.Equal(t, []Edit{{Find: "term == n.term", Replace: "term <= n.term"}}, m.Edits)
}

func TestParseRejects(t *testing.T) {
	for name, text := range map[string]string{
		"no file":         "doc: d\n-- find --\na\n-- replace --\nb\n",
		"no doc":          "file: f\n-- find --\na\n-- replace --\nb\n",
		"no edits":        "file: f\ndoc: d\n",
		"unpaired":        "file: f\ndoc: d\n-- find --\na\n",
		"wrong order":     "file: f\ndoc: d\n-- replace --\na\n-- find --\nb\n",
		"empty find":      "file: f\ndoc: d\n-- find --\n-- replace --\nb\n",
		"no change":       "file: f\ndoc: d\n-- find --\na\n-- replace --\na\n",
		"stray text line": "stray\nfile: f\ndoc: d\n-- find --\na\n-- replace --\nb\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("m", []byte(text))
			assert.Error(t, err)
		})
	}
}

func TestApply(t *testing.T) {
	m := Mutation{Name: "m", File: "f.go", Edits: []Edit{
		{Find: "a := 1", Replace: "a := 2"},
		{Find: "a := 2\nb", Replace: "a := 3\nb"}, // sees the first edit's result
	}}
	out, err := m.Apply([]byte("x\na := 1\nb := a\n"))
	require.NoError(t, err)
	assert.Equal(t, "x\na := 3\nb := a\n", string(out))

	_, err = m.Apply([]byte("nothing to find\n"))
	assert.ErrorContains(t, err, "no longer applies", "a mutation whose text is gone must fail, never apply silently")

	_, err = Mutation{Name: "m", Edits: []Edit{{Find: "a", Replace: "b"}}}.Apply([]byte("a a"))
	assert.ErrorContains(t, err, "ambiguous")
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/b.txtar":  {Data: []byte("file: f\ndoc: d\n-- find --\nx\n-- replace --\ny\n")},
		"m/a.txtar":  {Data: []byte("file: f\ndoc: d\n-- find --\nx\n-- replace --\nz\n")},
		"m/notes.md": {Data: []byte("not a mutation")},
	}
	ms, err := Load(fsys, "m")
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, "a", ms[0].Name)
	assert.Equal(t, "b", ms[1].Name)

	fsys["m/c.txtar"] = &fstest.MapFile{Data: []byte("name: a\nfile: f\ndoc: d\n-- find --\nx\n-- replace --\ny\n")}
	_, err = Load(fsys, "m")
	assert.ErrorContains(t, err, "also defined")
}
