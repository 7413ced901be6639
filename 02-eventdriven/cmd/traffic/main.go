// Command traffic runs the traffic controller of the demo: it drives
// traffic.Run with two lights reached over UDP, and listens for button
// presses on a UDP address of its own.
//
//	go run ./cmd/traffic -buttons 127.0.0.1:9000 -ew 127.0.0.1:9001 -ns 127.0.0.1:9002
//
// Start the two lights (cmd/light) first: a command sent before a light
// listens is lost. Press buttons with cmd/button, or type EW or NS and Enter
// in the controller's own terminal. Stop it with Ctrl-C.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	traffic "raftgo/02-eventdriven"
)

// maxDatagram is the size of the receive buffer: a longer datagram is cut
// short, and then fails to parse.
const maxDatagram = 512

func main() {
	buttons := flag.String("buttons", "127.0.0.1:9000", "the UDP address to listen on for button presses")
	ew := flag.String("ew", "127.0.0.1:9001", "the UDP address of the EW light")
	ns := flag.String("ns", "127.0.0.1:9002", "the UDP address of the NS light")
	flag.Parse()
	log.SetFlags(log.Ltime)
	log.SetPrefix("traffic: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *buttons, *ew, *ns); err != nil {
		log.Fatal(err)
	}
}

// run listens for presses on buttonsAddr and drives the lights at ewAddr and
// nsAddr until ctx is done.
func run(ctx context.Context, buttonsAddr, ewAddr, nsAddr string) error {
	conn, err := net.ListenPacket("udp", buttonsAddr)
	if err != nil {
		return err
	}
	defer conn.Close()
	lights := udpLights{conn: conn, addrs: make(map[traffic.Direction]net.Addr)}
	for d, addr := range map[traffic.Direction]string{traffic.EW: ewAddr, traffic.NS: nsAddr} {
		if lights.addrs[d], err = net.ResolveUDPAddr("udp", addr); err != nil {
			return fmt.Errorf("the %v light: %w", d, err)
		}
	}
	log.Printf("listening for button presses on %v; or type EW or NS and Enter", conn.LocalAddr())

	ctx, cancel := context.WithCancel(ctx)
	presses := make(chan traffic.Direction)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		readPresses(ctx, conn, presses)
	}()
	stopClosing := context.AfterFunc(ctx, func() { conn.Close() }) // unblocks ReadFrom
	defer stopClosing()
	// A read from the terminal cannot be interrupted, so this reader is not
	// waited for: it ends with the program, which exits once Run returns.
	go readTyped(ctx, os.Stdin, presses)

	err = traffic.Run(ctx, presses, lights)
	cancel()
	<-readerDone
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// readPresses reads button presses from conn and sends them to presses
// until ctx is done or conn fails. It logs and skips bad datagrams.
func readPresses(ctx context.Context, conn net.PacketConn, presses chan<- traffic.Direction) {
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("stopped reading button presses: %v", err)
			}
			return
		}
		p, err := traffic.ParsePress(buf[:n])
		if err != nil {
			log.Printf("ignored a datagram from %v: %v", from, err)
			continue
		}
		log.Printf("button %v pressed (from %v)", p.Direction, from)
		select {
		case presses <- p.Direction:
		case <-ctx.Done():
			return
		}
	}
}

// readTyped reads button presses typed on in, "EW" or "NS" a line in any
// case, and sends them to presses until ctx is done or in ends. It logs
// and skips other lines.
func readTyped(ctx context.Context, in io.Reader, presses chan<- traffic.Direction) {
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		text := strings.ToUpper(strings.TrimSpace(lines.Text()))
		if text == "" {
			continue
		}
		d, err := traffic.ParseDirection(text)
		if err != nil {
			log.Printf("typed %q: %v", lines.Text(), err)
			continue
		}
		log.Printf("button %v pressed (typed)", d)
		select {
		case presses <- d:
		case <-ctx.Done():
			return
		}
	}
}

// udpLights sends each command to its light as one UDP datagram.
type udpLights struct {
	conn  net.PacketConn
	addrs map[traffic.Direction]net.Addr
}

func (l udpLights) Set(command traffic.SetLight) error {
	log.Printf("%v", command)
	_, err := l.conn.WriteTo([]byte(command.String()), l.addrs[command.Direction])
	return err
}
