package kvserver

import (
	"maps"
	"sync"
)

// A Store maps keys to values. It is safe for concurrent use by many
// goroutines, and its zero value is an empty store ready to use.
//
// Keys and values are strings. A Go string holds any bytes, not only UTF-8
// text, so the store is binary-safe as Redis is. And a string is immutable:
// a value that Get hands out can never change under its reader, and a caller
// cannot change a stored value by reusing the slice it was read into. With
// []byte the store would have to copy on every Set and every Get to give the
// same guarantee.
type Store struct {
	mu   sync.RWMutex      // guards data
	data map[string]string // nil until the first Set or Restore
}

// Get returns the value stored under key, and whether there is one.
func (s *Store) Get(key string) (value string, ok bool) {
	//workshop:todo Look the key up while holding the read lock, so that
	//workshop:todo many readers can run at once (handout: "1. The store").
	s.mu.RLock()
	defer s.mu.RUnlock()
	value, ok = s.data[key]
	return value, ok
	//workshop:stub return "", false
	//workshop:end
}

// Set stores value under key, replacing any value it had.
func (s *Store) Set(key, value string) {
	//workshop:todo Store the value while holding the write lock. The zero
	//workshop:todo Store has a nil map: make it on the first Set
	//workshop:todo (handout: "1. The store").
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		s.data = make(map[string]string)
	}
	s.data[key] = value
	//workshop:end
}

// Delete removes the given keys and returns how many of them existed. A key
// named twice is removed, and counted, once.
func (s *Store) Delete(keys ...string) int {
	//workshop:todo Delete every key under one write lock and count the ones
	//workshop:todo that were there (handout: "1. The store").
	s.mu.Lock()
	defer s.mu.Unlock()
	removed := 0
	for _, key := range keys {
		if _, ok := s.data[key]; ok {
			delete(s.data, key)
			removed++
		}
	}
	return removed
	//workshop:stub return 0
	//workshop:end
}

// Exists returns how many of the given keys exist. As in Redis, a key named
// twice is counted twice.
func (s *Store) Exists(keys ...string) int {
	//workshop:todo Count the keys that are present, under the read lock
	//workshop:todo (handout: "1. The store").
	s.mu.RLock()
	defer s.mu.RUnlock()
	found := 0
	for _, key := range keys {
		if _, ok := s.data[key]; ok {
			found++
		}
	}
	return found
	//workshop:stub return 0
	//workshop:end
}

// Snapshot returns a copy of every key and value in the store. Later stages
// snapshot the replicated state machine with it.
func (s *Store) Snapshot() map[string]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return maps.Clone(s.data)
}

// Restore replaces the whole content of the store with a copy of data, as
// when a node installs a snapshot.
func (s *Store) Restore(data map[string]string) {
	data = maps.Clone(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = data
}
