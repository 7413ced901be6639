package core_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftgo/internal/clustertest"
	"raftgo/solutions/03-planning"
	"raftgo/solutions/07-election"
)

// The tests in this file call one node's Tick and Step directly, one
// sentence of the paper each, so that a mistake fails next to its cause;
// the tests of election_test.go then run whole clusters.

// electionTicks is the default configuration's ElectionTicks.
const electionTicks = 10

// newCore returns node id of a cluster of size nodes, 1 to size, in its
// default configuration with the given seed, changed by configure if it is
// not nil.
func newCore(t *testing.T, id raft.NodeID, size int, seed uint64, configure func(*raft.Config)) *core.Node {
	t.Helper()
	peers := make([]raft.NodeID, size)
	for i := range peers {
		peers[i] = raft.NodeID(i + 1)
	}
	cfg := raft.DefaultConfig(id, peers)
	cfg.Seed = seed
	if configure != nil {
		configure(&cfg)
	}
	n, err := core.New(cfg)
	require.NoError(t, err, "core.New for node %d of %d", id, size)
	return n
}

// ticksToCampaign ticks n until it stops being a follower and returns how
// many ticks that took; it fails the test after bound ticks.
func ticksToCampaign(t *testing.T, n *core.Node, bound int) int {
	t.Helper()
	for tick := 1; tick <= bound; tick++ {
		n.Tick()
		if n.Status().Role != raft.Follower {
			return tick
		}
	}
	st := n.Status()
	require.FailNow(t, "no campaign", "node %d is still a %s in term %d after %d ticks with no word from a leader: its election timeout, drawn from [%d, %d) ticks, should have run out and made it campaign (%s; handout: \"1. The election timer\", \"2. Campaign\")",
		st.ID, st.Role, st.Term, bound, electionTicks, 2*electionTicks, followerRule)
	return 0
}

// newCandidate returns node 1 of a cluster of size nodes once it has
// campaigned, with the Ready of its campaign taken.
func newCandidate(t *testing.T, size int, seed uint64, configure func(*raft.Config)) (*core.Node, raft.Ready) {
	t.Helper()
	n := newCore(t, 1, size, seed, configure)
	ticksToCampaign(t, n, 2*electionTicks)
	return n, n.Ready()
}

// stepNode hands n a message and requires that Step accepts it.
func stepNode(t *testing.T, n *core.Node, from raft.NodeID, term raft.Term, body raft.Body) {
	t.Helper()
	to := n.Status().ID
	require.NoError(t, n.Step(raft.Message{From: from, To: to, Term: term, Body: body}), "node %d's Step of a %T from %d in term %d", to, body, from, term)
}

// voteAnswer returns voter's one answer to candidate's RequestVote of term
// among the messages of its Ready; it fails the test, saying what the voter
// sent instead, if there is not exactly one.
func voteAnswer(t *testing.T, msgs []raft.Message, id, candidate raft.NodeID, term raft.Term, task string) raft.Message {
	t.Helper()
	var answers []raft.Message
	var sent []string
	for _, m := range msgs {
		sent = append(sent, m.String())
		if _, ok := m.Body.(raft.RequestVoteResponse); ok && m.To == candidate {
			answers = append(answers, m)
		}
	}
	switch len(answers) {
	case 0:
		require.FailNow(t, "no answer", "node %d sent no RequestVoteResponse to candidate %d's RequestVote of term %d; it sent %s. Every RequestVote gets one answer, granted or not (Figure 2, RequestVote RPC; handout: %q)",
			id, candidate, term, sentList(sent), task)
	case 1:
	default:
		require.FailNow(t, "answered twice", "node %d answered candidate %d's one RequestVote of term %d %d times: %s. Send one answer, and remove the stub's placeholder (handout: %q)",
			id, candidate, term, len(answers), sentList(sent), task)
	}
	return answers[0]
}

// sentList describes the messages a node sent, for failure messages.
func sentList(sent []string) string {
	if len(sent) == 0 {
		return "nothing"
	}
	return "[" + strings.Join(sent, "; ") + "]"
}

