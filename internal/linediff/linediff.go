// Package linediff compares two texts line by line and writes their
// differences as a unified diff, the format of `diff -u`.
package linediff

import (
	"fmt"
	"strings"
)

// An Op says what an edit does with a line.
type Op int

const (
	Keep   Op = iota // the line is in both texts
	Delete           // the line is only in the old text
	Insert           // the line is only in the new text
)

// An Edit is one step of turning the old lines into the new ones.
type Edit struct {
	Op Op
	// Old and New are the positions of the line in the old and the new
	// lines. For an insertion, Old is the number of old lines before it;
	// for a deletion, New is the number of new lines before it.
	Old, New int
}

// Lines returns a shortest list of edits that turns the lines a into b,
// found with Myers' algorithm ("An O(ND) Difference Algorithm and Its
// Variations", 1986). It takes time O((len(a)+len(b))·D) and memory O(D²),
// where D is the number of lines deleted and inserted, which is fine for
// source files.
func Lines(a, b []string) []Edit {
	trace := forward(a, b)
	return backward(trace, len(a), len(b))
}

// forward runs Myers' search and returns, for each number of edits d, the
// furthest-reaching x on every diagonal k = x-y as it was before round d:
// trace[d][k+d+1] for k from -d-1 to d+1.
func forward(a, b []string) [][]int {
	n, m := len(a), len(b)
	offset := n + m + 1
	v := make([]int, 2*offset+1) // v[offset+k] is the furthest x on diagonal k
	var trace [][]int
	for d := 0; ; d++ {
		trace = append(trace, append([]int(nil), v[offset-d-1:offset+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[offset+k-1] < v[offset+k+1] {
				x = v[offset+k+1] // step down from diagonal k+1: an insertion
			} else {
				x = v[offset+k-1] + 1 // step right from diagonal k-1: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1 // follow the snake of equal lines
			}
			v[offset+k] = x
			if x >= n && y >= m {
				return trace
			}
		}
	}
}

// backward walks the trace from the end of both texts to their start and
// returns the edits in order.
func backward(trace [][]int, n, m int) []Edit {
	var rev []Edit
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		v := func(k int) int { return trace[d][k+d+1] }
		k := x - y
		prevK := k - 1
		if k == -d || k != d && v(k-1) < v(k+1) {
			prevK = k + 1
		}
		prevX := v(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, Edit{Keep, x, y})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			rev = append(rev, Edit{Insert, x, prevY})
		} else {
			rev = append(rev, Edit{Delete, prevX, y})
		}
		x, y = prevX, prevY
	}
	edits := make([]Edit, len(rev))
	for i, e := range rev {
		edits[len(rev)-1-i] = e
	}
	return edits
}

// Context is the number of unchanged lines a unified diff shows around each
// change.
const Context = 3

// Unified returns the differences between the texts old and new as a
// unified diff with the given file names in its header, or "" if the texts
// are equal. A last line without a newline is marked as `diff` marks it.
func Unified(oldName, newName, old, new string) string {
	if old == new {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	edits := Lines(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	for _, h := range hunks(edits) {
		writeHunk(&out, edits[h.start:h.end], a, b)
	}
	return out.String()
}

// A hunk is the range edits[start:end] of one block of a unified diff.
type hunk struct{ start, end int }

// hunks groups the changes into hunks with Context lines around them;
// changes closer than 2·Context lines share a hunk.
func hunks(edits []Edit) []hunk {
	var hs []hunk
	i := 0
	for {
		for i < len(edits) && edits[i].Op == Keep {
			i++
		}
		if i == len(edits) {
			return hs
		}
		start, end := max(i-Context, 0), i
		for end < len(edits) {
			if edits[end].Op != Keep {
				end++
				continue
			}
			j := end // the end of this run of kept lines
			for j < len(edits) && edits[j].Op == Keep {
				j++
			}
			if j == len(edits) || j-end > 2*Context {
				break
			}
			end = j
		}
		hs = append(hs, hunk{start, min(end+Context, len(edits))})
		i = end
	}
}

// writeHunk writes one hunk: its @@ header and its lines.
func writeHunk(out *strings.Builder, edits []Edit, a, b []string) {
	var oldCount, newCount int
	for _, e := range edits {
		if e.Op != Insert {
			oldCount++
		}
		if e.Op != Delete {
			newCount++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", span(edits[0].Old, oldCount), span(edits[0].New, newCount))
	for _, e := range edits {
		switch e.Op {
		case Keep:
			writeLine(out, ' ', a[e.Old])
		case Delete:
			writeLine(out, '-', a[e.Old])
		case Insert:
			writeLine(out, '+', b[e.New])
		}
	}
}

// span formats a hunk's line range that starts at the 0-based position
// first: "3" for one line, "3,4" for four, and "2,0" for none (an empty range
// names the line before it).
func span(first, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", first)
	case 1:
		return fmt.Sprint(first + 1)
	}
	return fmt.Sprintf("%d,%d", first+1, count)
}

// writeLine writes one line of a hunk with its prefix.
func writeLine(out *strings.Builder, prefix byte, line string) {
	out.WriteByte(prefix)
	out.WriteString(line)
	if !strings.HasSuffix(line, "\n") {
		out.WriteString("\n\\ No newline at end of file\n")
	}
}

// splitLines splits text into lines that keep their newline, so that a last
// line without one differs from the same line with one.
func splitLines(text string) []string {
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // text ends with a newline, or is empty
	}
	return lines
}
