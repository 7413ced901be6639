package workshop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
)

func TestParseDeck(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
	write("solutions/01-x/x.go", "package x\n\nfunc Given() {}\n\nfunc Todo() {\n\t//workshop:todo Write it.\n\tprintln()\n\t//workshop:end\n}\n")
	const head = "# Deck\nSubtitle\n\nAuthor\n\n## Slide\n\n"
	write("slides/good.slide", head+".code ../solutions/01-x/x.go /^func Given/\n.code ../solutions/01-x/x.go /println/\n")
	write("slides/marker.slide", head+".code ../solutions/01-x/x.go /^func Todo/,/^}/\n")
	write("slides/missing.slide", head+".code ../solutions/01-x/nope.go\n")
	w := &Workshop{Root: root}

	n, err := w.parseDeck("slides/good.slide")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "two .code references")

	_, err = w.parseDeck("slides/marker.slide")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "shows a //workshop: marker line")

	_, err = w.parseDeck("slides/missing.slide")
	require.Error(t, err, "a .code reference to a missing file")
}

// fitDeck parses a deck's text, with solutions/01-x/x.go to quote, and
// returns its fit problems as "slide N: what" lines.
func fitDeck(t *testing.T, deck string) []string {
	t.Helper()
	root := t.TempDir()
	src := "package x\n\nfunc Short() {\n\tprintln(\"short\")\n}\n\nfunc Wide() {\n\tprintln(\"" + strings.Repeat("w", 120) + "\")\n}\n\nfunc Long() {\n" + strings.Repeat("\tprintln()\n", 30) + "}\n"
	require.NoError(t, os.MkdirAll(filepath.Join(root, "solutions", "01-x"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "slides"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "solutions", "01-x", "x.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "slides", "d.slide"), []byte("# Deck\nSubtitle\n\nAuthor\n\n"+deck), 0o644))
	doc, err := (&Workshop{Root: root}).readDeck("slides/d.slide")
	require.NoError(t, err)
	var out []string
	for _, p := range fitProblems(doc) {
		out = append(out, fmt.Sprintf("slide %d %q: %s", p.slide, p.title, p.what))
	}
	return out
}

func TestSlideFit(t *testing.T) {
	const code = ".code ../solutions/01-x/x.go "
	assert.Empty(t, fitDeck(t, "## Fits\n\n"+code+"/^func Short/,/^}/ HLshort\n\nSome text.\n\n- a\n- b\n\n: Say this.\n"))

	problems := fitDeck(t, "## Wide\n\n"+code+"/^func Wide/,/^}/\n\n: Notes.\n")
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], `slide 2 "Wide"`)
	assert.Contains(t, problems[0], "line 2 is 135 columns wide, 25 over the 110 that fit")

	problems = fitDeck(t, "## Long\n\n"+code+"/^func Long/,/^}/\n\n: Notes.\n")
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], "about 836px tall, 218px over the 618px that fit (10 lines of code, or 7 of text)")

	problems = fitDeck(t, "## Quiet\n\nText.\n")
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], "no presenter notes")

	problems = fitDeck(t, "## Emphasis\n\n"+code+"/^func Short/,/^}/ HLnowhere\n\n: Notes.\n")
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], `no line of the excerpt has the word "nowhere"`)

	problems = fitDeck(t, "## Picture\n\n.image img/x.svg\n\n: Notes.\n")
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], "give the image a height")

	problems = fitDeck(t, "## Picture\n\n.image img/x.svg 560 _\n\n: Notes.\n")
	require.Len(t, problems, 1, "36 + 40 + 560 + 9 is more than 618")
	assert.Contains(t, problems[0], "about 645px tall")
}

// TestMeasureSlide pins the measure to the theme's CSS, as Chromium lays
// it out (internal/slideshots measured it): the title, a paragraph, a list
// whose items' margins collapse with the next block's, and a code block.
func TestMeasureSlide(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "slides"), 0o755))
	deck := "# D\n\n## S\n\nOne line.\n\n- a\n- b\n\n```\nx\ny\n```\n\n: n\n"
	require.NoError(t, os.WriteFile(filepath.Join(root, "slides", "d.slide"), []byte(deck), 0o644))
	doc, err := (&Workshop{Root: root}).readDeck("slides/d.slide")
	require.NoError(t, err)
	height, problems := measureSlide(doc.Sections[0])
	assert.Empty(t, problems)
	// title 36; p 20+36; ul 20, items 36+13+36; pre max(13,20)+12+2×24.
	assert.Equal(t, 36+20+36+20+36+13+36+20+12+48, height)
}

func TestWrapped(t *testing.T) {
	assert.Equal(t, 1, wrapped([]run{{text: "short"}}, slideWidth))
	long := strings.Repeat("word ", 30) // about 1,750px of text, 2,070px of code
	assert.Equal(t, 2, wrapped([]run{{text: long}}, slideWidth))
	assert.Equal(t, 2, wrapped([]run{{text: "a"}, {lineBreak: true}, {text: "b"}}, slideWidth))
	assert.Equal(t, 3, wrapped([]run{{text: long, code: true}}, slideWidth), "inline code is wider than text")
	assert.True(t, containsWord("\tgrant := x", "grant"))
	assert.False(t, containsWord("\tgranted := x", "grant"))
	assert.Equal(t, 12, columns("\t\tx ab"), "two tabs of four columns, then four")
	assert.Equal(t, 8, columns("ab\tcd"), "present shows every tab as four spaces")
}

// TestPlaySnippetsRun runs every program the decks' .play lines show, as
// present's Run button does: each must build on its own (present builds it
// outside the module, so it may import only the standard library), run, and
// print something.
func TestPlaySnippetsRun(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "slides", "play", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs, "the decks' runnable snippets are in slides/play")
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(dir, "*.go"))
			require.NoError(t, err)
			require.Len(t, files, 1, "a .play program is one file")
			src, err := os.ReadFile(files[0])
			require.NoError(t, err)
			tmp := t.TempDir() // outside the module, as present runs it
			require.NoError(t, os.WriteFile(filepath.Join(tmp, "prog.go"), src, 0o644))
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "go", "run", "prog.go")
			cmd.Dir = tmp
			cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOFLAGS=")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "go run %s:\n%s", files[0], out)
			assert.NotEmpty(t, strings.TrimSpace(string(out)), "go run %s printed nothing", files[0])
		})
	}
}

// TestCheckSlideFitScope: verify with no stage named checks the
// introduction and the decks of stages not in progress; verify NN checks
// stage NN's deck, in progress or not.
func TestCheckSlideFitScope(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
	const good = "# Deck\n\n## Fits\n\nText.\n\n: Notes.\n"
	write("slides/00-introduction.slide", good)
	write("slides/01-a.slide", good)
	write("slides/02-b.slide", "# Deck\n\n## Quiet\n\nNo notes.\n")
	write("solutions/02-b/IN-PROGRESS", "the deck\n")
	stages := []course.Stage{{Dir: "01-a"}, {Dir: "02-b"}}
	w := &Workshop{Root: root, Stages: stages}

	r := w.checkSlideFit(nil)
	assert.Empty(t, r.problem, "the deck of a stage in progress is skipped: %v", r.details)
	assert.Equal(t, "2 slides in 2 decks", r.note)

	r = w.checkSlideFit(stages[1:])
	require.NotEmpty(t, r.problem, "a stage named is checked, in progress or not")
	require.Len(t, r.details, 1)
	assert.Contains(t, r.details[0], `slides/02-b.slide slide 2 "Quiet": no presenter notes`)
}
