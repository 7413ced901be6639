// Package raftlog is the Raft log of stage 04 grown a snapshot base: the
// entries a snapshot stands for are gone from it, and the log remembers only
// the index and term of the last of them (§7 of the Raft paper).
//
// It is a copy of stage 04's log, carried forward so that stage 04 stays as
// its learners know it. What is new is marked for the learner: the base,
// Compact and Restore, and the reads that must now say "compacted".
package raftlog

import (
	"errors"
	"fmt"
	"slices"

	"raftgo/solutions/03-planning"
)

// ErrCompacted is wrapped by the errors of reads below the log's first
// index: those entries now live only in a snapshot.
var ErrCompacted = errors.New("raftlog: entries compacted into a snapshot")

// Log is an in-memory Raft log whose prefix may be compacted into a
// snapshot. The base is the last index the snapshot covers and that
// index's term; the log holds the entries from base+1 on. Without a
// snapshot the base is index 0, term 0: the empty prefix of stage 04. The
// zero Log is empty and ready to use. A Log is not safe for concurrent use.
type Log struct {
	baseIndex raft.Index
	baseTerm  raft.Term
	entries   []raft.Entry // entries[i].Index == baseIndex+1+i
}

// New returns a log whose base is the entry at baseIndex with term
// baseTerm (0 and 0 for a log with no snapshot), holding entries, which
// must be numbered from baseIndex+1 with no gaps and with terms of 1 or
// more, no lower than baseTerm, that never decrease.
func New(baseIndex raft.Index, baseTerm raft.Term, entries ...raft.Entry) (*Log, error) {
	if err := checkSequence(baseIndex, baseTerm, entries); err != nil {
		return nil, err
	}
	return &Log{baseIndex: baseIndex, baseTerm: baseTerm, entries: slices.Clone(entries)}, nil
}

// FirstIndex returns the index of the first entry the log can hold or
// holds: the one after its base.
func (l *Log) FirstIndex() raft.Index { return l.baseIndex + 1 }

// Base returns the index and term of the last entry compacted away: the
// snapshot's LastIncludedIndex and LastIncludedTerm, or 0 and 0.
func (l *Log) Base() (raft.Index, raft.Term) { return l.baseIndex, l.baseTerm }

// LastIndex returns the index of the last entry, or the base's index if the
// log holds no entry after it.
func (l *Log) LastIndex() raft.Index {
	//workshop:todo Count from the base: the log holds entries baseIndex+1 to
	//workshop:todo baseIndex+len(entries) (handout: "1. A log with a base").
	return l.baseIndex + raft.Index(len(l.entries))
	//workshop:stub return raft.Index(len(l.entries))
	//workshop:end
}

// LastTerm returns the term of the last entry, or the base's term.
func (l *Log) LastTerm() raft.Term {
	t, _ := l.Term(l.LastIndex())
	return t
}

// Term returns the term of the entry at index i. The base has the
// snapshot's term. Below the base the term is gone with the entry, and past
// the end there is no entry: both return 0 and false.
func (l *Log) Term(i raft.Index) (raft.Term, bool) {
	//workshop:todo Answer for the base itself (baseTerm), refuse below it (compacted)
	//workshop:todo and past the end, and find the others at entries[i-baseIndex-1]
	//workshop:todo (handout: "1. A log with a base").
	switch {
	case i == l.baseIndex:
		return l.baseTerm, true
	case i < l.baseIndex || i > l.LastIndex():
		return 0, false
	}
	return l.entries[i-l.baseIndex-1].Term, true
	//workshop:stub if i == 0 {
	//workshop:stub 	return 0, true
	//workshop:stub }
	//workshop:stub if int(i) > len(l.entries) {
	//workshop:stub 	return 0, false
	//workshop:stub }
	//workshop:stub return l.entries[i-1].Term, true
	//workshop:end
}

