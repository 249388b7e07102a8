package store_test

import (
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"sakimori/internal/store"
)

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Ids are UUIDv7 and strictly increasing, also many within one millisecond,
// so "ORDER BY id" is creation order (newest-first lists rely on it).
func TestNewIDOrdered(t *testing.T) {
	prev := ""
	seen := map[string]bool{}
	for range 20000 {
		id := store.NewID()
		if !uuidV7.MatchString(id) {
			t.Fatalf("%q is not a UUIDv7", id)
		}
		if id <= prev || seen[id] {
			t.Fatalf("%q after %q", id, prev)
		}
		seen[id] = true
		prev = id
	}
	// The timestamp is the creation time in milliseconds.
	ms, _ := strconv.ParseInt(prev[0:8]+prev[9:13], 16, 64)
	if d := time.Since(time.UnixMilli(ms)); d < -time.Second || d > time.Minute {
		t.Errorf("timestamp of %q is %v off", prev, d)
	}
}

func TestNewIDConcurrent(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			prev := ""
			for range 2000 {
				id := store.NewID()
				if id <= prev {
					t.Errorf("%q after %q in one goroutine", id, prev)
					return
				}
				prev = id
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate %q", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
