package system

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftgo/solutions/10-system/stress"
)

// TestStressWipeAndRejoin runs stage 10's stress command on this stage's
// core in a short form: 16 clients, 3000 commands, a snapshot every 500
// entries, a follower restarted from its folder halfway, then another
// wiped and replaced by a new member, which catches up by InstallSnapshot.
// The command checks that every node, the new one from its snapshot on,
// applied the same entries in the same order, that the stores hold each
// client's last write, that the write-ahead logs (snapshot plus entries)
// hold what the nodes applied, and that stage 08's Checker saw nothing
// wrong.
func TestStressWipeAndRejoin(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out, errs strings.Builder
	code := stress.Main(ctx, []string{"-clients", "16", "-entries", "3000", "-snapshot-every", "500", "-down", "100ms", "-timeout", "10s", "-invariants"},
		&out, &errs, stress.Options{NewCore: NewCore})
	require.Equal(t, 0, code, "the stress run failed:\n%s%s", out.String(), errs.String())
	t.Logf("the stress run's output:\n%s", out.String())
	require.Contains(t, out.String(), "restart: follower", "a follower restarts from its folder")
	require.Regexp(t, `wipe: node 4 caught up from a snapshot at index \d+ \(InstallSnapshot\)`, out.String(),
		"the wiped follower's replacement, node 4, catches up by InstallSnapshot: the leader has compacted its log")
	require.Contains(t, out.String(), "check: PASS")
}
