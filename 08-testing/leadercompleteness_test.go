package invariants

import (
	"testing"
)

// TestLeaderCompleteness is the test you write: a table of hand-built
// histories for the Leader Completeness checker, each run as a subtest,
// with a helper of your own that calls t.Helper. It must pass on your
// checker, and fail on each wrong checker of internal/mistakes/08-testing
// (handout: "10. Your own table test").
func TestLeaderCompleteness(t *testing.T) {
	// TODO: Write this test (handout: "10. Your own table test"): a table of cases,
	// each a name, a history built with newHistory(t, 3, LeaderCompleteness)
	// and the history helpers (lead, follow, write, commit, crash, restart),
	// and whether it breaks Leader Completeness; run each with t.Run and check
	// it with a helper that calls t.Helper. Cover at least: a new leader that
	// lacks a committed entry; one that holds another entry at that index;
	// an entry known as committed only after a later leader took office, and
	// after that leader crashed; and histories that break nothing (an entry
	// of the leader's own term, an uncommitted entry a new leader lacks).
	t.Fatal(`TestLeaderCompleteness is not written yet: write a table of histories for the Leader Completeness checker (handout: "10. Your own table test")`)
}

// checkLeaderCompletenessCase checks what the checker of a case's history
// reported: at least one Leader Completeness violation if the history
// breaks it, nothing otherwise.
//
// TODO: Your helper for TestLeaderCompleteness (handout: "10. Your own table test").
