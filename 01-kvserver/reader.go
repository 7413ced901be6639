package kvserver

import (
	"bufio"
	"errors"
	"io"
)

// A Reader decodes RESP values from a buffered stream: commands on the
// server, replies on the client.
//
// It trusts nothing its peer declares. Every length is checked against the
// reader's [Limits] before anything is allocated for it, and input that
// breaks the protocol gives a [*ProtocolError]. Input that ends in the middle
// of a value gives [io.ErrUnexpectedEOF]; input that ends between two values
// gives [io.EOF].
type Reader struct {
	br     *bufio.Reader
	limits Limits
}

// NewReader returns a Reader that reads from rd within limits; a zero field
// of limits means its default.
func NewReader(rd io.Reader, limits Limits) *Reader {
	limits = limits.withDefaults()
	// A line must fit in the buffer, CRLF included: see readLine.
	return &Reader{br: bufio.NewReaderSize(rd, limits.MaxLineLen+2), limits: limits}
}

// Buffered returns how many bytes have been received but not yet decoded.
// When it is zero, the peer has sent no further pipelined command: the
// server flushes its replies before it waits for more.
func (r *Reader) Buffered() int {
	return r.br.Buffered()
}

// ReadCommand reads one command, an array of bulk strings such as
// "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", and returns its elements: the command's
// name, then its arguments. It returns io.EOF when the input ends cleanly
// before a command.
func (r *Reader) ReadCommand() ([]string, error) {
	// TODO: Read the header line "*<n>" (readLine) and check n (a
	// command has at least a name, and at most MaxArrayLen
	// elements: readLength) before you allocate the slice. Then
	// read n bulk strings, each "$<size>" then the bytes
	// (readBulk). io.EOF before the first byte is a clean end;
	// anywhere later it means the input was truncated
	// (handout: "3. Reading requests").
	return nil, errors.New("not implemented")
}

// ReadValue reads one value of any kind, as a client reads a reply. The
// elements of an array may be of any kind but array: arrays do not nest in
// this course's subset of RESP. It returns io.EOF when the input ends cleanly
// before a value.
func (r *Reader) ReadValue() (Value, error) {
	// TODO: Read the first line and switch on its first byte:
	// '+' simple string, '-' error, ':' integer, '$' bulk string
	// (or null for "$-1"), '*' array (or null for "*-1"), whose
	// elements you read with readScalar. Check array and bulk
	// lengths against the limits as in ReadCommand
	// (handout: "3. Reading requests", replies).
	return Value{}, errors.New("not implemented")
}

// TODO: Write the helpers that ReadCommand and ReadValue share:
//
// readLine() ([]byte, error) reads one line with ReadSlice('\n')
// and returns it without its CRLF. bufio.ErrBufferFull means the
// line is longer than MaxLineLen; a line without "\r\n" at its
// end is malformed; a partial line at the end of the input is
// truncated (io.ErrUnexpectedEOF).
//
// readLength(digits []byte, what string, limit int) (int, error)
// parses the length in an array or bulk header: -1 (null) up
// to limit, and a *ProtocolError otherwise.
//
// readBulk(size int) (string, error) reads size bytes and the
// CRLF after them (io.ReadFull).
//
// readScalar(line []byte) (Value, error) decodes a value that is
// not an array from its first line.
//
// noEOF(err error) error turns io.EOF into io.ErrUnexpectedEOF,
// for reads in the middle of a value (handout: "3. Reading
// requests").
