package raftlog

import "testing"

func TestInUnderscore(t *testing.T) {}
