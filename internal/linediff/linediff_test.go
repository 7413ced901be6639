package linediff

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected diffs below are what GNU `diff -u` prints for the same texts,
// without its header's time stamps.
func TestUnified(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{name: "equal", old: "a\nb\n", new: "a\nb\n", want: ""},
		{
			name: "one changed line in the middle",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			new:  "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "two far changes make two hunks",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
			new:  "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n",
			want: "--- old\n+++ new\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n",
		},
		{
			name: "two near changes share a hunk",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n",
			new:  "one\n2\n3\n4\n5\n6\n7\neight\n",
			want: "--- old\n+++ new\n@@ -1,8 +1,8 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n",
		},
		{
			name: "from empty",
			old:  "",
			new:  "a\nb\n",
			want: "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n",
		},
		{
			name: "to empty",
			old:  "a\n",
			new:  "",
			want: "--- old\n+++ new\n@@ -1 +0,0 @@\n-a\n",
		},
		{
			name: "insertion after the first line",
			old:  "a\nc\n",
			new:  "a\nb\nc\n",
			want: "--- old\n+++ new\n@@ -1,2 +1,3 @@\n a\n+b\n c\n",
		},
		{
			name: "missing newline at the end",
			old:  "a\nb",
			new:  "a\nb\n",
			want: "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Unified("old", "new", tt.old, tt.new))
		})
	}
}

// TestLinesShortest checks on random texts that the edits turn a into b and
// are as few as the longest common subsequence allows.
func TestLinesShortest(t *testing.T) {
	for seed := range uint64(500) {
		rng := rand.New(rand.NewPCG(seed, 0))
		a, b := randomLines(rng), randomLines(rng)
		edits := Lines(a, b)

		var got []string
		changes := 0
		for _, e := range edits {
			switch e.Op {
			case Keep:
				require.Equal(t, a[e.Old], b[e.New], "seed %d: kept lines must be equal", seed)
				got = append(got, a[e.Old])
			case Insert:
				got = append(got, b[e.New])
				changes++
			case Delete:
				changes++
			}
		}
		require.Equal(t, strings.Join(b, ""), strings.Join(got, ""), "seed %d: the edits must turn a into b", seed)
		require.Equal(t, len(a)+len(b)-2*lcs(a, b), changes, "seed %d: the edits must be as few as possible", seed)
	}
}

// randomLines returns up to 12 lines drawn from a small alphabet, so that
// texts share many lines.
func randomLines(rng *rand.Rand) []string {
	lines := make([]string, rng.IntN(13))
	for i := range lines {
		lines[i] = string(rune('a'+rng.IntN(4))) + "\n"
	}
	return lines
}

// lcs returns the length of the longest common subsequence of a and b, by
// dynamic programming.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := range a {
		cur := make([]int, len(b)+1)
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}
