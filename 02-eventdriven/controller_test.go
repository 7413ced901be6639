package traffic_test

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	traffic "raftgo/02-eventdriven"
)

// Shorthands for the scripts below: 15 * s is fifteen seconds.
const (
	s  = time.Second
	EW = traffic.EW
	NS = traffic.NS
)

// The commands of the four changes of the cycle (handout: "The cycle").
const (
	ewYellow     = "EW YELLOW"
	ewRedNSGreen = "EW RED, NS GREEN"
	nsYellow     = "NS YELLOW"
	nsRedEWGreen = "NS RED, EW GREEN"
)

// wait returns the event "d has passed".
func wait(d time.Duration) traffic.Event { return traffic.Elapsed{Duration: d} }

// press returns the event "the button of direction d was pressed".
func press(d traffic.Direction) traffic.Event { return traffic.Press{Direction: d} }

// A step is one event of a script, with what the controller must answer.
type step struct {
	event traffic.Event
	want  string        // the commands Handle must return, such as "EW RED, NS GREEN"; "" for none
	next  time.Duration // what NextChange must return afterwards
}

// fromNSGreen returns a script that starts by bringing a new controller to
// the instant NS turns green (35 s after New) and goes on with steps.
func fromNSGreen(steps ...step) []step {
	return append([]step{
		{wait(30 * s), ewYellow, 5 * s},
		{wait(5 * s), ewRedNSGreen, 60 * s},
	}, steps...)
}

// play drives a new controller through a script. After every step it checks
// the commands Handle returned, NextChange, and that Current agrees with
// the lights as the commands so far have set them. The handout sections
// quoted in section explain what the script expects.
func play(t *testing.T, section string, steps []step) {
	t.Helper()
	c := traffic.New()
	require.NotNil(t, c, "New returned nil; it must return a controller with EW green (handout: \"1. The controller's state\")")
	lights := map[traffic.Direction]traffic.Color{EW: traffic.Green, NS: traffic.Red}
	var (
		history []string      // the events so far, for failure messages
		now     time.Duration // time since New
	)
	for _, st := range steps {
		if e, ok := st.event.(traffic.Elapsed); ok {
			now += e.Duration
		}
		history = append(history, describe(st.event))
		where := fmt.Sprintf("%v after New, after the events %s", now, strings.Join(history, ", "))

		want := cmp.Or(st.want, "none")
		require.Equal(t, want, format(c.Handle(st.event)),
			"%s: Handle(%s) returned the wrong commands (handout: %s)", where, describe(st.event), section)
		for _, command := range parse(t, st.want) {
			lights[command.Direction] = command.Color
		}

		require.Equal(t, st.next, c.NextChange(),
			"%s: NextChange() is wrong; it is the time until the next change if nobody presses a button (handout: %s)", where, section)

		red := EW
		if lights[NS] == traffic.Red {
			red = NS
		}
		require.Equal(t, fmt.Sprintf("%v RED, %v %v", red, red.Other(), lights[red.Other()]), format(c.Current()),
			"%s: Current() must show the lights as the commands so far set them, red first (handout: \"1. The controller's state\")", where)
	}
}

// format writes commands in order, such as "EW RED, NS GREEN", or "none".
func format(commands []traffic.SetLight) string {
	if len(commands) == 0 {
		return "none"
	}
	words := make([]string, len(commands))
	for i, command := range commands {
		words[i] = command.String()
	}
	return strings.Join(words, ", ")
}

// parse is the inverse of format, for a script's commands ("" for none).
func parse(t *testing.T, commands string) []traffic.SetLight {
	t.Helper()
	if commands == "" {
		return nil
	}
	var parsed []traffic.SetLight
	for word := range strings.SplitSeq(commands, ", ") {
		command, err := traffic.ParseSetLight([]byte(word))
		require.NoError(t, err, "a bad command in the test's script")
		parsed = append(parsed, command)
	}
	return parsed
}

