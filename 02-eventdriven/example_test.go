package traffic_test

import (
	"fmt"
	"time"

	traffic "raftgo/02-eventdriven"
)

// The controller is driven by hand here, as a test or the event loop
// drives it: nothing happens until it is told that time has passed or that
// a button was pressed.
func ExampleController() {
	c := traffic.New()
	fmt.Println(c.Current(), "next change in", c.NextChange())

	fmt.Println(c.Handle(traffic.Elapsed{Duration: 20 * time.Second}), "next change in", c.NextChange())
	fmt.Println(c.Handle(traffic.Press{Direction: traffic.EW}), "next change in", c.NextChange())
	fmt.Println(c.Handle(traffic.Elapsed{Duration: 5 * time.Second}), "next change in", c.NextChange())
	// Output:
	// [NS RED EW GREEN] next change in 30s
	// [] next change in 10s
	// [EW YELLOW] next change in 5s
	// [EW RED NS GREEN] next change in 1m0s
}
