package traffic

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// s keeps the scripts below short: 15 * s is fifteen seconds.
const s = time.Second

// The commands of the four changes of the cycle (handout: The cycle).
var (
	ewYellow     = []SetLight{{EW, Yellow}}
	ewRedNSGreen = []SetLight{{EW, Red}, {NS, Green}}
	nsYellow     = []SetLight{{NS, Yellow}}
	nsRedEWGreen = []SetLight{{NS, Red}, {EW, Green}}
)

// A step is one event of a script, with what the controller must answer.
type step struct {
	event Event
	want  []SetLight    // the commands Handle must return, in order
	next  time.Duration // what NextChange must return afterwards
}

// fromNSGreen returns a script that starts by bringing a new controller to
// the instant NS turns green (35 s after New) and goes on with steps.
func fromNSGreen(steps ...step) []step {
	return append([]step{
		{Elapsed{30 * s}, ewYellow, 5 * s},
		{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
	}, steps...)
}

// play drives a new controller through a script. After every step it checks
// the commands Handle returned, NextChange, and that Current agrees with
// the lights as the commands so far have set them. The handout section
// named by section explains what the script expects.
func play(t *testing.T, section string, steps []step) {
	t.Helper()
	c := New()
	require.NotNil(t, c, "New returned nil; it must return a controller with EW green (handout: Task 1)")
	lights := map[Direction]Color{EW: Green, NS: Red}
	var (
		history []string      // the events so far, for failure messages
		now     time.Duration // time since New
	)
	for _, st := range steps {
		if e, ok := st.event.(Elapsed); ok {
			now += e.Duration
		}
		history = append(history, describe(st.event))
		where := fmt.Sprintf("%v after New, after the events %s", now, strings.Join(history, ", "))

		require.Equal(t, format(st.want), format(c.Handle(st.event)),
			"%s: Handle(%s) returned the wrong commands (handout: %s)", where, describe(st.event), section)
		for _, command := range st.want {
			lights[command.Direction] = command.Color
		}

		require.Equal(t, st.next, c.NextChange(),
			"%s: NextChange() is wrong; it is the time until the next change if nobody presses a button (handout: %s)", where, section)

		red := EW
		if lights[NS] == Red {
			red = NS
		}
		want := []SetLight{{red, Red}, {red.Other(), lights[red.Other()]}}
		require.Equal(t, format(want), format(c.Current()),
			"%s: Current() must show the lights as the commands so far set them, red first (handout: Task 1)", where)
	}
}

// format writes commands in order, such as "EW RED, NS GREEN", or "none".
func format(commands []SetLight) string {
	if len(commands) == 0 {
		return "none"
	}
	words := make([]string, len(commands))
	for i, command := range commands {
		words[i] = command.String()
	}
	return strings.Join(words, ", ")
}

// describe writes an event as Go code, such as "Elapsed{15s}" or
// "Press{EW}".
func describe(e Event) string {
	switch e := e.(type) {
	case Elapsed:
		return fmt.Sprintf("Elapsed{%v}", e.Duration)
	case Press:
		return fmt.Sprintf("Press{%v}", e.Direction)
	}
	return fmt.Sprintf("%#v", e)
}

// TestNewStartsWithEWGreen checks where a new controller starts (Task 1):
// Current shows NS red and EW green, in that order (red first, so the lights
// are never both green), and NextChange is 30 s, when EW is due to turn
// yellow. Decide what the Controller must remember, then write New, Current
// and NextChange. Handout: Task 1, The cycle.
func TestNewStartsWithEWGreen(t *testing.T) {
	c := New()
	require.NotNil(t, c, "New returned nil; it must return a controller with EW green (handout: Task 1)")
	require.Equal(t, "NS RED, EW GREEN", format(c.Current()),
		"Current() of a new controller: NS red, then EW green (handout: Task 1, The cycle)")
	require.Equal(t, 30*s, c.NextChange(),
		"NextChange() of a new controller: EW turns yellow after 30 s of green (handout: The cycle)")
}

// TestCycleWithoutPresses checks the cycle when nobody presses a button
// (Task 2): EW green 30 s, EW yellow 5 s, then EW red and NS green at the
// same instant, NS green 60 s, NS yellow 5 s, NS red and EW green, and
// round again. Time arrives in Elapsed events of any length, so the
// controller must add them up: nothing changes a nanosecond early, and
// NextChange counts down. Handout: Task 2, The cycle.
func TestCycleWithoutPresses(t *testing.T) {
	play(t, "The cycle", []step{
		{Elapsed{0}, nil, 30 * s},
		{Elapsed{10 * s}, nil, 20 * s},
		{Elapsed{20*s - time.Nanosecond}, nil, time.Nanosecond},
		{Elapsed{time.Nanosecond}, ewYellow, 5 * s},
		{Elapsed{2 * s}, nil, 3 * s},
		{Elapsed{3 * s}, ewRedNSGreen, 60 * s},
		{Elapsed{60 * s}, nsYellow, 5 * s},
		{Elapsed{5 * s}, nsRedEWGreen, 30 * s},
		{Elapsed{30 * s}, ewYellow, 5 * s},
		{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
		{Elapsed{59 * s}, nil, 1 * s},
		{Elapsed{1 * s}, nsYellow, 5 * s},
		{Elapsed{5 * s}, nsRedEWGreen, 30 * s},
	})
}

// TestLongElapsedMakesEveryChange checks that one Elapsed event can cross
// several changes (Task 2): Handle then makes them all, in order, and the
// time beyond the last change counts towards the next one. An event loop
// that wakes up late (a busy machine, a laptop lid closed) still gets every
// change. Handout: Task 2.
func TestLongElapsedMakesEveryChange(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"31 s: yellow, with 1 s of it gone", []step{
			{Elapsed{31 * s}, ewYellow, 4 * s},
			{Elapsed{4 * s}, ewRedNSGreen, 60 * s},
		}},
		{"35 s: yellow, then red and NS green", []step{
			{Elapsed{35 * s}, append(ewYellow, ewRedNSGreen...), 60 * s},
		}},
		{"a whole cycle of 100 s at once", []step{
			{Elapsed{100 * s}, []SetLight{{EW, Yellow}, {EW, Red}, {NS, Green}, {NS, Yellow}, {NS, Red}, {EW, Green}}, 30 * s},
		}},
		{"two and a half cycles at once", []step{
			{Elapsed{250 * s}, []SetLight{
				{EW, Yellow}, {EW, Red}, {NS, Green}, {NS, Yellow}, {NS, Red}, {EW, Green},
				{EW, Yellow}, {EW, Red}, {NS, Green}, {NS, Yellow}, {NS, Red}, {EW, Green},
				{EW, Yellow}, {EW, Red}, {NS, Green},
			}, 45 * s},
		}},
		{"a green shortened by a press counts as shortened", []step{
			{Press{EW}, nil, 15 * s},
			{Elapsed{25 * s}, append(ewYellow, ewRedNSGreen...), 55 * s},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, "Task 2", tt.steps)
		})
	}
}

