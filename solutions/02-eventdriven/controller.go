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
	//workshop:todo Decide what the controller must remember to know where it is in the cycle
	//workshop:todo (handout: "1. The controller's state"). Keep time as durations: how long the current colour has
	//workshop:todo been on, and how long it is to last.
	// active is the direction that is green or yellow; the other is red.
	active Direction
	// color is active's colour: Green or Yellow.
	color Color
	// elapsed is how long active has shown color.
	elapsed time.Duration
	// length is how long color lasts: the next change is due when elapsed
	// reaches it. A button press can shorten a green.
	length time.Duration
	//workshop:end
}

// New returns a controller whose EW light has just turned green; NS is red.
func New() *Controller {
	//workshop:todo Start the cycle: EW has just turned green (handout: "1. The controller's state", "The cycle").
	return &Controller{active: EW, color: Green, length: EW.GreenTime()}
	//workshop:stub return &Controller{}
	//workshop:end
}

// Current returns the commands that show the controller's state on both
// lights, the red light first so that the two are never both green. Run
// sends them once, at the start.
func (c *Controller) Current() []SetLight {
	//workshop:todo Return one SetLight per direction, red first (handout: "1. The controller's state").
	return []SetLight{
		{Direction: c.active.Other(), Color: Red},
		{Direction: c.active, Color: c.color},
	}
	//workshop:stub return nil
	//workshop:end
}

// NextChange returns how long until the next change is due if nobody
// presses a button. It is always positive: Handle makes every change that
// is due before it returns. Handing the controller Elapsed{NextChange()}
// makes that change; anything shorter changes nothing.
func (c *Controller) NextChange() time.Duration {
	//workshop:todo Compute it from your state (handout: "1. The controller's state").
	return c.length - c.elapsed
	//workshop:stub return 0
	//workshop:end
}

// Handle applies one event and returns the commands it causes, in the order
// they must be sent, or none. An Elapsed event may be long enough to cross
// several changes; Handle makes them all, in order.
func (c *Controller) Handle(e Event) []SetLight {
	//workshop:todo Switch on the event's type (handout: "2. Time passes" and "3. The buttons").
	//workshop:todo Elapsed: add the time, then make every change that is due, in order.
	//workshop:todo Press: a press counts only for the direction that is green (handout: "The buttons").
	//workshop:todo Return a red before the green it makes way for.
	switch e := e.(type) {
	case Elapsed:
		c.elapsed += e.Duration
	case Press:
		if e.Direction == c.active && c.color == Green {
			// End the green now, or at MinGreenTime if it is younger.
			c.length = max(c.elapsed, MinGreenTime)
		}
	}
	return c.catchUp()
	//workshop:stub return nil
	//workshop:end
}

//workshop:todo Helpers of your own go here, if you want some.

// catchUp makes every change that is due, in order, and returns the
// commands that show them.
func (c *Controller) catchUp() []SetLight {
	var commands []SetLight
	for c.elapsed >= c.length {
		c.elapsed -= c.length
		if c.color == Green {
			c.color, c.length = Yellow, YellowTime
			commands = append(commands, SetLight{Direction: c.active, Color: Yellow})
			continue
		}
		stopped := c.active
		c.active = stopped.Other()
		c.color, c.length = Green, c.active.GreenTime()
		commands = append(commands,
			SetLight{Direction: stopped, Color: Red},
			SetLight{Direction: c.active, Color: Green})
	}
	return commands
}

//workshop:end
