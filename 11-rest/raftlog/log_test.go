package raftlog_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/11-rest/raftlog"
	"raftgo/solutions/03-planning"
)

// entries returns entries numbered from first with the given terms.
func entries(first raft.Index, terms ...raft.Term) []raft.Entry {
	es := make([]raft.Entry, len(terms))
	for i, term := range terms {
		index := first + raft.Index(i)
		es[i] = raft.Entry{Term: term, Index: index, Data: []byte(fmt.Sprintf("%d/%d", index, term))}
	}
	return es
}

// based returns a log whose base is (10, 2) and which holds entries 11 to
// 13 of terms 2, 3, 3.
func based(t *testing.T) *raftlog.Log {
	t.Helper()
	l, err := raftlog.New(10, 2, entries(11, 2, 3, 3)...)
	require.NoError(t, err, "New with base 10/2 and entries 11 to 13 is given code")
	return l
}

// TestLogWithBase checks the reads of a log whose prefix is compacted
// (§7): it holds entries after its base, knows the base's term (the
// snapshot's LastIncludedTerm, which the consistency check of the next
// append needs), has no term for compacted indexes, and refuses to slice
// them. Handout: "1. A log with a base".
func TestLogWithBase(t *testing.T) {
	l := based(t)
	require.Equal(t, raft.Index(13), l.LastIndex(), "LastIndex of a log with base 10 holding 3 entries (handout: \"1. A log with a base\")")
	require.Equal(t, raft.Term(3), l.LastTerm(), "LastTerm")
	require.Equal(t, raft.Index(11), l.FirstIndex(), "FirstIndex: the one after the base")
	for _, tc := range []struct {
		index raft.Index
		term  raft.Term
		ok    bool
	}{{9, 0, false}, {10, 2, true}, {11, 2, true}, {13, 3, true}, {14, 0, false}} {
		term, ok := l.Term(tc.index)
		require.Equal(t, tc.ok, ok, "Term(%d) of a log with base 10/2 and entries 11 to 13: found? (handout: \"1. A log with a base\")", tc.index)
		require.Equal(t, tc.term, term, "Term(%d) of a log with base 10/2 and entries 11 to 13 (handout: \"1. A log with a base\")", tc.index)
	}
	got, err := l.Slice(11, 13)
	require.NoError(t, err, "Slice(11, 13) (handout: \"1. A log with a base\")")
	require.Equal(t, entries(11, 2, 3), got, "Slice(11, 13)")
	_, err = l.Slice(10, 12)
	require.ErrorIs(t, err, raftlog.ErrCompacted, "Slice(10, 12) reaches into the snapshot (handout: \"1. A log with a base\")")
	_, err = l.Slice(12, 15)
	require.Error(t, err, "Slice(12, 15) runs past the end")
	require.NotErrorIs(t, err, raftlog.ErrCompacted, "Slice(12, 15) runs past the end; nothing is compacted there")

	empty, err := raftlog.New(10, 2)
	require.NoError(t, err)
	require.Equal(t, raft.Index(10), empty.LastIndex(), "a log that holds only its base ends at the base (handout: \"1. A log with a base\")")
	require.Equal(t, raft.Term(2), empty.LastTerm(), "a log that holds only its base has the base's term last (§5.4.1 compares it in elections)")
}

