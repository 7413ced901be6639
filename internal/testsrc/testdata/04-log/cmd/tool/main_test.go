package main

import "testing"

// TestGivenTool checks given code.
func TestGivenTool(t *testing.T) {}
