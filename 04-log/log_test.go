package raftlog_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/04-log"
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

// logOf returns a log whose entries, from index 1, have the given terms.
func logOf(t testing.TB, terms ...raft.Term) *raftlog.Log {
	t.Helper()
	l, err := raftlog.New(entries(1, terms...)...)
	require.NoError(t, err, "New with terms %v: New is given code and accepts any well-formed log; did checkSequence change?", terms)
	require.NotNil(t, l, "New returned a nil log without an error")
	return l
}

// termsOf returns the terms of the log's entries, in order, read through Term.
func termsOf(t testing.TB, l *raftlog.Log) []raft.Term {
	t.Helper()
	terms := []raft.Term{}
	for i := raft.Index(1); i <= l.LastIndex(); i++ {
		term, ok := l.Term(i)
		if !ok {
			require.FailNow(t, "Term reports no entry inside the log", "Term(%d) reports no entry, but LastIndex is %d (handout: \"1. Reading the log\", \"Indexes and terms\")", i, l.LastIndex())
		}
		terms = append(terms, term)
	}
	return terms
}

// equalTerms asserts that two logs, given by their terms, are equal. It
// compares them printed, so that a failure shows the terms as numbers.
func equalTerms(t testing.TB, want, got []raft.Term, msgAndArgs ...any) bool {
	t.Helper()
	return assert.Equal(t, fmt.Sprint(want), fmt.Sprint(got), msgAndArgs...)
}

// requireTerms is equalTerms that stops the test on a failure.
func requireTerms(t testing.TB, want, got []raft.Term, msgAndArgs ...any) {
	t.Helper()
	if !equalTerms(t, want, got, msgAndArgs...) {
		t.FailNow()
	}
}

// requireConflict checks that err is a *ConflictError and returns it.
func requireConflict(t testing.TB, err error, msg string) *raftlog.ConflictError {
	t.Helper()
	var conflict *raftlog.ConflictError
	require.ErrorAs(t, err, &conflict, "%s: Append must return a *ConflictError when the entry at prevIndex is missing or has another term (Figure 2, AppendEntries rule 2; handout: \"3. Append\", \"The conflict hint\")", msg)
	return conflict
}

// TestEmptyLog checks the empty log, both the zero Log and New(): its last
// index and last term are 0, index 0 (the empty prefix) has term 0, and
// index 1 has no entry. Handout: "1. Reading the log", "Indexes and
// terms".
func TestEmptyLog(t *testing.T) {
	fromNew := logOf(t)
	for name, l := range map[string]*raftlog.Log{"zero Log": new(raftlog.Log), "New()": fromNew} {
		assert.Equal(t, raft.Index(0), l.LastIndex(), "%s: LastIndex of an empty log", name)
		assert.Equal(t, raft.Term(0), l.LastTerm(), "%s: LastTerm of an empty log", name)
		term, ok := l.Term(0)
		assert.True(t, ok && term == 0, "%s: Term(0) = %d, %t; want 0, true: index 0 is the empty prefix, whose term is 0 (handout: \"1. Reading the log\", \"Indexes and terms\")", name, term, ok)
		term, ok = l.Term(1)
		assert.True(t, !ok && term == 0, "%s: Term(1) = %d, %t; want 0, false: an empty log has no entry 1", name, term, ok)
	}
}

// TestTermAndLastIndex checks Term, LastIndex and LastTerm on a log with
// entries of terms 1, 1, 2: each index reports its entry's term, index 0
// reports term 0, and indexes past the end report no entry. Handout: "1. Reading the log",
// "Indexes and terms".
func TestTermAndLastIndex(t *testing.T) {
	l := logOf(t, 1, 1, 2)
	assert.Equal(t, raft.Index(3), l.LastIndex(), "LastIndex of a log of 3 entries")
	assert.Equal(t, raft.Term(2), l.LastTerm(), "LastTerm of the log 1,1,2")
	for i, want := range []raft.Term{0, 1, 1, 2} {
		term, ok := l.Term(raft.Index(i))
		assert.True(t, ok && term == want, "Term(%d) = %d, %t; want %d, true (handout: \"1. Reading the log\", \"Indexes and terms\")", i, term, ok, want)
	}
	for _, i := range []raft.Index{4, 5, 1 << 62} {
		term, ok := l.Term(i)
		assert.True(t, !ok && term == 0, "Term(%d) = %d, %t on a log ending at 3; want 0, false", i, term, ok)
	}
}

