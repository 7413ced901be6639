package kvserver_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftgo/solutions/01-kvserver"
)

// TestStoreGetSet checks Get and Set on a zero Store: a missing key has no
// value, Set stores a value and replaces an old one, and an empty value is a
// value like any other. Keys and values may hold any bytes. Remember that
// the zero Store has a nil map. (Handout: "1. The store".)
func TestStoreGetSet(t *testing.T) {
	var s kvserver.Store

	value, ok := s.Get("k")
	assert.False(t, ok, "Get of a key never set: ok (handout: \"1. The store\")")
	assert.Empty(t, value, "Get of a key never set: value")

	s.Set("k", "v1")
	value, ok = s.Get("k")
	assert.True(t, ok && value == "v1", `Get("k") after Set("k", "v1") = %q, %v; want "v1", true (handout: "1. The store")`, value, ok)

	s.Set("k", "v2")
	value, ok = s.Get("k")
	assert.True(t, ok && value == "v2", `Get("k") after a second Set("k", "v2") = %q, %v; want "v2", true: Set replaces`, value, ok)

	s.Set("empty", "")
	value, ok = s.Get("empty")
	assert.True(t, ok && value == "", `Get("empty") after Set("empty", "") = %q, %v; want "", true: an empty value is still a value`, value, ok)

	binary := "\x00\r\n\xff"
	s.Set(binary, binary)
	value, ok = s.Get(binary)
	assert.True(t, ok && value == binary, "Get of a key made of any bytes = %q, %v; want %q, true", value, ok, binary)
}

// TestStoreDeleteExists checks Delete and Exists. Both take several keys and
// return a count, as Redis's DEL and EXISTS do: Delete counts the keys it
// removed (a key named twice is removed once), Exists counts the keys that
// are there (a key named twice counts twice). (Handout: "1. The store".)
func TestStoreDeleteExists(t *testing.T) {
	var s kvserver.Store
	assert.Zero(t, s.Delete("a"), "Delete on an empty store")
	assert.Zero(t, s.Exists("a"), "Exists on an empty store")

	s.Set("a", "1")
	s.Set("b", "2")
	s.Set("c", "3")
	assert.Equal(t, 3, s.Exists("a", "b", "missing", "a"), `Exists("a", "b", "missing", "a"): a key named twice counts twice (handout: "1. The store")`)
	assert.Equal(t, 2, s.Delete("a", "b", "missing", "a"), `Delete("a", "b", "missing", "a"): only keys that were there count, each once (handout: "1. The store")`)
	assert.Zero(t, s.Exists("a", "b"), "Exists of deleted keys")
	assert.Equal(t, 1, s.Exists("c"), "Exists of the key that was not deleted")
	_, ok := s.Get("a")
	assert.False(t, ok, "Get of a deleted key")
}

// TestStoreConcurrent runs Set, Get, Exists and Delete from many goroutines
// at once, then checks the store holds exactly what they left. Run it with
// -race: every access to the map must hold the mutex, the read lock for
// reads and the write lock for writes. Without the lock the race detector
// reports a data race, or the runtime stops with "concurrent map writes".
// (Handout: "1. The store".)
func TestStoreConcurrent(t *testing.T) {
	const goroutines, keys = 8, 200
	var s kvserver.Store
	want := make(map[string]string)
	for g := range goroutines {
		for i := range keys {
			if i%2 == 0 {
				want[fmt.Sprintf("%d/%d", g, i)] = fmt.Sprint(i)
			}
		}
	}

	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range keys {
				key, value := fmt.Sprintf("%d/%d", g, i), fmt.Sprint(i)
				s.Set(key, value)
				s.Set("shared", key) // every goroutine writes this one
				if got, ok := s.Get(key); !ok || got != value {
					errs <- fmt.Errorf("goroutine %d: Get(%q) = %q, %v right after Set(%q, %q)", g, key, got, ok, key, value)
					return
				}
				s.Get("shared")
				if i%2 == 1 && s.Delete(key) != 1 {
					errs <- fmt.Errorf("goroutine %d: Delete(%q) right after Set did not return 1", g, key)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err, `(handout: "1. The store")`)
	}

	_, ok := s.Get("shared")
	require.True(t, ok, `"shared" was set by every goroutine`)
	s.Delete("shared")
	assert.Equal(t, want, s.Snapshot(), "what the goroutines left in the store: every even key, no odd one (handout: \"1. The store\")")
}

// TestStoreSnapshotRestore checks that Snapshot and Restore (given) copy
// the data, and that the store behaves after a Restore: Get, Exists and
// Delete see the restored keys. (Handout: "1. The store".)
func TestStoreSnapshotRestore(t *testing.T) {
	var s kvserver.Store
	s.Set("a", "1")
	snap := s.Snapshot()
	require.Equal(t, map[string]string{"a": "1"}, snap, "Snapshot after Set(\"a\", \"1\") (handout: \"1. The store\")")
	snap["a"] = "changed"
	value, _ := s.Get("a")
	assert.Equal(t, "1", value, "changing a snapshot must not change the store")

	restored := map[string]string{"x": "10", "y": "20"}
	s.Restore(restored)
	restored["x"] = "changed"
	assert.Equal(t, 2, s.Exists("x", "y", "a"), "Exists after Restore: the restored keys, and nothing from before")
	value, ok := s.Get("x")
	assert.True(t, ok && value == "10", `Get("x") after Restore = %q, %v; want "10", true`, value, ok)
	assert.Equal(t, 1, s.Delete("y"), "Delete of a restored key")
}