// Slice returns the entries with indexes in [lo, hi), like a Go slice
// expression. The result shares no backing array with the log that an
// append could overwrite. A range that starts at or below the base is an
// error wrapping ErrCompacted: those entries are in the snapshot.
func (l *Log) Slice(lo, hi raft.Index) ([]raft.Entry, error) {
	//workshop:todo Refuse lo at or below the base with an error wrapping ErrCompacted,
	//workshop:todo and ranges outside the log as stage 04 did; index entries from the
	//workshop:todo base (handout: "1. A log with a base").
	if lo <= l.baseIndex {
		return nil, fmt.Errorf("raftlog: slice [%d, %d): %w: the log starts at %d", lo, hi, ErrCompacted, l.FirstIndex())
	}
	if lo > hi || hi > l.LastIndex()+1 {
		return nil, fmt.Errorf("raftlog: slice [%d, %d) is out of range: the log holds [%d, %d]", lo, hi, l.FirstIndex(), l.LastIndex())
	}
	off := l.baseIndex + 1
	return l.entries[lo-off : hi-off : hi-off], nil
	//workshop:stub if lo < 1 || lo > hi || int(hi) > len(l.entries)+1 {
	//workshop:stub 	return nil, fmt.Errorf("raftlog: slice [%d, %d) is out of range", lo, hi)
	//workshop:stub }
	//workshop:stub return l.entries[lo-1 : hi-1 : hi-1], nil
	//workshop:end
}

// Compact drops the entries up to and including index i, which a snapshot
// now stands for; entry i becomes the base. It refuses an index past the
// end of the log, and does nothing for an index at or below the base.
func (l *Log) Compact(i raft.Index) error {
	//workshop:todo Make entry i the base (remember its term) and drop the entries up to
	//workshop:todo it, into a new array so that the dropped ones can be freed; refuse
	//workshop:todo i past the end, ignore i at or below the base (§7; handout:
	//workshop:todo "2. Compaction").
	if i <= l.baseIndex {
		return nil
	}
	term, ok := l.Term(i)
	if !ok {
		return fmt.Errorf("raftlog: compact up to %d: the log ends at %d", i, l.LastIndex())
	}
	l.entries = slices.Clone(l.entries[i-l.baseIndex:])
	l.baseIndex, l.baseTerm = i, term
	return nil
	//workshop:stub return fmt.Errorf("raftlog: Compact(%d) is not implemented", i)
	//workshop:end
}

// Restore makes a snapshot that covers index i with term t the log's base,
// as a follower does when it installs its leader's snapshot (Figure 13,
// receiver rules 6 and 7): if the log holds an entry i of term t, the
// entries after it are kept; otherwise the whole log is discarded.
// Restore reports whether it kept entries.
func (l *Log) Restore(i raft.Index, t raft.Term) bool {
	//workshop:todo Keep the entries after i if the entry at i has term t (rule 6:
	//workshop:todo "If existing log entry has same index and term as snapshot's last
	//workshop:todo included entry, retain log entries following it"), else discard them
	//workshop:todo all (rule 7); either way (i, t) becomes the base (handout:
	//workshop:todo "5. Installing a snapshot").
	if term, ok := l.Term(i); ok && term == t {
		kept := l.LastIndex() > i
		l.entries = slices.Clone(l.entries[i-l.baseIndex:])
		l.baseIndex, l.baseTerm = i, t
		return kept
	}
	l.entries, l.baseIndex, l.baseTerm = nil, i, t
	return false
	//workshop:stub return false
	//workshop:end
}

// Append applies the AppendEntries receiver's log rules (Figure 2, steps 2
// to 4), as stage 04's Append does. Entries at or below the base are
// committed and in the snapshot: Append skips them, and a prevIndex below
// the base counts as matching, because a leader never holds a different
// committed entry (Log Matching).
func (l *Log) Append(prevIndex raft.Index, prevTerm raft.Term, entries []raft.Entry) (raft.Index, error) {
	if err := checkSequence(prevIndex, prevTerm, entries); err != nil {
		return 0, err
	}
	//workshop:todo Before stage 04's rules, skip what the base already covers: drop the
	//workshop:todo entries at or below the base, and follow the base instead (handout:
	//workshop:todo "1. A log with a base").
	if prevIndex < l.baseIndex {
		skip := min(int(l.baseIndex-prevIndex), len(entries))
		entries = entries[skip:]
		prevIndex, prevTerm = l.baseIndex, l.baseTerm
	}
	//workshop:end
	if t, ok := l.Term(prevIndex); !ok || t != prevTerm {
		return 0, l.conflict(prevIndex, prevTerm)
	}
	for i, e := range entries {
		t, ok := l.Term(e.Index)
		if ok && t == e.Term {
			continue // already there: never truncate a matching entry
		}
		kept := l.entries[:e.Index-l.baseIndex-1]
		if ok {
			// Rule 3: e conflicts, so it and all that follow it go. Clip
			// the kept prefix so that the append below moves the log to a
			// new array and never overwrites entries a caller got from Slice.
			kept = slices.Clip(kept)
		}
		l.entries = append(kept, entries[i:]...)
		return e.Index, nil
	}
	return 0, nil
}

