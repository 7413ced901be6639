package traffic

import (
	"context"
	"fmt"
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
	// TODO: Write the event loop (handout: "4. The event loop", "The event loop").
	// Make a controller with New and send its Current lights. Then loop: select
	// on ctx.Done(), a timer set for NextChange() and buttons. Whatever woke
	// you, hand the controller the Elapsed time (measured with time.Now) before
	// any Press, send the commands to lights in order, and reset the timer.
	return fmt.Errorf("traffic.Run is not implemented yet (handout: \"4. The event loop\")")
}

// TODO: Helpers of your own go here, if you want some.
