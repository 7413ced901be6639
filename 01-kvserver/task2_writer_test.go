package kvserver_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/01-kvserver"
)

// TestWriter checks the bytes of every kind of reply. Each starts with its
// type byte and ends with CRLF; a bulk string declares its length first and
// may hold any bytes; a simple string or an error cannot hold CR or LF, so
// the Writer turns them into spaces. Nothing reaches the connection before
// Flush. (Handout: "2. Writing replies", and "RESP" in Background.)
func TestWriter(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *kvserver.Writer) error
		want  string
	}{
		{"simple string", func(w *kvserver.Writer) error { return w.WriteSimpleString("OK") }, "+OK\r\n"},
		{"simple string with CR and LF", func(w *kvserver.Writer) error { return w.WriteSimpleString("a\r\nb") }, "+a  b\r\n"},
		{"error", func(w *kvserver.Writer) error { return w.WriteError("ERR unknown command 'x'") }, "-ERR unknown command 'x'\r\n"},
		{"error with LF", func(w *kvserver.Writer) error { return w.WriteError("ERR bad\nthing") }, "-ERR bad thing\r\n"},
		{"integer", func(w *kvserver.Writer) error { return w.WriteInteger(42) }, ":42\r\n"},
		{"zero", func(w *kvserver.Writer) error { return w.WriteInteger(0) }, ":0\r\n"},
		{"negative integer", func(w *kvserver.Writer) error { return w.WriteInteger(-9223372036854775808) }, ":-9223372036854775808\r\n"},
		{"bulk string", func(w *kvserver.Writer) error { return w.WriteBulkString("hello") }, "$5\r\nhello\r\n"},
		{"empty bulk string", func(w *kvserver.Writer) error { return w.WriteBulkString("") }, "$0\r\n\r\n"},
		{"binary bulk string", func(w *kvserver.Writer) error { return w.WriteBulkString("a\r\n\x00") }, "$4\r\na\r\n\x00\r\n"},
		{"null", func(w *kvserver.Writer) error { return w.WriteNull() }, "$-1\r\n"},
		{"empty array", func(w *kvserver.Writer) error { return w.WriteArrayHeader(0) }, "*0\r\n"},
		{"array of two", func(w *kvserver.Writer) error {
			w.WriteArrayHeader(2)
			w.WriteBulkString("save")
			return w.WriteBulkString("")
		}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{"command", func(w *kvserver.Writer) error { return w.WriteCommand("SET", "k", "v") }, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"},
		{"two commands", func(w *kvserver.Writer) error {
			w.WriteCommand("PING")
			return w.WriteCommand("GET", "")
		}, "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var conn bytes.Buffer
			w := kvserver.NewWriter(&conn)
			require.NoError(t, tt.write(w))
			assert.Empty(t, conn.String(), "bytes sent before Flush: a Writer buffers until Flush (handout: \"2. Writing replies\")")
			require.NoError(t, w.Flush())
			assert.Equal(t, tt.want, conn.String(), "bytes sent (handout: \"2. Writing replies\")")
		})
	}
}

// TestWriterReportsErrors checks that a Write method reports the failure
// of the connection under it. The Writer buffers, so a write reaches the
// connection only when the buffer fills up or on Flush; a bulk string
// larger than the buffer does. (Handout: "2. Writing replies".)
func TestWriterReportsErrors(t *testing.T) {
	w := kvserver.NewWriter(failingWriter{})
	err := w.WriteBulkString(strings.Repeat("x", 64<<10))
	require.ErrorIs(t, err, errBrokenConn, "WriteBulkString of 64 KiB to a broken connection must return the connection's error (handout: \"2. Writing replies\")")
	require.ErrorIs(t, w.WriteCommand("PING"), errBrokenConn, "WriteCommand after a failure: errors are sticky")
}

var errBrokenConn = errors.New("broken connection")

// failingWriter is a connection that fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errBrokenConn }
