package raftlog

import "testing"

func TestInTestdata(t *testing.T) {}
