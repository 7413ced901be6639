package core

import (
	"errors"
	"fmt"

	"raftgo/11-rest/quorum"
	"raftgo/solutions/03-planning"
)

// ErrTransferring is returned by Propose and ProposeConfChange while the
// leader hands its leadership over (§3.10 of the dissertation): the
// transferee may not have the new entry, and would then not be elected.
var ErrTransferring = errors.New("core: leadership transfer in progress")

// ErrBadTransfer means that leadership cannot go to the server named.
var ErrBadTransfer = errors.New("core: leadership transfer refused")

// --- PreVote (§9.6 of the dissertation) -----------------------------------

// preCampaign polls the voters before an election: would they vote for
// this node in the next term? It moves no term, so a node that cannot win,
// such as one cut off from the cluster, never forces a leader to step down
// with a higher term when it comes back.
func (n *Node) preCampaign() {
	// TODO: Become a pre-candidate: no new term and no vote cast, but count your
	// own grant, reset the election timer, and send every other voter a
	// PreVote for term n.term+1 with your last log index and term (use
	// n.sendInTerm). A cluster of one goes straight to campaign (§9.6;
	// handout: "10. PreVote").
	n.campaign(false)
}

// handlePreVote answers a pre-vote for term: granted if term is past this
// node's and the candidate's log is at least as up-to-date (§5.4.1). It
// records no vote; a granted answer carries the asked term, a refusal this
// node's own.
func (n *Node) handlePreVote(from raft.NodeID, term raft.Term, pv raft.PreVote) {
	// TODO: Grant when term > n.term and the candidate's log is up-to-date,
	// without voting or moving your term. Answer a grant in the asked
	// term, a refusal in yours (§9.6; handout: "10. PreVote").
	n.send(from, raft.PreVoteResponse{VoteGranted: false})
}

// handlePreVoteResponse counts an answer to this node's pre-vote: won, it
// starts the real election; lost, it goes back to being a follower.
func (n *Node) handlePreVoteResponse(from raft.NodeID, term raft.Term, resp raft.PreVoteResponse) {
	if n.role != raft.PreCandidate || (resp.VoteGranted && term != n.term+1) {
		return
	}
	n.votes[from] = resp.VoteGranted
	switch n.conf.majority().VoteResult(n.votes) {
	case quorum.VoteWon:
		n.campaign(false)
	case quorum.VoteLost:
		n.becomeFollower(n.term, raft.None)
	}
}

// preVoteTerm reports whether m carries a term that must not move its
// receiver's: a pre-vote, or a granted answer to one, which echoes the
// term the candidate would campaign in.
func preVoteTerm(m raft.Message) bool {
	switch body := m.Body.(type) {
	case raft.PreVote:
		return true
	case raft.PreVoteResponse:
		return body.VoteGranted
	}
	return false
}

// sendInTerm queues a message stamped with term instead of this node's.
func (n *Node) sendInTerm(to raft.NodeID, term raft.Term, body raft.Body) {
	n.messages = append(n.messages, raft.Message{From: n.id, To: to, Term: term, Body: body})
}

// --- CheckQuorum (§6.2 and §4.2.3 of the dissertation) --------------------

// inLease reports whether m is an election this node ignores because it
// heard from a leader less than an election timeout ago: a server that
// cannot hear the leader, such as one behind a partial partition or one
// removed from the configuration, must not depose it (§4.2.3: "if a server
// receives a RequestVote request within the minimum election timeout of
// hearing from a current leader, it does not update its term or grant its
// vote"). A campaign a leader asked for (RequestVote.Transfer) is heard.
func (n *Node) inLease(m raft.Message) bool {
	// TODO: With CheckQuorum on, a RequestVote (unless it is a transfer) or a
	// PreVote is in lease when this node knows a leader and its election
	// clock is below ElectionTicks (§4.2.3; handout: "11. CheckQuorum").
	return false
}

// checkQuorum runs once per election timeout on a leader: with
// CheckQuorum on, a leader that has not heard from a majority of its
// voters since the last check steps down, and reports that it did. A
// leader cut off from the majority thus stops serving clients.
func (n *Node) checkQuorum() bool {
	// TODO: Count this node and every voter it heard from since the last check
	// (n.active); without a majority, step down to follower in the same
	// term. Either way, start counting again (§6.2: "a leader steps down if
	// an election timeout elapses without a successful round of heartbeats
	// to a majority of its cluster"; handout: "11. CheckQuorum").
	return false
}

// --- Leadership transfer (§3.10 of the dissertation) ----------------------

// TransferLeadership hands the leadership to voter to: the leader stops
// taking proposals, brings to's log up to date, then tells it to start an
// election at once (TimeoutNow). If to is not elected within an election
// timeout, the leader takes proposals again. A node that is not the leader
// returns raft.ErrNotLeader.
func (n *Node) TransferLeadership(to raft.NodeID) error {
	switch {
	case n.role != raft.Leader:
		return raft.ErrNotLeader
	case to == n.id:
		return nil
	case !n.conf.isVoter(to):
		return fmt.Errorf("%w: node %d is not a voter of the configuration", ErrBadTransfer, to)
	}
	// TODO: Remember the transferee, give the transfer a full election timeout
	// (reset n.transferElapsed), and send TimeoutNow at once if its log is
	// up to date, or entries to bring it there (§3.10: "the prior leader
	// sends it a TimeoutNow request"; handout: "12. Leadership transfer").
	return fmt.Errorf("core: TransferLeadership(%d) is not implemented (handout: \"12. Leadership transfer\")", to)
}

// maybeTimeoutNow sends the transferee TimeoutNow if from is the
// transferee and its log matches the leader's to the end, and reports
// whether it did.
func (n *Node) maybeTimeoutNow(from raft.NodeID) bool {
	pr := n.progress[from]
	if from != n.transferee || pr == nil || pr.match != n.log.LastIndex() {
		return false
	}
	n.send(from, raft.TimeoutNow{})
	return true
}

// handleTimeoutNow starts an election at once, without a pre-vote: the
// leader asked for it.
func (n *Node) handleTimeoutNow(from raft.NodeID) {
	// TODO: A voter that is not the leader campaigns at once, skipping PreVote,
	// as a transfer (§3.10; handout: "12. Leadership transfer").
}
