package core_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/05-replication"
	"raftgo/internal/clustertest"
	"raftgo/internal/raftnet"
	"raftgo/solutions/03-planning"
)

// newCluster starts a cluster of size nodes of this stage's core.
func newCluster(t testing.TB, size int, opts raftnet.Options) *clustertest.Cluster {
	t.Helper()
	return clustertest.New(t, size, core.New, opts)
}

// requireLogsMatch checks that every node has persisted the same log as the
// leader; task is the handout task the test is about.
func requireLogsMatch(t *testing.T, c *clustertest.Cluster, leader raft.NodeID, task, msg string) {
	t.Helper()
	want := c.Storage(leader).Entries
	for _, id := range c.IDs() {
		got := c.Storage(id).Entries
		require.Equal(t, want, got, "%s: node %d persisted the log %s, the leader %d has %s (handout: %q)", msg, id, clustertest.Describe(got), leader, clustertest.Describe(want), task)
	}
}

// TestGivenBecomeLeader checks the given BecomeLeader: the node becomes
// leader of the term, and refuses to lead a term older than its own.
func TestGivenBecomeLeader(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{})
	c.Appoint(1, 2)
	assert.Equal(t, []raft.NodeID{1}, c.Leaders(), "leaders after BecomeLeader(2) on node 1")
	assert.Equal(t, raft.Term(2), c.Node(1).Status().Term, "node 1's term")
	assert.Error(t, c.Node(1).(*core.Node).BecomeLeader(1), "BecomeLeader(1) on a node in term 2")
}

// TestGivenProposeChecksCommands checks the given Propose: only the leader
// takes commands, and it refuses an empty one (it would look like a new
// leader's no-op) and one too large for the codec to send.
func TestGivenProposeChecksCommands(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{})
	c.Appoint(1, 1)
	_, _, err := c.Propose(2, []byte("x=1"))
	assert.ErrorIs(t, err, raft.ErrNotLeader, "proposing on a follower")
	_, _, err = c.Propose(1, nil)
	assert.ErrorIs(t, err, raft.ErrEmptyCommand, "proposing an empty command")
	_, _, err = c.Propose(1, make([]byte, raft.MaxEntryDataSize+1))
	assert.ErrorIs(t, err, raft.ErrTooLarge, "proposing a command over raft.MaxEntryDataSize")
	assert.Zero(t, c.Node(1).Status().LastIndex, "a refused command must not reach the log")
}

// newLeader returns node 1 of a cluster of size nodes, made leader of term
// with the log whose entries have the given terms, its first Ready taken.
func newLeader(t *testing.T, size int, term raft.Term, maxEntries int, log ...raft.Term) *core.Node {
	t.Helper()
	var peers []raft.NodeID
	for id := range size {
		peers = append(peers, raft.NodeID(id+1))
	}
	cfg := raftnet.DefaultConfig(1, peers, 0)
	cfg.MaxEntriesPerMessage = maxEntries
	cfg.Entries = entriesOf(log...)
	if len(log) > 0 {
		cfg.HardState.Term = log[len(log)-1]
	}
	node, err := core.New(cfg)
	require.NoError(t, err, "core.New for the leader")
	require.NoError(t, node.BecomeLeader(term), "BecomeLeader(%d)", term)
	node.Ready()
	return node
}

// sent returns the messages of node's next Ready, printed.
func sent(node raft.Node) []string {
	var out []string
	for _, m := range node.Ready().Messages {
		out = append(out, m.String())
	}
	return out
}

