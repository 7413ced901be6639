package raftlog

import "testing"

func TestLast(t *testing.T) {}

// TestMain is not a test: it takes a *testing.M.
func TestMain(m *testing.M) { m.Run() }
