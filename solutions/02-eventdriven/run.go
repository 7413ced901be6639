package traffic

import (
	"context"
	"fmt"
	"time"
)

// Lights shows the controller's commands to the world: lamps in the street,
// a display in a terminal, or a recorder in a test.
type Lights interface {
	// Set switches one light to a colour.
	Set(SetLight) error
}

// Run drives a new [Controller] in real time until ctx is done. It shows
// the controller's starting colours at once; then, whenever the next change
// is due or a direction arrives on buttons, it tells the controller how much
// time has passed, passes on the press if there is one, and sends every
// resulting command to lights, in order.
//
// Run waits on a timer set for the controller's next change; it never polls.
// A nil buttons channel means there are no buttons, and a closed one means
// there will be no more presses. Run returns ctx.Err() when ctx is done, or
// the first error from lights.
func Run(ctx context.Context, buttons <-chan Direction, lights Lights) error {
	//workshop:todo Write the event loop (handout: "4. The event loop", "The event loop").
	//workshop:todo Make a controller with New and send its Current lights. Then loop: select
	//workshop:todo on ctx.Done(), a timer set for NextChange() and buttons. Whatever woke
	//workshop:todo you, hand the controller the Elapsed time (measured with time.Now) before
	//workshop:todo any Press, send the commands to lights in order, and reset the timer.
	c := New()
	if err := show(lights, c.Current()); err != nil {
		return err
	}
	last := time.Now()
	timer := time.NewTimer(c.NextChange())
	defer timer.Stop()
	for {
		var press Event // set when a button, not the timer, woke the loop
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		case d, ok := <-buttons:
			if !ok {
				buttons = nil // a nil channel is never ready: no more presses
				continue
			}
			press = Press{Direction: d}
		}
		// Time has passed whatever woke the loop. Tell the controller first,
		// so that it judges a press at the moment it happened.
		now := time.Now()
		commands := c.Handle(Elapsed{Duration: now.Sub(last)})
		last = now
		if press != nil {
			commands = append(commands, c.Handle(press)...)
		}
		if err := show(lights, commands); err != nil {
			return err
		}
		// Since Go 1.23, Reset needs no draining of timer.C first.
		timer.Reset(c.NextChange())
	}
	//workshop:stub return fmt.Errorf("traffic.Run is not implemented yet (handout: \"4. The event loop\")")
	//workshop:end
}

//workshop:todo Helpers of your own go here, if you want some.

// show sends commands to lights in order and stops at the first error.
func show(lights Lights, commands []SetLight) error {
	for _, command := range commands {
		if err := lights.Set(command); err != nil {
			return fmt.Errorf("set the %v light to %v: %w", command.Direction, command.Color, err)
		}
	}
	return nil
}

//workshop:end