// TestSendAppendFromNext checks what sendAppend puts in an AppendEntries,
// calling the leader directly: it follows the entry just before the
// follower's nextIndex (its index and term), carries the entries from
// nextIndex on, at most MaxEntriesPerMessage of them, and moves nextIndex
// past them, so that the next message carries the next entries. A
// heartbeat carries none. Here the leader of term 2 holds entries 1 to 10
// of term 1, then five proposals of term 2; MaxEntriesPerMessage is 3.
// Handout: "1. Sending entries".
func TestSendAppendFromNext(t *testing.T) {
	node := newLeader(t, 2, 2, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
	node.Tick()
	require.Equal(t, []string{"1->2 t2 AppendEntries{prev=10@1 entries=[] commit=0}"}, sent(node),
		"the messages of a new leader's Ready after one tick, its log ending at 10@1: one heartbeat, which follows entry 10 of term 1 (nextIndex starts at 11) and carries nothing (handout: \"1. Sending entries\"); a second message comes from Ready sending to a follower that has been sent everything (handout: \"2. Sending what is pending\")")
	for i := range 5 {
		_, _, err := node.Propose([]byte(fmt.Sprint("cmd", i)))
		require.NoError(t, err, "Propose on the leader")
	}
	var got []string
	for range 3 {
		node.Tick()
		for _, m := range sent(node) {
			if !strings.Contains(m, "entries=[]") {
				got = append(got, m)
			}
		}
	}
	require.Equal(t, []string{
		"1->2 t2 AppendEntries{prev=10@1 entries=[11@2 12@2 13@2] commit=0}",
		"1->2 t2 AppendEntries{prev=13@2 entries=[14@2 15@2] commit=0}",
	}, got, "the AppendEntries with entries the leader sent over three ticks after five proposals: at most MaxEntriesPerMessage = 3 each, each following the last entry of the one before, so nextIndex must move past what was sent (handout: \"1. Sending entries\")")
}

// TestReplicateToAll checks the basic path: the leader's proposals reach
// every follower, which persists them in order, with no tick needed. Each
// proposal goes out with the leader's next Ready (sendPendingAppends), each
// follower appends and answers. Handout: "1. Sending entries" to "3. Answering AppendEntries".
func TestReplicateToAll(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{})
	c.Appoint(1, 1)
	c.ProposeAll(1, "x=1", "y=2", "z=3")
	require.NoError(t, c.DeliverAll(), "delivering the proposals")
	require.Len(t, c.Storage(1).Entries, 3, "the leader persists its own proposals")
	requireLogsMatch(t, c, 1, "3. Answering AppendEntries", "after three proposals and delivering every message")
}

// TestProposalsAreBatched checks that proposals made between two Readies go
// out together: one AppendEntries per follower carrying all of them. The
// leader sends pending entries when its Ready is collected, not on each
// Propose. Handout: "2. Sending what is pending".
func TestProposalsAreBatched(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{})
	c.Appoint(1, 1)
	for _, command := range []string{"a", "b", "c"} {
		_, _, err := c.Node(1).Propose([]byte(command))
		require.NoError(t, err, "Propose(%q) on the leader", command)
	}
	require.NoError(t, c.Collect(1), "collecting the leader's Ready")
	var described []string
	for _, m := range c.InFlight() {
		described = append(described, m.String())
	}
	require.Equal(t, []string{
		"1->2 t1 AppendEntries{prev=0@0 entries=[1@1 2@1 3@1] commit=0}",
		"1->3 t1 AppendEntries{prev=0@0 entries=[1@1 2@1 3@1] commit=0}",
	}, described, "the leader's messages after three proposals and one Ready: one AppendEntries per follower with all three entries (handout: \"2. Sending what is pending\")")
}

// step hands node a message from node from and returns what its Ready
// sends.
func step(t *testing.T, node raft.Node, from raft.NodeID, term raft.Term, body raft.Body) []raft.Message {
	t.Helper()
	m := raft.Message{From: from, To: node.Status().ID, Term: term, Body: body}
	require.NoError(t, node.Step(m), "Step(%s)", m.String())
	return node.Ready().Messages
}

// onlyResponse returns the one AppendEntriesResponse among msgs.
func onlyResponse(t *testing.T, msgs []raft.Message, after string) raft.AppendEntriesResponse {
	t.Helper()
	require.Len(t, msgs, 1, "the follower must answer %s with exactly one message (handout: \"3. Answering AppendEntries\")", after)
	resp, ok := msgs[0].Body.(raft.AppendEntriesResponse)
	require.True(t, ok, "the follower answered %s with %s, not an AppendEntriesResponse", after, msgs[0])
	return resp
}