// TestPressDuringGreen checks a press of the button of the direction that
// is green (Task 3). It ends the green early, but never before the green
// has lasted 15 s: a press in the first 15 s turns the light yellow at 15 s,
// a later press turns it yellow at once. After the yellow, the cycle goes
// on as usual and the other direction gets its full green. Handout: Task 3,
// The buttons.
func TestPressDuringGreen(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"EW at 0 s of its green: yellow at 15 s", []step{
			{Press{EW}, nil, 15 * s},
			{Elapsed{15 * s}, ewYellow, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
		}},
		{"EW at 14 s: yellow at 15 s", []step{
			{Elapsed{14 * s}, nil, 16 * s},
			{Press{EW}, nil, 1 * s},
			{Elapsed{1 * s}, ewYellow, 5 * s},
		}},
		{"EW a nanosecond before 15 s: yellow at 15 s", []step{
			{Elapsed{15*s - time.Nanosecond}, nil, 15*s + time.Nanosecond},
			{Press{EW}, nil, time.Nanosecond},
			{Elapsed{time.Nanosecond}, ewYellow, 5 * s},
		}},
		{"EW at 15 s: yellow at once", []step{
			{Elapsed{15 * s}, nil, 15 * s},
			{Press{EW}, ewYellow, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
		}},
		{"EW at 29 s: yellow at once", []step{
			{Elapsed{29 * s}, nil, 1 * s},
			{Press{EW}, ewYellow, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
		}},
		{"EW at 20.5 s: yellow at once, NS green 5 s later", []step{
			{Elapsed{20*s + s/2}, nil, 9*s + s/2},
			{Press{EW}, ewYellow, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
		}},
		{"NS at 0 s of its green: yellow at 15 s", fromNSGreen(
			step{Press{NS}, nil, 15 * s},
			step{Elapsed{15 * s}, nsYellow, 5 * s},
			step{Elapsed{5 * s}, nsRedEWGreen, 30 * s},
		)},
		{"NS at 14 s: yellow at 15 s", fromNSGreen(
			step{Elapsed{14 * s}, nil, 46 * s},
			step{Press{NS}, nil, 1 * s},
			step{Elapsed{1 * s}, nsYellow, 5 * s},
		)},
		{"NS at 15 s: yellow at once", fromNSGreen(
			step{Elapsed{15 * s}, nil, 45 * s},
			step{Press{NS}, nsYellow, 5 * s},
			step{Elapsed{5 * s}, nsRedEWGreen, 30 * s},
		)},
		{"NS at 59 s: yellow at once", fromNSGreen(
			step{Elapsed{59 * s}, nil, 1 * s},
			step{Press{NS}, nsYellow, 5 * s},
			step{Elapsed{5 * s}, nsRedEWGreen, 30 * s},
		)},
		{"after a shortened green the cycle goes on as usual", []step{
			{Elapsed{20 * s}, nil, 10 * s},
			{Press{EW}, ewYellow, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
			{Elapsed{60 * s}, nsYellow, 5 * s},
			{Elapsed{5 * s}, nsRedEWGreen, 30 * s},
			{Elapsed{30 * s}, ewYellow, 5 * s},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, "The buttons", tt.steps)
		})
	}
}

// TestPressDuringYellowOrRed checks presses that change nothing (Task 3). A
// press counts only while its direction is green. When the direction is
// yellow its traffic is already stopping; when it is red the pedestrian can
// already cross. Such a press is not remembered either: the direction's
// next green lasts its full time. Handout: Task 3, The buttons.
func TestPressDuringYellowOrRed(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"EW at the instant EW turns yellow", []step{
			{Elapsed{30 * s}, ewYellow, 5 * s},
			{Press{EW}, nil, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
		}},
		{"EW during EW yellow", []step{
			{Elapsed{30 * s}, ewYellow, 5 * s},
			{Elapsed{2 * s}, nil, 3 * s},
			{Press{EW}, nil, 3 * s},
			{Elapsed{3 * s}, ewRedNSGreen, 60 * s},
		}},
		{"NS during EW green: NS is red; its next green is a full 60 s", []step{
			{Elapsed{10 * s}, nil, 20 * s},
			{Press{NS}, nil, 20 * s},
			{Elapsed{20 * s}, ewYellow, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
			{Elapsed{60 * s}, nsYellow, 5 * s},
		}},
		{"NS during EW yellow: NS is red; its next green is a full 60 s", []step{
			{Elapsed{30 * s}, ewYellow, 5 * s},
			{Elapsed{4 * s}, nil, 1 * s},
			{Press{NS}, nil, 1 * s},
			{Elapsed{1 * s}, ewRedNSGreen, 60 * s},
			{Elapsed{60 * s}, nsYellow, 5 * s},
		}},
		{"EW during NS green: EW is red; its next green is a full 30 s", fromNSGreen(
			step{Elapsed{20 * s}, nil, 40 * s},
			step{Press{EW}, nil, 40 * s},
			step{Elapsed{40 * s}, nsYellow, 5 * s},
			step{Elapsed{5 * s}, nsRedEWGreen, 30 * s},
			step{Elapsed{30 * s}, ewYellow, 5 * s},
		)},
		{"NS during NS yellow", fromNSGreen(
			step{Elapsed{60 * s}, nsYellow, 5 * s},
			step{Elapsed{1 * s}, nil, 4 * s},
			step{Press{NS}, nil, 4 * s},
			step{Elapsed{4 * s}, nsRedEWGreen, 30 * s},
		)},
		{"EW during NS yellow: EW is red; its next green is a full 30 s", fromNSGreen(
			step{Elapsed{60 * s}, nsYellow, 5 * s},
			step{Elapsed{4 * s}, nil, 1 * s},
			step{Press{EW}, nil, 1 * s},
			step{Elapsed{1 * s}, nsRedEWGreen, 30 * s},
			step{Elapsed{30 * s}, ewYellow, 5 * s},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, "The buttons", tt.steps)
		})
	}
}

// TestDoublePress checks several presses during one green (Task 3): the
// first press decides when the green ends, and later ones change nothing,
// whether they come before 15 s, at the same instant, or once the light is
// already yellow. A press of the other direction's button in between is
// ignored, as always while that direction is red. Handout: Task 3, The
// buttons.
func TestDoublePress(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"EW at 5 s and 10 s: yellow at 15 s", []step{
			{Elapsed{5 * s}, nil, 25 * s},
			{Press{EW}, nil, 10 * s},
			{Elapsed{5 * s}, nil, 5 * s},
			{Press{EW}, nil, 5 * s},
			{Elapsed{5 * s}, ewYellow, 5 * s},
		}},
		{"EW at 5 s and at 18 s, in the yellow", []step{
			{Elapsed{5 * s}, nil, 25 * s},
			{Press{EW}, nil, 10 * s},
			{Elapsed{10 * s}, ewYellow, 5 * s},
			{Elapsed{3 * s}, nil, 2 * s},
			{Press{EW}, nil, 2 * s},
			{Elapsed{2 * s}, ewRedNSGreen, 60 * s},
		}},
		{"EW twice at the same instant at 20 s", []step{
			{Elapsed{20 * s}, nil, 10 * s},
			{Press{EW}, ewYellow, 5 * s},
			{Press{EW}, nil, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
		}},
		{"NS at 3 s and 12 s of its green: yellow at 15 s", fromNSGreen(
			step{Elapsed{3 * s}, nil, 57 * s},
			step{Press{NS}, nil, 12 * s},
			step{Elapsed{9 * s}, nil, 3 * s},
			step{Press{NS}, nil, 3 * s},
			step{Elapsed{3 * s}, nsYellow, 5 * s},
			step{Elapsed{5 * s}, nsRedEWGreen, 30 * s},
		)},
		{"NS then EW during EW green: only EW's press counts", []step{
			{Elapsed{5 * s}, nil, 25 * s},
			{Press{NS}, nil, 25 * s},
			{Press{EW}, nil, 10 * s},
			{Elapsed{10 * s}, ewYellow, 5 * s},
			{Elapsed{5 * s}, ewRedNSGreen, 60 * s},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, "The buttons", tt.steps)
		})
	}
}
