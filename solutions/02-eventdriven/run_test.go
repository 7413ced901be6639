package traffic_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	traffic "raftgo/solutions/02-eventdriven"
)

// The tests of Run run inside synctest bubbles: time.Now, timers and
// time.Sleep use a fake clock that jumps ahead whenever every goroutine of
// the bubble is blocked, so minutes of traffic take microseconds and every
// timing is exact.

// A recorder is a fake Lights that records every command with the time it
// arrived.
type recorder struct {
	start time.Time

	mu      sync.Mutex
	changes []change
}

func (r *recorder) Set(command traffic.SetLight) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, change{time.Since(r.start), command})
	return nil
}

// recorded returns a copy of the commands recorded so far.
func (r *recorder) recorded() []change {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]change(nil), r.changes...)
}

// A runner is a call of Run in a goroutine of the test's bubble, with the
// button channel and context that control it.
type runner struct {
	t       *testing.T
	start   time.Time
	buttons chan traffic.Direction
	cancel  context.CancelFunc
	done    chan error // receives Run's result
}

// startRun calls Run with lights in a new goroutine and waits until it
// blocks. It must be called inside a synctest bubble.
func startRun(t *testing.T, lights traffic.Lights) *runner {
	ctx, cancel := context.WithCancel(t.Context())
	r := &runner{
		t:       t,
		start:   time.Now(),
		buttons: make(chan traffic.Direction),
		cancel:  cancel,
		done:    make(chan error, 1),
	}
	go func() { r.done <- traffic.Run(ctx, r.buttons, lights) }()
	synctest.Wait()
	return r
}

// now returns the time since Run started.
func (r *runner) now() time.Duration { return time.Since(r.start) }

// sleepUntil lets the fake clock run until at after Run started, then waits
// until Run is blocked again, and checks that it is still running.
func (r *runner) sleepUntil(at time.Duration) {
	r.t.Helper()
	time.Sleep(at - r.now())
	synctest.Wait()
	r.requireRunning()
}

// requireRunning fails the test if Run has returned.
func (r *runner) requireRunning() {
	r.t.Helper()
	select {
	case err := <-r.done:
		r.t.Fatalf("by %v, Run had returned, with error %v, though its context was not cancelled; it must loop until ctx is done (handout: \"4. The event loop\")", r.now(), err)
	default:
	}
}

// press hands a press to Run, which must be waiting for one.
func (r *runner) press(d traffic.Direction) {
	r.t.Helper()
	r.requireRunning()
	select {
	case r.buttons <- d:
	default:
		r.t.Fatalf("at %v: Run was not waiting for a button press; its select must have a case for the buttons channel (handout: \"The event loop\")", r.now())
	}
	synctest.Wait()
}

// stop cancels Run's context and returns Run's result, failing the test if
// Run does not return at once.
func (r *runner) stop() error {
	r.t.Helper()
	r.cancel()
	synctest.Wait()
	select {
	case err := <-r.done:
		return err
	default:
		r.t.Fatalf("at %v: Run did not return when its context was cancelled; its select must have a case for ctx.Done() (handout: \"The event loop\")", r.now())
		return nil
	}
}

// timeline writes changes one per line with the time in seconds, such as
// "95s NS YELLOW", so that a failure shows a readable diff.
func timeline(changes []change) string {
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "%vs %v\n", c.at.Seconds(), c.light)
	}
	return b.String()
}

// requireController fails the test at once when the controller is not
// finished yet. Run drives the controller, so its tests cannot pass before
// the controller's do, and a NextChange that returns zero would make even a
// correct Run spin forever at one instant of fake time.
func requireController(t *testing.T) {
	t.Helper()
	_, _, _, v := simulate(rand.New(rand.NewPCG(1, 2)), 10*time.Minute)
	if v != nil {
		t.Fatalf("Run drives the Controller, which is not finished yet (%v); make the controller's tests pass first (handout: \"1. The controller's state\" to \"3. The buttons\")", v)
	}
}