// TestFollowerCampaignsOnTimeout checks the election timer (§5.2): a
// follower that hears from no leader campaigns when its election timeout
// runs out, and the timeout is drawn from [ElectionTicks, 2*ElectionTicks):
// over 100 seeds some node campaigns at its ElectionTicks-th tick exactly
// and none later than the 2*ElectionTicks-1-th. Handout: "1. The election
// timer".
func TestFollowerCampaignsOnTimeout(t *testing.T) {
	earliest := 2 * electionTicks
	for seed := range uint64(100) {
		n := newCore(t, 1, 3, seed, nil)
		ticks := ticksToCampaign(t, n, 2*electionTicks)
		require.GreaterOrEqual(t, ticks, electionTicks,
			"seed %d: node 1 campaigned after %d ticks, before the shortest election timeout of %d ticks (%s; handout: \"1. The election timer\")", seed, ticks, electionTicks, followerRule)
		require.Less(t, ticks, 2*electionTicks,
			"seed %d: node 1 campaigned only after %d ticks; its timeout is drawn from [%d, %d) (handout: \"1. The election timer\")", seed, ticks, electionTicks, 2*electionTicks)
		earliest = min(earliest, ticks)
	}
	require.Equal(t, electionTicks, earliest,
		"the earliest campaign over 100 seeds came after %d ticks: a timeout of %d ticks runs out on the %d-th tick, so campaign when electionElapsed reaches electionTimeout (>=, not >) (handout: \"1. The election timer\")", earliest, electionTicks, electionTicks)
}

// TestCandidateAsksEveryPeer checks the start of an election (Figure 2,
// Rules for Servers, Candidates): the candidate moves to the next term,
// votes for itself, persists that vote, and sends every peer a RequestVote
// with its last log index and term. Its own vote counts: in a cluster of
// five, two more votes make a majority. Handout: "2. Campaign".
func TestCandidateAsksEveryPeer(t *testing.T) {
	n, rd := newCandidate(t, 5, 1, func(c *raft.Config) {
		c.Entries = []raft.Entry{clustertest.Entry(1, 1, "a"), clustertest.Entry(2, 2, "b")}
		c.HardState = raft.HardState{Term: 2}
	})
	st := n.Status()
	require.Equal(t, raft.Candidate, st.Role, "node 1's role after its election timeout (%s; handout: \"2. Campaign\")", candidateRule)
	require.Equal(t, raft.Term(3), st.Term, "node 1 was in term 2; a candidate moves to the next term (%s; handout: \"2. Campaign\")", candidateRule)
	require.Equal(t, raft.HardState{Term: 3, Vote: 1}, rd.HardState,
		"the hard state of the campaign's Ready: term 3 and a vote for itself, persisted before any RequestVote leaves (handout: \"2. Campaign\")")
	var asked []string
	for _, m := range rd.Messages {
		asked = append(asked, m.String())
	}
	var want []string
	for peer := raft.NodeID(2); peer <= 5; peer++ {
		want = append(want, raft.Message{From: 1, To: peer, Term: 3, Body: raft.RequestVote{LastLogIndex: 2, LastLogTerm: 2}}.String())
	}
	require.Equal(t, want, asked, "the messages of node 1's campaign in term 3, its log ending at entry 2 of term 2: one RequestVote to each peer (handout: \"2. Campaign\")")

	stepNode(t, n, 2, 3, raft.RequestVoteResponse{VoteGranted: true})
	require.Equal(t, raft.Candidate, n.Status().Role, "candidate 1 of five with its own vote and node 2's: two votes are not a majority (handout: \"2. Campaign\", \"4. Counting votes\")")
	stepNode(t, n, 3, 3, raft.RequestVoteResponse{VoteGranted: true})
	require.Equal(t, raft.Leader, n.Status().Role,
		"candidate 1 of five with votes from nodes 2 and 3 is not leader: with its own vote that is 3 of 5, a majority. Record your own vote in n.votes when you campaign (handout: \"2. Campaign\", \"4. Counting votes\")")
}

// TestOneNodeClusterElectsItself checks the smallest cluster: its one node
// is a majority by itself, so when its timeout runs out it becomes leader
// at once, with no one to ask, and commits its no-op at once. Handout:
// "2. Campaign".
func TestOneNodeClusterElectsItself(t *testing.T) {
	n := newCore(t, 1, 1, 1, nil)
	ticksToCampaign(t, n, 2*electionTicks)
	st := n.Status()
	require.Equal(t, raft.Leader, st.Role, "the only node of a one-node cluster is a %s in term %d after its timeout: its own vote is a majority, so it wins at once (%s; handout: \"2. Campaign\")", st.Role, st.Term, candidateRule)
	rd := n.Ready()
	require.Empty(t, rd.Messages, "a one-node cluster has no one to send to")
	require.Len(t, rd.Entries, 1, "the Ready of the one-node leader must persist its no-op, entry 1 of term 1 (handout: \"5. The no-op\")")
	require.Equal(t, raft.HardState{Term: 1, Vote: 1, Commit: 1}, rd.HardState, "the one-node leader's hard state: term 1, its own vote, and the no-op committed at once (handout: \"5. The no-op\")")
}

