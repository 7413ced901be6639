package workshop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/course"
)

func TestAnchor(t *testing.T) {
	for title, want := range map[string]string{
		"1. The store":                       "1-the-store",
		"Testing time with testing/synctest": "testing-time-with-testingsynctest",
		"The tests you write: tables, subtests, helpers, require and assert": "the-tests-you-write-tables-subtests-helpers-require-and-assert",
		"Stage 01 — A key-value server":                                      "stage-01--a-key-value-server",
		"Errors: sentinels, types, wrapping":                                 "errors-sentinels-types-wrapping",
		"snake_case and-hyphens":                                             "snake_case-and-hyphens",
	} {
		assert.Equal(t, want, anchor(title), "anchor(%q)", title)
	}
}

func TestAnchorsOfHandout(t *testing.T) {
	got := anchors([]byte("# Stage\n\n## Hints\n\n### `Ready` and [Figure 2](x.pdf)\n\n```\n# not a heading\n```\n\n## Hints\n\n#### Hints\n"))
	assert.Equal(t, map[string]string{
		"stage":              "Stage",
		"hints":              "Hints",
		"ready-and-figure-2": "Ready and Figure 2",
		"hints-1":            "Hints",
		"hints-2":            "Hints",
	}, got, "a heading's anchor is its plain text; repeats get -1, -2; nothing in a code block counts")
}

// conceptMapCourse writes a course with two stages' handouts, 04 finished
// and 05 in progress, and the given README.md.
func conceptMapCourse(t *testing.T, readme string) *Workshop {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"solutions/04-log/README.md":                        "# The log\n\n## Background\n\n### Slices that stay put\n\n## Tasks\n\n### 1. Reading the log\n",
		"solutions/05-replication/README.md":                "# Replication\n\n## Tasks\n\n### 1. Sending entries\n",
		"solutions/05-replication/" + course.InProgressFile: "the handout\n",
	}
	if readme != "" {
		files["README.md"] = readme
	}
	for name, text := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
	w := New(root, nil)
	w.Stages = []course.Stage{stage04, mustFind("05")}
	return w
}

func TestCheckConceptMap(t *testing.T) {
	const head = "# Course\n\n## Stages\n\n[handout](04-log/README.md) is not in the map.\n\n## Go concept map\n\n| Concept | Where |\n|---|---|\n"
	const tail = "\n## Layout\n\n[not checked](04-log/README.md#nowhere)\n"
	tests := []struct {
		name        string
		readme      string
		only        []course.Stage
		wantSkip    bool
		wantProblem string
		wantDetails []string
		wantNote    string
	}{
		{
			name:     "no README.md",
			wantSkip: true,
		},
		{
			name:     "no concept map",
			readme:   "# Course\n\n## Stages\n",
			wantSkip: true,
		},
		{
			name: "every link resolves",
			readme: head +
				"| slices | [04: Slices that stay put](04-log/README.md#slices-that-stay-put), [1. Reading the log](/solutions/04-log/README.md#1-reading-the-log) |\n" +
				"| docs | [Go blog](https://go.dev/blog) |\n" +
				"| in progress | [05: Nowhere yet](05-replication/README.md#nowhere-yet) |\n" + tail,
			wantNote: "2 links, 1 into stages in progress not checked",
		},
		{
			name:        "a stage in progress is checked when named",
			readme:      head + "| x | [05: Nowhere yet](05-replication/README.md#nowhere-yet) |\n" + tail,
			only:        []course.Stage{mustFind("05")},
			wantProblem: "1 problem",
			wantDetails: []string{"README.md:11: [05: Nowhere yet](05-replication/README.md#nowhere-yet): solutions/05-replication/README.md has no heading with the anchor #nowhere-yet"},
		},
		{
			name: "broken links",
			readme: head +
				"| a | [04: Slices that move](04-log/README.md#slices-that-move) |\n" +
				"| b | [04: Slices](04-log/README.md#slices-that-stay-put) |\n" +
				"| c | [05: Slices that stay put](04-log/README.md#slices-that-stay-put) |\n" +
				"| d | [the log](04-log/README.md) |\n" +
				"| e | [12: More](12-more/README.md#more) |\n" + tail,
			wantProblem: "5 problems",
			wantDetails: []string{
				"README.md:11: [04: Slices that move](04-log/README.md#slices-that-move): solutions/04-log/README.md has no heading with the anchor #slices-that-move",
				`README.md:12: [04: Slices](04-log/README.md#slices-that-stay-put): the link's text should be the heading's title, "Slices that stay put"`,
				"README.md:13: [05: Slices that stay put](04-log/README.md#slices-that-stay-put): the text says stage 05, the link goes to stage 04",
				"README.md:14: [the log](04-log/README.md): cite a section of the handout, with #anchor",
				"README.md:15: [12: More](12-more/README.md#more): 12-more is not a stage of the course",
			},
		},
		{
			name:        "a map that cites nothing",
			readme:      head + "| a | nothing yet |\n" + tail,
			wantProblem: "the section cites no handout section",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := conceptMapCourse(t, tt.readme)
			r := w.checkConceptMap(tt.only)
			assert.Equal(t, tt.wantSkip, r.skipped, "skipped (problem %q)", r.problem)
			if tt.wantSkip {
				return
			}
			assert.Equal(t, tt.wantProblem, r.problem)
			assert.Equal(t, tt.wantDetails, r.details)
			assert.Equal(t, tt.wantNote, r.note)
		})
	}
}

// TestCourseConceptMap checks the course's own concept map, as verify
// does: every section it cites exists, except in stages still in progress.
func TestCourseConceptMap(t *testing.T) {
	root, err := course.FindRoot(".")
	require.NoError(t, err)
	w := New(root, nil)
	r := w.checkConceptMap(nil)
	require.False(t, r.skipped, "README.md must have a %q section: %s", ConceptMapTitle, r.problem)
	assert.Empty(t, r.problem, "README.md's concept map:\n%s", strings.Join(r.details, "\n"))
}
