package workshop

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"raftgo/internal/course"
	"raftgo/internal/gotest"
	"raftgo/internal/stubgen"
)

// A region is one marked region of a reference file.
type region struct {
	file  string // relative to the course root
	index int    // the region's number within its file, from 0
	stubgen.Region
}

// checkRegions proves that every TODO is tested. For each marked region on
// its own, it runs the reference's tests with just that region replaced by
// its stub, and some test must fail: a region no test needs is a TODO whose
// work a learner could skip with every test green. A region whose stub alone
// does not compile declares something other regions use (a helper, a
// field), and is tested through them. The tree is left untouched: the
// stubbed file reaches the compiler through go test -overlay.
func (w *Workshop) checkRegions(ctx context.Context, s course.Stage) result {
	name := s.Dir + " every TODO is tested"
	start := time.Now()
	regions, err := w.regions(s)
	if err != nil {
		return fail(name, err.Error())
	}
	tmp, err := os.MkdirTemp("", "workshop-regions-")
	if err != nil {
		return fail(name, err.Error())
	}
	defer os.RemoveAll(tmp)

	var problems []string
	needed := 0 // regions whose code other regions use
	for i, r := range regions {
		overlay, err := w.writeOverlay(tmp, i, r)
		if err != nil {
			return fail(name, err.Error())
		}
		run, err := w.runTests(ctx, s.ReferenceDir(), stubTimeout, "-count=1", "-failfast", "-overlay="+overlay)
		if err != nil {
			return fail(name, firstLine(err.Error()))
		}
		switch {
		case len(run.buildErrors()) > 0:
			// Other regions use what this one declares (a helper, a field),
			// so its code is tested through theirs.
			needed++
		case !anyFailed(run.report):
			problems = append(problems, fmt.Sprintf("%s:%d: %s\n    every test passes with only this region stubbed", r.file, r.Line, summary(r.Todo)))
		}
	}
	took := since(start)
	if len(problems) > 0 {
		r := fail(name, plural(len(problems), "region")+" no test needs (of "+plural(len(regions), "region")+")", problems...)
		r.note = took
		return r
	}
	note := plural(len(regions), "region")
	if needed > 0 {
		note += fmt.Sprintf(", %d used by the others", needed)
	}
	return pass(name, note+", "+took)
}

// regions lists the marked regions of a stage's reference, file by file.
func (w *Workshop) regions(s course.Stage) ([]region, error) {
	var regions []region
	err := filepath.WalkDir(w.path(s.ReferenceDir()), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(w.Root, path)
		if err != nil {
			return err
		}
		found, err := stubgen.Regions(filepath.ToSlash(rel), src)
		if err != nil {
			return err
		}
		for i, r := range found {
			regions = append(regions, region{file: filepath.ToSlash(rel), index: i, Region: r})
		}
		return nil
	})
	return regions, err
}

// writeOverlay writes the reference file of region r with only r stubbed,
// and the overlay file that puts it in place of the reference file for the
// go command. It returns the overlay file's path.
func (w *Workshop) writeOverlay(dir string, n int, r region) (string, error) {
	ref := w.path(filepath.FromSlash(r.file))
	src, err := os.ReadFile(ref)
	if err != nil {
		return "", err
	}
	stubbed, err := stubgen.StubOne(r.file, src, r.index)
	if err != nil {
		return "", err
	}
	replacement := filepath.Join(dir, fmt.Sprintf("region%d.go", n))
	if err := os.WriteFile(replacement, stubbed, 0o644); err != nil {
		return "", err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {ref: replacement}})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("region%d.json", n))
	return path, os.WriteFile(path, overlay, 0o644)
}

// anyFailed reports whether a test failed or never finished (a crash or a
// time-out also shows that the tests noticed).
func anyFailed(r *gotest.Report) bool {
	for _, t := range r.Tests {
		if t.Status == gotest.Fail || t.Status == gotest.Missing {
			return true
		}
	}
	return false
}