// TestVoterRules checks each rule of a voter (Figure 2, RequestVote RPC,
// receiver implementation; §5.2, §5.4.1), calling Step on one node of term
// 1 whose log holds entry 1 of term 1. Handout: "3. Voting".
func TestVoterRules(t *testing.T) {
	const term = 1
	voter := func(t *testing.T, seed uint64) *core.Node {
		n := newCore(t, 2, 3, seed, func(c *raft.Config) {
			c.Entries = []raft.Entry{clustertest.Entry(1, 1, "a")}
			c.HardState = raft.HardState{Term: term}
		})
		n.Ready() // nothing to persist yet
		return n
	}
	upToDate := raft.RequestVote{LastLogIndex: 1, LastLogTerm: 1}
	stale := raft.RequestVote{LastLogIndex: 0, LastLogTerm: 0}

	t.Run("grants an up-to-date candidate and persists the vote", func(t *testing.T) {
		n := voter(t, 1)
		stepNode(t, n, 1, term, upToDate)
		rd := n.Ready()
		answer := voteAnswer(t, rd.Messages, 2, 1, term, "3. Voting")
		require.True(t, answer.Body.(raft.RequestVoteResponse).VoteGranted,
			"node 2 (log up to entry 1 of term 1, no vote in term 1) refused candidate 1, whose log ends at the same entry: %s (%s; handout: \"3. Voting\")", answer, voteRule)
		require.Equal(t, raft.HardState{Term: term, Vote: 1}, rd.HardState,
			"node 2's hard state to persist after it voted for candidate 1 in term 1: record the vote in n.vote, and Ready persists it before the answer leaves (handout: \"3. Voting\")")
	})
	t.Run("grants the same candidate again on a retry", func(t *testing.T) {
		n := voter(t, 1)
		stepNode(t, n, 1, term, upToDate)
		n.Ready()
		stepNode(t, n, 1, term, upToDate) // the candidate's retry
		answer := voteAnswer(t, n.Ready().Messages, 2, 1, term, "3. Voting")
		require.True(t, answer.Body.(raft.RequestVoteResponse).VoteGranted,
			"node 2 voted for candidate 1 in term 1, then refused the same candidate's retry: %s. votedFor is candidateId, so grant again (%s; handout: \"3. Voting\")", answer, voteRule)
	})
	t.Run("refuses another candidate in the same term", func(t *testing.T) {
		n := voter(t, 1)
		stepNode(t, n, 1, term, upToDate)
		n.Ready()
		stepNode(t, n, 3, term, upToDate)
		answer := voteAnswer(t, n.Ready().Messages, 2, 3, term, "3. Voting")
		require.False(t, answer.Body.(raft.RequestVoteResponse).VoteGranted,
			"node 2 voted for candidate 1 in term 1, then granted candidate 3 too: %s. One vote per term (%s; handout: \"3. Voting\")", answer, voteRule)
		require.Equal(t, raft.NodeID(1), n.Status().Vote, "node 2's vote in term 1 must stay with candidate 1")
	})
	t.Run("refuses a candidate whose log is behind", func(t *testing.T) {
		n := voter(t, 1)
		stepNode(t, n, 3, term, stale)
		answer := voteAnswer(t, n.Ready().Messages, 2, 3, term, "3. Voting")
		require.False(t, answer.Body.(raft.RequestVoteResponse).VoteGranted,
			"node 2 (log up to entry 1 of term 1) granted candidate 3, whose log is empty: %s. Grant only a candidate at least as up-to-date (n.log.IsUpToDate; %s; §5.4.1; handout: \"3. Voting\")", answer, voteRule)
		require.Equal(t, raft.None, n.Status().Vote, "node 2 refused, so it has voted for no one in term 1")
	})
	t.Run("a refusal leaves the election timer alone", func(t *testing.T) {
		// How many ticks node 2 of this seed waits before it campaigns.
		timeout := ticksToCampaign(t, voter(t, 5), 2*electionTicks)
		n := voter(t, 5)
		for range timeout - 1 {
			n.Tick()
		}
		stepNode(t, n, 3, term, stale)
		voteAnswer(t, n.Ready().Messages, 2, 3, term, "3. Voting")
		n.Tick()
		require.Equal(t, raft.Candidate, n.Status().Role,
			"node 2 refused stale candidate 3 one tick before its election timeout, and then did not campaign when the timeout ran out: it reset its election timer on a refusal. Reset it only when you grant a vote, or a stale candidate can hold off elections forever (%s; handout: \"3. Voting\")", followerRule)
	})
	t.Run("a granted vote resets the election timer", func(t *testing.T) {
		timeout := ticksToCampaign(t, voter(t, 5), 2*electionTicks)
		n := voter(t, 5)
		for range timeout - 1 {
			n.Tick()
		}
		stepNode(t, n, 1, term, upToDate)
		voteAnswer(t, n.Ready().Messages, 2, 1, term, "3. Voting")
		n.Tick()
		require.Equal(t, raft.Follower, n.Status().Role,
			"node 2 granted its vote to candidate 1 one tick before its election timeout, then campaigned against it on the next tick: granting a vote resets the election timer (%s; handout: \"3. Voting\")", followerRule)
	})
}