// TestSlice checks Slice(lo, hi): the entries with indexes in [lo, hi), an
// empty result for lo == hi (even just past the end), and an error, not a
// panic, for a range outside [1, LastIndex()+1). Handout: "2. Slice", "Slices that stay
// put".
func TestSlice(t *testing.T) {
	l := logOf(t, 1, 1, 2, 3)
	for _, r := range [][2]raft.Index{{1, 5}, {2, 4}, {4, 5}, {3, 3}, {5, 5}} {
		got, err := l.Slice(r[0], r[1])
		require.NoError(t, err, "Slice(%d, %d) of a log ending at 4", r[0], r[1])
		want := entries(r[0], []raft.Term{1, 1, 2, 3}[r[0]-1:r[1]-1]...)
		assert.Equal(t, want, append([]raft.Entry{}, got...), "Slice(%d, %d) must hold the entries with indexes %d to %d (half-open, like a Go slice expression)", r[0], r[1], r[0], r[1]-1)
	}
	for _, r := range [][2]raft.Index{{0, 2}, {0, 0}, {3, 2}, {1, 6}, {6, 6}, {5, 1 << 62}} {
		got, err := l.Slice(r[0], r[1])
		assert.Error(t, err, "Slice(%d, %d) of a log holding [1, 4] is out of range and must return an error (handout: \"2. Slice\", \"Slices that stay put\")", r[0], r[1])
		assert.Nil(t, got, "Slice(%d, %d) returned entries with its error", r[0], r[1])
	}
}

// TestSliceStaysPut checks that entries returned by Slice never change when
// the log changes later: a leader sends them in a message while its log
// moves on. Handout: "2. Slice", "Slices that stay put".
func TestSliceStaysPut(t *testing.T) {
	l := logOf(t, 1, 1, 1)
	got, err := l.Slice(1, 3)
	require.NoError(t, err, "Slice(1, 3) of a log ending at 3")
	kept := slices.Clone(got)

	_, err = l.Append(2, 1, entries(3, 2, 2))
	require.NoError(t, err, "Append(2, 1, [3/2 4/2]) replaces entry 3 and adds entry 4")
	_, err = l.Append(4, 2, entries(5, 2))
	require.NoError(t, err, "Append(4, 2, [5/2]) adds entry 5")
	assert.Equal(t, kept, got, "entries returned by Slice changed when the log changed: cap the slice you return (s[lo:hi:hi]) and never write into an array a caller holds")

	prefix, err := l.Slice(1, 3)
	require.NoError(t, err, "Slice(1, 3) of a log ending at 5")
	_ = append(prefix, raft.Entry{Term: 9, Index: 3})
	assert.Equal(t, raft.Term(2), mustTerm(t, l, 3), "appending to a slice returned by Slice changed the log's entry 3: cap the slice you return")
}

// mustTerm returns the term of entry i, failing the test if there is none.
func mustTerm(t testing.TB, l *raftlog.Log, i raft.Index) raft.Term {
	t.Helper()
	term, ok := l.Term(i)
	require.True(t, ok, "Term(%d): the log ending at %d has no entry %d", i, l.LastIndex(), i)
	return term
}

// TestAppendToEnd checks the plain case: entries that follow the last
// entry are added, and Append returns the index of the first one written.
// Figure 2, AppendEntries rule 4. Handout: "3. Append", "Append: the receiver's rules".
func TestAppendToEnd(t *testing.T) {
	l := new(raftlog.Log)
	first, err := l.Append(0, 0, entries(1, 1, 1))
	require.NoError(t, err, "Append(0, 0, [1/1 2/1]) to an empty log: index 0 always matches with term 0")
	assert.Equal(t, raft.Index(1), first, "Append returns the index of the first entry it wrote")

	first, err = l.Append(2, 1, entries(3, 2))
	require.NoError(t, err, "Append(2, 1, [3/2]) after the log's last entry 2/1")
	assert.Equal(t, raft.Index(3), first, "Append returns the index of the first entry it wrote")
	equalTerms(t, []raft.Term{1, 1, 2}, termsOf(t, l), "the log after appending 3/2 (Figure 2, AppendEntries rule 4: append any new entries)")
	got, err := l.Slice(3, 4)
	require.NoError(t, err, "Slice(3, 4)")
	assert.Equal(t, entries(3, 2), got, "the appended entry must be stored whole, data included")
}

