package traffic_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	traffic "raftgo/02-eventdriven"
)

// A change is one command, with the time it was given since the start.
type change struct {
	at    time.Duration
	light traffic.SetLight
}

func (c change) String() string { return fmt.Sprintf("%v at %v", c.light, c.at) }

// A buttonPress is one press of a button, with the time it was made since
// the start.
type buttonPress struct {
	at        time.Duration
	direction traffic.Direction
}

// A violation is a moment when the lights broke the handout's spec.
type violation struct {
	at  time.Duration
	msg string
}

func (v *violation) Error() string { return fmt.Sprintf("at %v: %s", v.at, v.msg) }

func violationf(at time.Duration, format string, args ...any) *violation {
	return &violation{at: at, msg: fmt.Sprintf(format, args...)}
}

// checkTimeline checks a run of the lights from the start to end against
// the spec: the starting colours; the only changes are green → yellow →
// red → green; yellow lasts exactly YellowTime; a light turns green at the
// instant the other turns red, never while the other is green or yellow;
// every green lasts at least MinGreenTime and ends when the spec says given
// the presses; and at end nothing is overdue. changes and presses are in
// the order they happened; a press at the same instant as a change came
// after it.
func checkTimeline(changes []change, presses []buttonPress, end time.Duration) *violation {
	start := []change{
		{0, traffic.SetLight{Direction: NS, Color: traffic.Red}},
		{0, traffic.SetLight{Direction: EW, Color: traffic.Green}},
	}
	if len(changes) < 2 || !slices.Equal(changes[:2], start) {
		return violationf(0, "the lights must start with NS RED then EW GREEN; they started with %v (handout: \"The cycle\")", changes[:min(2, len(changes))])
	}
	type light struct {
		color traffic.Color
		since time.Duration // when it turned color
	}
	lights := map[traffic.Direction]*light{NS: {traffic.Red, 0}, EW: {traffic.Green, 0}}
	for _, ch := range changes[2:] {
		d, to := ch.light.Direction, ch.light.Color
		l, other := lights[d], lights[d.Other()]
		if l == nil {
			return violationf(ch.at, "a command for an unknown direction: %v", ch.light)
		}
		if ch.at < max(l.since, other.since) {
			return violationf(ch.at, "%v came after a change at %v: commands must come in time order", ch.light, max(l.since, other.since))
		}
		lasted := ch.at - l.since
		switch {
		case l.color == traffic.Green && to == traffic.Yellow:
			if lasted < traffic.MinGreenTime {
				return violationf(ch.at, "%v turned YELLOW after only %v of green; a green lasts at least %v (handout: \"The buttons\")", d, lasted, traffic.MinGreenTime)
			}
			if want := greenEnd(d, l.since, presses); ch.at != want {
				return violationf(ch.at, "%v turned YELLOW after %v of green; given the presses, it should have at %v, after %v (handout: \"The buttons\")", d, lasted, want, want-l.since)
			}
		case l.color == traffic.Yellow && to == traffic.Red:
			if lasted != traffic.YellowTime {
				return violationf(ch.at, "%v turned RED after %v of yellow; yellow lasts exactly %v (handout: \"The cycle\")", d, lasted, traffic.YellowTime)
			}
		case l.color == traffic.Red && to == traffic.Green:
			if other.color != traffic.Red {
				return violationf(ch.at, "%v turned GREEN while %v was %v; a light turns green only once the other is red: send the RED first (handout: \"The cycle\")", d, d.Other(), other.color)
			}
			if other.since != ch.at {
				return violationf(ch.at, "%v turned GREEN %v after %v turned RED; there is no all-red phase: it turns green at the same instant (handout: \"The cycle\")", d, ch.at-other.since, d.Other())
			}
		case l.color == traffic.Green && to == traffic.Red:
			return violationf(ch.at, "%v went straight from GREEN to RED; it must be YELLOW for %v in between (handout: \"The cycle\")", d, traffic.YellowTime)
		default:
			return violationf(ch.at, "%v went from %v to %v; a light only goes GREEN → YELLOW → RED → GREEN (handout: \"The cycle\")", d, l.color, to)
		}
		l.color, l.since = to, ch.at
	}
	for _, d := range []traffic.Direction{EW, NS} {
		l := lights[d]
		switch l.color {
		case traffic.Green:
			if want := greenEnd(d, l.since, presses); want < end {
				return violationf(end, "%v has been GREEN since %v; it should have turned YELLOW at %v (handout: \"The cycle\", \"The buttons\")", d, l.since, want)
			}
		case traffic.Yellow:
			if l.since+traffic.YellowTime < end {
				return violationf(end, "%v has been YELLOW since %v; it should have turned RED at %v (handout: \"The cycle\")", d, l.since, l.since+traffic.YellowTime)
			}
		case traffic.Red:
			if other := lights[d.Other()]; other.color == traffic.Red {
				return violationf(end, "both lights are RED, %v since %v; the other should have turned GREEN at that instant (handout: \"The cycle\")", d.Other(), other.since)
			}
		}
	}
	return nil
}

// greenEnd returns when a green of d that began at since must end: after
// d's full green time, or, after a press of d's button during the green,
// at the press but not before MinGreenTime. The first such press decides.
func greenEnd(d traffic.Direction, since time.Duration, presses []buttonPress) time.Duration {
	end := since + d.GreenTime()
	for _, p := range presses {
		if p.direction == d && p.at >= since && p.at < end {
			return since + max(traffic.MinGreenTime, p.at-since)
		}
	}
	return end
}

