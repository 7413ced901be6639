package kvserver

import (
	"context"
	"strings"
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
	//workshop:todo Look the command's name up in the commands table, in
	//workshop:todo lower case. Reply "ERR unknown command '<name as sent>'"
	//workshop:todo when it is not there, and "ERR wrong number of arguments
	//workshop:todo for '<lower-case name>' command" when len(args)-1 is out of
	//workshop:todo the command's bounds. Otherwise run it. Then fill in the
	//workshop:todo command functions below (handout: "4. Commands").
	name := strings.ToLower(args[0])
	cmd, ok := commands[name]
	if !ok {
		return w.WriteError("ERR unknown command '" + args[0] + "'")
	}
	n := len(args) - 1
	if n < cmd.minArgs || (cmd.maxArgs != anyArgs && n > cmd.maxArgs) {
		return w.WriteError("ERR wrong number of arguments for '" + name + "' command")
	}
	return cmd.run(h.store, w, args[1:])
	//workshop:stub return w.WriteError("ERR not implemented")
	//workshop:end
}

// ping replies PONG, or echoes its optional argument as a bulk string.
func ping(_ *Store, w *Writer, args []string) error {
	//workshop:todo Reply the simple string PONG, or args[0] as a bulk string.
	if len(args) == 1 {
		return w.WriteBulkString(args[0])
	}
	return w.WriteSimpleString("PONG")
	//workshop:stub return w.WriteError("ERR not implemented")
	//workshop:end
}

// echo replies its argument as a bulk string.
func echo(_ *Store, w *Writer, args []string) error {
	//workshop:todo Reply args[0] as a bulk string.
	return w.WriteBulkString(args[0])
	//workshop:stub return w.WriteError("ERR not implemented")
	//workshop:end
}

// get replies the value of a key as a bulk string, or null.
func get(s *Store, w *Writer, args []string) error {
	//workshop:todo Reply the value as a bulk string, or null when the key is
	//workshop:todo missing.
	value, ok := s.Get(args[0])
	if !ok {
		return w.WriteNull()
	}
	return w.WriteBulkString(value)
	//workshop:stub return w.WriteError("ERR not implemented")
	//workshop:end
}

// set stores a value under a key and replies OK.
func set(s *Store, w *Writer, args []string) error {
	//workshop:todo Store the value and reply the simple string OK.
	s.Set(args[0], args[1])
	return w.WriteSimpleString("OK")
	//workshop:stub return w.WriteError("ERR not implemented")
	//workshop:end
}

// del deletes keys and replies how many existed.
func del(s *Store, w *Writer, args []string) error {
	//workshop:todo Delete the keys and reply the count as an integer.
	return w.WriteInteger(int64(s.Delete(args...)))
	//workshop:stub return w.WriteError("ERR not implemented")
	//workshop:end
}

// exists replies how many of the keys exist.
func exists(s *Store, w *Writer, args []string) error {
	//workshop:todo Reply the count of existing keys as an integer.
	return w.WriteInteger(int64(s.Exists(args...)))
	//workshop:stub return w.WriteError("ERR not implemented")
	//workshop:end
}

// configParams holds what CONFIG GET reports. redis-benchmark asks for
// "save" and "appendonly" when it starts, and warns when it gets no answer.
// This server keeps nothing on disk: it neither saves snapshots nor keeps an
// append-only file.
var configParams = map[string]string{"save": "", "appendonly": "no"}

// config answers CONFIG GET with the name and value of each parameter asked
// for that configParams knows, all in one flat array.
func config(_ *Store, w *Writer, args []string) error {
	//workshop:todo Reply to CONFIG GET with an array of bulk strings: name,
	//workshop:todo value, for each known parameter asked for (in lower case);
	//workshop:todo reply "ERR unknown subcommand '<subcommand>'" to anything
	//workshop:todo else.
	if !strings.EqualFold(args[0], "get") {
		return w.WriteError("ERR unknown subcommand '" + args[0] + "'")
	}
	var pairs []string
	for _, name := range args[1:] {
		name = strings.ToLower(name)
		if value, ok := configParams[name]; ok {
			pairs = append(pairs, name, value)
		}
	}
	err := w.WriteArrayHeader(len(pairs))
	for _, s := range pairs {
		err = w.WriteBulkString(s)
	}
	return err // the first error, if any: errors are sticky
	//workshop:stub return w.WriteError("ERR not implemented")
	//workshop:end
}

// emptyArray replies an empty array. It answers COMMAND: redis-cli asks for
// the documentation of every command (COMMAND DOCS) to show hints as you
// type, and does without when there is none.
func emptyArray(_ *Store, w *Writer, _ []string) error {
	return w.WriteArrayHeader(0)
}
