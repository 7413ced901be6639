package invariants

import (
	"slices"
	"testing"

	"raftgo/solutions/03-planning"
)

// garbage feeds a checker the reports that data encodes, four bytes a
// report, at most 64 of them: any node of three starting, crashing, or
// producing a Ready with whatever hard state, entries, applied entries and
// status the bytes say. None of it need make sense: a checker fed by a
// buggy core or runtime sees nonsense too.
func garbage(c *Checker, data []byte) {
	peers := []raft.NodeID{1, 2, 3}
	for i := 0; i+4 <= len(data) && i < 4*64; i += 4 {
		op, id := data[i]%4, raft.NodeID(data[i+1]%3+1)
		term, index := raft.Term(data[i+2]%8), raft.Index(data[i+3]%8)
		role := raft.Role(data[i+2] / 8 % 3)
		st := raft.Status{ID: id, Role: role, Term: term, Vote: raft.NodeID(data[i+3] % 4),
			Commit: index / 2, Applied: index / 4, LastIndex: index}
		if role == raft.Leader {
			st.Progress = map[raft.NodeID]raft.Progress{peers[data[i]%3]: {Match: index / 2, Next: index}}
		}
		switch op {
		case 0:
			cfg := raft.DefaultConfig(id, peers)
			cfg.HardState = raft.HardState{Term: term, Vote: st.Vote, Commit: st.Commit}
			for j := raft.Index(1); j <= index; j++ {
				cfg.Entries = append(cfg.Entries, raft.Entry{Index: j, Term: raft.Term(j) % (term + 1), Data: []byte{data[i+3]}})
			}
			c.NodeStarted(cfg, st)
		case 1:
			c.NodeCrashed(id)
		default:
			var rd raft.Ready
			if data[i]%2 == 0 {
				rd.HardState = raft.HardState{Term: term, Vote: st.Vote, Commit: st.Commit}
			}
			for j := index / 2; j <= index && j > 0; j++ {
				rd.Entries = append(rd.Entries, raft.Entry{Index: j, Term: term, Data: []byte{data[i+1]}})
			}
			if index > 0 {
				rd.CommittedEntries = []raft.Entry{{Index: index / 2, Term: term}}
			}
			c.NodeReady(id, rd, st)
		}
	}
}

// FuzzChecker feeds checkers nonsense, then two leaders of one fresh term:
// no checker may panic or hang on any input, and whatever came before,
// Election Safety must report the two leaders (handout: "1. Election
// Safety").
func FuzzChecker(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 9, 3, 2, 1, 17, 4, 3, 2, 19, 7, 1, 0, 0, 0, 0, 0, 9, 3})
	f.Add([]byte{2, 0, 18, 5, 2, 1, 18, 5, 2, 2, 20, 6, 3, 0, 21, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		all, safety := NewChecker(), NewChecker(ElectionSafety)
		for _, c := range []*Checker{all, safety} {
			garbage(c, data)
			for _, id := range []raft.NodeID{1, 2} {
				cfg := raft.DefaultConfig(id, []raft.NodeID{1, 2, 3})
				c.NodeStarted(cfg, raft.Status{ID: id})
				c.NodeReady(id, raft.Ready{HardState: raft.HardState{Term: 1000, Vote: id}},
					raft.Status{ID: id, Role: raft.Leader, Term: 1000, Vote: id, Leader: id})
			}
		}
		found := slices.ContainsFunc(safety.Violations(), func(v Violation) bool {
			return v.Property == ElectionSafety && slices.Contains(v.Terms, 1000) &&
				slices.Contains(v.Nodes, 1) && slices.Contains(v.Nodes, 2)
		})
		if !found {
			t.Fatalf("nodes 1 and 2 both lead term 1000, but Election Safety did not report it; it reported:%s", describeAllViolations(safety.Violations()))
		}
	})
}
