package raft

import (
	"fmt"
	"strconv"
	"strings"
)

// The String methods in this file format the vocabulary for traces and test
// failures: one short line per message, entries as index@term. They are the
// course's one printed form: the test network, the tests and the handouts
// all print messages and entries this way.

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
	return fmt.Sprintf("{LastIncludedIndex:%d LastIncludedTerm:%d Voters:%v Learners:%v Data:(%d bytes)}",
		s.LastIncludedIndex, s.LastIncludedTerm, s.Voters, s.Learners, len(s.Data))
}

// String formats the message on one line: sender to receiver, term, kind,
// then the body, such as
//
//	1->2 t8 AppendEntries{prev=5@4 entries=[6@5 7@5] commit=3}
//	2->1 t8 AppendEntriesResponse{refused conflict=4@4}
func (m Message) String() string {
	if m.Body == nil {
		return fmt.Sprintf("%d->%d t%d %s", m.From, m.To, m.Term, m.Kind())
	}
	return fmt.Sprintf("%d->%d t%d %s%+v", m.From, m.To, m.Term, m.Kind(), m.Body)
}

// String formats a RequestVote by the candidate's last entry:
// {last=7@3}.
func (rv RequestVote) String() string {
	s := fmt.Sprintf("{last=%d@%d", rv.LastLogIndex, rv.LastLogTerm)
	if rv.Transfer {
		s += " transfer"
	}
	return s + "}"
}

// String formats the answer to a RequestVote: {granted} or {refused}.
func (r RequestVoteResponse) String() string { return "{" + grantedOrRefused(r.VoteGranted) + "}" }

// String formats an AppendEntries by the entry it follows, the entries it
// carries (index@term) and the leader's commit index:
// {prev=5@4 entries=[6@5 7@5] commit=3}. A Context that is set is shown
// last, as ctx=7.
func (ae AppendEntries) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "{prev=%d@%d entries=[", ae.PrevLogIndex, ae.PrevLogTerm)
	for i, e := range ae.Entries {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d@%d", e.Index, e.Term)
	}
	fmt.Fprintf(&b, "] commit=%d", ae.LeaderCommit)
	if ae.Context != 0 {
		fmt.Fprintf(&b, " ctx=%d", ae.Context)
	}
	return b.String() + "}"
}

// String formats the answer to an AppendEntries: {ok match=7}, or a
// refusal with its hint, {refused conflict=4@4} (index@term).
func (r AppendEntriesResponse) String() string {
	s := fmt.Sprintf("{ok match=%d", r.MatchIndex)
	if !r.Success {
		s = fmt.Sprintf("{refused conflict=%d@%d", r.ConflictIndex, r.ConflictTerm)
	}
	if r.Context != 0 {
		s += fmt.Sprintf(" ctx=%d", r.Context)
	}
	return s + "}"
}

// String formats a PreVote like a RequestVote: {last=7@3}.
func (pv PreVote) String() string {
	return fmt.Sprintf("{last=%d@%d}", pv.LastLogIndex, pv.LastLogTerm)
}

// String formats the answer to a PreVote: {granted} or {refused}.
func (r PreVoteResponse) String() string { return "{" + grantedOrRefused(r.VoteGranted) + "}" }

func grantedOrRefused(granted bool) string {
	if granted {
		return "granted"
	}
	return "refused"
}

// GoString formats the entry type by name for %#v, which test failure
// messages use.
func (t EntryType) GoString() string { return t.String() }

// GoString formats the role by name for %#v.
func (r Role) GoString() string { return r.String() }

// GoString formats the kind by name for %#v.
func (k Kind) GoString() string { return k.String() }