// TestAppendNoHoles checks that an append whose prevIndex is past the end
// of the log is rejected and changes nothing: a log never has holes.
// Figure 2, AppendEntries rule 2. Handout: "3. Append", "Append: the receiver's rules".
func TestAppendNoHoles(t *testing.T) {
	l := logOf(t, 1, 1)
	first, err := l.Append(3, 1, entries(4, 1))
	requireConflict(t, err, "Append(3, 1, [4/1]) to a log ending at 2")
	assert.Equal(t, raft.Index(0), first, "a rejected append writes nothing and returns 0")
	equalTerms(t, []raft.Term{1, 1}, termsOf(t, l), "a rejected append must leave the log unchanged (no holes: Figure 2, AppendEntries rule 2)")
}

// TestAppendPrevTermMustMatch checks that an append whose prevIndex holds
// an entry of another term than prevTerm is rejected and changes nothing.
// Figure 2, AppendEntries rule 2; the Log Matching Property, §5.3. Handout:
// "3. Append", "Append: the receiver's rules".
func TestAppendPrevTermMustMatch(t *testing.T) {
	l := logOf(t, 1, 1, 2)
	_, err := l.Append(3, 3, entries(4, 3))
	requireConflict(t, err, "Append(3, 3, [4/3]) to a log whose entry 3 has term 2")
	_, err = l.Append(2, 2, entries(3, 2, 2))
	requireConflict(t, err, "Append(2, 2, [3/2 4/2]) to a log whose entry 2 has term 1")
	equalTerms(t, []raft.Term{1, 1, 2}, termsOf(t, l), "a rejected append must leave the log unchanged (Figure 2, AppendEntries rule 2)")
}

// TestAppendIsIdempotent checks that an append the log already holds
// changes nothing, and that a delayed append carrying fewer entries than a
// later one never truncates the entries the later one added. Figure 2,
// AppendEntries rule 3 deletes only on a conflict. Handout: "3. Append", "Append: the
// receiver's rules".
func TestAppendIsIdempotent(t *testing.T) {
	l := logOf(t, 1)
	_, err := l.Append(1, 1, entries(2, 1, 2, 2))
	require.NoError(t, err, "Append(1, 1, [2/1 3/2 4/2])")

	first, err := l.Append(1, 1, entries(2, 1, 2, 2))
	require.NoError(t, err, "the same append again")
	assert.Equal(t, raft.Index(0), first, "repeating an append writes nothing and returns 0")
	equalTerms(t, []raft.Term{1, 1, 2, 2}, termsOf(t, l), "repeating an append must leave the log unchanged")

	first, err = l.Append(1, 1, entries(2, 1))
	require.NoError(t, err, "a delayed Append(1, 1, [2/1]) that the log already holds")
	assert.Equal(t, raft.Index(0), first, "a delayed append the log already holds writes nothing and returns 0")
	equalTerms(t, []raft.Term{1, 1, 2, 2}, termsOf(t, l), "a delayed, shorter append must not truncate entries that match (Figure 2, AppendEntries rule 3 deletes only on a conflict; handout: \"3. Append\", \"Append: the receiver's rules\")")
}

// TestHeartbeat checks an append with no entries, the leader's heartbeat:
// it succeeds, writes nothing and changes nothing when the entry at
// prevIndex has prevTerm, even when the log holds more after it; and it is
// rejected like any append when the check fails. Figure 2, AppendEntries
// rules 2 to 4. Handout: "3. Append", "Append: the receiver's rules".
func TestHeartbeat(t *testing.T) {
	l := logOf(t, 1, 1, 2)
	for _, prev := range []struct {
		index raft.Index
		term  raft.Term
	}{{0, 0}, {2, 1}, {3, 2}} {
		first, err := l.Append(prev.index, prev.term, nil)
		require.NoError(t, err, "heartbeat Append(%d, %d, nil) on the log 1,1,2: the check passes", prev.index, prev.term)
		assert.Equal(t, raft.Index(0), first, "a heartbeat writes nothing and returns 0")
	}
	equalTerms(t, []raft.Term{1, 1, 2}, termsOf(t, l), "a heartbeat must not change the log, not even the entries after prevIndex")

	_, err := l.Append(4, 2, nil)
	requireConflict(t, err, "heartbeat Append(4, 2, nil) on a log ending at 3")
	_, err = l.Append(3, 1, nil)
	requireConflict(t, err, "heartbeat Append(3, 1, nil) on a log whose entry 3 has term 2")
}

