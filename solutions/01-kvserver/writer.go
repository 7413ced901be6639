package kvserver

import (
	"bufio"
	"io"
	"strconv"
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

//workshop:todo Write two helpers for the Write methods below:
//workshop:todo writeLine(prefix byte, s string) error writes the prefix, s with
//workshop:todo every CR and LF replaced by a space (lineBreaks.WriteString), and
//workshop:todo CRLF; writeHeader(prefix byte, n int64) error writes the prefix,
//workshop:todo n in decimal (strconv.AppendInt) and CRLF. Errors are sticky, so
//workshop:todo returning the last write's error is enough (handout: "2. Writing
//workshop:todo replies").

// writeLine writes prefix, s with every CR and LF replaced by a space, and
// CRLF.
func (w *Writer) writeLine(prefix byte, s string) error {
	w.bw.WriteByte(prefix)
	lineBreaks.WriteString(w.bw, s)
	_, err := w.bw.WriteString("\r\n")
	return err // the first error, if any: errors are sticky
}

// writeHeader writes prefix, n in decimal, and CRLF. It formats n straight
// into the writer's free buffer space, so it does not allocate.
func (w *Writer) writeHeader(prefix byte, n int64) error {
	b := w.bw.AvailableBuffer()
	b = append(b, prefix)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, '\r', '\n')
	_, err := w.bw.Write(b)
	return err
}

//workshop:end

// WriteSimpleString writes s as a simple string, such as "+OK\r\n". A CR or
// LF in s becomes a space.
func (w *Writer) WriteSimpleString(s string) error {
	//workshop:todo Write '+', s with CR and LF replaced, CRLF: that is
	//workshop:todo writeLine (handout: "2. Writing replies").
	return w.writeLine('+', s)
	//workshop:stub return nil
	//workshop:end
}

// WriteError writes msg as an error, such as
// "-ERR unknown command 'x'\r\n". By convention msg starts with an upper-case
// code such as ERR. A CR or LF in msg becomes a space.
func (w *Writer) WriteError(msg string) error {
	//workshop:todo Like WriteSimpleString, with '-' (handout: "2. Writing
	//workshop:todo replies").
	return w.writeLine('-', msg)
	//workshop:stub return nil
	//workshop:end
}

// WriteInteger writes n as an integer, such as ":42\r\n".
func (w *Writer) WriteInteger(n int64) error {
	//workshop:todo Write ':', n in decimal, CRLF: that is writeHeader
	//workshop:todo (handout: "2. Writing replies").
	return w.writeHeader(':', n)
	//workshop:stub return nil
	//workshop:end
}

// WriteBulkString writes s as a bulk string, such as "$5\r\nhello\r\n". Any
// bytes may appear in s, CR and LF included.
func (w *Writer) WriteBulkString(s string) error {
	//workshop:todo Write the header "$<length of s>", then s unchanged, then
	//workshop:todo CRLF (handout: "2. Writing replies").
	w.writeHeader('$', int64(len(s)))
	w.bw.WriteString(s)
	_, err := w.bw.WriteString("\r\n")
	return err // the first error, if any: errors are sticky
	//workshop:stub return nil
	//workshop:end
}

// WriteNull writes the null bulk string, "$-1\r\n": the reply to a GET of a
// missing key.
func (w *Writer) WriteNull() error {
	//workshop:todo Write the null bulk string (handout: "2. Writing replies").
	_, err := w.bw.WriteString("$-1\r\n")
	return err
	//workshop:stub return nil
	//workshop:end
}

// WriteArrayHeader writes the header of an array of n elements, such as
// "*2\r\n". The caller then writes the n elements.
func (w *Writer) WriteArrayHeader(n int) error {
	//workshop:todo Write the header "*<n>" (handout: "2. Writing replies").
	return w.writeHeader('*', int64(n))
	//workshop:stub return nil
	//workshop:end
}

// WriteCommand writes a command the way a client sends one: an array of
// bulk strings, the command's name first.
func (w *Writer) WriteCommand(args ...string) error {
	//workshop:todo Write the array header, then each argument as a bulk
	//workshop:todo string (handout: "2. Writing replies").
	err := w.WriteArrayHeader(len(args))
	for _, arg := range args {
		err = w.WriteBulkString(arg)
	}
	return err // the first error, if any: errors are sticky
	//workshop:stub return nil
	//workshop:end
}
