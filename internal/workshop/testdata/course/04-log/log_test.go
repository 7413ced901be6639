package raftlog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGivenNew checks the given constructor.
func TestGivenNew(t *testing.T) {
	require.NotNil(t, New())
}

// TestAppend checks that Append adds terms at the end.
// Handout: "Appending".
func TestAppend(t *testing.T) {
	l := New()
	require.NoError(t, l.Append(1, 1, 2), "Append to an empty log")
	require.Equal(t, []int{1, 1, 2}, l.Terms(), "the log after the append")
}

// TestTerms checks Terms on several logs.
func TestTerms(t *testing.T) {
	for _, name := range []string{"empty", "one"} {
		t.Run(name, func(t *testing.T) {
			l := New()
			if name == "one" {
				_ = l.Append(3)
				require.Equal(t, []int{3}, l.Terms())
			}
		})
	}
}

// TestTermsNotNil checks that Terms never returns nil.
func TestTermsNotNil(t *testing.T) {
	l := New()
	_ = l.Append(1)
	if l.Terms()[0] != 1 { // panics on the stub
		t.Fatal("the first term is not 1")
	}
}

func TestAfterPanic(t *testing.T) {}
