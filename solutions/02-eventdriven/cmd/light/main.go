// Command light is one traffic light of the demo: it listens for commands
// such as "EW GREEN" on a UDP address and draws its lamp in the terminal.
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

	traffic "raftgo/solutions/02-eventdriven"
)

// maxDatagram is the size of the receive buffer: a longer datagram is cut
// short, and then fails to parse.
const maxDatagram = 512

func main() {
	name := flag.String("name", "EW", "the direction this light shows: EW or NS")
	listen := flag.String("listen", "127.0.0.1:9001", "the UDP address to listen on for commands")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("light: ")

	direction, err := traffic.ParseDirection(*name)
	if err != nil {
		log.Fatalf("-name: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, direction, *listen, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run shows the light of direction, listening on addr, until ctx is done.
func run(ctx context.Context, direction traffic.Direction, addr string, out io.Writer) error {
	conn, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stopClosing := context.AfterFunc(ctx, func() { conn.Close() }) // unblocks ReadFrom
	defer stopClosing()

	screen := display{direction: direction, addr: conn.LocalAddr().String()}
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

// A display is what the terminal shows: the lamp and the latest problem.
type display struct {
	direction traffic.Direction
	addr      string

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

// draw redraws the whole screen.
func (s *display) draw(w io.Writer) {
	var b strings.Builder
	b.WriteString(ansiHome)
	fmt.Fprintf(&b, " %v light, listening on %s\n\n", s.direction, s.addr)
	b.WriteString("   ┌───┐\n")
	for _, c := range []traffic.Color{traffic.Red, traffic.Yellow, traffic.Green} {
		lamp := ansiDim + "○" + ansiReset
		if s.lit && s.color == c {
			lamp = lampColors[c] + "●" + ansiReset
		}
		fmt.Fprintf(&b, "   │ %s │\n", lamp)
	}
	b.WriteString("   └───┘\n\n")
	if s.lit {
		fmt.Fprintf(&b, " %v since %s\n", s.color, s.since.Format(time.TimeOnly))
	} else {
		b.WriteString(" waiting for the controller\n")
	}
	if s.problem != "" {
		fmt.Fprintf(&b, "\n %s\n", s.problem)
	}
	io.WriteString(w, b.String())
}