// TestCandidateCountsVotes checks how a candidate of a five-node cluster
// counts (Figure 2, Rules for Servers, Candidates; §5.2): refusals count
// for nothing, each voter counts once however often its answer arrives,
// the third vote (with its own) makes it leader, and votes that arrive
// after it won change nothing. Handout: "4. Counting votes".
func TestCandidateCountsVotes(t *testing.T) {
	n, _ := newCandidate(t, 5, 2, nil)
	term := n.Status().Term
	grant := raft.RequestVoteResponse{VoteGranted: true}
	refuse := raft.RequestVoteResponse{VoteGranted: false}

	for _, voter := range []raft.NodeID{2, 3, 4} {
		stepNode(t, n, voter, term, refuse)
	}
	require.Equal(t, raft.Candidate, n.Status().Role,
		"candidate 1 of five became %s after refusals from nodes 2, 3 and 4 and no vote: count only granted votes (%s; handout: \"4. Counting votes\")", n.Status().Role, candidateRule)
	stepNode(t, n, 2, term, grant)
	stepNode(t, n, 2, term, grant) // a duplicate of the same answer
	require.Equal(t, raft.Candidate, n.Status().Role,
		"candidate 1 of five became %s with its own vote and node 2's, delivered twice: each voter counts once (n.votes is a set; handout: \"4. Counting votes\")", n.Status().Role)
	stepNode(t, n, 3, term, grant)
	require.Equal(t, raft.Leader, n.Status().Role,
		"candidate 1 of five with its own vote and those of nodes 2 and 3, a majority, is a %s (%s; handout: \"4. Counting votes\")", n.Status().Role, candidateRule)
	n.Ready()
	last := n.Status().LastIndex
	for _, voter := range []raft.NodeID{4, 5, 3} {
		stepNode(t, n, voter, term, grant) // late votes
	}
	st := n.Status()
	require.Equal(t, raft.Leader, st.Role, "leader 1 of term %d after late votes", term)
	require.Equal(t, term, st.Term, "leader 1's term after late votes")
	require.Equal(t, last, st.LastIndex,
		"leader 1's log grew from %d to %d entries on late votes: once leader, a node stops counting votes, or it becomes leader again and appends another no-op (handout: \"4. Counting votes\")", last, st.LastIndex)
}

// TestLeaderAppendsNoOp checks the no-op of §8: a new leader appends an
// empty entry of its term at once, persists it through Ready like any
// entry, and sends it to its followers; once a majority holds it, it
// commits, and every entry of earlier terms before it commits with it
// (§5.4.2). Handout: "5. The no-op".
func TestLeaderAppendsNoOp(t *testing.T) {
	n, _ := newCandidate(t, 3, 3, func(c *raft.Config) {
		c.Entries = []raft.Entry{clustertest.Entry(1, 1, "a"), clustertest.Entry(2, 1, "b")}
		c.HardState = raft.HardState{Term: 1}
	})
	term := n.Status().Term
	stepNode(t, n, 2, term, raft.RequestVoteResponse{VoteGranted: true})
	require.Equal(t, raft.Leader, n.Status().Role, "candidate 1 of three with node 2's vote (handout: \"4. Counting votes\")")
	rd := n.Ready()
	noop := raft.Entry{Index: 3, Term: term, Type: raft.EntryCommand}
	require.Equal(t, []string{noop.String()}, entryStrings(rd.Entries),
		"the new leader's Ready must persist its no-op, entry 3 of term %d: append it with n.appendEntry, which marks it for Ready and commits a one-node cluster (§8; handout: \"5. The no-op\")", term)
	var carried []string
	for _, m := range rd.Messages {
		if ae, ok := m.Body.(raft.AppendEntries); ok {
			carried = append(carried, fmt.Sprintf("to %d: %s", m.To, entryStrings(ae.Entries)))
		}
	}
	require.Equal(t, []string{fmt.Sprintf("to 2: %s", []string{noop.String()}), fmt.Sprintf("to 3: %s", []string{noop.String()})}, carried,
		"the entries of the new leader's AppendEntries: the no-op to each follower (handout: \"5. The no-op\")")
	stepNode(t, n, 2, term, raft.AppendEntriesResponse{Success: true, MatchIndex: 3})
	require.Equal(t, raft.Index(3), n.Status().Commit,
		"leader 1's commit index once node 2 holds the no-op: entry 3 of its term is on a majority, and entries 1 and 2 of term 1 commit with it (§5.4.2; handout: \"5. The no-op\")")
}