// TestFollowerAnswersMatchIndex checks the follower's success answer: its
// MatchIndex is PrevLogIndex + len(Entries), what this message proved
// matches the leader, not the follower's LastIndex (a delayed message proves
// less). Handout: "3. Answering AppendEntries".
func TestFollowerAnswersMatchIndex(t *testing.T) {
	node, err := core.New(raftnet.DefaultConfig(2, []raft.NodeID{1, 2, 3}, 0))
	require.NoError(t, err, "core.New")
	ae := func(prevIndex raft.Index, prevTerm raft.Term, terms ...raft.Term) raft.AppendEntries {
		body := raft.AppendEntries{PrevLogIndex: prevIndex, PrevLogTerm: prevTerm, Context: 7}
		for i, term := range terms {
			body.Entries = append(body.Entries, raft.Entry{Term: term, Index: prevIndex + 1 + raft.Index(i)})
		}
		return body
	}
	for _, c := range []struct {
		body raft.AppendEntries
		want raft.Index
		what string
	}{
		{ae(0, 0, 1, 1, 1), 3, "entries 1 to 3"},
		{ae(0, 0, 1), 1, "a delayed message with entry 1 only"},
		{ae(3, 1), 3, "a heartbeat after entry 3"},
		{ae(2, 1), 2, "a heartbeat after entry 2"},
	} {
		resp := onlyResponse(t, step(t, node, 1, 1, c.body), c.what)
		assert.Equal(t, raft.AppendEntriesResponse{Success: true, MatchIndex: c.want, Context: 7}, resp,
			"answer to %s: success with MatchIndex = PrevLogIndex + len(Entries) = %d, echoing Context (handout: \"3. Answering AppendEntries\")", c.what, c.want)
	}
	assert.Equal(t, raft.Index(3), node.Status().LastIndex, "the follower's log after the appends: a delayed message must not truncate it")
}

// TestFollowerPersistsBeforeAnswering checks that the entries a follower
// appends come out of the same Ready as its answer, so that the runtime
// persists them before it sends the answer (Figure 2: "updated on stable
// storage before responding to RPCs"). Handout: "3. Answering AppendEntries".
func TestFollowerPersistsBeforeAnswering(t *testing.T) {
	node, err := core.New(raftnet.DefaultConfig(2, []raft.NodeID{1, 2}, 0))
	require.NoError(t, err, "core.New")
	es := []raft.Entry{{Term: 1, Index: 1, Data: []byte("a")}, {Term: 1, Index: 2, Data: []byte("b")}}
	m := raft.Message{From: 1, To: 2, Term: 1, Body: raft.AppendEntries{Entries: es}}
	require.NoError(t, node.Step(m), "Step(%s)", m.String())
	rd := node.Ready()
	assert.Equal(t, es, rd.Entries, "the Ready with the answer must hand out the appended entries to persist (n.markUnstable; handout: \"3. Answering AppendEntries\")")
	onlyResponse(t, rd.Messages, "entries 1 and 2")
}

// TestFollowerRefusesWithHint checks the follower's refusal: Success false
// with the conflict hint of §5.3 from its log, here follower (e) of Figure 7
// (terms 1,1,1,4,4,4,4), which must also keep its log unchanged. Handout:
// "3. Answering AppendEntries".
func TestFollowerRefusesWithHint(t *testing.T) {
	cfg := raftnet.DefaultConfig(2, []raft.NodeID{1, 2}, 0)
	cfg.HardState.Term = 4
	cfg.Entries = entriesOf(1, 1, 1, 4, 4, 4, 4)
	node, err := core.New(cfg)
	require.NoError(t, err, "core.New with Figure 7's log (e)")
	for _, c := range []struct {
		prevIndex raft.Index
		prevTerm  raft.Term
		wantIndex raft.Index
		wantTerm  raft.Term
		why       string
	}{
		{10, 6, 8, 0, "the log ends at 7: ConflictTerm 0, ConflictIndex 8"},
		{7, 5, 4, 4, "entry 7 has term 4, which starts at index 4"},
	} {
		what := fmt.Sprintf("a heartbeat after %d/%d", c.prevIndex, c.prevTerm)
		resp := onlyResponse(t, step(t, node, 1, 8, raft.AppendEntries{PrevLogIndex: c.prevIndex, PrevLogTerm: c.prevTerm}), what)
		assert.Equal(t, raft.AppendEntriesResponse{Success: false, ConflictIndex: c.wantIndex, ConflictTerm: c.wantTerm}, resp,
			"answer to %s from follower (e) of Figure 7: %s (§5.3; handout: \"3. Answering AppendEntries\")", what, c.why)
	}
	assert.Equal(t, raft.Index(7), node.Status().LastIndex, "a refused append must leave the follower's log unchanged")
}

