// Package traffic controls the traffic light at a crossing of two roads.
//
// The package is split the way the Raft core of the later stages is split.
// [Controller] is a pure state machine: it takes events (time has passed, a
// button was pressed) and returns commands (set this light to that colour).
// It has no clock, no goroutines and no I/O, so a test can drive it through
// any situation in microseconds. [Run] is the event loop around it: it waits
// for a timer, a button or the end of its context, turns what happened into
// an event, and passes the controller's commands on to the [Lights].
package traffic

import (
	"fmt"
	"time"
)

// A Direction is one of the two roads through the crossing, named by the
// way its traffic flows.
type Direction uint8

// The two directions.
const (
	EW Direction = iota // east–west
	NS                  // north–south
)

// String returns "EW" or "NS".
func (d Direction) String() string {
	switch d {
	case EW:
		return "EW"
	case NS:
		return "NS"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// Other returns the direction that crosses d.
func (d Direction) Other() Direction {
	if d == EW {
		return NS
	}
	return EW
}

// GreenTime is how long d stays green when no pedestrian presses its
// button: [EWGreenTime] or [NSGreenTime].
func (d Direction) GreenTime() time.Duration {
	if d == EW {
		return EWGreenTime
	}
	return NSGreenTime
}

// A Color is what a light shows.
type Color uint8

// The three colours of a light.
const (
	Red Color = iota
	Yellow
	Green
)

// String returns "RED", "YELLOW" or "GREEN".
func (c Color) String() string {
	switch c {
	case Red:
		return "RED"
	case Yellow:
		return "YELLOW"
	case Green:
		return "GREEN"
	}
	return fmt.Sprintf("Color(%d)", uint8(c))
}

// The timings of the light (handout: "The cycle", "The buttons").
const (
	// EWGreenTime is how long EW stays green when nobody presses its button.
	EWGreenTime = 30 * time.Second
	// NSGreenTime is how long NS stays green when nobody presses its button.
	NSGreenTime = 60 * time.Second
	// YellowTime is how long a light stays yellow, always.
	YellowTime = 5 * time.Second
	// MinGreenTime is the shortest green: a button press never ends a green
	// before it has lasted this long.
	MinGreenTime = 15 * time.Second
)

// An Event is something the controller reacts to: [Elapsed] or [Press].
type Event interface {
	isEvent()
}

// Elapsed tells the controller that time has passed since the previous
// event.
type Elapsed struct {
	// Duration is how much time has passed. It is never negative: Run
	// measures it with the monotonic clock.
	Duration time.Duration
}

// Press tells the controller that a pedestrian pressed the button of a
// direction: someone is waiting to cross that direction's road and asks for
// its traffic to stop.
type Press struct {
	// Direction is the direction whose traffic the pedestrian wants stopped.
	Direction Direction
}

func (Elapsed) isEvent() {}
func (Press) isEvent()   {}

// SetLight is the controller's only command: show Color on the light of
// Direction.
type SetLight struct {
	Direction Direction
	Color     Color
}