// describe writes an event as Go code, such as "Elapsed{15s}" or
// "Press{EW}".
func describe(e traffic.Event) string {
	switch e := e.(type) {
	case traffic.Elapsed:
		return fmt.Sprintf("Elapsed{%v}", e.Duration)
	case traffic.Press:
		return fmt.Sprintf("Press{%v}", e.Direction)
	}
	return fmt.Sprintf("%#v", e)
}

// TestNewStartsWithEWGreen checks where a new controller starts ("1. The controller's state"):
// Current shows NS red and EW green, in that order (red first, so the lights
// are never both green), and NextChange is 30 s, when EW is due to turn
// yellow. Decide what the Controller must remember, then write New, Current
// and NextChange. Handout: "1. The controller's state", "The cycle".
func TestNewStartsWithEWGreen(t *testing.T) {
	c := traffic.New()
	require.NotNil(t, c, "New returned nil; it must return a controller with EW green (handout: \"1. The controller's state\")")
	require.Equal(t, "NS RED, EW GREEN", format(c.Current()),
		"Current() of a new controller: NS red, then EW green (handout: \"1. The controller's state\", \"The cycle\")")
	require.Equal(t, 30*s, c.NextChange(),
		"NextChange() of a new controller: EW turns yellow after 30 s of green (handout: \"The cycle\")")
}

// TestCycleWithoutPresses checks the cycle when nobody presses a button
// ("2. Time passes"): EW green 30 s, EW yellow 5 s, then EW red and NS green at the
// same instant, NS green 60 s, NS yellow 5 s, NS red and EW green, and
// round again. Time arrives in Elapsed events of any length, so the
// controller must add them up: nothing changes a nanosecond early, and
// NextChange counts down. Handout: "2. Time passes", "The cycle".
func TestCycleWithoutPresses(t *testing.T) {
	play(t, `"2. Time passes", "The cycle"`, []step{
		{wait(0), "", 30 * s},
		{wait(10 * s), "", 20 * s},
		{wait(20*s - time.Nanosecond), "", time.Nanosecond},
		{wait(time.Nanosecond), ewYellow, 5 * s},
		{wait(2 * s), "", 3 * s},
		{wait(3 * s), ewRedNSGreen, 60 * s},
		{wait(60 * s), nsYellow, 5 * s},
		{wait(5 * s), nsRedEWGreen, 30 * s},
		{wait(30 * s), ewYellow, 5 * s},
		{wait(5 * s), ewRedNSGreen, 60 * s},
		{wait(59 * s), "", 1 * s},
		{wait(1 * s), nsYellow, 5 * s},
		{wait(5 * s), nsRedEWGreen, 30 * s},
	})
}

// TestLongElapsedMakesEveryChange checks that one Elapsed event can cross
// several changes ("2. Time passes"): Handle then makes them all, in order, and the
// time beyond the last change counts towards the next one. An event loop
// that wakes up late (a busy machine, a laptop lid closed) still gets every
// change. Handout: "2. Time passes".
func TestLongElapsedMakesEveryChange(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"31 s: yellow, with 1 s of it gone", []step{
			{wait(31 * s), ewYellow, 4 * s},
			{wait(4 * s), ewRedNSGreen, 60 * s},
		}},
		{"35 s: yellow, then red and NS green", []step{
			{wait(35 * s), ewYellow + ", " + ewRedNSGreen, 60 * s},
		}},
		{"a whole cycle of 100 s at once", []step{
			{wait(100 * s), "EW YELLOW, EW RED, NS GREEN, NS YELLOW, NS RED, EW GREEN", 30 * s},
		}},
		{"two and a half cycles at once", []step{
			{wait(250 * s), "EW YELLOW, EW RED, NS GREEN, NS YELLOW, NS RED, EW GREEN, " +
				"EW YELLOW, EW RED, NS GREEN, NS YELLOW, NS RED, EW GREEN, " +
				"EW YELLOW, EW RED, NS GREEN", 45 * s},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, `"2. Time passes"`, tt.steps)
		})
	}
}

