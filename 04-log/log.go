// Package raftlog is a Raft log: the sequence of entries a server holds,
// with the rules of Figure 2 for appending to it.
package raftlog

import (
	"fmt"
	"slices"

	"raftgo/solutions/03-planning"
)

// Log is an in-memory Raft log. Its first entry has index 1; index 0 stands
// for the empty prefix, whose term is 0. The zero Log is empty and ready to
// use. A Log is not safe for concurrent use.
type Log struct {
	entries []raft.Entry // entries[i].Index == i+1
}

// New returns a log holding entries, which must be numbered from 1 with no
// gaps and with terms of 1 or more that never decrease.
func New(entries ...raft.Entry) (*Log, error) {
	if err := checkSequence(0, 0, entries); err != nil {
		return nil, err
	}
	return &Log{entries: slices.Clone(entries)}, nil
}

// LastIndex returns the index of the last entry, or 0 if the log is empty.
func (l *Log) LastIndex() raft.Index {
	// TODO: Return the index of the last entry; 0 for an empty log
	// (handout: "1. Reading the log", "Indexes and terms").
	return 0
}

// LastTerm returns the term of the last entry, or 0 if the log is empty.
func (l *Log) LastTerm() raft.Term {
	// TODO: Return the term of the last entry; 0 for an empty log.
	return 0
}

// Term returns the term of the entry at index i. Index 0 has term 0. For an
// index past the end of the log, Term returns 0 and false.
func (l *Log) Term(i raft.Index) (raft.Term, bool) {
	// TODO: Return the term of the entry at index i. Index 0 is the empty
	// prefix, with term 0; past the end there is no entry (handout:
	// "1. Reading the log", "Indexes and terms").
	return 0, false
}

// Slice returns the entries with indexes in [lo, hi), like a Go slice
// expression. The result shares no backing array with the log that an
// append could overwrite.
func (l *Log) Slice(lo, hi raft.Index) ([]raft.Entry, error) {
	// TODO: Return the entries with indexes in [lo, hi), or an error that
	// names the range when it is not inside [1, LastIndex()+1). Cap
	// the result so that a later append cannot overwrite it
	// (handout: "2. Slice", "Slices that stay put").
	return nil, fmt.Errorf("raftlog: Slice(%d, %d) is not implemented", lo, hi)
}

// Append applies the AppendEntries receiver's log rules (Figure 2, steps 2
// to 4) for entries that follow the entry at prevIndex with term prevTerm:
//
//   - If the log has no entry at prevIndex whose term is prevTerm, it
//     changes nothing and returns a *ConflictError (rule 2).
//   - If an existing entry conflicts with a new one (same index, different
//     term), it deletes that entry and all that follow it (rule 3).
//   - It appends any new entries not already in the log (rule 4).
//
// Entries already in the log are left alone, so a repeated or delayed
// append never truncates the log. An empty append is a heartbeat: it only
// checks prevIndex and prevTerm. Append returns the index of the first entry
// it wrote, or 0 if it wrote none. A malformed append (entries not numbered
// prevIndex+1, prevIndex+2, …, terms below 1, below prevTerm or decreasing,
// or index 0 with a term other than 0) is rejected with an error that is not
// a *ConflictError, and changes nothing.
func (l *Log) Append(prevIndex raft.Index, prevTerm raft.Term, entries []raft.Entry) (raft.Index, error) {
	if err := checkSequence(prevIndex, prevTerm, entries); err != nil {
		return 0, err
	}
	// TODO: Apply the AppendEntries receiver's rules 2 to 4 of Figure 2:
	// reject with l.conflict(prevIndex) when the entry at prevIndex
	// does not have prevTerm; skip entries the log already holds;
	// at the first conflicting or new entry, cut the log there and
	// append the rest. Return the first index written, or 0
	// (handout: "3. Append", "Append: the receiver's rules").
	return 0, fmt.Errorf("raftlog: Append(%d, %d, %d entries) is not implemented", prevIndex, prevTerm, len(entries))
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
// append must follow. Index and Term are the hint of §5.3 that lets the
// leader back up a whole term at a time: Term is the term of the log's entry
// at the requested index (0 if the log is shorter), and Index the first
// index the log holds for that term (or LastIndex()+1 if the log is shorter).
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
// index prevIndex with term prevTerm, which the log does not hold.
func (l *Log) conflict(prevIndex raft.Index, prevTerm raft.Term) *ConflictError {
	// TODO: Build the hint of §5.3: if the log is shorter than prevIndex,
	// Term 0 and Index LastIndex()+1; otherwise the term of the entry
	// at prevIndex and the first index holding that term (handout:
	// "4. The hint", "The conflict hint").
	return &ConflictError{PrevIndex: prevIndex, PrevTerm: prevTerm}
}

// LastIndexOfTerm returns the index of the last entry with term t, or 0 if
// the log holds no entry with that term. A leader uses it to act on a
// follower's conflict hint (§5.3).
func (l *Log) LastIndexOfTerm(t raft.Term) raft.Index {
	// TODO: Find the last entry with term t, or return 0. Terms never
	// decrease along the log, so you can stop early (handout:
	// "5. The last entry of a term", "The conflict hint").
	return 0
}

// IsUpToDate reports whether a log whose last entry has index lastIndex and
// term lastTerm is at least as up-to-date as this log (§5.4.1): the log
// whose last entry has the later term is more up-to-date; if the terms are
// equal, the longer log is.
func (l *Log) IsUpToDate(lastIndex raft.Index, lastTerm raft.Term) bool {
	// TODO: Compare the last terms, then the lengths (§5.4.1; handout:
	// "6. Up to date", "Up to date").
	return false
}
