// Command workshop is the course's tool for learners and maintainers.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"raftgo/internal/course"
	"raftgo/internal/stubgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "workshop:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	root, err := course.FindRoot(".")
	if err != nil {
		return err
	}
	if len(args) == 0 || args[0] != "gen" {
		return fmt.Errorf("usage: workshop gen [stage...]")
	}
	stages := course.Stages
	if len(args) > 1 {
		stages = nil
		for _, name := range args[1:] {
			s, err := course.Find(name)
			if err != nil {
				return err
			}
			stages = append(stages, s)
		}
	}
	for _, s := range stages {
		ref := filepath.Join(root, s.ReferenceDir())
		if _, err := os.Stat(ref); err != nil {
			continue
		}
		files, err := stubgen.Generate(os.DirFS(ref), s.Generator())
		if err != nil {
			return err
		}
		if err := stubgen.WriteStage(filepath.Join(root, s.Dir), files); err != nil {
			return err
		}
		fmt.Printf("generated %s from %s\n", s.Dir, s.ReferenceDir())
	}
	return nil
}
