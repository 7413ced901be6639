package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	traffic "raftgo/02-eventdriven"
)

// TestGivenDisplay checks the light's screen, which is given: the big
// lamps for a projector, the lit one in its colour and the others dark,
// and the bad datagrams it reports.
func TestGivenDisplay(t *testing.T) {
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	screen := display{direction: traffic.EW, addr: "127.0.0.1:9001", big: true}

	var b strings.Builder
	screen.draw(&b)
	assert.Contains(t, b.String(), " EW light, listening on 127.0.0.1:9001\n")
	assert.Contains(t, b.String(), " waiting for the controller\n")
	assert.NotContains(t, b.String(), lampColors[traffic.Green], "no lamp is lit before the first command")

	screen.receive([]byte("EW GREEN"), from, at)
	b.Reset()
	screen.draw(&b)
	lines := strings.Split(b.String(), "\n")
	var lit, dark int
	for _, line := range lines {
		for _, row := range bigLamp {
			if strings.Contains(line, lampColors[traffic.Green]+row+ansiReset) {
				lit++
				break
			}
			if strings.Contains(line, ansiDim+row+ansiReset) {
				dark++
				break
			}
		}
	}
	assert.Equal(t, len(bigLamp), lit, "the green lamp is lit, every row of it")
	assert.Equal(t, 2*len(bigLamp), dark, "the red and yellow lamps are dark")
	assert.LessOrEqual(t, len(lines), 24, "the screen fits a 24-line terminal")
	assert.Contains(t, b.String(), "GREEN"+ansiReset+" since 15:09:26\n")

	screen.receive([]byte("EW PURPLE"), from, at)
	screen.receive([]byte("NS RED"), from, at.Add(time.Second))
	b.Reset()
	screen.draw(&b)
	assert.Contains(t, b.String(), `15:09:27 ignored "NS RED" from 127.0.0.1:9000: this is the EW light`)
	assert.Contains(t, b.String(), lampColors[traffic.Green], "a bad datagram changes no lamp")

	screen.big = false
	b.Reset()
	screen.draw(&b)
	require.Contains(t, b.String(), "│ "+lampColors[traffic.Green]+"●"+ansiReset+" │")
	assert.Less(t, strings.Count(b.String(), "\n"), 15, "-small draws a lamp a line")
}