// TestPressDuringGreen checks a press of the button of the direction that
// is green ("3. The buttons"). It ends the green early, but never before the green
// has lasted 15 s: a press in the first 15 s turns the light yellow at 15 s,
// a later press turns it yellow at once. After the yellow, the cycle goes
// on as usual and the other direction gets its full green. Handout: "3. The buttons", "The buttons".
func TestPressDuringGreen(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"EW at 0 s of its green: yellow at 15 s", []step{
			{press(EW), "", 15 * s},
			{wait(15 * s), ewYellow, 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
		}},
		{"EW at 14 s: yellow at 15 s", []step{
			{wait(14 * s), "", 16 * s},
			{press(EW), "", 1 * s},
			{wait(1 * s), ewYellow, 5 * s},
		}},
		{"EW a nanosecond before 15 s: yellow at 15 s", []step{
			{wait(15*s - time.Nanosecond), "", 15*s + time.Nanosecond},
			{press(EW), "", time.Nanosecond},
			{wait(time.Nanosecond), ewYellow, 5 * s},
		}},
		{"EW at 15 s: yellow at once", []step{
			{wait(15 * s), "", 15 * s},
			{press(EW), ewYellow, 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
		}},
		{"EW at 29 s: yellow at once", []step{
			{wait(29 * s), "", 1 * s},
			{press(EW), ewYellow, 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
		}},
		{"EW at 20.5 s: yellow at once, NS green 5 s later", []step{
			{wait(20*s + s/2), "", 9*s + s/2},
			{press(EW), ewYellow, 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
		}},
		{"NS at 0 s of its green: yellow at 15 s", fromNSGreen(
			step{press(NS), "", 15 * s},
			step{wait(15 * s), nsYellow, 5 * s},
			step{wait(5 * s), nsRedEWGreen, 30 * s},
		)},
		{"NS at 14 s: yellow at 15 s", fromNSGreen(
			step{wait(14 * s), "", 46 * s},
			step{press(NS), "", 1 * s},
			step{wait(1 * s), nsYellow, 5 * s},
		)},
		{"NS at 15 s: yellow at once", fromNSGreen(
			step{wait(15 * s), "", 45 * s},
			step{press(NS), nsYellow, 5 * s},
			step{wait(5 * s), nsRedEWGreen, 30 * s},
		)},
		{"NS at 59 s: yellow at once", fromNSGreen(
			step{wait(59 * s), "", 1 * s},
			step{press(NS), nsYellow, 5 * s},
			step{wait(5 * s), nsRedEWGreen, 30 * s},
		)},
		{"EW at 0 s, then 25 s at once: yellow at 15 s, NS green at 20 s", []step{
			{press(EW), "", 15 * s},
			{wait(25 * s), ewYellow + ", " + ewRedNSGreen, 55 * s},
		}},
		{"after a shortened green the cycle goes on as usual", []step{
			{wait(20 * s), "", 10 * s},
			{press(EW), ewYellow, 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
			{wait(60 * s), nsYellow, 5 * s},
			{wait(5 * s), nsRedEWGreen, 30 * s},
			{wait(30 * s), ewYellow, 5 * s},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, `"3. The buttons", "The buttons"`, tt.steps)
		})
	}
}

// TestPressDuringYellowOrRed checks presses that change nothing ("3. The buttons"). A
// press counts only while its direction is green. When the direction is
// yellow its traffic is already stopping; when it is red the pedestrian can
// already cross. Such a press is not remembered either: the direction's
// next green lasts its full time. Handout: "3. The buttons", "The buttons".
func TestPressDuringYellowOrRed(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"EW at the instant EW turns yellow", []step{
			{wait(30 * s), ewYellow, 5 * s},
			{press(EW), "", 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
		}},
		{"EW during EW yellow", []step{
			{wait(30 * s), ewYellow, 5 * s},
			{wait(2 * s), "", 3 * s},
			{press(EW), "", 3 * s},
			{wait(3 * s), ewRedNSGreen, 60 * s},
		}},
		{"NS during EW green: NS is red; its next green is a full 60 s", []step{
			{wait(10 * s), "", 20 * s},
			{press(NS), "", 20 * s},
			{wait(20 * s), ewYellow, 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
			{wait(60 * s), nsYellow, 5 * s},
		}},
		{"NS during EW yellow: NS is red; its next green is a full 60 s", []step{
			{wait(30 * s), ewYellow, 5 * s},
			{wait(4 * s), "", 1 * s},
			{press(NS), "", 1 * s},
			{wait(1 * s), ewRedNSGreen, 60 * s},
			{wait(60 * s), nsYellow, 5 * s},
		}},
		{"EW during NS green: EW is red; its next green is a full 30 s", fromNSGreen(
			step{wait(20 * s), "", 40 * s},
			step{press(EW), "", 40 * s},
			step{wait(40 * s), nsYellow, 5 * s},
			step{wait(5 * s), nsRedEWGreen, 30 * s},
			step{wait(30 * s), ewYellow, 5 * s},
		)},
		{"NS during NS yellow", fromNSGreen(
			step{wait(60 * s), nsYellow, 5 * s},
			step{wait(1 * s), "", 4 * s},
			step{press(NS), "", 4 * s},
			step{wait(4 * s), nsRedEWGreen, 30 * s},
		)},
		{"EW during NS yellow: EW is red; its next green is a full 30 s", fromNSGreen(
			step{wait(60 * s), nsYellow, 5 * s},
			step{wait(4 * s), "", 1 * s},
			step{press(EW), "", 1 * s},
			step{wait(1 * s), nsRedEWGreen, 30 * s},
			step{wait(30 * s), ewYellow, 5 * s},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, `"3. The buttons", "The buttons"`, tt.steps)
		})
	}
}

// TestDoublePress checks several presses during one green ("3. The buttons"): the
// first press decides when the green ends, and later ones change nothing,
// whether they come before 15 s, at the same instant, or once the light is
// already yellow. A press of the other direction's button in between is
// ignored, as always while that direction is red. Handout: "3. The buttons", "The buttons".
func TestDoublePress(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"EW at 5 s and 10 s: yellow at 15 s", []step{
			{wait(5 * s), "", 25 * s},
			{press(EW), "", 10 * s},
			{wait(5 * s), "", 5 * s},
			{press(EW), "", 5 * s},
			{wait(5 * s), ewYellow, 5 * s},
		}},
		{"EW at 5 s and at 18 s, in the yellow", []step{
			{wait(5 * s), "", 25 * s},
			{press(EW), "", 10 * s},
			{wait(10 * s), ewYellow, 5 * s},
			{wait(3 * s), "", 2 * s},
			{press(EW), "", 2 * s},
			{wait(2 * s), ewRedNSGreen, 60 * s},
		}},
		{"EW twice at the same instant at 20 s", []step{
			{wait(20 * s), "", 10 * s},
			{press(EW), ewYellow, 5 * s},
			{press(EW), "", 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
		}},
		{"NS at 3 s and 12 s of its green: yellow at 15 s", fromNSGreen(
			step{wait(3 * s), "", 57 * s},
			step{press(NS), "", 12 * s},
			step{wait(9 * s), "", 3 * s},
			step{press(NS), "", 3 * s},
			step{wait(3 * s), nsYellow, 5 * s},
			step{wait(5 * s), nsRedEWGreen, 30 * s},
		)},
		{"NS then EW during EW green: only EW's press counts", []step{
			{wait(5 * s), "", 25 * s},
			{press(NS), "", 25 * s},
			{press(EW), "", 10 * s},
			{wait(10 * s), ewYellow, 5 * s},
			{wait(5 * s), ewRedNSGreen, 60 * s},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			play(t, `"3. The buttons", "The buttons"`, tt.steps)
		})
	}
}
