package traffic_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	traffic "raftgo/solutions/02-eventdriven"
)

// TestGivenWireRoundTrip checks the given wire format of the demo programs:
// every command and every press survives String and Parse.
func TestGivenWireRoundTrip(t *testing.T) {
	for _, d := range []traffic.Direction{EW, NS} {
		for _, c := range []traffic.Color{traffic.Red, traffic.Yellow, traffic.Green} {
			command := traffic.SetLight{Direction: d, Color: c}
			got, err := traffic.ParseSetLight([]byte(command.String()))
			require.NoError(t, err, "ParseSetLight(%q)", command.String())
			assert.Equal(t, command, got, "ParseSetLight(%q)", command.String())
		}
		p := traffic.Press{Direction: d}
		got, err := traffic.ParsePress([]byte(p.String()))
		require.NoError(t, err, "ParsePress(%q)", p.String())
		assert.Equal(t, p, got, "ParsePress(%q)", p.String())
	}
	assert.Equal(t, "EW GREEN", traffic.SetLight{Direction: EW, Color: traffic.Green}.String())
	assert.Equal(t, "PRESS NS", traffic.Press{Direction: NS}.String())
}

// TestGivenWireToleratesWhiteSpace checks that the given parsers ignore the
// white space around a datagram, such as the newline that echo adds.
func TestGivenWireToleratesWhiteSpace(t *testing.T) {
	command, err := traffic.ParseSetLight([]byte("  NS   YELLOW\r\n"))
	require.NoError(t, err)
	assert.Equal(t, traffic.SetLight{Direction: NS, Color: traffic.Yellow}, command)
	p, err := traffic.ParsePress([]byte("PRESS EW\n"))
	require.NoError(t, err)
	assert.Equal(t, traffic.Press{Direction: EW}, p)
}

// TestGivenWireRejectsBadDatagrams checks that the given parsers return an
// error, never a panic, for datagrams that are not in the wire format, and
// that the error names what was wrong without quoting a huge datagram whole.
func TestGivenWireRejectsBadDatagrams(t *testing.T) {
	huge := strings.Repeat("GREEN ", 10_000)
	tests := []struct {
		name     string
		datagram string
		parse    func([]byte) error
		wantErr  string
	}{
		{"empty light command", "", parseSetLight, "want a direction and a colour"},
		{"one word", "EW", parseSetLight, "want a direction and a colour"},
		{"three words", "EW GREEN NOW", parseSetLight, "want a direction and a colour"},
		{"unknown direction", "SN GREEN", parseSetLight, `unknown direction "SN"`},
		{"unknown colour", "EW BLUE", parseSetLight, `unknown colour "BLUE"`},
		{"lower case", "ew green", parseSetLight, `unknown direction "ew"`},
		{"a press sent to a light", "PRESS EW", parseSetLight, `unknown direction "PRESS"`},
		{"binary garbage", "\x00\xff\xfe", parseSetLight, "want a direction and a colour"},
		{"huge", huge, parseSetLight, "(60000 bytes)"},
		{"empty press", "", parsePress, "want PRESS and a direction"},
		{"press without direction", "PRESS", parsePress, "want PRESS and a direction"},
		{"a light command sent to the controller", "EW GREEN", parsePress, "want PRESS and a direction"},
		{"press of an unknown direction", "PRESS UP", parsePress, `unknown direction "UP"`},
		{"huge press", "PRESS " + huge, parsePress, "(60006 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse([]byte(tt.datagram))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Less(t, len(err.Error()), 200, "the error quotes too much of the datagram: %v", err)
		})
	}
}

func parseSetLight(b []byte) error { _, err := traffic.ParseSetLight(b); return err }
func parsePress(b []byte) error    { _, err := traffic.ParsePress(b); return err }

// FuzzGivenWire feeds the given datagram parsers arbitrary bytes, as a UDP
// socket may: they never panic, and whatever they accept prints back in the
// wire format and parses to the same value.
func FuzzGivenWire(f *testing.F) {
	for _, seed := range []string{"EW GREEN", "NS YELLOW\n", "PRESS NS", "  PRESS   EW  ", "EW PURPLE", "", "\xff\xfe", "PRESS"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, datagram []byte) {
		if light, err := traffic.ParseSetLight(datagram); err == nil {
			again, err := traffic.ParseSetLight([]byte(light.String()))
			require.NoError(t, err, "ParseSetLight(%q) accepted %v, whose String does not parse", datagram, light)
			require.Equal(t, light, again, "ParseSetLight(%q) round trip", datagram)
		}
		if press, err := traffic.ParsePress(datagram); err == nil {
			again, err := traffic.ParsePress([]byte(press.String()))
			require.NoError(t, err, "ParsePress(%q) accepted %v, whose String does not parse", datagram, press)
			require.Equal(t, press, again, "ParsePress(%q) round trip", datagram)
		}
	})
}
