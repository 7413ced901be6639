// Command light is one traffic light of the demo: it listens for commands
// such as "EW GREEN" on a UDP address and draws its lamps in the terminal,
// big enough to read on a projector (-small draws one character a lamp).
// Run one per direction:
//
//	go run ./cmd/light -name EW -listen 127.0.0.1:9001
//	go run ./cmd/light -name NS -listen 127.0.0.1:9002
//
// A datagram that is not a command for this light is reported on screen
// and otherwise ignored. Stop it with Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	traffic "raftgo/02-eventdriven"
)

// maxDatagram is the size of the receive buffer: a longer datagram is cut
// short, and then fails to parse.
const maxDatagram = 512

func main() {
	name := flag.String("name", "EW", "the direction this light shows: EW or NS")
	listen := flag.String("listen", "127.0.0.1:9001", "the UDP address to listen on for commands")
	small := flag.Bool("small", false, "draw each lamp as one character instead of a big disc")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("light: ")

	direction, err := traffic.ParseDirection(*name)
	if err != nil {
		log.Fatalf("-name: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, direction, *listen, !*small, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run shows the light of direction, listening on addr, until ctx is done.
// With big set, each lamp is a disc several lines tall.
func run(ctx context.Context, direction traffic.Direction, addr string, big bool, out io.Writer) error {
	conn, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stopClosing := context.AfterFunc(ctx, func() { conn.Close() }) // unblocks ReadFrom
	defer stopClosing()

	screen := display{direction: direction, addr: conn.LocalAddr().String(), big: big}
	screen.draw(out)
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprint(out, ansiReset+"\n")
				return nil
			}
			return fmt.Errorf("read a command: %w", err)
		}
		screen.receive(buf[:n], from, time.Now())
		screen.draw(out)
	}
}

// ANSI escape sequences for the terminal.
const (
	ansiHome  = "\x1b[H\x1b[2J" // cursor to the top left, clear the screen
	ansiReset = "\x1b[0m"
	ansiDim   = "\x1b[90m"
)

// lampColors are the ANSI colours of the lit lamps.
var lampColors = map[traffic.Color]string{
	traffic.Red:    "\x1b[1;31m",
	traffic.Yellow: "\x1b[1;33m",
	traffic.Green:  "\x1b[1;32m",
}

// A display is what the terminal shows: the lamps and the latest problem.
type display struct {
	direction traffic.Direction
	addr      string
	big       bool // draw each lamp as a disc, for a projector

	lit     bool          // whether a command has arrived yet
	color   traffic.Color // the colour shown, once lit
	since   time.Time     // when color was set
	problem string        // the latest bad datagram, or ""
}

// receive handles one datagram that arrived at now.
func (s *display) receive(datagram []byte, from net.Addr, now time.Time) {
	command, err := traffic.ParseSetLight(datagram)
	switch {
	case err != nil:
		s.problem = fmt.Sprintf("%s ignored a datagram from %v: %v", now.Format(time.TimeOnly), from, err)
	case command.Direction != s.direction:
		s.problem = fmt.Sprintf("%s ignored %q from %v: this is the %v light", now.Format(time.TimeOnly), command.String(), from, s.direction)
	case !s.lit || command.Color != s.color:
		s.lit, s.color, s.since = true, command.Color, now
	}
}

// bigLamp is the shape of one lamp in the big display: a disc of block
// characters, about as wide as it is tall in a terminal's font.
var bigLamp = []string{
	"   ▄██████▄   ",
	" ████████████ ",
	" ████████████ ",
	" ████████████ ",
	"   ▀██████▀   ",
}

// draw redraws the whole screen.
func (s *display) draw(w io.Writer) {
	var b strings.Builder
	b.WriteString(ansiHome)
	fmt.Fprintf(&b, " %v light, listening on %s\n\n", s.direction, s.addr)
	if s.big {
		s.drawBig(&b)
	} else {
		s.drawSmall(&b)
	}
	if s.lit {
		fmt.Fprintf(&b, " %s%v%s since %s\n", lampColors[s.color], s.color, ansiReset, s.since.Format(time.TimeOnly))
	} else {
		b.WriteString(" waiting for the controller\n")
	}
	if s.problem != "" {
		fmt.Fprintf(&b, "\n %s\n", s.problem)
	}
	io.WriteString(w, b.String())
}

// drawSmall draws the lamps one character each.
func (s *display) drawSmall(b *strings.Builder) {
	b.WriteString("   ┌───┐\n")
	for _, c := range []traffic.Color{traffic.Red, traffic.Yellow, traffic.Green} {
		fmt.Fprintf(b, "   │ %s │\n", s.paint(c, "●", "○"))
	}
	b.WriteString("   └───┘\n\n")
}

// drawBig draws the lamps as discs in a housing, the lit one in its
// colour and the others in dark grey, as a real light's lamps look when
// they are off.
func (s *display) drawBig(b *strings.Builder) {
	width := len([]rune(bigLamp[0]))
	edge := strings.Repeat("─", width+2)
	fmt.Fprintf(b, "  ╭%s╮\n", edge)
	for i, c := range []traffic.Color{traffic.Red, traffic.Yellow, traffic.Green} {
		if i > 0 {
			fmt.Fprintf(b, "  │%s│\n", strings.Repeat(" ", width+2))
		}
		for _, row := range bigLamp {
			fmt.Fprintf(b, "  │ %s │\n", s.paint(c, row, row))
		}
	}
	fmt.Fprintf(b, "  ╰%s╯\n\n", edge)
}

// paint returns lit in lamp c's colour if c is the colour shown, and
// else unlit, dimmed.
func (s *display) paint(c traffic.Color, lit, unlit string) string {
	if s.lit && s.color == c {
		return lampColors[c] + lit + ansiReset
	}
	return ansiDim + unlit + ansiReset
}
