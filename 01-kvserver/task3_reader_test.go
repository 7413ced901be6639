package kvserver_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/01-kvserver"
)

// readCommands reads commands from input until the first error, and returns
// them with that error. It gives up after as many commands as input has
// bytes, so a reader that returns commands without consuming input cannot
// loop forever.
func readCommands(input string, limits kvserver.Limits) ([][]string, error) {
	r := kvserver.NewReader(strings.NewReader(input), limits)
	var cmds [][]string
	for range len(input) + 1 {
		cmd, err := r.ReadCommand()
		if err != nil {
			return cmds, err
		}
		cmds = append(cmds, cmd)
	}
	return cmds, errors.New("ReadCommand returned more commands than the input has bytes")
}

// TestReadCommand reads valid commands: arrays of bulk strings. A bulk
// string's length says how many bytes to take, so its bytes may include CR,
// LF or NUL; several commands may follow each other (that is pipelining);
// and the end of the input between two commands is io.EOF.
// (Handout: "3. Reading requests".)
func TestReadCommand(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  [][]string
	}{
		{"PING", "*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}}},
		{"SET", "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", [][]string{{"SET", "key", "value"}}},
		{"empty argument", "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", [][]string{{"GET", ""}}},
		{"binary argument", "*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\x00c\r\n", [][]string{{"ECHO", "a\r\nb\x00c"}}},
		{"pipelined", "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n",
			[][]string{{"PING"}, {"GET", "k"}, {"PING"}}},
		{"no input", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readCommands(tt.input, kvserver.Limits{})
			assert.Equal(t, tt.want, got, "the commands read from %q (handout: \"3. Reading requests\")", tt.input)
			require.ErrorIs(t, err, io.EOF, "ReadCommand at the end of the input, after %d commands (handout: \"3. Reading requests\")", len(got))
		})
	}
}

// TestReadCommandMalformed feeds input that breaks the protocol: a request
// that is not an array, an array element that is not a bulk string, a
// length that is not a number, a bulk string longer or shorter than it said,
// a line without CRLF, an empty command. Each must give a *ProtocolError
// whose message says what was wrong, never a panic and never a command.
// (Handout: "3. Reading requests".)
func TestReadCommandMalformed(t *testing.T) {
	tests := []struct{ name, input string }{
		{"inline command", "PING\r\n"},
		{"empty line", "\r\n"},
		{"integer instead of array", ":1\r\n"},
		{"array length not a number", "*x\r\n"},
		{"array length empty", "*\r\n"},
		{"array length too large for an int", "*99999999999999999999\r\n"},
		{"negative array length", "*-2\r\n"},
		{"empty command", "*0\r\n"},
		{"null command", "*-1\r\n"},
		{"element is not a bulk string", "*1\r\n:1\r\n"},
		{"element is an array", "*1\r\n*1\r\n$4\r\nPING\r\n"},
		{"bulk length not a number", "*1\r\n$x\r\n"},
		{"negative bulk length", "*1\r\n$-2\r\n"},
		{"null argument", "*1\r\n$-1\r\n"},
		{"bulk longer than declared", "*1\r\n$2\r\nPING\r\n"},
		{"bulk without CRLF", "*1\r\n$4\r\nPINGxx"},
		{"line ends in LF only", "*1\n$4\r\nPING\r\n"},
		{"line ends in CR only", "*1\r$4\r\nPING\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds, err := readCommands(tt.input, kvserver.Limits{})
			var perr *kvserver.ProtocolError
			require.ErrorAs(t, err, &perr, "reading %q must give a *ProtocolError (handout: \"3. Reading requests\")", tt.input)
			assert.NotEmpty(t, perr.Msg, "a ProtocolError's Msg says what was wrong")
			assert.Empty(t, cmds, "commands read from %q", tt.input)
		})
	}
}

// TestReadCommandTruncated cuts a valid command short at every byte. Input
// that ends in the middle of a command must give io.ErrUnexpectedEOF:
// io.EOF means "the client is done", and only the end of the input before
// a command means that. (Handout: "3. Reading requests".)
func TestReadCommandTruncated(t *testing.T) {
	full := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv\n\r\n"
	_, err := readCommands("", kvserver.Limits{})
	require.ErrorIs(t, err, io.EOF, "ReadCommand on empty input (handout: \"3. Reading requests\")")
	for n := 1; n < len(full); n++ {
		cmds, err := readCommands(full[:n], kvserver.Limits{})
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "ReadCommand on %q, cut short after %d of %d bytes (handout: \"3. Reading requests\")", full[:n], n, len(full))
		require.Empty(t, cmds, "commands read from %q", full[:n])
	}
}

