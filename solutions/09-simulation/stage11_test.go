package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/03-planning"
)

// TestGivenStage11OptionsNeedACore checks that the options of stage 11
// (given code, stage11.go) refuse a core that cannot do what they ask:
// stage 07's core neither compacts its log nor changes its configuration.
// Stage 11's tests run them on its own core.
func TestGivenStage11OptionsNeedACore(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts Options
		want string
	}{
		{"snapshots", Options{Seed: 1, SnapshotEvery: 10}, "Compacter"},
		{"membership", Options{Seed: 1, Membership: true}, "ConfChanger"},
		{"too many servers", Options{Seed: 1, Spares: 5}, "at most 9 servers"},
		{"a negative snapshot interval", Options{Seed: 1, SnapshotEvery: -1}, "SnapshotEvery"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestGivenStorageWithSnapshots checks a server's disk (given code,
// server.go) once stage 11's core snapshots: entries after a snapshot,
// a snapshot taken locally, one installed from a leader, and where the
// durable log ends.
func TestGivenStorageWithSnapshots(t *testing.T) {
	e := func(i raft.Index, term raft.Term) raft.Entry { return raft.Entry{Index: i, Term: term} }
	indexes := func(st storage) []raft.Index {
		var is []raft.Index
		for _, x := range st.entries {
			is = append(is, x.Index)
		}
		return is
	}
	var st storage
	st.save(raft.Ready{HardState: raft.HardState{Term: 1}, Entries: []raft.Entry{e(1, 1), e(2, 1), e(3, 1), e(4, 1), e(5, 1)}})
	st.compact(raft.Snapshot{LastIncludedIndex: 3, LastIncludedTerm: 1})
	assert.Equal(t, []raft.Index{4, 5}, indexes(st), "a local snapshot drops the entries it stands for")
	assert.Equal(t, raft.Index(4), st.first())
	assert.Equal(t, raft.Index(5), st.lastIndex())

	st.save(raft.Ready{Entries: []raft.Entry{e(5, 2), e(6, 2)}})
	assert.Equal(t, []raft.Index{4, 5, 6}, indexes(st), "entries after a snapshot replace from their index on")
	assert.Equal(t, raft.Term(2), st.entries[1].Term)

	st.save(raft.Ready{HardState: raft.HardState{Term: 2}, Snapshot: &raft.Snapshot{LastIncludedIndex: 10, LastIncludedTerm: 2}})
	assert.Empty(t, st.entries, "a snapshot from the leader replaces the whole log")
	assert.Equal(t, raft.Index(10), st.lastIndex())

	st.save(raft.Ready{Entries: []raft.Entry{e(9, 2), e(10, 2), e(11, 2)}})
	assert.Equal(t, []raft.Index{11}, indexes(st), "entries the snapshot holds are not stored again")

	assert.Equal(t, raft.Index(11), st.lastIndex(), "what the persist-before-send check counts as the durable log (task 7)")
}