// answer hands the leader a follower's answer and returns what the
// leader's next Ready sends.
func answer(t *testing.T, leader *core.Node, resp raft.AppendEntriesResponse) []string {
	t.Helper()
	m := raft.Message{From: 2, To: 1, Term: leader.Status().Term, Body: resp}
	require.NoError(t, leader.Step(m), "Step(%s)", m.String())
	return sent(leader)
}

// TestLeaderBacksUpWithHint checks the leader's side of §5.3 by feeding it
// crafted refusals and reading the AppendEntries it sends next. The leader
// holds Figure 7's log (terms 1,1,1,4,4,5,5,6,6,6) in term 8; the refusals
// are those of follower (e) (terms 1,1,1,4,4,4,4) and of a follower whose
// conflicting term the leader lacks. A refusal with ConflictTerm T backs
// nextIndex up to just past the leader's last entry of T if it has one, or
// else to ConflictIndex; with ConflictTerm 0 (the log is too short), to
// ConflictIndex. Handout: "4. Handling the answer".
func TestLeaderBacksUpWithHint(t *testing.T) {
	figure7 := []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}
	leader := newLeader(t, 2, 8, 64, figure7...)
	leader.Tick()
	require.Equal(t, []string{"1->2 t8 AppendEntries{prev=10@6 entries=[] commit=0}"}, sent(leader), "the new leader's heartbeat (handout: \"1. Sending entries\")")

	got := answer(t, leader, raft.AppendEntriesResponse{ConflictIndex: 8, ConflictTerm: 0})
	require.Equal(t, []string{"1->2 t8 AppendEntries{prev=7@5 entries=[8@6 9@6 10@6] commit=0}"}, got,
		"follower (e) refused the heartbeat after 10@6 with conflict=8@0 (its log ends at 7): the leader must send again at once from ConflictIndex 8 (§5.3; handout: \"4. Handling the answer\")")
	got = answer(t, leader, raft.AppendEntriesResponse{ConflictIndex: 4, ConflictTerm: 4})
	require.Equal(t, []string{"1->2 t8 AppendEntries{prev=5@4 entries=[6@5 7@5 8@6 9@6 10@6] commit=0}"}, got,
		"follower (e) refused prev=7@5 with conflict=4@4: the leader's last entry of term 4 is 5, so it sends from 6 (use ConflictTerm when the leader has that term, not only ConflictIndex; §5.3; handout: \"4. Handling the answer\")")
	got = answer(t, leader, raft.AppendEntriesResponse{Success: true, MatchIndex: 10})
	require.Empty(t, got, "after a success that matches the leader's whole log, the leader has nothing more to send until the next heartbeat (handout: \"4. Handling the answer\")")

	other := newLeader(t, 2, 8, 64, figure7...)
	other.Tick()
	sent(other)
	got = answer(t, other, raft.AppendEntriesResponse{ConflictIndex: 4, ConflictTerm: 3})
	require.Equal(t, []string{"1->2 t8 AppendEntries{prev=3@1 entries=[4@4 5@4 6@5 7@5 8@6 9@6 10@6] commit=0}"}, got,
		"a follower refused the heartbeat after 10@6 with conflict=4@3; the leader holds no entry of term 3, so it sends from ConflictIndex 4 (§5.3; handout: \"4. Handling the answer\")")
}