// TestAppendDeletesConflict checks that when a new entry conflicts with an
// existing one (same index, different term), that entry and all that
// follow it are deleted before the new entries go in, and that Append
// returns the index of the first entry it wrote. Figure 2, AppendEntries
// rule 3. Handout: "3. Append", "Append: the receiver's rules".
func TestAppendDeletesConflict(t *testing.T) {
	l := logOf(t, 1, 1, 2, 2, 2)
	first, err := l.Append(1, 1, entries(2, 1, 3))
	require.NoError(t, err, "Append(1, 1, [2/1 3/3]) to the log 1,1,2,2,2")
	assert.Equal(t, raft.Index(3), first, "entry 2 was already there; the first entry written is 3")
	equalTerms(t, []raft.Term{1, 1, 3}, termsOf(t, l), "entry 3 conflicts: it and all that follow it must be deleted, and 3/3 appended (Figure 2, AppendEntries rule 3)")

	first, err = l.Append(1, 1, entries(2, 4))
	require.NoError(t, err, "Append(1, 1, [2/4]) to the log 1,1,3")
	assert.Equal(t, raft.Index(2), first, "Append returns the index of the first entry it wrote")
	equalTerms(t, []raft.Term{1, 4}, termsOf(t, l), "entry 2 conflicts: the log must end with the new entry 2/4")
}

// TestAppendRejectsMalformed checks that Append rejects entries that cannot
// follow prevIndex (a gap, a repeated index, term 0, a term lower than
// prevTerm or than the entry before), and prevIndex 0 with a term other
// than 0, with an error that is not a *ConflictError, and changes nothing.
// A leader never sends these: they are bugs, not conflicts. Handout:
// "3. Append", "Append: the receiver's rules".
func TestAppendRejectsMalformed(t *testing.T) {
	l := logOf(t, 1, 2, 2)
	for name, c := range map[string]struct {
		prevIndex raft.Index
		prevTerm  raft.Term
		entries   []raft.Entry
	}{
		"gap":                 {3, 2, entries(5, 2)},
		"repeated index":      {3, 2, append(entries(4, 2), entries(4, 2)...)},
		"index before prev":   {3, 2, entries(3, 2)},
		"term 0":              {3, 2, entries(4, 0)},
		"term below prevTerm": {3, 2, entries(4, 1)},
		"decreasing terms":    {3, 2, entries(4, 3, 2)},
		"index 0 with term 1": {0, 1, entries(1, 1)},
	} {
		first, err := l.Append(c.prevIndex, c.prevTerm, c.entries)
		require.Error(t, err, "%s: Append(%d, %d, %v) is malformed and must be rejected", name, c.prevIndex, c.prevTerm, c.entries)
		var conflict *raftlog.ConflictError
		assert.False(t, errors.As(err, &conflict), "%s: a malformed append is a bug in the caller, not a conflict: return a plain error, not a *ConflictError (checkSequence does it)", name)
		assert.Equal(t, raft.Index(0), first, "%s: a rejected append returns 0", name)
	}
	equalTerms(t, []raft.Term{1, 2, 2}, termsOf(t, l), "rejected appends must leave the log unchanged")
}

// TestConflictHint checks the hint a rejection carries (§5.3, "If desired,
// the protocol can be optimized…"): when the log is too short, Term is 0 and
// Index is LastIndex()+1; otherwise Term is the term of the entry at
// prevIndex and Index the first index holding that term. Handout: "4. The hint", "The
// conflict hint".
func TestConflictHint(t *testing.T) {
	l := logOf(t, 1, 1, 1, 4, 4, 5, 5) // Figure 7's leader log up to index 7
	for _, c := range []struct {
		prevIndex raft.Index
		prevTerm  raft.Term
		want      raftlog.ConflictError
	}{
		{10, 6, raftlog.ConflictError{PrevIndex: 10, PrevTerm: 6, Index: 8, Term: 0}},
		{8, 6, raftlog.ConflictError{PrevIndex: 8, PrevTerm: 6, Index: 8, Term: 0}},
		{7, 6, raftlog.ConflictError{PrevIndex: 7, PrevTerm: 6, Index: 6, Term: 5}},
		{6, 6, raftlog.ConflictError{PrevIndex: 6, PrevTerm: 6, Index: 6, Term: 5}},
		{5, 3, raftlog.ConflictError{PrevIndex: 5, PrevTerm: 3, Index: 4, Term: 4}},
		{3, 2, raftlog.ConflictError{PrevIndex: 3, PrevTerm: 2, Index: 1, Term: 1}},
		{1, 2, raftlog.ConflictError{PrevIndex: 1, PrevTerm: 2, Index: 1, Term: 1}},
	} {
		_, err := l.Append(c.prevIndex, c.prevTerm, nil)
		got := requireConflict(t, err, fmt.Sprintf("Append(%d, %d, nil) to the log 1,1,1,4,4,5,5", c.prevIndex, c.prevTerm))
		assert.Equal(t, c.want, *got, "the hint for Append(%d, %d, nil) to the log 1,1,1,4,4,5,5 (handout: \"4. The hint\", \"The conflict hint\")", c.prevIndex, c.prevTerm)
		assert.NotEmpty(t, got.Error(), "the conflict's message")
	}
}

