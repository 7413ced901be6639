// Package kvserver is a small key-value server that speaks a subset of RESP,
// the protocol of Redis, so the real redis-cli and redis-benchmark can talk
// to it.
//
// The package has five parts, each in its own file:
//
//   - [Store] (store.go) is the data: a map from keys to values, safe for
//     concurrent use.
//   - [Writer] (writer.go) encodes replies, and the commands a client sends.
//   - [Reader] (reader.go) decodes commands on the server and replies on the
//     client. It checks every length a peer declares against its [Limits]
//     before it allocates, and reports bad input as a [*ProtocolError].
//   - [StoreHandler] (commands.go) runs the commands (PING, ECHO, GET, SET,
//     DEL, EXISTS, and the few that redis-cli and redis-benchmark send) on a
//     Store.
//   - [Server] (server.go) accepts connections and serves each in its own
//     goroutine, with pipelining and a graceful [Server.Shutdown]; [Client]
//     (client.go) is the other end.
//
// The later stages of the course reuse all of it: the replicated system of
// stages 10 and 11 keeps its state in a Store and offers the same RESP front
// door, with its own [Handler] that goes through Raft before it answers.
package kvserver