// TestLeaderIgnoresStaleAnswers checks that late and duplicated answers,
// which a real network delivers, never move the leader backwards or past
// what the follower acknowledged: matchIndex only grows, and nextIndex
// never goes below matchIndex+1 nor forward on a refusal. Handout:
// "4. Handling the answer".
func TestLeaderIgnoresStaleAnswers(t *testing.T) {
	figure7 := []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}
	t.Run("a late refusal after a success", func(t *testing.T) {
		leader := newLeader(t, 2, 8, 64, figure7...)
		answer(t, leader, raft.AppendEntriesResponse{Success: true, MatchIndex: 10})
		got := answer(t, leader, raft.AppendEntriesResponse{ConflictIndex: 8, ConflictTerm: 0})
		require.Equal(t, []string{"1->2 t8 AppendEntries{prev=10@6 entries=[] commit=0}"}, got,
			"follower 2 acknowledged all 10 entries, then a late refusal with conflict=8@0 arrived: nextIndex must stay at matchIndex+1 = 11, so the leader sends nothing old (next = max(match+1, …); handout: \"4. Handling the answer\")")
	})
	t.Run("a stale success after a newer one", func(t *testing.T) {
		leader := newLeader(t, 2, 8, 64, figure7...)
		answer(t, leader, raft.AppendEntriesResponse{Success: true, MatchIndex: 10})
		answer(t, leader, raft.AppendEntriesResponse{Success: true, MatchIndex: 5}) // an older answer, late
		got := answer(t, leader, raft.AppendEntriesResponse{ConflictIndex: 3, ConflictTerm: 0})
		require.Equal(t, []string{"1->2 t8 AppendEntries{prev=10@6 entries=[] commit=0}"}, got,
			"follower 2 acknowledged entry 10, then a late success with match=5 and a late refusal arrived: matchIndex never moves backwards, so nextIndex stays at 11 (match = max(match, MatchIndex); handout: \"4. Handling the answer\")")
	})
	t.Run("a late refusal must not move next forward", func(t *testing.T) {
		leader := newLeader(t, 2, 8, 2, figure7...)
		leader.Tick()
		sent(leader)
		got := answer(t, leader, raft.AppendEntriesResponse{ConflictIndex: 4, ConflictTerm: 4})
		require.Equal(t, []string{
			"1->2 t8 AppendEntries{prev=5@4 entries=[6@5 7@5] commit=0}",
			"1->2 t8 AppendEntries{prev=7@5 entries=[8@6 9@6] commit=0}",
		}, got, "the follower refused the heartbeat with conflict=4@4; with MaxEntriesPerMessage = 2 the leader sends 6 and 7, then Ready sends 8 and 9 (handout: \"4. Handling the answer\")")
		got = answer(t, leader, raft.AppendEntriesResponse{ConflictIndex: 11, ConflictTerm: 0}) // an older answer, late
		require.Equal(t, []string{"1->2 t8 AppendEntries{prev=9@6 entries=[10@6] commit=0}"}, got,
			"after sending up to 9, the leader got a late refusal with conflict=11@0: nextIndex (10) must not move forward to 11, past an entry the follower never acknowledged (next = min(next, hinted); handout: \"4. Handling the answer\")")
	})
}

// entriesOf returns entries numbered from 1 with the given terms.
func entriesOf(terms ...raft.Term) []raft.Entry {
	es := make([]raft.Entry, len(terms))
	for i, term := range terms {
		es[i] = raft.Entry{Term: term, Index: raft.Index(i + 1), Data: []byte(fmt.Sprint("cmd", i+1))}
	}
	return es
}