// TestLastIndexOfTerm checks LastIndexOfTerm, which a leader uses to act on
// a follower's hint: the index of the last entry of a term, or 0 if the log
// holds none of it. Handout: "5. The last entry of a term", "The conflict hint".
func TestLastIndexOfTerm(t *testing.T) {
	l := logOf(t, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6) // Figure 7's leader log
	for term, want := range map[raft.Term]raft.Index{1: 3, 2: 0, 3: 0, 4: 5, 5: 7, 6: 10, 7: 0, 0: 0} {
		assert.Equal(t, want, l.LastIndexOfTerm(term), "LastIndexOfTerm(%d) in Figure 7's leader log 1,1,1,4,4,5,5,6,6,6", term)
	}
	assert.Equal(t, raft.Index(0), new(raftlog.Log).LastIndexOfTerm(1), "LastIndexOfTerm(1) in an empty log")
}

// TestIsUpToDate checks the comparison of §5.4.1 that a voter makes: a log
// whose last entry has a later term is more up-to-date; with equal last
// terms, the longer log is; a log exactly as up-to-date counts. Handout: "6. Up to date",
// "Up to date".
func TestIsUpToDate(t *testing.T) {
	l := logOf(t, 1, 1, 2, 2) // last entry 4/2
	for _, c := range []struct {
		lastIndex raft.Index
		lastTerm  raft.Term
		want      bool
		why       string
	}{
		{4, 2, true, "same last term, same length: as up-to-date counts"},
		{5, 2, true, "same last term, longer"},
		{3, 2, false, "same last term, shorter"},
		{1, 3, true, "later last term wins though shorter"},
		{9, 1, false, "earlier last term loses though longer"},
		{0, 0, false, "an empty log is behind any non-empty log"},
	} {
		assert.Equal(t, c.want, l.IsUpToDate(c.lastIndex, c.lastTerm), "IsUpToDate(%d, %d) against the log ending 4/2: %s (§5.4.1)", c.lastIndex, c.lastTerm, c.why)
	}
	assert.True(t, new(raftlog.Log).IsUpToDate(0, 0), "IsUpToDate(0, 0) against an empty log: two empty logs are as up-to-date")
}

// figure7Leader is the log of the leader of term 8 in Figure 7 of the paper,
// indexes 1 to 10.
var figure7Leader = []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}

// figure7Followers are the followers (a) to (f) of Figure 7, each with what
// the leader's repair makes of its log and the AppendEntries round trips the
// repair takes with the conflict hint and backing up one index at a time.
var figure7Followers = []struct {
	name                 string
	log                  []raft.Term
	repaired             []raft.Term
	withHint, oneAtATime int
}{
	{"a", []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6}, figure7Leader, 2, 2},
	{"b", []raft.Term{1, 1, 1, 4}, figure7Leader, 2, 7},
	{"c", []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, 1, 1},
	{"d", []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, 1, 1},
	{"e", []raft.Term{1, 1, 1, 4, 4, 4, 4}, figure7Leader, 3, 6},
	{"f", []raft.Term{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, figure7Leader, 3, 8},
}

