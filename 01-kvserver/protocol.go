package kvserver

import "fmt"

// The default limits, used for every zero field of [Limits].
const (
	// DefaultMaxArrayLen is the default for Limits.MaxArrayLen: room for a
	// DEL or EXISTS with tens of thousands of keys.
	DefaultMaxArrayLen = 64 << 10
	// DefaultMaxBulkLen is the default for Limits.MaxBulkLen, 1 MiB: plenty
	// for a key or a value in a store whose every write will, from stage 10
	// on, travel through a replicated log.
	DefaultMaxBulkLen = 1 << 20
	// DefaultMaxLineLen is the default for Limits.MaxLineLen, 64 KiB, the
	// limit Redis puts on a request line.
	DefaultMaxLineLen = 64 << 10
)

// Limits bound what a [Reader] accepts from its peer. A peer declares the
// length of an array or a bulk string before it sends it; the reader checks
// the declared length against these limits before it allocates anything, so
// a few bytes of input can never make it allocate more than the limits
// allow. A zero field means the default.
type Limits struct {
	// MaxArrayLen is the most elements an array may declare: the arguments
	// of a command, or the elements of a reply.
	MaxArrayLen int
	// MaxBulkLen is the most bytes a bulk string may declare.
	MaxBulkLen int
	// MaxLineLen is the most bytes in one line (a header such as "$5", a
	// simple string or an error), not counting its CRLF. It also sets the
	// size of the reader's buffer.
	MaxLineLen int
}

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	if l.MaxArrayLen == 0 {
		l.MaxArrayLen = DefaultMaxArrayLen
	}
	if l.MaxBulkLen == 0 {
		l.MaxBulkLen = DefaultMaxBulkLen
	}
	if l.MaxLineLen == 0 {
		l.MaxLineLen = DefaultMaxLineLen
	}
	return l
}

// A ProtocolError reports input that breaks the rules of RESP or the
// reader's [Limits]. After one, the stream cannot be trusted to be at the
// start of a value any more: the server replies with an error and closes the
// connection.
type ProtocolError struct {
	// Msg says what was wrong and with what, such as
	// `invalid bulk length "x"` or "array of 70000 elements exceeds the
	// limit of 65536".
	Msg string
}

func (e *ProtocolError) Error() string { return "protocol error: " + e.Msg }

// protocolErrorf returns a *ProtocolError with a formatted message.
func protocolErrorf(format string, args ...any) error {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

// A Kind is the type of a RESP [Value].
type Kind uint8

// The kinds of value, with the byte that starts each on the wire.
const (
	KindNull         Kind = iota // "$-1" or "*-1": no value, such as GET of a missing key
	KindSimpleString             // '+': a short status such as OK or PONG
	KindError                    // '-': an error reply such as "ERR unknown command 'x'"
	KindInteger                  // ':': a signed 64-bit integer
	KindBulkString               // '$': a binary-safe string of declared length
	KindArray                    // '*': an array of values of declared length
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindSimpleString:
		return "simple string"
	case KindError:
		return "error"
	case KindInteger:
		return "integer"
	case KindBulkString:
		return "bulk string"
	case KindArray:
		return "array"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// A Value is one RESP value, as a client reads it in a reply. The zero Value
// is null.
type Value struct {
	Kind Kind
	// Str holds a simple string, the message of an error, or a bulk string.
	Str string
	// Int holds an integer.
	Int int64
	// Elems holds the elements of an array. Arrays do not nest in this
	// course's subset of RESP.
	Elems []Value
}

// String renders v the way redis-cli shows a reply, such as `"v"`,
// (integer) 1, (nil) or (error) ERR unknown command 'x'.
func (v Value) String() string {
	switch v.Kind {
	case KindNull:
		return "(nil)"
	case KindSimpleString:
		return v.Str
	case KindError:
		return "(error) " + v.Str
	case KindInteger:
		return fmt.Sprintf("(integer) %d", v.Int)
	case KindBulkString:
		return fmt.Sprintf("%q", v.Str)
	case KindArray:
		return fmt.Sprint(v.Elems)
	}
	return v.Kind.String()
}
