package stubgen

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var stage = Stage{Module: "example", Name: "04-log"}

func TestGenerateFile(t *testing.T) {
	tests := []struct {
		name string
		ref  string
		want string
	}{
		{
			name: "whole body",
			ref: `package p

func Add(a, b int) int {
	//workshop:todo Return the sum.
	return a + b
	//workshop:stub return 0
	//workshop:end
}
`,
			want: `package p

func Add(a, b int) int {
	// TODO: Return the sum.
	return 0
}
`,
		},
		{
			name: "part of a body, several hint and stub lines",
			ref: `package p

func Sum(xs []int) int {
	total := 0
	//workshop:todo Add up xs.
	//workshop:todo Use a range loop.
	for _, x := range xs {
		total += x
	}
	//workshop:stub _ = xs
	//workshop:stub total = -1
	//workshop:end
	return total
}
`,
			want: `package p

func Sum(xs []int) int {
	total := 0
	// TODO: Add up xs.
	// Use a range loop.
	_ = xs
	total = -1
	return total
}
`,
		},
		{
			name: "whole declarations, imports used only there are dropped",
			ref: `package p

import (
	"fmt"
	"strings"
)

// Upper is given.
func Upper(s string) string { return strings.ToUpper(s) }

//workshop:todo Write Describe.
func Describe(x int) string { return fmt.Sprint(x) }

//workshop:stub func Describe(x int) string { return "" }
//workshop:end
`,
			want: `package p

import (
	"strings"
)

// Upper is given.
func Upper(s string) string { return strings.ToUpper(s) }

// TODO: Write Describe.
func Describe(x int) string { return "" }
`,
		},
		{
			name: "single import dropped, own-stage import rewritten, other stages kept",
			ref: `package p

import "errors"

import (
	log "example/solutions/04-log"
	"example/solutions/03-planning/raft"
	"example/solutions/04-log/sub"
)

var _ = log.X
var _ = raft.Y
var _ = sub.Z

func Check() error {
	//workshop:todo Fail.
	return errors.New("x")
	//workshop:stub return nil
	//workshop:end
}
`,
			want: `package p

import (
	log "example/04-log"
	"example/04-log/sub"
	"example/solutions/03-planning/raft"
)

var _ = log.X
var _ = raft.Y
var _ = sub.Z

func Check() error {
	// TODO: Fail.
	return nil
}
`,
		},
		{
			name: "file without markers is only rewritten",
			ref: `package p_test

import "example/solutions/04-log"

var _ = raftlog.New
`,
			want: `package p_test

import "example/04-log"

var _ = raftlog.New
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GenerateFile("x.go", []byte(tt.ref), stage)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestGenerateFileRejectsBadMarkers(t *testing.T) {
	tests := []struct {
		name, ref, wantErr string
	}{
		{"unclosed", "package p\n//workshop:todo a\nvar x int\n", "x.go:2: region is never closed"},
		{"stub outside", "package p\n//workshop:stub var x int\n", "x.go:2: //workshop:stub outside a region"},
		{"end outside", "package p\n//workshop:end\n", "x.go:2: //workshop:end without a matching"},
		{"nested", "package p\n//workshop:todo a\nvar x int\n//workshop:todo b\n", "x.go:4: //workshop:todo inside the region opened at line 2"},
		{"unknown", "package p\n//workshop:todos a\n", `x.go:2: unknown marker "//workshop:todos"`},
		{"code after stub", "package p\n//workshop:todo a\nvar x int\n//workshop:stub var x int\nvar y int\n//workshop:end\n", "x.go:5: code after //workshop:stub"},
		{"invalid result", "package p\nfunc f() {\n//workshop:todo a\n}\n//workshop:end\n", "the generated stub is not valid Go"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := GenerateFile("x.go", []byte(tt.ref), stage)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestGenerateWriteDiff(t *testing.T) {
	ref := fstest.MapFS{
		"README.md":          {Data: []byte("# Handout\n\n//workshop:todo stays in prose\n")},
		"log.go":             {Data: []byte("package raftlog\n\nfunc F() int {\n\t//workshop:todo Return one.\n\treturn 1\n\t//workshop:stub return 0\n\t//workshop:end\n}\n")},
		"log_test.go":        {Data: []byte("package raftlog\n")},
		"testdata/golden.in": {Data: []byte{0, 1, 2}},
	}
	files, err := Generate(ref, stage)
	require.NoError(t, err)
	assert.Equal(t, ref["README.md"].Data, files["README.md"], "non-Go files are copied verbatim")
	assert.Equal(t, ref["testdata/golden.in"].Data, files["testdata/golden.in"])
	assert.Contains(t, string(files["log.go"]), "// TODO: Return one.\n\treturn 0\n")

	dir := filepath.Join(t.TempDir(), "04-log")
	problems, err := Diff(dir, files)
	require.NoError(t, err)
	assert.Equal(t, []string{dir + ": the stage folder does not exist"}, problems)

	require.NoError(t, WriteStage(dir, files))
	problems, err = Diff(dir, files)
	require.NoError(t, err)
	assert.Empty(t, problems, "a freshly written stage is fresh")

	again, err := Generate(ref, stage)
	require.NoError(t, err)
	assert.Equal(t, files, again, "generation is deterministic")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "log.go"), []byte("package raftlog\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "extra.go"), []byte("package raftlog\n"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "log_test.go")))
	problems, err = Diff(dir, files)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"extra.go: not in the reference (remove it, or add it to solutions/)",
		"log.go: differs from what the generator makes",
		"log_test.go: missing",
	}, problems)
}

func TestGuessPackageName(t *testing.T) {
	for path, want := range map[string]string{
		"fmt":                                "fmt",
		"math/rand/v2":                       "rand",
		"github.com/stretchr/testify/assert": "assert",
		"gopkg.in/yaml.v3":                   "yaml",
		"github.com/mattn/go-isatty":         "isatty",
	} {
		assert.Equal(t, want, guessPackageName(path), path)
	}
}

// twoRegions is a reference file with two marked regions, the second of
// which alone uses an import.
const twoRegions = `package p

import "strings"

func A() int {
	//workshop:todo Return one.
	//workshop:todo Really.
	return 1
	//workshop:stub return 0
	//workshop:end
}

func B(s string) string {
	//workshop:todo Shout.
	return strings.ToUpper(s)
	//workshop:stub return s
	//workshop:end
}
`

func TestRegions(t *testing.T) {
	regions, err := Regions("x.go", []byte(twoRegions))
	require.NoError(t, err)
	assert.Equal(t, []Region{{Line: 6, Todo: "Return one. Really."}, {Line: 14, Todo: "Shout."}}, regions)
}

func TestStubOne(t *testing.T) {
	first, err := StubOne("x.go", []byte(twoRegions), 0)
	require.NoError(t, err)
	assert.Equal(t, `package p

import "strings"

func A() int {
	// TODO: Return one.
	// Really.
	return 0
}

func B(s string) string {
	return strings.ToUpper(s)
}
`, string(first), "region 0 stubbed, region 1 kept without its markers")

	second, err := StubOne("x.go", []byte(twoRegions), 1)
	require.NoError(t, err)
	assert.Equal(t, `package p

func A() int {
	return 1
}

func B(s string) string {
	// TODO: Shout.
	return s
}
`, string(second), "region 1 stubbed, and the import only it used dropped")

	_, err = StubOne("x.go", []byte(twoRegions), 2)
	require.ErrorContains(t, err, "x.go: no region 2: the file has 2")
}

func TestStrip(t *testing.T) {
	stripped, err := Strip("x.go", []byte(twoRegions))
	require.NoError(t, err)
	assert.Equal(t, `package p

import "strings"

func A() int {
	return 1
}

func B(s string) string {
	return strings.ToUpper(s)
}
`, string(stripped), "every region keeps its reference code, without its markers")

	_, err = Strip("x.go", []byte("package p\n//workshop:end\n"))
	assert.Error(t, err, "a marker out of place is an error, as for the generator")
}
