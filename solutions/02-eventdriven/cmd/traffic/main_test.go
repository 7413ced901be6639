package main

import (
	"bytes"
	"log"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	traffic "raftgo/solutions/02-eventdriven"
)

// TestGivenTypedPresses checks that the controller, which is given, takes
// button presses typed in its terminal, in any case, and skips other lines.
func TestGivenTypedPresses(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })

	presses := make(chan traffic.Direction, 3)
	readTyped(t.Context(), strings.NewReader("ew\n\n  NS \npurple\n"), presses)
	close(presses)
	var got []traffic.Direction
	for d := range presses {
		got = append(got, d)
	}
	assert.Equal(t, []traffic.Direction{traffic.EW, traffic.NS}, got)
	assert.Contains(t, logged.String(), `typed "purple": unknown direction "PURPLE" (want EW or NS)`)
}
