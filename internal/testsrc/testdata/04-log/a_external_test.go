package raftlog_test

import "testing"

// TestExternal lives in the external test package.
func TestExternal(t *testing.T) {}
