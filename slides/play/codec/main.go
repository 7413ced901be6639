// Command codec is the slides' runnable miniature of stage 03's codec: a
// RequestVote encoded as uvarints with the append idiom, and decoded by a
// decoder whose first error sticks, so that every length and every field
// is checked and input that ends early fails with io.ErrUnexpectedEOF.
// It uses only the standard library, so that present can run it.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// RequestVote is the message of the miniature.
type RequestVote struct {
	From, To, Term, LastLogIndex, LastLogTerm uint64
}

// Append appends m's encoding to buf: version 1, kind 1, then each field.
func Append(buf []byte, m RequestVote) []byte {
	buf = append(buf, 1, 1)
	for _, v := range []uint64{m.From, m.To, m.Term, m.LastLogIndex, m.LastLogTerm} {
		buf = binary.AppendUvarint(buf, v)
	}
	return buf
}

// decoder reads uvarints from data; after the first error, every read
// returns 0 and err keeps that first error.
type decoder struct {
	data []byte
	pos  int
	err  error
}

func (d *decoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.data[d.pos:])
	if n <= 0 {
		d.err = fmt.Errorf("%s at byte %d: %w", field, d.pos, io.ErrUnexpectedEOF)
		return 0
	}
	d.pos += n
	return v
}

// Decode decodes a RequestVote, or says what is wrong and where.
func Decode(data []byte) (RequestVote, error) {
	d := &decoder{data: data}
	if version := d.uvarint("version"); version != 1 && d.err == nil {
		return RequestVote{}, fmt.Errorf("unknown version %d", version)
	}
	d.uvarint("kind")
	m := RequestVote{ // fields are read in the order they are written
		From: d.uvarint("From"), To: d.uvarint("To"), Term: d.uvarint("Term"),
		LastLogIndex: d.uvarint("LastLogIndex"), LastLogTerm: d.uvarint("LastLogTerm"),
	}
	if d.err != nil {
		return RequestVote{}, fmt.Errorf("decode RequestVote: %w", d.err)
	}
	return m, nil
}

func main() {
	m := RequestVote{From: 1, To: 2, Term: 3, LastLogIndex: 300, LastLogTerm: 2}
	b := Append(nil, m)
	fmt.Printf("% x\n", b) // 300 takes two bytes: ac 02
	back, err := Decode(b)
	fmt.Println(back == m, err)
	for cut := len(b) - 1; cut >= len(b)-3; cut-- {
		_, err := Decode(b[:cut]) // truncated input: an error, never a panic
		fmt.Println(cut, "bytes:", err, errors.Is(err, io.ErrUnexpectedEOF))
	}
}