// TestRepairFigure7 replays Figure 7: node 1 holds the leader's log and
// becomes leader in term 8, node 2 holds one of the followers (a) to (f).
// One heartbeat starts the repair; the leader backs up with the follower's
// hint until they agree, in as many AppendEntries as §5.3's optimization
// allows. Then a new proposal (entry 11, term 8) makes the logs equal,
// removing the extra entries of (c) and (d). Handout: "4. Handling the answer" and the
// Figure 7 of stage 04's handout.
func TestRepairFigure7(t *testing.T) {
	leaderLog := []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}
	for _, f := range []struct {
		name    string
		log     []raft.Term
		appends int
	}{
		{"a", []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6}, 2},
		{"b", []raft.Term{1, 1, 1, 4}, 2},
		{"c", []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, 1},
		{"d", []raft.Term{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, 1},
		{"e", []raft.Term{1, 1, 1, 4, 4, 4, 4}, 3},
		{"f", []raft.Term{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 3},
	} {
		t.Run(f.name, func(t *testing.T) {
			appends := 0
			var trace []string
			c := newCluster(t, 2, raftnet.Options{
				Configure: func(cfg *raft.Config) {
					log := map[raft.NodeID][]raft.Term{1: leaderLog, 2: f.log}[cfg.ID]
					cfg.Entries = entriesOf(log...)
					cfg.HardState.Term = log[len(log)-1]
				},
				OnReady: func(id raft.NodeID, rd raft.Ready) {
					for _, m := range rd.Messages {
						trace = append(trace, m.String())
						if m.Kind() == raft.KindAppendEntries {
							appends++
						}
					}
				},
			})
			c.Appoint(1, 8)
			require.NoError(t, c.Tick(), "ticking: the leader sends a heartbeat")
			require.NoError(t, c.DeliverAll(), "delivering the repair")
			if f.name == "e" {
				require.Equal(t, []string{
					"1->2 t8 AppendEntries{prev=10@6 entries=[] commit=0}",
					"2->1 t8 AppendEntriesResponse{refused conflict=8@0}",
					"1->2 t8 AppendEntries{prev=7@5 entries=[8@6 9@6 10@6] commit=0}",
					"2->1 t8 AppendEntriesResponse{refused conflict=4@4}",
					"1->2 t8 AppendEntries{prev=5@4 entries=[6@5 7@5 8@6 9@6 10@6] commit=0}",
					"2->1 t8 AppendEntriesResponse{ok match=10}",
				}, trace, "the repair of follower (e), message by message, as the handout's trace shows it (handout: \"The test network\", \"4. Handling the answer\")")
			}
			assert.Equal(t, f.appends, appends, "AppendEntries the leader sent to repair follower (%s) with the hint of §5.3 (handout: \"4. Handling the answer\"); the messages:\n%s", f.name, strings.Join(trace, "\n"))
			follower := c.Storage(2).Entries
			require.GreaterOrEqual(t, len(follower), 10, "follower (%s) after the repair has %s; it must hold the leader's 10 entries; the messages:\n%s", f.name, clustertest.Describe(follower), strings.Join(trace, "\n"))
			require.Equal(t, c.Storage(1).Entries, follower[:10], "follower (%s)'s first 10 entries after the repair; the messages:\n%s", f.name, strings.Join(trace, "\n"))

			c.ProposeAll(1, "entry 11")
			require.NoError(t, c.DeliverAll(), "delivering entry 11")
			requireLogsMatch(t, c, 1, "4. Handling the answer", fmt.Sprintf("follower (%s) after the leader's entry 11 of term 8", f.name))
		})
	}
}

