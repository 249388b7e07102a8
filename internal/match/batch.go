package match

// Batch gathers observables from many log records so that they are looked
// up together (Matcher.LookupBatch overlaps their cache misses): a scanner
// adds each record's observables, which it may reuse at once (their values
// are copied), and flushes when Add says the batch is full and at the end.
// Hits come back in the order the observables were added.
type Batch struct {
	m     *Matcher
	obs   []Observable
	tags  []int32
	arena []byte
	hits  []Hit
}

// BatchSize is how many observables a Batch holds before it must be
// flushed.
const BatchSize = 256

// NewBatch returns an empty batch over m.
func NewBatch(m *Matcher) *Batch {
	return &Batch{m: m, obs: make([]Observable, 0, BatchSize), tags: make([]int32, 0, BatchSize),
		arena: make([]byte, 0, 64*BatchSize), hits: make([]Hit, BatchSize)}
}

// Len is the number of observables waiting.
func (b *Batch) Len() int { return len(b.obs) }

// Add copies o into the batch with the caller's tag (to find what it came
// from when it matches) and reports whether the batch is now full.
func (b *Batch) Add(o *Observable, tag int32) (full bool) {
	if cap(b.arena)-len(b.arena) < len(o.Value) {
		// The arena is reallocated: re-point the waiting values.
		old := b.arena
		b.arena = make([]byte, len(old), 2*cap(old)+len(o.Value))
		copy(b.arena, old)
		off := 0
		for i := range b.obs {
			n := len(b.obs[i].Value)
			b.obs[i].Value = b.arena[off : off+n : off+n]
			off += n
		}
	}
	start := len(b.arena)
	b.arena = append(b.arena, o.Value...)
	b.obs = append(b.obs, Observable{Kind: o.Kind, Value: b.arena[start:len(b.arena):len(b.arena)], Field: o.Field})
	b.tags = append(b.tags, tag)
	return len(b.obs) >= BatchSize
}

// Flush looks the waiting observables up, calls fn for each that matched
// (in the order they were added, with its tag), and empties the batch. It
// stops at fn's first error, and the batch is emptied either way.
func (b *Batch) Flush(fn func(tag int32, o *Observable, h Hit) error) error {
	defer func() { b.obs, b.tags, b.arena = b.obs[:0], b.tags[:0], b.arena[:0] }()
	if len(b.obs) == 0 {
		return nil
	}
	hits := b.hits[:len(b.obs)]
	for lo := 0; lo < len(b.obs); lo += 64 {
		hi := min(lo+64, len(b.obs))
		if b.m.LookupBatch(b.obs[lo:hi], hits[lo:hi]) == 0 {
			continue
		}
		for i := lo; i < hi; i++ {
			if hits[i].Set == nil {
				continue
			}
			if err := fn(b.tags[i], &b.obs[i], hits[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
