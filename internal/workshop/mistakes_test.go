package workshop

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/mutate"
)

const handoutForTests = "# Stage\n\n## Background\n\n### Up to date\n\n```\n### 9. Not a heading\n```\n\n## Tasks\n\n### 1. The store\n\ntext\n\n### 2. Writing replies\n\n#### A detail\n\n### Task 3: old form\n\n## Hints\n\n### 4. Not a task\n"

func TestTaskHeadings(t *testing.T) {
	assert.Equal(t, []string{"1. The store", "2. Writing replies"}, taskHeadings([]byte(handoutForTests)),
		"the tasks are the '### N. Title' headings under '## Tasks', outside code blocks")
}

func TestNamedTasks(t *testing.T) {
	tasks := []string{"1. The store", "3. Voting", "4. Counting votes"}
	for _, c := range []struct {
		text string
		want []string
	}{
		{`wrong (handout: "3. Voting")`, []string{"3. Voting"}},
		{"Handout: \"1. The\nstore\" to \"4. Counting votes\"", []string{"1. The store", "4. Counting votes"}},
		{"13. Voting is another stage's", nil},
		{"no pointer at all", nil},
	} {
		assert.Equal(t, c.want, namedTasks(c.text, tasks), "namedTasks(%q)", c.text)
	}
}

func TestHandoutQuotes(t *testing.T) {
	titles := []string{"1. The store", "Up to date", "Wire format"}
	src := "package p\n\n" +
		"// Get reads (handout:\n//workshop:todo \"1. The store\").\n" +
		"func f() {\n\tmsg(\"want x (handout: \\\"1. The store\\\", \\\"Up to date\\\")\")\n" +
		"\tmsg(\"see the handout's \\\"Wire format\\\"\")\n" +
		"\tmsg(\"wrong (handout: \\\"Task 1\\\")\")\n" +
		"\tmsg(\"unquoted (handout: 1. The store)\")\n" +
		"\tmsg(\"a format verb (handout: %q)\", task)\n}\n"
	found, problems := handoutQuotes("p.go", []byte(src), titles)
	assert.Equal(t, 5, found, "quotes found: 1 in the comment, 2 in a list, 1 after handout's, 1 wrong; the unquoted and %%q ones are not quotes")
	require.Len(t, problems, 2, "problems: %q", problems)
	assert.Contains(t, problems[0], `p.go:8: "Task 1" is not a heading`)
	assert.Contains(t, problems[1], "p.go:9: quote the section's title")
}

func TestApplyInRegion(t *testing.T) {
	src := []byte("package p\n\nfunc f() int {\n\tx := 1\n\t//workshop:todo Return two.\n\treturn x + 1\n\t//workshop:stub return 0\n\t//workshop:end\n}\n")
	parse := func(text string) mutate.Mutation {
		m, err := mutate.Parse("m", []byte(text))
		require.NoError(t, err)
		return m
	}
	out, err := applyInRegion(parse("file: p.go\ndoc: off by one\n-- find --\nreturn x + 1\n-- replace --\nreturn x\n"), src)
	require.NoError(t, err, "an edit inside the region")
	assert.Contains(t, string(out), "\treturn x\n")

	_, err = applyInRegion(parse("file: p.go\ndoc: given code\n-- find --\nx := 1\n-- replace --\nx := 2\n"), src)
	require.Error(t, err, "an edit of given code, outside every region")
	assert.Contains(t, err.Error(), "changes line 4 of p.go, outside every //workshop:todo region")

	_, err = applyInRegion(parse("file: p.go\ndoc: gone\n-- find --\nreturn y\n-- replace --\nreturn x\n"), src)
	require.Error(t, err, "a find text that is not in the file")
	assert.True(t, strings.Contains(err.Error(), "no longer applies"), "error: %v", err)
}

func TestFirstMessage(t *testing.T) {
	assert.Equal(t, "what went wrong", firstMessage("node_test.go:12:\nError: Not equal\nMessages: what went wrong"), "testify's Messages field says the most")
	assert.Equal(t, "Error: Not equal", firstMessage("node_test.go:12:\nError: Not equal"), "without Messages, the first line with words")
}

func TestLearnerWrittenTests(t *testing.T) {
	ref := t.TempDir()
	write(t, filepath.Join(ref, "sum_test.go"), "package p\n\nimport \"testing\"\n\n"+
		"// TestGiven is given.\nfunc TestGiven(t *testing.T) {}\n\n"+
		"// TestSum is the learner's.\nfunc TestSum(t *testing.T) {\n\t//workshop:todo Write it.\n\tt.Log(1)\n\t//workshop:stub t.Fatal(\"not written\")\n\t//workshop:end\n}\n\n"+
		"func benchmarkSum(b *testing.B) {\n\t//workshop:todo Write it.\n\tb.Log(1)\n\t//workshop:end\n}\n")
	write(t, filepath.Join(ref, "sub", "fuzz_test.go"), "package sub\n\nimport \"testing\"\n\n"+
		"func FuzzParse(f *testing.F) {\n\tf.Fuzz(func(t *testing.T, b []byte) {\n\t\t//workshop:todo Check it.\n\t\tt.Log(b)\n\t\t//workshop:end\n\t})\n}\n")
	write(t, filepath.Join(ref, "testdata", "x_test.go"), "package x\n\nfunc TestIgnored(t *testing.T) {\n\t//workshop:todo No.\n\t//workshop:end\n}\n")
	got, err := learnerWrittenTests(ref)
	require.NoError(t, err)
	assert.Equal(t, []string{"FuzzParse", "TestSum"}, got, "the tests and fuzz targets whose body holds a marked region, in file order; not given tests, benchmarks' helpers or testdata")
}
