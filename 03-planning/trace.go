package raft

import (
	"fmt"
	"strconv"
)

// The String methods in this file format the vocabulary for traces and test
// failures: one short line per message, entries as index@term.

// traceDataLen is how many bytes of an entry's Data a trace shows.
const traceDataLen = 24

// String returns the entry type's name, such as "command".
func (t EntryType) String() string {
	switch t {
	case EntryCommand:
		return "command"
	case EntryConfChange:
		return "conf-change"
	}
	return "EntryType(" + strconv.Itoa(int(t)) + ")"
}

// String formats the entry as its index@term, then its data: `7@3 "set x 1"`.
// A command without data is the leader's no-op, `8@4 no-op`; other types
// are named, `9@4 conf-change "add 4"`. Long data is cut short.
func (e Entry) String() string {
	s := strconv.FormatUint(uint64(e.Index), 10) + "@" + strconv.FormatUint(uint64(e.Term), 10)
	if e.Type != EntryCommand {
		s += " " + e.Type.String()
	}
	switch {
	case e.Type == EntryCommand && len(e.Data) == 0:
		return s + " no-op"
	case len(e.Data) > traceDataLen:
		return s + fmt.Sprintf(" %q…(%d bytes)", e.Data[:traceDataLen], len(e.Data))
	}
	return s + fmt.Sprintf(" %q", e.Data)
}

// String formats the snapshot's metadata and the size of its data, which
// can be megabytes long.
func (s Snapshot) String() string {
	return fmt.Sprintf("{LastIncludedIndex:%d LastIncludedTerm:%d Voters:%v Data:(%d bytes)}",
		s.LastIncludedIndex, s.LastIncludedTerm, s.Voters, len(s.Data))
}

// String formats the message on one line, sender to receiver, kind, term
// and body:
//
//	1->2 AppendEntries term 3 {PrevLogIndex:5 PrevLogTerm:2 Entries:[6@3 "x"] LeaderCommit:5 Context:0}
func (m Message) String() string {
	return fmt.Sprintf("%d->%d %s term %d %+v", m.From, m.To, m.Kind(), m.Term, m.Body)
}

// GoString formats the entry type by name for %#v, which test failure
// messages use.
func (t EntryType) GoString() string { return t.String() }

// GoString formats the role by name for %#v.
func (r Role) GoString() string { return r.String() }

// GoString formats the kind by name for %#v.
func (k Kind) GoString() string { return k.String() }