// TestReadCommandLimits sends lengths beyond the reader's limits: too many
// elements, too long a bulk string, too long a line. Each must give a
// *ProtocolError, and the reader must check a declared length before it
// allocates anything for it: the input "*1000000000\r\n" is 13 bytes, and
// must not cost a billion of anything. (Handout: "3. Reading requests",
// and "Trust no length" in Hints.)
func TestReadCommandLimits(t *testing.T) {
	small := kvserver.Limits{MaxArrayLen: 3, MaxBulkLen: 8, MaxLineLen: 16}
	tests := []struct {
		name   string
		input  string
		limits kvserver.Limits
	}{
		{"array longer than MaxArrayLen", encode("DEL", "a", "b", "c"), small},
		{"bulk string longer than MaxBulkLen", encode("GET", "123456789"), small},
		{"line longer than MaxLineLen", "*1\r\n$00000000000000000004\r\nPING\r\n", small},
		{"line longer than MaxLineLen, never ending", "*" + strings.Repeat("1", 100), small},
		{"huge array, default limits", "*1000000000\r\n", kvserver.Limits{}},
		{"huge bulk string, default limits", "*1\r\n$1000000000\r\n", kvserver.Limits{}},
		{"huge line, default limits", "*1\r\n$4\r\nPING\r\n*" + strings.Repeat("1", 1<<20), kvserver.Limits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			allocated := allocatedBytes(func() { _, err = readCommands(tt.input, tt.limits) })
			var perr *kvserver.ProtocolError
			require.ErrorAs(t, err, &perr, "reading %.40q with limits %+v must give a *ProtocolError (handout: \"3. Reading requests\")", tt.input, tt.limits)
			assert.Less(t, allocated, uint64(2<<20), "bytes allocated to read %.40q: check a declared length against the limit before you allocate (handout: \"3. Reading requests\", the hint \"Trust no length\")", tt.input)
		})
	}
}

// TestReadValue reads replies, as the client does: every kind of value,
// null bulk strings and null arrays, and arrays of values. Arrays do not
// nest in this course's subset of RESP. (Handout: "3. Reading requests",
// replies.)
func TestReadValue(t *testing.T) {
	tests := []struct {
		input string
		want  kvserver.Value
	}{
		{"+OK\r\n", kvserver.Value{Kind: kvserver.KindSimpleString, Str: "OK"}},
		{"+\r\n", kvserver.Value{Kind: kvserver.KindSimpleString}},
		{"-ERR unknown command 'x'\r\n", kvserver.Value{Kind: kvserver.KindError, Str: "ERR unknown command 'x'"}},
		{":42\r\n", kvserver.Value{Kind: kvserver.KindInteger, Int: 42}},
		{":-7\r\n", kvserver.Value{Kind: kvserver.KindInteger, Int: -7}},
		{"$5\r\nhello\r\n", kvserver.Value{Kind: kvserver.KindBulkString, Str: "hello"}},
		{"$2\r\n\r\n\r\n", kvserver.Value{Kind: kvserver.KindBulkString, Str: "\r\n"}},
		{"$0\r\n\r\n", kvserver.Value{Kind: kvserver.KindBulkString}},
		{"$-1\r\n", kvserver.Value{Kind: kvserver.KindNull}},
		{"*-1\r\n", kvserver.Value{Kind: kvserver.KindNull}},
		{"*0\r\n", kvserver.Value{Kind: kvserver.KindArray}},
		{"*3\r\n$4\r\nsave\r\n:1\r\n$-1\r\n", kvserver.Value{Kind: kvserver.KindArray, Elems: []kvserver.Value{
			{Kind: kvserver.KindBulkString, Str: "save"},
			{Kind: kvserver.KindInteger, Int: 1},
			{Kind: kvserver.KindNull},
		}}},
	}
	for _, tt := range tests {
		r := kvserver.NewReader(strings.NewReader(tt.input+"+next\r\n"), kvserver.Limits{})
		got, err := r.ReadValue()
		require.NoError(t, err, "ReadValue on %q (handout: \"3. Reading requests\")", tt.input)
		if len(got.Elems) == 0 {
			got.Elems = nil // an empty array may have nil or empty Elems
		}
		assert.Equal(t, tt.want, got, "ReadValue on %q (handout: \"3. Reading requests\")", tt.input)
		next, err := r.ReadValue()
		require.NoError(t, err, "ReadValue on the value after %q", tt.input)
		assert.Equal(t, kvserver.Value{Kind: kvserver.KindSimpleString, Str: "next"}, next,
			"the value after %q: ReadValue must consume exactly one value", tt.input)
	}
}

