// Command store is the slides' runnable miniature of stage 01's store: a
// map behind a sync.RWMutex, written and read by many goroutines at once.
// Take the locks out and run it again: the runtime will likely stop it with
// "fatal error: concurrent map writes". It uses only the standard library,
// so that present can run it.
package main

import (
	"fmt"
	"sync"
)

// Store is a map that many goroutines may use at once.
type Store struct {
	mu   sync.RWMutex // guards data
	data map[string]string
}

// Get reads under the read lock: many readers at once.
func (s *Store) Get(key string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.data[key]
	return v, ok
}

// Set writes under the write lock: one writer, and no reader, at a time.
func (s *Store) Set(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		s.data = make(map[string]string)
	}
	s.data[key] = value
}

func main() {
	var s Store
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() { // Go 1.25: Add, go, Done in one call
			for i := range 1000 {
				s.Set(fmt.Sprintf("%d/%d", g, i), fmt.Sprint(i))
				s.Set("shared", fmt.Sprint(g)) // every goroutine writes this one
				s.Get("shared")
			}
		})
	}
	wg.Wait()
	last, _ := s.Get("shared")
	fmt.Printf("%d keys; the last writer of \"shared\" was goroutine %s\n", len(s.data), last)
}
