//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package wal

import "io"

// lockDir does nothing on systems without flock(2): there, keeping two
// WALs out of one folder is the caller's job.
func lockDir(dir string) (io.Closer, error) { return nopCloser{}, nil }

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