// TestReadValueBad feeds bad replies to ReadValue: malformed ones give a
// *ProtocolError, truncated ones io.ErrUnexpectedEOF, and the end of the
// input before a value io.EOF. (Handout: "3. Reading requests", replies.)
func TestReadValueBad(t *testing.T) {
	limits := kvserver.Limits{MaxArrayLen: 2, MaxBulkLen: 4, MaxLineLen: 16}
	malformed := []string{
		"?\r\n",
		"\r\n",
		":abc\r\n",
		":99999999999999999999\r\n",
		"$x\r\n",
		"$-2\r\n",
		"$2\r\nabc\r\n",
		"*-2\r\n",
		"*1\r\n*0\r\n",
		"*3\r\n:1\r\n:2\r\n:3\r\n",
		"$5\r\nhello\r\n",
		"+this line is too long\r\n",
		"+OK\n",
	}
	for _, input := range malformed {
		_, err := kvserver.NewReader(strings.NewReader(input), limits).ReadValue()
		var perr *kvserver.ProtocolError
		assert.ErrorAs(t, err, &perr, "ReadValue on %q with limits %+v must give a *ProtocolError (handout: \"3. Reading requests\")", input, limits)
	}
	for _, input := range []string{"+OK", "$4\r\nab", "$2\r\nab", "*2\r\n:1\r\n", ":1\r"} {
		_, err := kvserver.NewReader(strings.NewReader(input), limits).ReadValue()
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "ReadValue on %q, a truncated value (handout: \"3. Reading requests\")", input)
	}
	_, err := kvserver.NewReader(strings.NewReader(""), limits).ReadValue()
	assert.ErrorIs(t, err, io.EOF, "ReadValue on empty input")
}

// FuzzReader feeds the Reader arbitrary bytes, as a hostile client could.
// Reading them as commands or as replies must never panic, must end with
// io.EOF, io.ErrUnexpectedEOF or a *ProtocolError, and must allocate no more
// than the input and the limits justify. And the bytes, sent as the value
// of a SET, must come back intact through Writer and Reader. Run it for
// longer with: go test -fuzz FuzzReader -fuzztime 30s.
// (Handout: "3. Reading requests", and "Trust no length" in Hints.)
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		encode("PING"),
		encode("SET", "key", "value"),
		encode("ECHO", "a\r\nb\x00c") + encode("GET", ""),
		"+OK\r\n-ERR no\r\n:42\r\n$-1\r\n*-1\r\n",
		"*2\r\n$4\r\nsave\r\n:1\r\n",
		"PING\r\n",
		"*x\r\n",
		"*1\r\n$-5\r\n",
		"$3\r\nabcd\r\n",
		"*2\r\n$3\r\nGET\r\n",
		"*1000000000\r\n",
		"*1\r\n$1000000000\r\n",
		"*9\r\n",
		"+" + strings.Repeat("x", 100) + "\r\n",
	} {
		f.Add([]byte(seed))
	}
	// Small limits, so that every limit is within reach of the fuzzer.
	limits := kvserver.Limits{MaxArrayLen: 8, MaxBulkLen: 64, MaxLineLen: 64}
	// What reading may allocate: a fixed amount (buffers, error messages)
	// and a few times the input. A reader that trusts a declared length
	// allocates up to what the length says, and blows this bound.
	maxAllocated := func(input []byte) uint64 { return 64<<10 + 16*uint64(len(input)) }

	f.Fuzz(func(t *testing.T, data []byte) {
		var cmdErr, valueErr error
		allocated := allocatedBytes(func() {
			_, cmdErr = readCommands(string(data), limits)
			valueErr = readValues(data, limits)
		})
		requireReadError(t, cmdErr, "ReadCommand", data)
		requireReadError(t, valueErr, "ReadValue", data)
		if allocated > maxAllocated(data) {
			t.Fatalf("reading %d bytes allocated %d bytes, more than %d: check a declared length against the limit before you allocate (handout: \"3. Reading requests\", the hint \"Trust no length\"); input %.60q",
				len(data), allocated, maxAllocated(data), data)
		}

		want := []string{"SET", "key", string(data)}
		var conn bytes.Buffer
		w := kvserver.NewWriter(&conn)
		w.WriteCommand(want...)
		w.WriteCommand("PING")
		require.NoError(t, w.Flush())
		got, err := readCommands(conn.String(), kvserver.Limits{})
		require.ErrorIs(t, err, io.EOF, "reading back what WriteCommand wrote (handout: \"3. Reading requests\")")
		require.Equal(t, [][]string{want, {"PING"}}, got, "a SET of the fuzz input and a PING, through WriteCommand and ReadCommand (handout: \"2. Writing replies\" and \"3. Reading requests\")")
	})
}

// readValues reads values from input until the first error, and returns
// it. Like readCommands, it gives up after as many values as input has bytes.
func readValues(input []byte, limits kvserver.Limits) error {
	r := kvserver.NewReader(bytes.NewReader(input), limits)
	for range len(input) + 1 {
		if _, err := r.ReadValue(); err != nil {
			return err
		}
	}
	return errors.New("ReadValue returned more values than the input has bytes")
}

// requireReadError checks that reading data ended as reading should: at
// the end of the input, or on a protocol error.
func requireReadError(t *testing.T, err error, method string, data []byte) {
	t.Helper()
	var perr *kvserver.ProtocolError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &perr) {
		return
	}
	t.Fatalf("%s on %.60q: got error %v; want io.EOF, io.ErrUnexpectedEOF or a *ProtocolError (handout: \"3. Reading requests\")", method, data, err)
}
