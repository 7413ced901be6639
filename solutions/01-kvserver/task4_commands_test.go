package kvserver_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
)

// serve runs one command through h and returns the bytes of its reply.
func serve(t *testing.T, h kvserver.Handler, args ...string) string {
	t.Helper()
	var conn bytes.Buffer
	w := kvserver.NewWriter(&conn)
	require.NoError(t, h.ServeRESP(t.Context(), w, args), "ServeRESP%q returns an error only when writing the reply fails", args)
	require.NoError(t, w.Flush())
	return conn.String()
}

// TestCommands runs the commands on a StoreHandler, one after another, and
// checks each reply's bytes. Command names are case-insensitive. GET of a
// missing key replies null; DEL and EXISTS reply integers; PING with an
// argument and ECHO reply bulk strings. (Handout: "4. Commands".)
func TestCommands(t *testing.T) {
	store := new(kvserver.Store)
	h := kvserver.NewStoreHandler(store)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"ping", "hello there"}, bulk("hello there")},
		{[]string{"ECHO", "a\r\nb"}, bulk("a\r\nb")},
		{[]string{"GET", "k"}, "$-1\r\n"},
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"get", "k"}, bulk("v")},
		{[]string{"Set", "k", ""}, "+OK\r\n"},
		{[]string{"GET", "k"}, bulk("")},
		{[]string{"SET", "k2", "v2"}, "+OK\r\n"},
		{[]string{"EXISTS", "k", "k2", "nope", "k"}, ":3\r\n"},
		{[]string{"DEL", "k", "nope", "k"}, ":1\r\n"},
		{[]string{"exists", "k"}, ":0\r\n"},
		{[]string{"GET", "k"}, "$-1\r\n"},
		{[]string{"GET", "k2"}, bulk("v2")},
	}
	for _, step := range steps {
		got := serve(t, h, step.args...)
		require.Equal(t, step.want, got, "reply to %q, after the commands before it in the test (handout: \"4. Commands\")", step.args)
	}
	value, ok := store.Get("k2")
	assert.True(t, ok && value == "v2", "the StoreHandler must keep its data in the Store it was given")
}

// TestCommandErrors checks the error replies, in Redis's words, so that
// redis-cli and Redis's users recognize them: an unknown command names the
// command as it was sent; a wrong number of arguments names the command in
// lower case. An error is a reply, not a Go error: ServeRESP returns nil.
// (Handout: "4. Commands".)
func TestCommandErrors(t *testing.T) {
	h := kvserver.NewStoreHandler(new(kvserver.Store))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"FLUSHALL"}, "-ERR unknown command 'FLUSHALL'\r\n"},
		{[]string{"nosuch", "a", "b"}, "-ERR unknown command 'nosuch'\r\n"},
		{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"GET", "a", "b"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"SET", "k"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"SET", "k", "v", "EX"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"DEL"}, "-ERR wrong number of arguments for 'del' command\r\n"},
		{[]string{"Exists"}, "-ERR wrong number of arguments for 'exists' command\r\n"},
		{[]string{"ECHO"}, "-ERR wrong number of arguments for 'echo' command\r\n"},
		{[]string{"PING", "a", "b"}, "-ERR wrong number of arguments for 'ping' command\r\n"},
		{[]string{"CONFIG"}, "-ERR wrong number of arguments for 'config' command\r\n"},
		{[]string{"CONFIG", "SET", "save", ""}, "-ERR unknown subcommand 'SET'\r\n"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, serve(t, h, tt.args...), "reply to %q (handout: \"4. Commands\")", tt.args)
	}
}

// TestCommandsForRedisTools checks the two commands that redis-benchmark
// and redis-cli send on their own: CONFIG GET, answered with name and value
// pairs for "save" and "appendonly" (and nothing for a parameter this server
// does not have), and COMMAND DOCS, answered with an empty array.
// (Handout: "4. Commands".)
func TestCommandsForRedisTools(t *testing.T) {
	h := kvserver.NewStoreHandler(new(kvserver.Store))
	assert.Equal(t, "*2\r\n"+bulk("save")+bulk(""), serve(t, h, "CONFIG", "GET", "save"),
		"reply to CONFIG GET save (handout: \"4. Commands\")")
	assert.Equal(t, "*2\r\n"+bulk("appendonly")+bulk("no"), serve(t, h, "config", "get", "APPENDONLY"),
		"reply to config get APPENDONLY (handout: \"4. Commands\")")
	assert.Equal(t, "*0\r\n", serve(t, h, "CONFIG", "GET", "maxmemory"),
		"reply to CONFIG GET of a parameter this server does not have (handout: \"4. Commands\")")
	assert.Equal(t, "*0\r\n", serve(t, h, "COMMAND", "DOCS"), "reply to COMMAND DOCS (handout: \"4. Commands\")")
}
