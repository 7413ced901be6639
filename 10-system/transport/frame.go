package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"raftgo/solutions/03-planning"
)

// The wire protocol.
//
// A connection carries frames: a 4-byte big-endian length n, from 1 to the
// reader's limit, then n bytes. The side that dialed speaks first, with a
// hello frame; the other side answers with a welcome or a refusal frame;
// after a welcome, the dialer sends frames that each hold one message in
// the stage-03 encoding (raft.Marshal). Messages flow one way only: each
// node dials every peer to send to it, and reads what its peers' own
// connections bring.
//
// A handshake frame is:
//
//	"RAFT"             4 bytes, the magic that tells our protocol from any other
//	version            1 byte, protocolVersion
//	kind               1 byte: hello, welcome or refusal
//	from, to           uvarints: the sender's ID and the ID it expects to reach
//	hello and welcome: the sender's metadata, a uvarint count of pairs, then
//	                   each key and value as a uvarint length and its bytes
//	refusal:           the reason, a uvarint length and its bytes
//
// Every count and length is checked against its limit before anything is
// allocated, so a stranger cannot make a node allocate without bound.

// protocolVersion is the version a hello carries; a node refuses others.
const protocolVersion byte = 1

// magic starts every handshake frame.
const magic = "RAFT"

// The kinds of handshake frame.
const (
	kindHello   byte = 1
	kindWelcome byte = 2
	kindRefusal byte = 3
)

// The limits of a handshake.
const (
	// maxHandshakeFrame bounds every frame before the handshake succeeds.
	maxHandshakeFrame = 8 << 10
	// MaxMetaPairs, MaxMetaKey and MaxMetaValue bound the metadata that
	// Config.Advertise may hold.
	MaxMetaPairs = 16
	MaxMetaKey   = 64
	MaxMetaValue = 256
	// maxReason bounds a refusal's reason.
	maxReason = 512
)

// DefaultMaxFrame is the frame limit when Config.MaxFrame is zero: room
// for the largest message the stage-03 codec encodes (an InstallSnapshot
// of raft.MaxSnapshotDataSize bytes, or an AppendEntries of
// raft.MaxMessageEntries entries of raft.MaxEntryDataSize bytes).
const DefaultMaxFrame = raft.MaxSnapshotDataSize + 1<<20

// errFrameTooLarge is wrapped by readFrame's error for a frame over the
// limit.
var errFrameTooLarge = errors.New("frame too large")

// appendFrame appends payload as a frame.
func appendFrame(buf, payload []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(payload)))
	return append(buf, payload...)
}

// appendMessageFrame appends m, encoded, as a frame.
func appendMessageFrame(buf []byte, m raft.Message) ([]byte, error) {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	buf, err := raft.AppendMessage(buf, m)
	if err != nil {
		return buf[:start], err
	}
	binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-4))
	return buf, nil
}

