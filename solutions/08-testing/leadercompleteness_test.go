package invariants

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLeaderCompleteness is the test you write: a table of hand-built
// histories for the Leader Completeness checker, each run as a subtest,
// with a helper of your own that calls t.Helper. It must pass on your
// checker, and fail on each wrong checker of internal/mistakes/08-testing
// (handout: "10. Your own table test").
func TestLeaderCompleteness(t *testing.T) {
	//workshop:todo Write this test (handout: "10. Your own table test"): a table of cases,
	//workshop:todo each a name, a history built with newHistory(t, 3, LeaderCompleteness)
	//workshop:todo and the history helpers (lead, follow, write, commit, crash, restart),
	//workshop:todo and whether it breaks Leader Completeness; run each with t.Run and check
	//workshop:todo it with a helper that calls t.Helper. Cover at least: a new leader that
	//workshop:todo lacks a committed entry; one that holds another entry at that index;
	//workshop:todo an entry known as committed only after a later leader took office, and
	//workshop:todo after that leader crashed; and histories that break nothing (an entry
	//workshop:todo of the leader's own term, an uncommitted entry a new leader lacks).
	cases := []struct {
		name   string
		build  func(h *history)
		breaks bool
	}{
		{
			name: "a new leader lacks a committed entry", breaks: true,
			build: func(h *history) {
				h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).commit(1, 1)
				h.lead(3, 2)
			},
		},
		{
			name: "a new leader holds another entry at a committed index", breaks: true,
			build: func(h *history) {
				h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).commit(1, 1)
				h.write(3, entry(1, 1, "b")).lead(3, 2)
			},
		},
		{
			name: "a commit known only after a later leader took office", breaks: true,
			build: func(h *history) {
				h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a"))
				h.lead(3, 2)
				h.commit(1, 1)
			},
		},
		{
			name: "a leader that crashed before the commit was known", breaks: true,
			build: func(h *history) {
				h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a"))
				h.lead(3, 2).crash(3)
				h.commit(1, 1)
			},
		},
		{
			name: "a new leader holds every committed entry",
			build: func(h *history) {
				h.lead(1, 1).write(1, entry(1, 1, "a")).write(2, entry(1, 1, "a")).commit(1, 1)
				h.lead(2, 2)
			},
		},
		{
			name: "an entry committed in the leader's own term",
			build: func(h *history) {
				h.lead(1, 2).write(1, entry(1, 2, "a")).write(2, entry(1, 2, "a")).commit(1, 1).commit(2, 1)
			},
		},
		{
			name: "a new leader lacks an uncommitted entry",
			build: func(h *history) {
				h.lead(1, 1).write(1, entry(1, 1, "a"))
				h.lead(3, 2)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHistory(t, 3, LeaderCompleteness)
			tc.build(h)
			checkLeaderCompletenessCase(t, h, tc.breaks)
		})
	}
	//workshop:stub t.Fatal(`TestLeaderCompleteness is not written yet: write a table of histories for the Leader Completeness checker (handout: "10. Your own table test")`)
	//workshop:end
}

// checkLeaderCompletenessCase checks what the checker of a case's history
// reported: at least one Leader Completeness violation if the history
// breaks it, nothing otherwise.
//
//workshop:todo Your helper for TestLeaderCompleteness (handout: "10. Your own table test").
func checkLeaderCompletenessCase(t *testing.T, h *history, breaks bool) {
	t.Helper() // a failure points at the case, not at this line
	vs := h.c.Violations()
	if !breaks {
		assert.Empty(t, vs, "the history breaks nothing, but the checker reported:%s", describeAllViolations(vs))
		return
	}
	require.NotEmpty(t, vs, "the history breaks Leader Completeness, but the checker reported nothing")
	assert.Equal(t, LeaderCompleteness, vs[0].Property, "the property of the violation")
	assert.NotEmpty(t, vs[0].Indexes, "a violation names the index of the missing entry")
}

//workshop:end
