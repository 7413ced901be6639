package raftlog

import (
	"fmt"
	"testing"
)

// TestAdd checks Add on small numbers.
//
// Figure 2 does not cover addition; see the handout, "Adding".
func TestAdd(t *testing.T) {}

func TestSub(t *testing.T) {}

// Test_underscore is a test.
func Test_underscore(t *testing.T) {}

// FuzzAdd fuzzes Add.
func FuzzAdd(f *testing.F) {}

// ExampleAdd shows Add.
func ExampleAdd() {
	fmt.Println(Add(1, 2))
	// Output: 3
}

// ExampleSub has no output comment, so go test compiles it but does not run it.
func ExampleSub() {
	fmt.Println(Sub(1, 2))
}

// BenchmarkAdd is not run by go test.
func BenchmarkAdd(b *testing.B) {}
