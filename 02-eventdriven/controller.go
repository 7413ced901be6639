package traffic

import "time"

// A Controller decides what the lights show. It is a pure state machine:
// [Controller.Handle] takes an event and returns the commands that change
// the lights, and [Controller.NextChange] says when the next change is due
// if nobody presses a button. A controller never reads a clock and never
// waits: whoever calls it decides what time it is, which is what makes it
// easy to test.
//
// The lights follow the cycle of the handout (The cycle): EW green, EW
// yellow, NS green, NS yellow, and EW green again. There is no all-red
// phase: when one light turns red, the other turns green at the same
// instant. A button ends its direction's green early, but never before
// [MinGreenTime] (The buttons).
type Controller struct {
	// TODO: Decide what the controller must remember to know where it is in the cycle
	// (handout: "1. The controller's state"). Keep time as durations: how long the current colour has
	// been on, and how long it is to last.
}

// New returns a controller whose EW light has just turned green; NS is red.
func New() *Controller {
	// TODO: Start the cycle: EW has just turned green (handout: "1. The controller's state", "The cycle").
	return &Controller{}
}

// Current returns the commands that show the controller's state on both
// lights, the red light first so that the two are never both green. Run
// sends them once, at the start.
func (c *Controller) Current() []SetLight {
	// TODO: Return one SetLight per direction, red first (handout: "1. The controller's state").
	return nil
}

// NextChange returns how long until the next change is due if nobody
// presses a button. It is always positive: Handle makes every change that
// is due before it returns. Handing the controller Elapsed{NextChange()}
// makes that change; anything shorter changes nothing.
func (c *Controller) NextChange() time.Duration {
	// TODO: Compute it from your state (handout: "1. The controller's state").
	return 0
}

// Handle applies one event and returns the commands it causes, in the order
// they must be sent, or none. An Elapsed event may be long enough to cross
// several changes; Handle makes them all, in order.
func (c *Controller) Handle(e Event) []SetLight {
	// TODO: Switch on the event's type (handout: "2. Time passes" and "3. The buttons").
	// Elapsed: add the time, then make every change that is due, in order.
	// Press: a press counts only for the direction that is green (handout: "The buttons").
	// Return a red before the green it makes way for.
	return nil
}

// TODO: Helpers of your own go here, if you want some.