// TestRunSetsLightsOnSchedule runs the event loop for four minutes of fake
// time with nobody pressing a button ("4. The event loop"). Run must show the starting
// colours at once (NS red, EW green), then make every change of the cycle
// at exactly the right moment: EW yellow at 30 s, EW red and NS green at
// 35 s, NS yellow at 1m35s, and so on. Start a timer for NextChange, wait
// for it in a select, hand the controller the time that has passed, send
// the commands, reset the timer. Handout: "4. The event loop", "The event loop".
func TestRunSetsLightsOnSchedule(t *testing.T) {
	requireController(t)
	synctest.Test(t, func(t *testing.T) {
		lights := &recorder{start: time.Now()}
		r := startRun(t, lights)
		r.sleepUntil(250 * s)
		require.NoError(t, ignoreCanceled(r.stop()), "Run's result when its context is cancelled (handout: \"4. The event loop\")")
		want := `0s NS RED
0s EW GREEN
30s EW YELLOW
35s EW RED
35s NS GREEN
95s NS YELLOW
100s NS RED
100s EW GREEN
130s EW YELLOW
135s EW RED
135s NS GREEN
195s NS YELLOW
200s NS RED
200s EW GREEN
230s EW YELLOW
235s EW RED
235s NS GREEN
`
		require.Equal(t, want, timeline(lights.recorded()),
			"the commands Run sent in 250 s, with the time each arrived (handout: \"The cycle\", \"The event loop\")")
	})
}

// ignoreCanceled returns nil for context.Canceled, the error Run returns
// when its context is cancelled, and err otherwise.
func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// TestRunHandlesPresses runs the event loop with button presses at chosen
// moments ("4. The event loop") and checks the exact time of every command. A press is
// judged at the moment it arrives, not at the next timer: a press 30.5 s
// into NS's green turns it yellow at that instant. So when a button wakes
// the loop, first hand the controller the time that has passed, then the
// press, and reset the timer to the new NextChange. Handout: "4. The event loop", "The event loop", "The buttons".
func TestRunHandlesPresses(t *testing.T) {
	requireController(t)
	synctest.Test(t, func(t *testing.T) {
		lights := &recorder{start: time.Now()}
		r := startRun(t, lights)
		script := []struct {
			at time.Duration
			d  traffic.Direction
		}{
			{5 * s, EW},                  // EW green since 0 s: yellow at 15 s
			{50*s + s/2, NS},             // NS green since 20 s, for 30.5 s: yellow at once
			{60 * s, NS},                 // NS red: ignored
			{62 * s, EW},                 // EW green since 55.5 s: yellow at 70.5 s
			{73 * s, EW},                 // EW yellow: ignored
			{145 * s, EW}, {150 * s, EW}, // EW green since 140.5 s: yellow at 155.5 s
		}
		for _, p := range script {
			r.sleepUntil(p.at)
			r.press(p.d)
		}
		r.sleepUntil(200 * s)
		require.NoError(t, ignoreCanceled(r.stop()), "Run's result when its context is cancelled (handout: \"4. The event loop\")")
		want := `0s NS RED
0s EW GREEN
15s EW YELLOW
20s EW RED
20s NS GREEN
50.5s NS YELLOW
55.5s NS RED
55.5s EW GREEN
70.5s EW YELLOW
75.5s EW RED
75.5s NS GREEN
135.5s NS YELLOW
140.5s NS RED
140.5s EW GREEN
155.5s EW YELLOW
160.5s EW RED
160.5s NS GREEN
`
		require.Equal(t, want, timeline(lights.recorded()),
			"the commands Run sent, with the time each arrived, for presses of EW at 5 s, NS at 50.5 s and 60 s, EW at 62 s, 73 s, 145 s and 150 s (handout: \"The buttons\", \"The event loop\")")
	})
}