// entryStrings prints entries in the course's one form.
func entryStrings(es []raft.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	return out
}

// TestStepDownOnHigherTerm checks the rule for all servers (Figure 2): a
// message of a higher term, request or response, makes its receiver a
// follower in that term, with no vote cast in it yet, and the message is
// then handled as usual in the new term. Handout: "6. Step down".
func TestStepDownOnHigherTerm(t *testing.T) {
	t.Run("a voter answers a RequestVote of a higher term", func(t *testing.T) {
		n := newCore(t, 2, 3, 1, func(c *raft.Config) { c.HardState = raft.HardState{Term: 1, Vote: 3} })
		stepNode(t, n, 1, 2, raft.RequestVote{})
		answer := voteAnswer(t, n.Ready().Messages, 2, 1, 2, "6. Step down")
		require.Equal(t, raft.Term(2), answer.Term, "node 2's answer to candidate 1 must be of term 2, the term it moved to (%s; handout: \"6. Step down\")", termRule)
		require.True(t, answer.Body.(raft.RequestVoteResponse).VoteGranted,
			"node 2 voted for 3 in term 1, then refused candidate 1 of term 2: %s. Moving to term 2 clears the vote, so it grants (%s; handout: \"6. Step down\")", answer, termRule)
	})
	t.Run("a candidate follows the leader of a higher term", func(t *testing.T) {
		n, _ := newCandidate(t, 3, 4, nil)
		term := n.Status().Term
		stepNode(t, n, 3, term+1, raft.AppendEntries{})
		st := n.Status()
		require.Equal(t, raft.Follower, st.Role, "candidate 1 of term %d after an AppendEntries of term %d (%s; handout: \"6. Step down\")", term, term+1, termRule)
		require.Equal(t, raft.NodeID(3), st.Leader, "candidate 1 after an AppendEntries of term %d from 3 must follow 3, the leader of that term (handout: \"6. Step down\")", term+1)
		rd := n.Ready()
		require.Len(t, rd.Messages, 1, "node 1 must answer the AppendEntries of term %d: it sent %d messages (handout: \"6. Step down\")", term+1, len(rd.Messages))
		require.Equal(t, raft.Message{From: 1, To: 3, Term: term + 1, Body: raft.AppendEntriesResponse{Success: true}}.String(), rd.Messages[0].String(), "node 1's answer to the heartbeat of term %d (handout: \"6. Step down\")", term+1)
	})
	t.Run("a leader steps down on a response of a higher term", func(t *testing.T) {
		n, _ := newCandidate(t, 3, 5, nil)
		term := n.Status().Term
		stepNode(t, n, 2, term, raft.RequestVoteResponse{VoteGranted: true})
		require.Equal(t, raft.Leader, n.Status().Role, "candidate 1 of three with node 2's vote (handout: \"4. Counting votes\")")
		commit := n.Ready().HardState.Commit
		stepNode(t, n, 3, term+1, raft.AppendEntriesResponse{})
		st := n.Status()
		require.Equal(t, raft.Follower, st.Role, "leader 1 of term %d after an AppendEntriesResponse of term %d (%s; handout: \"6. Step down\")", term, term+1, termRule)
		require.Equal(t, raft.HardState{Term: term + 1, Vote: raft.None, Commit: commit}, n.Ready().HardState,
			"the hard state to persist after moving to term %d: the new term, and no vote cast in it yet (%s; handout: \"6. Step down\")", term+1, termRule)
		_, _, err := n.Propose([]byte("x"))
		require.ErrorIs(t, err, raft.ErrNotLeader, "a node that stepped down must refuse proposals (handout: \"6. Step down\")")
	})
}
