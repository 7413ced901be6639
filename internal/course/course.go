// Package course describes the course's stages and finds the course root.
package course

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"raftgo/internal/stubgen"
)

// Module is the course's Go module path.
const Module = "raftgo"

// A Stage is one step of the course.
type Stage struct {
	// Dir is the learner's folder, such as "04-log"; the reference is in
	// solutions/<Dir>.
	Dir string
	// Title is the stage's title on the progress board.
	Title string
}

// IntroductionSlides is the deck that opens the course, relative to the
// course root.
const IntroductionSlides = "slides/00-introduction.slide"

// Stages lists the course's stages in order.
var Stages = []Stage{
	{"01-kvserver", "A key-value server"},
	{"02-eventdriven", "Event-driven programming: a traffic light"},
	{"03-planning", "Planning Raft: vocabulary and codec"},
	{"04-log", "The log"},
	{"05-replication", "Log replication"},
	{"06-consensus", "Consensus: the commit rule"},
	{"07-election", "Leader election"},
	{"08-testing", "Behavioural tests and invariants"},
	{"09-simulation", "Deterministic simulation"},
	{"10-system", "The system"},
	{"11-rest", "The rest of Raft"},
}

// Number is the stage's two-digit number, such as "04".
func (s Stage) Number() string { return s.Dir[:2] }

// ReferenceDir is the stage's reference folder, relative to the course root.
func (s Stage) ReferenceDir() string { return filepath.Join("solutions", s.Dir) }

// Slides is the stage's slide deck, relative to the course root.
func (s Stage) Slides() string { return filepath.Join("slides", s.Dir+".slide") }

// InProgress is the file whose presence in a stage's reference folder marks
// the stage as still being written, relative to the course root. Verify
// skips such a stage unless it is named (verify 10), and the progress board
// shows it as in preparation, so that unfinished work can be committed
// without making the course's checks fail.
func (s Stage) InProgress() string { return filepath.Join(s.ReferenceDir(), InProgressFile) }

// InProgressFile is the name of the file that marks a stage as unfinished.
const InProgressFile = "IN-PROGRESS"

// Handout is the learner's handout, relative to the course root.
func (s Stage) Handout() string { return filepath.Join(s.Dir, "README.md") }

// Generator names the stage for the stub generator.
func (s Stage) Generator() stubgen.Stage { return stubgen.Stage{Module: Module, Name: s.Dir} }

// IgnoredDir reports whether the go command leaves out a folder of this name
// when it matches ./... patterns: testdata, and names that start with "." or
// "_" (such as .workshop, where reset keeps its backups).
func IgnoredDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// Find returns the stage named by a number ("4", "04") or a folder name
// ("04-log").
func Find(name string) (Stage, error) {
	name = strings.TrimSuffix(filepath.Base(name), "/")
	if len(name) == 1 {
		name = "0" + name
	}
	for _, s := range Stages {
		if name == s.Dir || name == s.Number() {
			return s, nil
		}
	}
	return Stage{}, fmt.Errorf("no stage %q: name one by number (01 to %d) or folder (such as %s)", name, len(Stages), Stages[3].Dir)
}

// FindRoot returns the course root: the nearest folder at or above dir whose
// go.mod declares the course module.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module "+Module+"\n") {
			return d, nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside the course: no go.mod for module %s at or above it", dir, Module)
		}
	}
}
