package sim

import (
	"fmt"
	"strings"
	"time"

	"raftgo/solutions/03-planning"
)

// trace hashes every event of a run, in order, and keeps the last few for
// a failure report. Two runs with the same hash handled the same events in
// the same order at the same virtual times: the self-check that a run
// replays (MadSim runs every test twice and compares).
type trace struct {
	hash uint64
	last []traceRecord // a ring of the last records
	next int           // where the next record goes in last
	full bool
}

// traceRecord is an event, or a note (a leader elected, a crash), at a
// virtual time. Events are formatted only when a report shows them.
type traceRecord struct {
	at   time.Duration
	ev   event
	note string
}

func newTrace(length int) *trace { return &trace{hash: fnvOffset, last: make([]traceRecord, length)} }

// FNV-1a's 64-bit constants. The trace mixes whole words rather than bytes,
// which is faster and as good for telling two runs apart.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (t *trace) mix(words ...uint64) {
	for _, w := range words {
		t.hash = (t.hash ^ w) * fnvPrime
	}
}

// record hashes an event and keeps it among the last ones.
func (t *trace) record(at time.Duration, ev event) {
	// TODO: Mix into t.hash the event's time, kind, node, life, client and
	// attempt, and for a packet its ends and what it carries
	// (t.mixPacket); then keep the event (t.keep) (handout: "10. Replay").
}

// note keeps a line of explanation among the last records. Notes are not
// hashed: they follow from the events.
func (t *trace) note(at time.Duration, text string) { t.keep(traceRecord{at: at, note: text}) }

func (t *trace) keep(r traceRecord) {
	if len(t.last) == 0 {
		return
	}
	t.last[t.next] = r
	t.next = (t.next + 1) % len(t.last)
	t.full = t.full || t.next == 0
}

// mixPacket mixes what identifies a packet's content into the hash.
func (t *trace) mixPacket(p *packet) {
	t.mix(uint64(p.from), uint64(p.to))
	switch {
	case p.req != nil:
		t.mix(p.req.attempt, uint64(p.req.op.Op), uint64(len(p.req.op.Key)+len(p.req.op.Value)))
	case p.resp != nil:
		t.mix(p.resp.attempt, uint64(p.resp.kind), uint64(p.resp.leader))
	default:
		m := p.msg
		t.mix(uint64(m.Term), uint64(m.Kind()))
		switch b := m.Body.(type) {
		case raft.AppendEntries:
			t.mix(uint64(b.PrevLogIndex), uint64(b.PrevLogTerm), uint64(len(b.Entries)), uint64(b.LeaderCommit))
		case raft.AppendEntriesResponse:
			t.mix(uint64(b.MatchIndex), uint64(b.ConflictIndex), uint64(b.ConflictTerm))
		case raft.RequestVote:
			t.mix(uint64(b.LastLogIndex), uint64(b.LastLogTerm))
		case raft.RequestVoteResponse:
			if b.VoteGranted {
				t.mix(1)
			}
		}
	}
}

// lines returns the kept records, oldest first, one formatted line each.
func (t *trace) lines() []string {
	var out []string
	add := func(r traceRecord) { out = append(out, formatRecord(r)) }
	if t.full {
		for _, r := range t.last[t.next:] {
			add(r)
		}
	}
	for _, r := range t.last[:t.next] {
		add(r)
	}
	return out
}

// formatRecord renders one record as a line of the trace, such as
// "   12.345678s  deliver n1->n2 t3 AppendEntries{prev=4/2 entries=[5/3] commit=4}".
func formatRecord(r traceRecord) string {
	at := fmt.Sprintf("%12.6fs  ", r.at.Seconds())
	if r.note != "" {
		return at + "** " + r.note
	}
	ev := r.ev
	switch ev.kind {
	case evTick:
		return at + fmt.Sprintf("tick n%d", ev.node)
	case evDurable:
		return at + fmt.Sprintf("disk n%d: write durable", ev.node)
	case evArrive:
		return at + "deliver " + describePacket(ev.pkt)
	case evClientNext:
		return at + fmt.Sprintf("c%d starts an operation", ev.client)
	case evClientSend:
		return at + fmt.Sprintf("c%d sends again", ev.client)
	case evClientTimeout:
		return at + fmt.Sprintf("c%d times out (attempt %d)", ev.client, ev.attempt)
	case evFault:
		switch ev.fault.kind {
		case faultCrash:
			return at + fmt.Sprintf("nemesis: crash n%d", ev.fault.node)
		case faultRestart:
			return at + fmt.Sprintf("nemesis: restart n%d", ev.fault.node)
		}
		return at + "nemesis: next fault"
	}
	return at + fmt.Sprintf("event %d", ev.kind)
}

// describePacket renders a packet on one line.
func describePacket(p *packet) string {
	switch {
	case p.req != nil:
		return fmt.Sprintf("%s->%s %s (attempt %d)", p.from, p.to, p.req.op, p.req.attempt)
	case p.resp != nil:
		r := p.resp
		switch r.kind {
		case respRedirect:
			return fmt.Sprintf("%s->%s redirect to n%d (attempt %d)", p.from, p.to, r.leader, r.attempt)
		case respLost:
			return fmt.Sprintf("%s->%s lost (attempt %d)", p.from, p.to, r.attempt)
		}
		result := ""
		switch {
		case r.output.Found:
			result = fmt.Sprintf(" %q", r.output.Value)
		case r.output.Deleted:
			result = " deleted"
		}
		return fmt.Sprintf("%s->%s ok%s (attempt %d)", p.from, p.to, result, r.attempt)
	}
	return describeMessage(p.msg)
}

// describeMessage renders a Raft message on one line, such as
// "n1->n2 t3 AppendEntries{prev=4/2 entries=[5/3] commit=4}".
func describeMessage(m raft.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "n%d->n%d t%d %s", m.From, m.To, m.Term, m.Kind())
	switch body := m.Body.(type) {
	case raft.RequestVote:
		fmt.Fprintf(&b, "{last=%d/%d}", body.LastLogIndex, body.LastLogTerm)
	case raft.RequestVoteResponse:
		fmt.Fprintf(&b, "{granted=%t}", body.VoteGranted)
	case raft.AppendEntries:
		fmt.Fprintf(&b, "{prev=%d/%d entries=[", body.PrevLogIndex, body.PrevLogTerm)
		for i, e := range body.Entries {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%d/%d", e.Index, e.Term)
		}
		fmt.Fprintf(&b, "] commit=%d}", body.LeaderCommit)
	case raft.AppendEntriesResponse:
		if body.Success {
			fmt.Fprintf(&b, "{ok match=%d}", body.MatchIndex)
		} else {
			fmt.Fprintf(&b, "{reject conflict=%d/%d}", body.ConflictIndex, body.ConflictTerm)
		}
	}
	return b.String()
}
