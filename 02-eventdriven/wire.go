package traffic

import (
	"fmt"
	"strings"
)

// The wire format of the demo programs in cmd/ is one line of text per UDP
// datagram (handout: "Watching it work"):
//
//	EW GREEN    controller → light: show GREEN on the EW light
//	PRESS NS    button → controller: a pedestrian pressed the NS button
//
// Words are separated by spaces; surrounding white space, such as the newline
// that `echo` adds, is ignored. Anything else is an error, never a crash: the
// programs log it and wait for the next datagram.

// maxQuoted is how many bytes of a bad datagram an error message quotes.
const maxQuoted = 40

// String returns the command in the wire format, such as "EW GREEN".
func (s SetLight) String() string { return s.Direction.String() + " " + s.Color.String() }

// String returns the press in the wire format, such as "PRESS NS".
func (p Press) String() string { return "PRESS " + p.Direction.String() }

// ParseSetLight parses a datagram such as "EW GREEN".
func ParseSetLight(datagram []byte) (SetLight, error) {
	words := strings.Fields(string(datagram))
	if len(words) != 2 {
		return SetLight{}, fmt.Errorf("bad light command %s: want a direction and a colour, such as %q", quote(datagram), "EW GREEN")
	}
	d, err := ParseDirection(words[0])
	if err != nil {
		return SetLight{}, fmt.Errorf("bad light command %s: %w", quote(datagram), err)
	}
	c, err := ParseColor(words[1])
	if err != nil {
		return SetLight{}, fmt.Errorf("bad light command %s: %w", quote(datagram), err)
	}
	return SetLight{Direction: d, Color: c}, nil
}

// ParsePress parses a datagram such as "PRESS NS".
func ParsePress(datagram []byte) (Press, error) {
	words := strings.Fields(string(datagram))
	if len(words) != 2 || words[0] != "PRESS" {
		return Press{}, fmt.Errorf("bad button press %s: want PRESS and a direction, such as %q", quote(datagram), "PRESS NS")
	}
	d, err := ParseDirection(words[1])
	if err != nil {
		return Press{}, fmt.Errorf("bad button press %s: %w", quote(datagram), err)
	}
	return Press{Direction: d}, nil
}

// ParseDirection parses "EW" or "NS".
func ParseDirection(s string) (Direction, error) {
	for _, d := range []Direction{EW, NS} {
		if s == d.String() {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown direction %s (want EW or NS)", quote([]byte(s)))
}

// ParseColor parses "RED", "YELLOW" or "GREEN".
func ParseColor(s string) (Color, error) {
	for _, c := range []Color{Red, Yellow, Green} {
		if s == c.String() {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown colour %s (want RED, YELLOW or GREEN)", quote([]byte(s)))
}

// quote quotes b for an error message, cut to maxQuoted bytes so that a huge
// datagram makes a short message.
func quote(b []byte) string {
	if len(b) > maxQuoted {
		return fmt.Sprintf("%q… (%d bytes)", b[:maxQuoted], len(b))
	}
	return fmt.Sprintf("%q", b)
}
