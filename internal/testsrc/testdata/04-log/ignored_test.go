//go:build ignore

package raftlog

import "testing"

func TestIgnored(t *testing.T) {}