// repair plays the leader's side of log repair against follower: send the
// entries from next on, and on a rejection back up, with the hint (§5.3)
// or one index at a time, until an append succeeds. It returns the number
// of appends it took.
func repair(t *testing.T, leader, follower *raftlog.Log, useHint bool) int {
	t.Helper()
	next := leader.LastIndex() + 1
	for trips := 1; trips <= 20; trips++ {
		prevTerm := mustTerm(t, leader, next-1)
		send, err := leader.Slice(next, leader.LastIndex()+1)
		require.NoError(t, err, "the leader's Slice(%d, %d)", next, leader.LastIndex()+1)
		_, err = follower.Append(next-1, prevTerm, send)
		if err == nil {
			return trips
		}
		conflict := requireConflict(t, err, fmt.Sprintf("Append(%d, %d, …) during the repair", next-1, prevTerm))
		switch {
		case !useHint:
			next--
		case conflict.Term != 0 && leader.LastIndexOfTerm(conflict.Term) != 0:
			next = leader.LastIndexOfTerm(conflict.Term) + 1
		default:
			next = conflict.Index
		}
		require.Less(t, next-1, conflict.PrevIndex, "the hint must make the leader back up: Append(%d, …) was rejected with %+v (handout: \"4. The hint\", \"The conflict hint\")", conflict.PrevIndex, *conflict)
	}
	require.FailNow(t, "the repair did not finish within 20 appends")
	return 0
}

// TestFigure7 replays Figure 7 of the paper: the leader of term 8 repairs
// each follower (a) to (f) by sending its entries from nextIndex and backing
// up on each rejection (§5.3). After the repair, each follower's first 10
// entries equal the leader's; (c) and (d) keep their extra entries, because
// only a conflicting entry deletes anything (Figure 2, AppendEntries rule
// 3), until the leader's next entry 11/8 conflicts with them. The test also
// counts the appends each repair takes with the conflict hint and one index
// at a time. Handout: "4. The hint", "5. The last entry of a
// term", "Figure 7".
func TestFigure7(t *testing.T) {
	for _, f := range figure7Followers {
		t.Run(f.name, func(t *testing.T) {
			for _, useHint := range []bool{true, false} {
				leader, follower := logOf(t, figure7Leader...), logOf(t, f.log...)
				trips := repair(t, leader, follower, useHint)
				equalTerms(t, f.repaired, termsOf(t, follower), "follower (%s) after the repair (hint: %t): it must hold the leader's 10 entries, and anything after them that nothing conflicted with (handout: \"Figure 7\")", f.name, useHint)
				want, how := f.oneAtATime, "backing up one index at a time"
				if useHint {
					want, how = f.withHint, "backing up with the conflict hint"
				}
				assert.Equal(t, want, trips, "appends to repair follower (%s), %s (handout: \"Figure 7\")", f.name, how)

				// The leader's next entry, 11/8, reaches the repaired follower.
				_, err := leader.Append(10, 6, entries(11, 8))
				require.NoError(t, err, "the leader appends 11/8 to its own log")
				_, err = follower.Append(10, 6, entries(11, 8))
				require.NoError(t, err, "Append(10, 6, [11/8]) to repaired follower (%s)", f.name)
				equalTerms(t, termsOf(t, leader), termsOf(t, follower), "follower (%s) after receiving 11/8: a conflicting entry 11 and all after it must go (Figure 2, AppendEntries rule 3)", f.name)
			}
		})
	}
}

// TestAppendFromOneLeaderConverges checks a property, over many random
// runs: take a leader's log L and a follower that holds a prefix of L and
// then entries of terms L never had. Apply appends taken from L (each
// Append(p, L.term(p), L[p+1..q]) for random p <= q) in random order, with
// repeats. Then after every append:
//
//   - it succeeds exactly when the follower held an entry p of term L.term(p);
//   - if it fails, the log is unchanged;
//   - if it succeeds, the follower holds L[1..q], and past q it holds what
//     it held before if nothing in (p, q] conflicted, or nothing otherwise;
//   - so the prefix the follower shares with L never shrinks.
//
// Finally, Append(0, 0, L) makes the follower equal to L. A failure prints
// the seed, the logs and the append. Handout: "3. Append", "Append: the receiver's rules".
func TestAppendFromOneLeaderConverges(t *testing.T) {
	for seed := range uint64(300) {
		if !checkConvergence(t, seed) {
			return // one failing seed is enough to read
		}
	}
}

