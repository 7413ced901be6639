// Command workshop is the course's tool for learners and maintainers: the
// progress board, a stage's check, hint, diff and reset, and for maintainers
// gen (regenerate the stubs) and verify (everything CI checks).
//
// Run it from anywhere inside the course with `go run ./cmd/workshop` (or
// the path to cmd/workshop from where you are); `help` lists the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"raftgo/internal/course"
	"raftgo/internal/workshop"
)

const usage = `usage: go run ./cmd/workshop [command]

For learners:
  (no command)   the progress board: every stage, its tests passing, what to do next
  check [NN]     run stage NN's tests: the first failure in full with its hint and
                 its TODO, then the other failures, one line each, and the TODOs left
  hint [NN]      only the hint for the first failing test of stage NN, and its next TODO
  diff [NN]      your stage NN against the reference in solutions/
  reset [NN]     start stage NN over: your folder is backed up to .workshop/backup/ first

For maintainers:
  gen [NN...]    regenerate the learner's stages from solutions/ (all, if none is named)
  verify [NN...] every check CI runs; ends with the line "N passed, N failed";
                 with stages named, only their checks (in progress or not)

NN is a stage's number (4 or 04) or folder (04-log). Inside a stage's folder
(04-log/ or solutions/04-log/), check, hint, diff and reset take its stage
when NN is left out.
Exit status: 0 on success, 1 when tests or checks fail or a command fails,
2 on a usage error.
`

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command that args name and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("workshop", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	ok, err := dispatch(ctx, flags.Args(), stdout)
	var bad usageError
	switch {
	case errors.As(err, &bad):
		fmt.Fprintf(stderr, "workshop: %v\n\n%s", err, usage)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "workshop: %v\n", err)
		return exitFailed
	case !ok:
		return exitFailed
	}
	return exitOK
}

// dispatch runs one command. It reports false when the command ran but what
// it checked failed.
func dispatch(ctx context.Context, args []string, stdout io.Writer) (bool, error) {
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" {
		fmt.Fprint(stdout, usage)
		return true, nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return false, err
	}
	root, err := course.FindRoot(cwd)
	if err != nil {
		return false, err
	}
	w := workshop.New(root, stdout)
	w.Color = colorful(stdout)
	if w.Cwd, err = filepath.Rel(root, cwd); err != nil {
		return false, err
	}
	switch cmd {
	case "":
		if len(args) > 0 {
			return false, badUsage("unexpected arguments: %q", args)
		}
		w.Board(ctx)
		return true, nil
	case "check", "hint", "diff", "reset":
		s, err := oneStage(w, cmd, args)
		if err != nil {
			return false, err
		}
		return stageCommand(ctx, w, cmd, s)
	case "gen":
		stages := w.Stages
		if len(args) > 0 {
			stages = nil
			for _, name := range args {
				s, err := w.Stage(name)
				if err != nil {
					return false, badUsage("%v", err)
				}
				stages = append(stages, s)
			}
		}
		return true, w.Gen(stages)
	case "verify":
		var stages []course.Stage
		for _, name := range args {
			s, err := w.Stage(name)
			if err != nil {
				return false, badUsage("%v", err)
			}
			stages = append(stages, s)
		}
		return w.Verify(ctx, stages...), nil
	}
	return false, badUsage("unknown command %q", cmd)
}

// stageCommand runs one of the commands that work on a single stage.
func stageCommand(ctx context.Context, w *workshop.Workshop, cmd string, s course.Stage) (bool, error) {
	switch cmd {
	case "check":
		return w.Check(ctx, s)
	case "hint":
		return true, w.Hint(ctx, s)
	case "diff":
		return true, w.Diff(s)
	}
	_, err := w.Reset(s)
	return err == nil, err
}

// oneStage returns the stage named by the only argument of cmd or, with no
// argument, the stage of the current folder.
func oneStage(w *workshop.Workshop, cmd string, args []string) (course.Stage, error) {
	switch len(args) {
	case 0:
		if s, ok := w.StageHere(); ok {
			return s, nil
		}
		return course.Stage{}, badUsage("%s needs a stage: name one, as in %s 04, or run it inside a stage's folder, such as 04-log/", cmd, cmd)
	case 1:
		s, err := w.Stage(args[0])
		if err != nil {
			return course.Stage{}, badUsage("%v", err)
		}
		return s, nil
	}
	return course.Stage{}, badUsage("%s takes one stage, such as %s 04", cmd, cmd)
}

// A usageError is a mistake in how the command was called; run reports it
// with the usage text.
type usageError string

func (e usageError) Error() string { return string(e) }

// badUsage returns a usageError with a formatted message.
func badUsage(format string, args ...any) error {
	return usageError(fmt.Sprintf(format, args...))
}

// colorful reports whether output goes to a terminal that wants colour: a
// character device, and the NO_COLOR convention (no-color.org) not set.
func colorful(out io.Writer) bool {
	f, ok := out.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