// TestAppendAcrossBase checks the AppendEntries receiver on a compacted
// log: an append that follows the base checks against the base's term, and
// one that starts below the base skips the entries the snapshot already
// holds (they are committed, so they match) and appends the rest. Handout:
// "1. A log with a base".
func TestAppendAcrossBase(t *testing.T) {
	l := based(t)
	first, err := l.Append(10, 2, entries(11, 2, 3, 3, 4))
	require.NoError(t, err, "an append after the base, with the base's term (handout: \"1. A log with a base\")")
	require.Equal(t, raft.Index(14), first, "the first new index")

	l = based(t)
	_, err = l.Append(10, 1, entries(11, 2))
	var conflict *raftlog.ConflictError
	require.ErrorAs(t, err, &conflict, "an append after the base with a term other than the base's must be refused (Figure 2, AppendEntries rule 2)")

	l = based(t)
	first, err = l.Append(8, 2, entries(9, 2, 2, 2, 3, 3, 3))
	require.NoError(t, err, "an append from below the base: entries 9 and 10 are in the snapshot (handout: \"1. A log with a base\")")
	require.Equal(t, raft.Index(14), first, "entries 9 to 13 are already there; only 14 is new")
	require.Equal(t, raft.Index(14), l.LastIndex())

	l = based(t)
	first, err = l.Append(5, 1, entries(6, 1, 2))
	require.NoError(t, err, "an append that ends below the base is an old duplicate: nothing to do")
	require.Equal(t, raft.Index(0), first, "nothing written")
	require.Equal(t, raft.Index(13), l.LastIndex(), "the log must be unchanged")
}

// TestCompact checks compaction (§7): the entries up to an index go and the
// entry at that index becomes the base, with its term; the entries after
// it stay, and slices taken before are not overwritten. Handout: "2.
// Compaction".
func TestCompact(t *testing.T) {
	l, err := raftlog.New(0, 0, entries(1, 1, 1, 2, 2, 3)...)
	require.NoError(t, err)
	before, err := l.Slice(4, 6)
	require.NoError(t, err)
	require.NoError(t, l.Compact(3), "Compact(3) (handout: \"2. Compaction\")")
	index, term := l.Base()
	require.Equal(t, raft.Index(3), index, "the base after Compact(3)")
	require.Equal(t, raft.Term(2), term, "the base's term after Compact(3): entry 3's term")
	require.Equal(t, raft.Index(4), l.FirstIndex(), "the first index after Compact(3)")
	got, err := l.Slice(4, 6)
	require.NoError(t, err)
	require.Equal(t, entries(4, 2, 3), got, "entries 4 and 5 stay")
	require.Equal(t, entries(4, 2, 3), before, "a slice taken before compaction is unchanged")
	require.NoError(t, l.Compact(2), "compacting below the base changes nothing")
	require.Equal(t, raft.Index(4), l.FirstIndex())
	require.Error(t, l.Compact(9), "Compact past the end of the log must fail")
	require.NoError(t, l.Compact(5))
	require.Equal(t, raft.Index(5), l.LastIndex(), "compacting everything leaves the base as the last index")
	require.Equal(t, raft.Term(3), l.LastTerm())
}

// TestRestore checks Figure 13's receiver rules 6 and 7 on the log: a
// snapshot whose last entry the log holds with the same term keeps the
// entries after it; any other snapshot discards the whole log. Handout:
// "5. Installing a snapshot".
func TestRestore(t *testing.T) {
	l := based(t)
	require.True(t, l.Restore(12, 3), "Restore(12, 3) on a log holding 12 with term 3 keeps what follows (Figure 13, rule 6; handout: \"5. Installing a snapshot\")")
	require.Equal(t, raft.Index(13), l.LastIndex(), "entry 13 is kept (Figure 13, rule 6)")
	require.Equal(t, raft.Index(13), l.FirstIndex())

	l = based(t)
	require.False(t, l.Restore(12, 4), "Restore(12, 4) on a log holding 12 with term 3 (Figure 13, rule 7)")
	require.Equal(t, raft.Index(12), l.LastIndex(), "a snapshot that conflicts with the log discards it all (Figure 13, rule 7: \"Discard the entire log\")")
	require.Equal(t, raft.Term(4), l.LastTerm(), "the snapshot's term is the base's")

	l = based(t)
	require.False(t, l.Restore(20, 5), "Restore past the end of the log (Figure 13, rule 7)")
	require.Equal(t, raft.Index(21), l.FirstIndex(), "the snapshot is the new base")
}