// TestMessagesRespectMaxEntries checks that no AppendEntries carries more
// than MaxEntriesPerMessage entries, both for a burst of proposals and for a
// follower that starts far behind, and that the followers still get the
// whole log, which takes the leader's handling of their answers too.
// Handout: "1. Sending entries", "4. Handling the answer".
func TestMessagesRespectMaxEntries(t *testing.T) {
	const limit = 3
	var tooBig []string
	c := newCluster(t, 3, raftnet.Options{
		Configure: func(cfg *raft.Config) {
			cfg.MaxEntriesPerMessage = limit
			if cfg.ID == 1 {
				cfg.Entries = entriesOf(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
				cfg.HardState.Term = 1
			}
		},
		OnReady: func(id raft.NodeID, rd raft.Ready) {
			for _, m := range rd.Messages {
				if ae, ok := m.Body.(raft.AppendEntries); ok && len(ae.Entries) > limit {
					tooBig = append(tooBig, m.String())
				}
			}
		},
	})
	c.Appoint(1, 2)
	for i := range 20 {
		_, _, err := c.Node(1).Propose([]byte(fmt.Sprint("burst", i)))
		require.NoError(t, err, "Propose on the leader")
	}
	require.NoError(t, c.Collect(1), "collecting the leader's Ready")
	require.NoError(t, c.Tick(), "ticking")
	require.NoError(t, c.DeliverAll(), "delivering")
	assert.Empty(t, tooBig, "AppendEntries with more than MaxEntriesPerMessage = %d entries (handout: \"1. Sending entries\")", limit)
	requireLogsMatch(t, c, 1, "4. Handling the answer", "after 10 old entries and a burst of 20 proposals, sent at most 3 at a time")
}

// TestPartitionedFollowerCatchesUp checks that a follower cut off while the
// leader goes on gets every entry it missed once the partition heals, from
// the leader's heartbeats alone. Handout: "4. Handling the answer".
func TestPartitionedFollowerCatchesUp(t *testing.T) {
	c := newCluster(t, 3, raftnet.Options{})
	c.Appoint(1, 1)
	c.ProposeAll(1, "before")
	require.NoError(t, c.DeliverAll(), "delivering the first proposal")

	c.Isolate(3)
	for i := range 5 {
		c.ProposeAll(1, fmt.Sprint("during", i))
		require.NoError(t, c.Tick(), "ticking during the partition")
		require.NoError(t, c.DeliverAll(), "delivering during the partition")
	}
	require.Len(t, c.Storage(3).Entries, 1, "the isolated follower 3 must not get entries during the partition")

	c.Heal()
	for range 3 {
		require.NoError(t, c.Tick(), "ticking after the heal")
		require.NoError(t, c.DeliverAll(), "delivering after the heal")
	}
	requireLogsMatch(t, c, 1, "4. Handling the answer", "three heartbeats after the partition healed")
}

// TestSurvivesUnreliableNetwork checks replication over a network that
// drops, duplicates and reorders messages, for many seeds: proposals and
// heartbeats go out while the network misbehaves; then the network heals
// and, after some heartbeats, every follower's log equals the leader's. A
// failure prints its seed. Handout: "4. Handling the answer" and "The test network".
func TestSurvivesUnreliableNetwork(t *testing.T) {
	for seed := range uint64(200) {
		if !t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { checkUnreliable(t, seed) }) {
			return // one failing seed is enough to read
		}
	}
}

// checkUnreliable runs one seed of TestSurvivesUnreliableNetwork.
func checkUnreliable(t *testing.T, seed uint64) {
	c := newCluster(t, 5, raftnet.Options{Seed: seed, Configure: func(cfg *raft.Config) { cfg.MaxEntriesPerMessage = 4 }})
	c.Appoint(1, 1)
	c.SetDropRate(0.2)
	c.SetDuplicateRate(0.2)
	c.SetReorder(true)
	for round := range 12 {
		c.ProposeAll(1, fmt.Sprint("cmd", 2*round), fmt.Sprint("cmd", 2*round+1))
		require.NoError(t, c.Tick(), "seed %d: ticking", seed)
		for range 15 {
			_, err := c.DeliverOne()
			require.NoError(t, err, "seed %d: delivering", seed)
		}
	}
	c.SetDropRate(0)
	c.SetDuplicateRate(0)
	c.SetReorder(false)
	for range 10 {
		require.NoError(t, c.Tick(), "seed %d: ticking after the network healed", seed)
		require.NoError(t, c.DeliverAll(), "seed %d: delivering after the network healed", seed)
	}
	requireLogsMatch(t, c, 1, "4. Handling the answer", fmt.Sprintf("seed %d: 10 heartbeats after the network stopped dropping, duplicating and reordering", seed))
}
