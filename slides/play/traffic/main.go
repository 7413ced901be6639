// Command traffic is the slides' runnable miniature of stage 02's
// controller: a pure state machine, driven here by a script of events
// instead of a clock, so that a run prints the same timeline every time.
// It uses only the standard library, so that present can run it.
package main

import (
	"fmt"
	"time"
)

const s = time.Second

// controller holds the whole state: which road is active, its colour, and
// how long that colour has lasted and will last. No clock.
type controller struct {
	active          string // "EW" or "NS"
	color           string
	elapsed, length time.Duration
}

func greenTime(road string) time.Duration {
	if road == "EW" {
		return 30 * s
	}
	return 60 * s
}

// elapse is the event "d has passed": make every change that is due.
func (c *controller) elapse(d time.Duration) []string {
	var commands []string
	c.elapsed += d
	for c.elapsed >= c.length {
		c.elapsed -= c.length
		if c.color == "GREEN" {
			c.color, c.length = "YELLOW", 5*s
			commands = append(commands, c.active+" YELLOW")
			continue
		}
		stopped := c.active
		c.active = map[string]string{"EW": "NS", "NS": "EW"}[stopped]
		c.color, c.length = "GREEN", greenTime(c.active)
		commands = append(commands, stopped+" RED", c.active+" GREEN")
	}
	return commands
}

// press is the event "road's button was pressed": a green ends early, but
// not before it has lasted 15 s.
func (c *controller) press(road string) []string {
	if road == c.active && c.color == "GREEN" {
		c.length = max(c.elapsed, 15*s)
	}
	return c.elapse(0)
}

func main() {
	c := &controller{active: "EW", color: "GREEN", length: 30 * s}
	presses := map[time.Duration]string{ // try other presses
		10 * s: "EW", // too early: EW turns yellow at 15 s
		50 * s: "NS", // NS has been green 15 s: yellow at once
		80 * s: "NS", // NS is red: nothing happens
	}
	fmt.Println("   0s  EW GREEN, NS RED")
	for now := time.Duration(0); ; {
		next := now + c.length - c.elapsed // when the next change is due
		if next > 150*s {
			break
		}
		for at := range presses {
			if at > now && at < next {
				next = at
			}
		}
		commands := c.elapse(next - now)
		if road, ok := presses[next]; ok {
			commands = append(commands, "(press "+road+")")
			commands = append(commands, c.press(road)...)
		}
		now = next
		for _, cmd := range commands {
			fmt.Printf("%4.0fs  %s\n", now.Seconds(), cmd)
		}
	}
}
