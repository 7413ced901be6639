// Package system holds the system tests of stage 11: real raftkv servers
// (stage 10's runtime, package raftkv, with this stage's core plugged in),
// each with its write-ahead log in a temporary folder and its listeners on
// 127.0.0.1, in the test process. They check what snapshots and
// membership changes give the running service: a cluster that grows from
// one server with --join, loses its leader by removal, takes back a server
// that lost its disk under a new ID, and grows and shrinks under load while
// its clients see a linearizable store.
package system

import (
	core "raftgo/11-rest"
	"raftgo/solutions/03-planning"
)

// NewCore makes this stage's core for the runtime of stage 10
// (raftkv.Config.NewCore), as the stage-11 raftkv command does.
func NewCore(cfg raft.Config) (raft.Node, error) { return core.New(cfg) }
