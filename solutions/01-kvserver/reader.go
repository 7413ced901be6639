package kvserver

import (
	"bufio"
	"errors"
	"io"
	"strconv"
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
	//workshop:todo Read the header line "*<n>" (readLine) and check n (a
	//workshop:todo command has at least a name, and at most MaxArrayLen
	//workshop:todo elements: readLength) before you allocate the slice. Then
	//workshop:todo read n bulk strings, each "$<size>" then the bytes
	//workshop:todo (readBulk). io.EOF before the first byte is a clean end;
	//workshop:todo anywhere later it means the input was truncated
	//workshop:todo (handout: "3. Reading requests").
	line, err := r.readLine()
	if err != nil {
		return nil, err // io.EOF here is a clean end
	}
	if len(line) == 0 || line[0] != '*' {
		return nil, protocolErrorf("expected '*' to start a command, got %.20q", line)
	}
	n, err := r.readLength(line[1:], "array", r.limits.MaxArrayLen)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, protocolErrorf("a command needs a name, got an array of %d elements", n)
	}
	args := make([]string, 0, n)
	for range n {
		line, err := r.readLine()
		if err != nil {
			return nil, noEOF(err)
		}
		if len(line) == 0 || line[0] != '$' {
			return nil, protocolErrorf("expected '$' to start an argument, got %.20q", line)
		}
		size, err := r.readLength(line[1:], "bulk string", r.limits.MaxBulkLen)
		if err != nil {
			return nil, err
		}
		if size < 0 {
			return nil, protocolErrorf("null bulk string as an argument")
		}
		arg, err := r.readBulk(size)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	return args, nil
	//workshop:stub return nil, errors.New("not implemented")
	//workshop:end
}

// ReadValue reads one value of any kind, as a client reads a reply. The
// elements of an array may be of any kind but array: arrays do not nest in
// this course's subset of RESP. It returns io.EOF when the input ends cleanly
// before a value.
func (r *Reader) ReadValue() (Value, error) {
	//workshop:todo Read the first line and switch on its first byte:
	//workshop:todo '+' simple string, '-' error, ':' integer, '$' bulk string
	//workshop:todo (or null for "$-1"), '*' array (or null for "*-1"), whose
	//workshop:todo elements you read with readScalar. Check array and bulk
	//workshop:todo lengths against the limits as in ReadCommand
	//workshop:todo (handout: "3. Reading requests", replies).
	line, err := r.readLine()
	if err != nil {
		return Value{}, err // io.EOF here is a clean end
	}
	if len(line) == 0 || line[0] != '*' {
		return r.readScalar(line)
	}
	n, err := r.readLength(line[1:], "array", r.limits.MaxArrayLen)
	if err != nil || n < 0 {
		return Value{}, err // n < 0: a null array
	}
	elems := make([]Value, 0, n)
	for range n {
		line, err := r.readLine()
		if err != nil {
			return Value{}, noEOF(err)
		}
		if len(line) > 0 && line[0] == '*' {
			return Value{}, protocolErrorf("nested array")
		}
		elem, err := r.readScalar(line)
		if err != nil {
			return Value{}, err
		}
		elems = append(elems, elem)
	}
	return Value{Kind: KindArray, Elems: elems}, nil
	//workshop:stub return Value{}, errors.New("not implemented")
	//workshop:end
}

//workshop:todo Write the helpers that ReadCommand and ReadValue share:
//workshop:todo
//workshop:todo readLine() ([]byte, error) reads one line with ReadSlice('\n')
//workshop:todo and returns it without its CRLF. bufio.ErrBufferFull means the
//workshop:todo line is longer than MaxLineLen; a line without "\r\n" at its
//workshop:todo end is malformed; a partial line at the end of the input is
//workshop:todo truncated (io.ErrUnexpectedEOF).
//workshop:todo
//workshop:todo readLength(digits []byte, what string, limit int) (int, error)
//workshop:todo parses the length in an array or bulk header: -1 (null) up
//workshop:todo to limit, and a *ProtocolError otherwise.
//workshop:todo
//workshop:todo readBulk(size int) (string, error) reads size bytes and the
//workshop:todo CRLF after them (io.ReadFull).
//workshop:todo
//workshop:todo readScalar(line []byte) (Value, error) decodes a value that is
//workshop:todo not an array from its first line.
//workshop:todo
//workshop:todo noEOF(err error) error turns io.EOF into io.ErrUnexpectedEOF,
//workshop:todo for reads in the middle of a value (handout: "3. Reading
//workshop:todo requests").

// readLine reads one line and returns it without its CRLF. The slice points
// into the reader's buffer and is only good until the next read.
func (r *Reader) readLine() ([]byte, error) {
	// The buffer holds MaxLineLen+2 bytes, so a longer line does not fit.
	line, err := r.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, protocolErrorf("line longer than the limit of %d bytes", r.limits.MaxLineLen)
	case err == io.EOF && len(line) > 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, protocolErrorf("line %.20q does not end in CRLF", line)
	}
	return line[:len(line)-2], nil
}

// readLength parses the length in the header of an array or a bulk string
// (what names which, for errors): -1 for null, or 0 to limit.
func (r *Reader) readLength(digits []byte, what string, limit int) (int, error) {
	n, err := strconv.Atoi(string(digits))
	switch {
	case err != nil || n < -1:
		return 0, protocolErrorf("invalid %s length %.20q", what, digits)
	case n > limit:
		return 0, protocolErrorf("%s length %d exceeds the limit of %d", what, n, limit)
	}
	return n, nil
}

// readBulk reads the size bytes of a bulk string and the CRLF after them.
func (r *Reader) readBulk(size int) (string, error) {
	buf := make([]byte, size+2) // size is within MaxBulkLen: checked by the caller
	if _, err := io.ReadFull(r.br, buf); err != nil {
		return "", noEOF(err)
	}
	if buf[size] != '\r' || buf[size+1] != '\n' {
		return "", protocolErrorf("bulk string of %d bytes not followed by CRLF", size)
	}
	return string(buf[:size]), nil
}

// readScalar decodes a value that is not an array, given its first line.
func (r *Reader) readScalar(line []byte) (Value, error) {
	if len(line) == 0 {
		return Value{}, protocolErrorf("empty line where a value should start")
	}
	switch line[0] {
	case '+':
		return Value{Kind: KindSimpleString, Str: string(line[1:])}, nil
	case '-':
		return Value{Kind: KindError, Str: string(line[1:])}, nil
	case ':':
		n, err := strconv.ParseInt(string(line[1:]), 10, 64)
		if err != nil {
			return Value{}, protocolErrorf("invalid integer %.20q", line[1:])
		}
		return Value{Kind: KindInteger, Int: n}, nil
	case '$':
		size, err := r.readLength(line[1:], "bulk string", r.limits.MaxBulkLen)
		if err != nil || size < 0 {
			return Value{}, err // size < 0: a null bulk string
		}
		s, err := r.readBulk(size)
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: KindBulkString, Str: s}, nil
	}
	return Value{}, protocolErrorf("unknown type byte %q", line[0])
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF. Use it where the input must
// go on: inside a value, the end of the input means it was truncated.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

//workshop:end
