package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/internal/workshop"
)

// These tests cover the command line only; internal/workshop tests the
// commands. None of them changes the course. They run in cmd/workshop,
// which is in the course but in no stage's folder.
func TestUsage(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantStderr string
	}{
		{[]string{"help"}, exitOK, ""},
		{[]string{"-h"}, exitOK, usage},
		{[]string{"-x"}, exitUsage, "flag provided but not defined: -x\n" + usage},
		{[]string{"frobnicate"}, exitUsage, "workshop: unknown command \"frobnicate\"\n\n" + usage},
		{[]string{"check"}, exitUsage, "workshop: check needs a stage: name one, as in check 04, or run it inside a stage's folder, such as 04-log/\n\n" + usage},
		{[]string{"reset"}, exitUsage, "workshop: reset needs a stage: name one, as in reset 04, or run it inside a stage's folder, such as 04-log/\n\n" + usage},
		{[]string{"diff", "04", "05"}, exitUsage, "workshop: diff takes one stage, such as diff 04\n\n" + usage},
		{[]string{"hint", "12"}, exitUsage, "workshop: no stage \"12\": name one by number (01 to 11) or folder (such as 04-log)\n\n" + usage},
		{[]string{"gen", "99-nope"}, exitUsage, "workshop: no stage \"99-nope\": name one by number (01 to 11) or folder (such as 04-log)\n\n" + usage},
		{[]string{"verify", "now"}, exitUsage, "workshop: no stage \"now\": name one by number (01 to 11) or folder (such as 04-log)\n\n" + usage},
		{[]string{"", "x"}, exitUsage, "workshop: unexpected arguments: [\"x\"]\n\n" + usage},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), tt.args, &stdout, &stderr)
		assert.Equal(t, tt.wantCode, code, "workshop %q", tt.args)
		assert.Equal(t, tt.wantStderr, stderr.String(), "workshop %q", tt.args)
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitOK, run(t.Context(), []string{"help"}, &stdout, &stderr))
	assert.Equal(t, usage, stdout.String())
}

func TestColorful(t *testing.T) {
	assert.False(t, colorful(&bytes.Buffer{}), "a buffer is not a terminal")
}

func TestOneStage(t *testing.T) {
	w := workshop.New(t.TempDir(), nil)
	w.Cwd = filepath.Join("solutions", "07-election", "cmd")
	s, err := oneStage(w, "hint", nil)
	require.NoError(t, err)
	assert.Equal(t, "07-election", s.Dir, "no number: the stage of the current folder")

	s, err = oneStage(w, "hint", []string{"4"})
	require.NoError(t, err)
	assert.Equal(t, "04-log", s.Dir, "a number wins over the current folder")

	w.Cwd = "slides"
	_, err = oneStage(w, "diff", nil)
	assert.EqualError(t, err, "diff needs a stage: name one, as in diff 04, or run it inside a stage's folder, such as 04-log/")
	var bad usageError
	assert.ErrorAs(t, err, &bad)
}
