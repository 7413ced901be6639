package liveview

import (
	"fmt"
	"testing"
)

// BenchmarkPublish measures what the feeder spends on one event with ten
// pages connected and none reading: encoding it once and leaving it with
// each (what a page has not taken is coalesced or skipped).
func BenchmarkPublish(b *testing.B) {
	for _, kind := range []string{"state", "message"} {
		b.Run(kind, func(b *testing.B) {
			s := New(make(chanSource), nil)
			for range 10 {
				if _, err := s.subscribe(); err != nil {
					b.Fatal(err)
				}
			}
			ev := Event{State: threeNodes()}
			if kind == "message" {
				ev = Event{Message: &Message{From: 1, To: 2, Type: "AppendEntries", Term: 2, Entries: 1}}
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.publish(ev); err != nil {
					b.Fatal(fmt.Errorf("publish: %w", err))
				}
			}
		})
	}
}
