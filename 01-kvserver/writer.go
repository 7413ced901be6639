package kvserver

import (
	"bufio"
	"io"
	"strings"
)

// A Writer encodes RESP values into a buffer and sends them on Flush. The
// server writes replies with it; the client writes commands.
//
// As with [bufio.Writer], errors are sticky: after a write fails, every
// later write and Flush returns the same error. So a caller that writes
// several values may check only the last error, or Flush's.
type Writer struct {
	bw *bufio.Writer
}

// NewWriter returns a Writer that buffers what it encodes and sends it to w
// on Flush.
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriter(w)}
}

// Flush sends everything written so far to the underlying writer.
func (w *Writer) Flush() error {
	return w.bw.Flush()
}

// lineBreaks replaces the CR and LF that a simple string or an error must not
// contain, since its line ends at the first CRLF.
var lineBreaks = strings.NewReplacer("\r", " ", "\n", " ")

// TODO: Write two helpers for the Write methods below:
// writeLine(prefix byte, s string) error writes the prefix, s with
// every CR and LF replaced by a space (lineBreaks.WriteString), and
// CRLF; writeHeader(prefix byte, n int64) error writes the prefix,
// n in decimal (strconv.AppendInt) and CRLF. Errors are sticky, so
// returning the last write's error is enough (handout: "2. Writing
// replies").

// WriteSimpleString writes s as a simple string, such as "+OK\r\n". A CR or
// LF in s becomes a space.
func (w *Writer) WriteSimpleString(s string) error {
	// TODO: Write '+', s with CR and LF replaced, CRLF: that is
	// writeLine (handout: "2. Writing replies").
	return nil
}

// WriteError writes msg as an error, such as
// "-ERR unknown command 'x'\r\n". By convention msg starts with an upper-case
// code such as ERR. A CR or LF in msg becomes a space.
func (w *Writer) WriteError(msg string) error {
	// TODO: Like WriteSimpleString, with '-' (handout: "2. Writing
	// replies").
	return nil
}

// WriteInteger writes n as an integer, such as ":42\r\n".
func (w *Writer) WriteInteger(n int64) error {
	// TODO: Write ':', n in decimal, CRLF: that is writeHeader
	// (handout: "2. Writing replies").
	return nil
}

// WriteBulkString writes s as a bulk string, such as "$5\r\nhello\r\n". Any
// bytes may appear in s, CR and LF included.
func (w *Writer) WriteBulkString(s string) error {
	// TODO: Write the header "$<length of s>", then s unchanged, then
	// CRLF (handout: "2. Writing replies").
	return nil
}

// WriteNull writes the null bulk string, "$-1\r\n": the reply to a GET of a
// missing key.
func (w *Writer) WriteNull() error {
	// TODO: Write the null bulk string (handout: "2. Writing replies").
	return nil
}

// WriteArrayHeader writes the header of an array of n elements, such as
// "*2\r\n". The caller then writes the n elements.
func (w *Writer) WriteArrayHeader(n int) error {
	// TODO: Write the header "*<n>" (handout: "2. Writing replies").
	return nil
}

// WriteCommand writes a command the way a client sends one: an array of
// bulk strings, the command's name first.
func (w *Writer) WriteCommand(args ...string) error {
	// TODO: Write the array header, then each argument as a bulk
	// string (handout: "2. Writing replies").
	return nil
}