// randomWait returns how long to wait before the next random press: often
// whole seconds, so that presses land exactly on the boundaries of the
// spec (0 s, 15 s, the end of a green), sometimes zero (a double press),
// and otherwise any duration, short or long enough to let a whole green
// pass.
func randomWait(rng *rand.Rand) time.Duration {
	switch rng.IntN(3) {
	case 0:
		return time.Duration(rng.IntN(21)) * time.Second
	case 1:
		return time.Duration(rng.Int64N(int64(40 * time.Second)))
	default:
		return time.Duration(rng.Int64N(int64(120 * time.Second)))
	}
}

// randomDirection returns EW or NS, each half of the time.
func randomDirection(rng *rand.Rand) traffic.Direction {
	return [...]traffic.Direction{EW, NS}[rng.IntN(2)]
}

// maxChanges bounds the changes a simulation records, so that a controller
// that changes far too often fails fast instead of running on.
const maxChanges = 10_000

// simulate drives a new controller for at least length of simulated time
// the way Run does: it delivers Elapsed{NextChange()} when a change is due,
// and presses random buttons at random moments, each after an Elapsed event
// that brings the controller up to that moment. It returns what happened and
// when the simulation stopped, or the first broken promise of the contract
// between NextChange and Handle.
func simulate(rng *rand.Rand, length time.Duration) ([]change, []buttonPress, time.Duration, *violation) {
	var (
		changes []change
		presses []buttonPress
		now     time.Duration
	)
	c := traffic.New()
	if c == nil {
		return nil, nil, 0, violationf(0, "New returned nil (handout: \"1. The controller's state\")")
	}
	record := func(commands []traffic.SetLight) {
		for _, command := range commands {
			changes = append(changes, change{now, command})
		}
	}
	record(c.Current())
	for now < length {
		untilPress := randomWait(rng)
		for {
			next := c.NextChange()
			if next <= 0 {
				return changes, presses, now, violationf(now, "NextChange() returned %v; it must be positive: Handle makes every change that is due (handout: \"1. The controller's state\" and \"2. Time passes\")", next)
			}
			if next > untilPress {
				break
			}
			now, untilPress = now+next, untilPress-next
			commands := c.Handle(traffic.Elapsed{Duration: next})
			if len(commands) == 0 {
				return changes, presses, now, violationf(now, "NextChange() said a change was due in %v, but Handle(Elapsed{%v}) returned no commands (handout: \"2. Time passes\")", next, next)
			}
			record(commands)
			if len(changes) > maxChanges {
				return changes, presses, now, violationf(now, "more than %d changes; the lights change far too often (handout: \"The cycle\")", maxChanges)
			}
		}
		now += untilPress
		if commands := c.Handle(traffic.Elapsed{Duration: untilPress}); len(commands) != 0 {
			return changes, presses, now, violationf(now, "Handle(Elapsed{%v}) returned %v, but NextChange() said the next change was further away (handout: \"2. Time passes\")", untilPress, commands)
		}
		p := buttonPress{now, randomDirection(rng)}
		presses = append(presses, p)
		record(c.Handle(traffic.Press{Direction: p.direction}))
	}
	return changes, presses, now, nil
}

// trace writes the changes and presses up to the moment of v, at most the
// last few, one per line, for a failure message.
func trace(changes []change, presses []buttonPress, v *violation) string {
	const lines = 24
	type line struct {
		at   time.Duration
		text string
	}
	var all []line
	for _, c := range changes {
		all = append(all, line{c.at, c.light.String()})
	}
	for _, p := range presses {
		all = append(all, line{p.at, "button " + p.direction.String() + " pressed"})
	}
	slices.SortStableFunc(all, func(a, b line) int { return cmp.Compare(a.at, b.at) })
	var b strings.Builder
	var shown []line
	for _, l := range all {
		if l.at <= v.at {
			shown = append(shown, l)
		}
	}
	if len(shown) > lines {
		fmt.Fprintf(&b, "\t... %d earlier lines\n", len(shown)-lines)
		shown = shown[len(shown)-lines:]
	}
	for _, l := range shown {
		fmt.Fprintf(&b, "\t%12v  %s\n", l.at, l.text)
	}
	if len(shown) == 0 {
		b.WriteString("\t(nothing)\n")
	}
	return b.String()
}

// TestRandomPressesKeepTheInvariants drives the controller through an hour
// of simulated time with random presses of both buttons, for 200 seeds, and
// checks the whole timeline against the spec ("3. The buttons"): the lights are never
// both green, never go from green straight to red, every yellow lasts
// exactly 5 s, every green at least 15 s and exactly as long as the presses
// say. It also checks the promise of NextChange: nothing changes before it,
// something changes at it. On failure it prints the seed and the end of the
// timeline; the seeds are fixed, so running the test again replays it.
// Handout: "3. The buttons", "The cycle", "The buttons".
func TestRandomPressesKeepTheInvariants(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 2))
		changes, presses, end, v := simulate(rng, time.Hour)
		if v == nil {
			v = checkTimeline(changes, presses, end)
		}
		if v != nil {
			t.Fatalf("seed %d: %v\nthe timeline up to then:\n%s", seed, v, trace(changes, presses, v))
		}
	}
}