// TestRunStopsWhenContextIsDone checks that Run runs until its context is
// cancelled, then returns at once with ctx.Err() and sends nothing more
// ("4. The event loop"). Give the select a case for ctx.Done(). Handout: "4. The event loop", "The event loop".
func TestRunStopsWhenContextIsDone(t *testing.T) {
	requireController(t)
	synctest.Test(t, func(t *testing.T) {
		lights := &recorder{start: time.Now()}
		r := startRun(t, lights)
		r.sleepUntil(42 * s)
		err := r.stop()
		require.ErrorIs(t, err, context.Canceled, "Run must return ctx.Err() when its context is cancelled (handout: \"4. The event loop\")")
		sent := len(lights.recorded())
		require.Equal(t, 5, sent, "Run must have sent the starting colours and the changes at 30 s and 35 s before it was stopped at 42 s (handout: \"The event loop\")")
		time.Sleep(10 * time.Minute)
		require.Len(t, lights.recorded(), sent, "Run sent commands after it returned; it must stop everything it started before returning (handout: \"The event loop\")")
	})
}

// errBroken is the error of a light that cannot be set.
var errBroken = errors.New("lamp broken")

// brokenLights fails on its failAt-th call of Set (counting from 1).
type brokenLights struct {
	mu     sync.Mutex
	calls  int
	failAt int
}

func (b *brokenLights) Set(traffic.SetLight) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	if b.calls == b.failAt {
		return errBroken
	}
	return nil
}

// TestRunReturnsLightsError checks that Run stops and returns the error
// when the lights fail, whether at the start or on a later change, and that
// it returns an error that wraps the lights' error, so that the caller can
// tell what went wrong with errors.Is ("4. The event loop"). A traffic controller that
// cannot show its colours must not carry on as if it could. Handout: "4. The event loop".
func TestRunReturnsLightsError(t *testing.T) {
	requireController(t)
	for _, failAt := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("Set fails on call %d", failAt), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				lights := &brokenLights{failAt: failAt}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				done := make(chan error, 1)
				go func() { done <- traffic.Run(ctx, nil, lights) }()
				time.Sleep(time.Minute)
				synctest.Wait()
				select {
				case err := <-done:
					require.ErrorIs(t, err, errBroken, "Run's error when Lights.Set fails on call %d must wrap the Set error (handout: \"4. The event loop\")", failAt)
					require.Equal(t, failAt, lights.calls, "Run must stop at the first failed Set")
				default:
					cancel()
					synctest.Wait()
					t.Fatalf("Lights.Set failed on call %d, but Run was still running a minute later; it must return the error (handout: \"4. The event loop\")", failAt)
				}
			})
		})
	}
}

// TestRunRandomPressesKeepTheInvariants runs the event loop for half an hour
// of fake time with random presses of both buttons at random moments, for 20
// seeds, and checks the timeline of commands against the spec: never both
// green, never green straight to red, yellow exactly 5 s, every green at
// least 15 s and exactly as long as the presses say ("4. The event loop"). On failure it
// prints the seed and the end of the timeline; the seeds are fixed, so
// running the test again replays it. Handout: "4. The event loop", "The buttons".
func TestRunRandomPressesKeepTheInvariants(t *testing.T) {
	requireController(t)
	for seed := range uint64(20) {
		synctest.Test(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 4))
			lights := &recorder{start: time.Now()}
			r := startRun(t, lights)
			var presses []buttonPress
			for r.now() < 30*time.Minute {
				r.sleepUntil(r.now() + randomWait(rng))
				p := buttonPress{r.now(), randomDirection(rng)}
				r.press(p.direction)
				presses = append(presses, p)
			}
			end := r.now()
			require.NoError(t, ignoreCanceled(r.stop()), "Run's result when its context is cancelled (handout: \"4. The event loop\")")
			changes := lights.recorded()
			if v := checkTimeline(changes, presses, end); v != nil {
				t.Fatalf("seed %d: %v\nthe timeline up to then:\n%s", seed, v, trace(changes, presses, v))
			}
		})
	}
}