// checkConvergence runs one random case of TestAppendFromOneLeaderConverges
// and reports whether it passed.
func checkConvergence(t *testing.T, seed uint64) bool {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 4))
	// The leader's terms are even and the follower's own are odd, so that
	// no follower entry after the prefix they share matches the leader's.
	leaderTerms := doubled(randomTerms(rng, 1+rng.IntN(20), 1), 0)
	shared := rng.IntN(len(leaderTerms))
	var lastShared raft.Term
	if shared > 0 {
		lastShared = leaderTerms[shared-1]
	}
	own := doubled(randomTerms(rng, rng.IntN(8), int(lastShared/2)), 1)
	followerTerms := append(slices.Clone(leaderTerms[:shared]), own...)
	leader, follower := logOf(t, leaderTerms...), logOf(t, followerTerms...)

	trace := steps{fmt.Sprintf("seed %d: leader log %v, follower log %v", seed, leaderTerms, followerTerms)}
	for range 30 {
		p := raft.Index(rng.IntN(int(leader.LastIndex()) + 1))
		q := p + raft.Index(rng.IntN(int(leader.LastIndex()-p)+1))
		prevTerm := mustTerm(t, leader, p)
		send, err := leader.Slice(p+1, q+1)
		require.NoError(t, err, "the leader's Slice(%d, %d)", p+1, q+1)

		before := termsOf(t, follower)
		heldPrev := raft.Index(len(before)) >= p && (p == 0 || before[p-1] == prevTerm)
		_, err = follower.Append(p, prevTerm, send)
		after := termsOf(t, follower)
		trace = append(trace, fmt.Sprintf("  Append(%d, %d, entries %d..%d) to %v gave %v (err: %v)", p, prevTerm, p+1, q, before, after, err))

		if !heldPrev {
			if !assert.Error(t, err, "%s\nthe follower has no entry %d of term %d: the append must fail (Figure 2, AppendEntries rule 2)", trace, p, prevTerm) ||
				!equalTerms(t, before, after, "%s\na failed append must change nothing", trace) {
				return false
			}
			continue
		}
		if !assert.NoError(t, err, "%s\nthe follower holds entry %d of term %d: the append must succeed", trace, p, prevTerm) {
			return false
		}
		wantTerms := termsOf(t, leader)[:q]
		conflicted := slices.ContainsFunc(send, func(e raft.Entry) bool {
			return raft.Index(len(before)) >= e.Index && before[e.Index-1] != e.Term
		})
		if !conflicted && len(before) > int(q) {
			wantTerms = append(wantTerms, before[q:]...)
		}
		if !equalTerms(t, wantTerms, after, "%s\nthe follower must hold the leader's entries up to %d, and after them what it held before unless a new entry conflicted (Figure 2, AppendEntries rules 3 and 4; a matching entry is never deleted)", trace, q) {
			return false
		}
	}
	all, err := leader.Slice(1, leader.LastIndex()+1)
	require.NoError(t, err, "the leader's Slice of its whole log")
	_, err = follower.Append(0, 0, all)
	return assert.NoError(t, err, "%s\nAppend(0, 0, the leader's whole log)", trace) &&
		equalTerms(t, termsOf(t, leader), termsOf(t, follower), "%s\nafter Append(0, 0, the leader's whole log), the follower's log must equal the leader's", trace)
}

// steps is the trace of a random run, printed one step a line.
type steps []string

func (s steps) String() string { return strings.Join(s, "\n") }

// randomTerms returns n non-decreasing terms starting at least at from.
func randomTerms(rng *rand.Rand, n, from int) []raft.Term {
	terms := make([]raft.Term, n)
	term := from
	for i := range terms {
		if rng.IntN(3) == 0 {
			term++
		}
		terms[i] = raft.Term(term)
	}
	return terms
}

// doubled returns 2*term+plus for each term: plus 0 makes the terms even,
// plus 1 odd.
func doubled(terms []raft.Term, plus raft.Term) []raft.Term {
	out := make([]raft.Term, len(terms))
	for i, term := range terms {
		out[i] = 2*term + plus
	}
	return out
}

