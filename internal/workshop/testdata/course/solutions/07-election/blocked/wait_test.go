package blocked

import "testing"

// TestWaits waits for an answer that never comes.
func TestWaits(t *testing.T) {
	answers := make(chan int)
	<-answers
}