// checkSequence checks that entries can follow the entry at prevIndex with
// term prevTerm: consecutive indexes, and terms of 1 or more that never
// decrease. Index 0, the empty prefix, can only be asked for with term 0.
func checkSequence(prevIndex raft.Index, prevTerm raft.Term, entries []raft.Entry) error {
	if prevIndex == 0 && prevTerm != 0 {
		return fmt.Errorf("raftlog: index 0 is the empty prefix, whose term is 0, not %d", prevTerm)
	}
	index, term := prevIndex, prevTerm
	for _, e := range entries {
		if e.Index != index+1 {
			return fmt.Errorf("raftlog: entry with index %d cannot follow index %d: indexes must be consecutive", e.Index, index)
		}
		if e.Term == 0 {
			return fmt.Errorf("raftlog: entry %d has term 0: entries are written in terms 1 and later", e.Index)
		}
		if e.Term < term {
			return fmt.Errorf("raftlog: entry %d has term %d, lower than the term %d before it: terms never decrease in a log", e.Index, e.Term, term)
		}
		index, term = e.Index, e.Term
	}
	return nil
}

// ConflictError reports that the log has no entry matching the one an
// append must follow, with the hint of §5.3 (see stage 04).
type ConflictError struct {
	PrevIndex raft.Index // the index the append asked to follow
	PrevTerm  raft.Term  // the term the append expected there
	Index     raft.Index
	Term      raft.Term
}

func (e *ConflictError) Error() string {
	if e.Term == 0 {
		return fmt.Sprintf("raftlog: no entry at index %d to follow: the log ends at %d", e.PrevIndex, e.Index-1)
	}
	return fmt.Sprintf("raftlog: entry %d has term %d, not %d (term %d starts at index %d)", e.PrevIndex, e.Term, e.PrevTerm, e.Term, e.Index)
}

// conflict builds the ConflictError for an append that asked to follow
// index prevIndex with term prevTerm, which the log does not hold. The
// first index of a term is searched no further back than the log's first
// entry.
func (l *Log) conflict(prevIndex raft.Index, prevTerm raft.Term) *ConflictError {
	term, ok := l.Term(prevIndex)
	if !ok {
		return &ConflictError{PrevIndex: prevIndex, PrevTerm: prevTerm, Index: l.LastIndex() + 1}
	}
	first := prevIndex
	for first > l.FirstIndex() {
		if t, _ := l.Term(first - 1); t != term {
			break
		}
		first--
	}
	return &ConflictError{PrevIndex: prevIndex, PrevTerm: prevTerm, Index: first, Term: term}
}

// LastIndexOfTerm returns the index of the last entry with term t, or 0 if
// the log holds no entry with that term (the base counts as an entry).
func (l *Log) LastIndexOfTerm(t raft.Term) raft.Index {
	for i := l.LastIndex(); i >= l.baseIndex && i > 0; i-- {
		switch et, _ := l.Term(i); {
		case et == t:
			return i
		case et < t:
			return 0
		}
	}
	return 0
}

// IsUpToDate reports whether a log whose last entry has index lastIndex and
// term lastTerm is at least as up-to-date as this log (§5.4.1).
func (l *Log) IsUpToDate(lastIndex raft.Index, lastTerm raft.Term) bool {
	if lastTerm != l.LastTerm() {
		return lastTerm > l.LastTerm()
	}
	return lastIndex >= l.LastIndex()
}