// FuzzAppend hands Append arbitrary, often malformed, arguments on Figure
// 7's leader log up to index 7 and checks the rules hold whatever comes in:
// Append never panics; a rejection changes nothing, and a *ConflictError
// carries a true hint; a success means entry prevIndex had prevTerm, and
// leaves the log holding every entry sent, with the entries up to prevIndex
// unchanged. Handout: "3. Append", "Append: the receiver's rules".
func FuzzAppend(f *testing.F) {
	f.Add(uint64(7), uint64(5), []byte{6, 6, 6})      // the leader's entries 8 to 10
	f.Add(uint64(5), uint64(4), []byte{5, 6, 8})      // overwrites 6 and 7
	f.Add(uint64(9), uint64(6), []byte{})             // heartbeat past the end
	f.Add(uint64(3), uint64(1), []byte{0x81, 4})      // a gap
	f.Add(uint64(6), uint64(4), []byte{5})            // wrong previous term
	f.Add(uint64(1<<63), uint64(1<<63), []byte{1, 2}) // absurd indexes
	f.Fuzz(func(t *testing.T, prevIndex, prevTerm uint64, spec []byte) {
		terms := []raft.Term{1, 1, 1, 4, 4, 5, 5}
		l := logOf(t, terms...)
		before := termsOf(t, l)
		sent := fuzzEntries(raft.Index(prevIndex), spec)

		_, err := l.Append(raft.Index(prevIndex), raft.Term(prevTerm), sent)
		after := termsOf(t, l)
		matches := prevIndex == 0 && prevTerm == 0 ||
			prevIndex > 0 && prevIndex <= uint64(len(terms)) && terms[prevIndex-1] == raft.Term(prevTerm)
		if matches && wellFormed(raft.Index(prevIndex), raft.Term(prevTerm), sent) {
			require.NoError(t, err, "Append(%d, %d, %v) on the log %v: entry %d has term %d and the entries are well formed, so the append must succeed (Figure 2, AppendEntries rules 3 and 4)", prevIndex, prevTerm, sent, terms, prevIndex, prevTerm)
		}
		if err != nil {
			requireTerms(t, before, after, "Append(%d, %d, %v) failed with %q and must change nothing", prevIndex, prevTerm, sent, err)
			var conflict *raftlog.ConflictError
			if errors.As(err, &conflict) {
				checkHint(t, l, raft.Index(prevIndex), conflict)
			}
			return
		}
		held := raft.Index(prevIndex) == 0 || (prevIndex <= uint64(len(before)) && before[prevIndex-1] == raft.Term(prevTerm))
		require.True(t, held, "Append(%d, %d, %v) succeeded on the log %v, which has no entry %d of term %d (Figure 2, AppendEntries rule 2)", prevIndex, prevTerm, sent, before, prevIndex, prevTerm)
		kept := int(min(prevIndex, uint64(len(before))))
		requireTerms(t, before[:kept], after[:kept], "Append(%d, %d, %v) changed entries up to prevIndex", prevIndex, prevTerm, sent)
		for _, e := range sent {
			term, ok := l.Term(e.Index)
			require.True(t, ok && term == e.Term, "after a successful Append(%d, %d, %v), entry %d has term %d, %t; want %d (Figure 2, AppendEntries rule 4)", prevIndex, prevTerm, sent, e.Index, term, ok, e.Term)
		}
	})
}

// wellFormed reports whether entries can follow the entry at prevIndex,
// of term prevTerm: indexes prevIndex+1, prevIndex+2, …, and terms of 1 or
// more that never decrease.
func wellFormed(prevIndex raft.Index, prevTerm raft.Term, entries []raft.Entry) bool {
	index, term := prevIndex, prevTerm
	for _, e := range entries {
		if e.Index != index+1 || e.Term == 0 || e.Term < term {
			return false
		}
		index, term = e.Index, e.Term
	}
	return true
}

// fuzzEntries decodes entries to follow prevIndex from spec: each byte's low
// four bits are a term, and its top bit, when set, skips an index.
func fuzzEntries(prevIndex raft.Index, spec []byte) []raft.Entry {
	es := make([]raft.Entry, 0, len(spec))
	index := prevIndex
	for _, b := range spec {
		index++
		if b&0x80 != 0 {
			index++
		}
		es = append(es, raft.Entry{Term: raft.Term(b & 0x0f), Index: index})
	}
	return es
}

// checkHint checks that a conflict's hint is true of the log l.
func checkHint(t *testing.T, l *raftlog.Log, prevIndex raft.Index, c *raftlog.ConflictError) {
	t.Helper()
	require.Equal(t, prevIndex, c.PrevIndex, "the conflict's PrevIndex")
	if c.Term == 0 {
		require.True(t, prevIndex > l.LastIndex() && c.Index == l.LastIndex()+1, "hint %+v: Term 0 means the log is too short, and then Index must be LastIndex()+1 = %d (handout: \"4. The hint\", \"The conflict hint\")", *c, l.LastIndex()+1)
		return
	}
	require.Equal(t, c.Term, mustTerm(t, l, prevIndex), "hint %+v: Term must be the term of the entry at prevIndex", *c)
	require.Equal(t, c.Term, mustTerm(t, l, c.Index), "hint %+v: Index must hold an entry of the hint's Term", *c)
	require.True(t, c.Index == 1 || mustTerm(t, l, c.Index-1) != c.Term, "hint %+v: Index must be the first index holding the hint's Term", *c)
}
