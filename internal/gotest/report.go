package gotest

import "strings"

// Status is the outcome of a test.
type Status int

const (
	// Missing means that the test reported no outcome: its package did not
	// build, or the test binary stopped (a panic, a timeout, os.Exit) before
	// the test ended or began.
	Missing Status = iota
	Pass
	Fail
	Skip
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	case Skip:
		return "skip"
	}
	return "missing"
}

// An ID names a test: its package's import path and its name.
type ID struct {
	Package string
	Name    string
}

// A Test is the outcome of one test, example or fuzz target, or of one of
// their subtests.
type Test struct {
	ID
	Status Status
	// Output holds the lines the test printed, without their newlines and
	// without the lines of its subtests.
	Output   []string
	Subtests []*Test
	// Panicked reports that the test binary panicked while this test (or
	// one of its subtests) ran; set on top-level tests only.
	Panicked bool
	// TimedOut reports that the test binary reached its -timeout while this
	// test (or one of its subtests) ran; set on top-level tests only.
	TimedOut bool
}

// A Package is the outcome of one package's test binary.
type Package struct {
	Path   string
	Status Status // Skip when the package has no test files
	// BuildOutput holds the compiler's (or vet's) messages when the package
	// or its test did not build.
	BuildOutput []string
	// Output holds the lines the binary printed outside any test, such as
	// the final "FAIL" line or a panic in TestMain.
	Output []string
	// Panicked and TimedOut report that the test binary panicked or reached
	// its -timeout, inside a test or outside any.
	Panicked, TimedOut bool
}

// BuildFailed reports whether the package or its test did not build.
func (p *Package) BuildFailed() bool { return len(p.BuildOutput) > 0 }

// CompilerMessages returns the build output of a package that did not
// build without the "# package" lines that head it, such as
// "./log.go:12:2: undefined: x".
func (p *Package) CompilerMessages() []string {
	var msgs []string
	for _, line := range p.BuildOutput {
		if line != "" && !strings.HasPrefix(line, "#") {
			msgs = append(msgs, line)
		}
	}
	return msgs
}

// A Report is the outcome of one go test run over one or more packages.
type Report struct {
	// Packages are in the order go test reported them.
	Packages []*Package
	// Tests are the top-level tests, in the order they started, or in the
	// order given to Expect.
	Tests []*Test
	// Output holds what go test printed outside any package, such as a
	// line that was not a JSON event.
	Output []string

	packages map[string]*Package
	tests    map[ID]*Test // every test and subtest
}

// Summarize builds a report from the events of a `go test -json` run.
func Summarize(events []Event) *Report {
	r := &Report{packages: make(map[string]*Package), tests: make(map[ID]*Test)}
	buildOutput := make(map[string][]string) // by the build's ImportPath
	for _, e := range events {
		switch {
		case e.Action == "build-output":
			buildOutput[e.ImportPath] = append(buildOutput[e.ImportPath], lines(e.Output)...)
		case e.Action == "build-fail":
			// The package's fail event follows and names the failed build.
		case e.Package == "":
			if e.Action == "output" {
				r.Output = append(r.Output, lines(e.Output)...)
			}
		case e.Test == "":
			r.pkg(e.Package).record(e, buildOutput)
		default:
			r.testEvent(r.pkg(e.Package), e)
		}
	}
	return r
}

// pkg returns the package with the given import path, adding it to the
// report when it is new.
func (r *Report) pkg(path string) *Package {
	p := r.packages[path]
	if p == nil {
		p = &Package{Path: path}
		r.packages[path] = p
		r.Packages = append(r.Packages, p)
	}
	return p
}

// record records an event of the package as a whole. The build output of
// failed builds is looked up by the builds' import paths.
func (p *Package) record(e Event, buildOutput map[string][]string) {
	switch e.Action {
	case "output":
		for _, line := range lines(e.Output) {
			p.Output = append(p.Output, line)
			panicked, timedOut := crash(line)
			p.Panicked = p.Panicked || panicked
			p.TimedOut = p.TimedOut || timedOut
		}
	case "pass", "fail", "skip":
		p.Status = status(e.Action)
		if e.FailedBuild != "" {
			p.BuildOutput = buildOutput[e.FailedBuild]
			if len(p.BuildOutput) == 0 {
				p.BuildOutput = []string{e.FailedBuild + ": build failed"}
			}
		}
	}
}

// testEvent records an event of a test or subtest of package p.
func (r *Report) testEvent(p *Package, e Event) {
	id := ID{e.Package, e.Test}
	t := r.tests[id]
	if t == nil {
		t = &Test{ID: id}
		r.tests[id] = t
		if parent := r.parent(id); parent != nil {
			parent.Subtests = append(parent.Subtests, t)
		} else {
			r.Tests = append(r.Tests, t)
		}
	}
	switch e.Action {
	case "output":
		top := r.top(id)
		for _, line := range lines(e.Output) {
			t.Output = append(t.Output, line)
			panicked, timedOut := crash(line)
			p.Panicked, top.Panicked = p.Panicked || panicked, top.Panicked || panicked
			p.TimedOut, top.TimedOut = p.TimedOut || timedOut, top.TimedOut || timedOut
		}
	case "pass", "fail", "skip":
		t.Status = status(e.Action)
	}
}

// crash reports whether an output line starts the message of a test binary
// that panicked, or of one that reached its -timeout (which the testing
// package reports as a panic too).
func crash(line string) (panicked, timedOut bool) {
	if strings.HasPrefix(line, "panic: test timed out after ") {
		return false, true
	}
	return strings.HasPrefix(line, "panic: "), false
}

// parent returns the test that id is a subtest of, or nil for a top-level
// test. Subtest names may themselves contain slashes, so the longest known
// prefix wins.
func (r *Report) parent(id ID) *Test {
	name := id.Name
	for {
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return nil
		}
		name = name[:i]
		if t := r.tests[ID{id.Package, name}]; t != nil {
			return t
		}
	}
}

// top returns the top-level test that id belongs to.
func (r *Report) top(id ID) *Test {
	t := r.tests[id]
	for p := r.parent(id); p != nil; p = r.parent(p.ID) {
		t = p
	}
	return t
}

// Expect lists the tests that the run should have reported, in the order go
// test runs them. Afterwards Tests holds them in that order, with the status
// Missing for those without a result, followed by any reported test that was
// not expected.
func (r *Report) Expect(ids []ID) {
	tests := make([]*Test, 0, len(ids)+len(r.Tests))
	seen := make(map[ID]bool)
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		t := r.tests[id]
		if t == nil {
			t = &Test{ID: id}
			r.tests[id] = t
		}
		tests = append(tests, t)
	}
	for _, t := range r.Tests {
		if !seen[t.ID] {
			tests = append(tests, t)
		}
	}
	r.Tests = tests
}

// Passed returns how many top-level tests passed.
func (r *Report) Passed() int {
	n := 0
	for _, t := range r.Tests {
		if t.Status == Pass {
			n++
		}
	}
	return n
}

// BuildFailures returns the packages that did not build.
func (r *Report) BuildFailures() []*Package {
	var failed []*Package
	for _, p := range r.Packages {
		if p.BuildFailed() {
			failed = append(failed, p)
		}
	}
	return failed
}

// status converts a test2json action to a Status.
func status(action string) Status {
	switch action {
	case "pass":
		return Pass
	case "fail":
		return Fail
	case "skip":
		return Skip
	}
	return Missing
}

// lines splits output into lines without their newlines.
func lines(output string) []string {
	return strings.Split(strings.TrimSuffix(output, "\n"), "\n")
}
