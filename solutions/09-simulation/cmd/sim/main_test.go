package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGivenBadFlags checks that the command refuses bad flags with an
// error that names the flag, before it runs anything.
func TestGivenBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-seeds", "0"}, "-seeds 0"},
		{[]string{"-seed", "-2"}, "-seed -2"},
		{[]string{"-first", "-1"}, "-first -1"},
		{[]string{"-nodes", "2"}, "-nodes 2"},
		{[]string{"-nodes", "10"}, "-nodes 10"},
		{[]string{"-clients", "0"}, "-clients 0"},
		{[]string{"-duration", "10ms"}, "-duration 10ms"},
		{[]string{"-quiet", "1s"}, "-quiet 1s"},
		{[]string{"-workers", "0"}, "-workers 0"},
		{[]string{"-mutant", "no-such-bug"}, `no mutant "no-such-bug"`},
		{[]string{"stray"}, "unexpected arguments"},
		{[]string{"-no-such-flag"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error()+stderr.String(), tt.want)
			assert.Empty(t, stdout.String(), "nothing runs on bad flags")
		})
	}
}
