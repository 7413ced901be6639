package kvserver

import (
	"context"
)

// A StoreHandler is the [Handler] that runs key-value commands on a [Store].
// It knows these commands, in any mix of upper and lower case:
//
//	PING [message]          PONG, or the message
//	ECHO message            the message
//	GET key                 the value, or null when there is none
//	SET key value           OK
//	DEL key [key ...]       how many of the keys existed
//	EXISTS key [key ...]    how many of the keys exist
//	CONFIG GET parameter    the parameter's name and value (redis-benchmark asks)
//	COMMAND [subcommand]    an empty array (redis-cli asks)
//
// Any other command, or a wrong number of arguments, gets an error reply in
// Redis's words.
type StoreHandler struct {
	store *Store
}

// NewStoreHandler returns a StoreHandler that runs commands on store.
func NewStoreHandler(store *Store) *StoreHandler {
	return &StoreHandler{store: store}
}

// A command is one entry of the command table: its bounds on the number of
// arguments (the command's name not counted) and the function that runs it.
type command struct {
	minArgs, maxArgs int // maxArgs is anyArgs when there is no upper bound
	run              func(s *Store, w *Writer, args []string) error
}

// anyArgs is the maxArgs of a command that takes any number of arguments.
const anyArgs = -1

// commands is the command table, by lower-case name.
var commands = map[string]command{
	"ping":    {0, 1, ping},
	"echo":    {1, 1, echo},
	"get":     {1, 1, get},
	"set":     {2, 2, set},
	"del":     {1, anyArgs, del},
	"exists":  {1, anyArgs, exists},
	"config":  {2, anyArgs, config},
	"command": {0, anyArgs, emptyArray},
}

// ServeRESP runs the command in args (its name, then its arguments) and
// writes its reply. It returns an error only when writing the reply fails.
func (h *StoreHandler) ServeRESP(_ context.Context, w *Writer, args []string) error {
	// TODO: Look the command's name up in the commands table, in
	// lower case. Reply "ERR unknown command '<name as sent>'"
	// when it is not there, and "ERR wrong number of arguments
	// for '<lower-case name>' command" when len(args)-1 is out of
	// the command's bounds. Otherwise run it. Then fill in the
	// command functions below (handout: "4. Commands").
	return w.WriteError("ERR not implemented")
}

// ping replies PONG, or echoes its optional argument as a bulk string.
func ping(_ *Store, w *Writer, args []string) error {
	// TODO: Reply the simple string PONG, or args[0] as a bulk string.
	return w.WriteError("ERR not implemented")
}

// echo replies its argument as a bulk string.
func echo(_ *Store, w *Writer, args []string) error {
	// TODO: Reply args[0] as a bulk string.
	return w.WriteError("ERR not implemented")
}

// get replies the value of a key as a bulk string, or null.
func get(s *Store, w *Writer, args []string) error {
	// TODO: Reply the value as a bulk string, or null when the key is
	// missing.
	return w.WriteError("ERR not implemented")
}

// set stores a value under a key and replies OK.
func set(s *Store, w *Writer, args []string) error {
	// TODO: Store the value and reply the simple string OK.
	return w.WriteError("ERR not implemented")
}

// del deletes keys and replies how many existed.
func del(s *Store, w *Writer, args []string) error {
	// TODO: Delete the keys and reply the count as an integer.
	return w.WriteError("ERR not implemented")
}

// exists replies how many of the keys exist.
func exists(s *Store, w *Writer, args []string) error {
	// TODO: Reply the count of existing keys as an integer.
	return w.WriteError("ERR not implemented")
}

// configParams holds what CONFIG GET reports. redis-benchmark asks for
// "save" and "appendonly" when it starts, and warns when it gets no answer.
// This server keeps nothing on disk: it neither saves snapshots nor keeps an
// append-only file.
var configParams = map[string]string{"save": "", "appendonly": "no"}

// config answers CONFIG GET with the name and value of each parameter asked
// for that configParams knows, all in one flat array.
func config(_ *Store, w *Writer, args []string) error {
	// TODO: Reply to CONFIG GET with an array of bulk strings: name,
	// value, for each known parameter asked for (in lower case);
	// reply "ERR unknown subcommand '<subcommand>'" to anything
	// else.
	return w.WriteError("ERR not implemented")
}

// emptyArray replies an empty array. It answers COMMAND: redis-cli asks for
// the documentation of every command (COMMAND DOCS) to show hints as you
// type, and does without when there is none.
func emptyArray(_ *Store, w *Writer, _ []string) error {
	return w.WriteArrayHeader(0)
}