// readFrame reads one frame of at most limit bytes from r into buf, grown
// as needed, and returns its payload. A frame cut short by the end of the
// stream is an error wrapping io.ErrUnexpectedEOF; the end of the stream
// between frames is io.EOF.
func readFrame(r *bufio.Reader, limit int, buf []byte) ([]byte, error) {
	var header [4]byte
	if n, err := io.ReadFull(r, header[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("frame header cut short after %d of 4 bytes: %w", n, err)
	}
	n := binary.BigEndian.Uint32(header[:])
	switch {
	case n == 0:
		return nil, errors.New("empty frame")
	case n > uint32(limit):
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", errFrameTooLarge, n, limit)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	payload := buf[:n]
	if got, err := io.ReadFull(r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("frame of %d bytes cut short after %d: %w", n, got, err)
	}
	return payload, nil
}

// A handshake is the first frame each side of a connection sends.
type handshake struct {
	kind     byte
	from, to raft.NodeID
	meta     map[string]string // hello and welcome
	reason   string            // refusal
}

// appendHandshake appends the encoding of h. Its metadata must be within
// the limits (checkMeta).
func appendHandshake(buf []byte, h handshake) []byte {
	buf = append(buf, magic...)
	buf = append(buf, protocolVersion, h.kind)
	buf = binary.AppendUvarint(buf, uint64(h.from))
	buf = binary.AppendUvarint(buf, uint64(h.to))
	appendString := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	if h.kind == kindRefusal {
		appendString(h.reason)
		return buf
	}
	buf = binary.AppendUvarint(buf, uint64(len(h.meta)))
	for _, k := range slices.Sorted(maps.Keys(h.meta)) {
		appendString(k)
		appendString(h.meta[k])
	}
	return buf
}

// parseHandshake decodes a handshake frame's payload. Its errors say what
// is wrong, for the log line of the connection it closes.
func parseHandshake(p []byte) (handshake, error) {
	if len(p) < len(magic)+2 || string(p[:len(magic)]) != magic {
		return handshake{}, errors.New("not a raft peer: the first frame does not start with the magic \"RAFT\"")
	}
	if v := p[len(magic)]; v != protocolVersion {
		return handshake{}, fmt.Errorf("protocol version %d, this node speaks version %d", v, protocolVersion)
	}
	h := handshake{kind: p[len(magic)+1]}
	d := &reader{data: p[len(magic)+2:]}
	h.from = raft.NodeID(d.uvarint("from"))
	h.to = raft.NodeID(d.uvarint("to"))
	switch h.kind {
	case kindRefusal:
		h.reason = d.string("reason", maxReason)
	case kindHello, kindWelcome:
		n := d.uvarint("metadata count")
		if d.err == nil && n > MaxMetaPairs {
			d.err = fmt.Errorf("%d metadata pairs, the limit is %d", n, MaxMetaPairs)
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			k := d.string("metadata key", MaxMetaKey)
			v := d.string("metadata value", MaxMetaValue)
			if d.err == nil {
				if h.meta == nil {
					h.meta = make(map[string]string, n)
				}
				if _, dup := h.meta[k]; dup {
					d.err = fmt.Errorf("metadata key %q twice", k)
				}
				h.meta[k] = v
			}
		}
	default:
		return handshake{}, fmt.Errorf("handshake kind %d, want hello, welcome or refusal", h.kind)
	}
	if d.err == nil && len(d.data) > 0 {
		d.err = fmt.Errorf("%d bytes after the handshake", len(d.data))
	}
	if d.err != nil {
		return handshake{}, fmt.Errorf("bad handshake: %w", d.err)
	}
	return h, nil
}

// A reader decodes the fields of a handshake; its first error sticks.
type reader struct {
	data []byte
	err  error
}

func (d *reader) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.data)
	if n <= 0 {
		d.err = fmt.Errorf("%s: bad or missing uvarint", what)
		return 0
	}
	d.data = d.data[n:]
	return v
}

func (d *reader) string(what string, limit int) string {
	n := d.uvarint(what + " length")
	switch {
	case d.err != nil:
		return ""
	case n > uint64(limit):
		d.err = fmt.Errorf("%s of %d bytes, the limit is %d", what, n, limit)
		return ""
	case n > uint64(len(d.data)):
		d.err = fmt.Errorf("%s of %d bytes, only %d left", what, n, len(d.data))
		return ""
	}
	s := string(d.data[:n])
	d.data = d.data[n:]
	return s
}

// checkMeta checks that metadata fits the handshake's limits.
func checkMeta(meta map[string]string) error {
	if len(meta) > MaxMetaPairs {
		return fmt.Errorf("%d metadata pairs, the limit is %d", len(meta), MaxMetaPairs)
	}
	for k, v := range meta {
		if len(k) > MaxMetaKey || len(v) > MaxMetaValue {
			return fmt.Errorf("metadata %q=%q: keys are at most %d bytes and values %d", k, v, MaxMetaKey, MaxMetaValue)
		}
	}
	return nil
}
