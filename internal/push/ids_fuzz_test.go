package push

import (
	"testing"
)

// FuzzEventID: any text given back as an event id either is refused or
// is exactly the id of the seq it decodes to (no two texts name one event,
// nothing panics), and ids of seqs round-trip.
func FuzzEventID(f *testing.F) {
	c, err := newIDCodec([]byte("0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.encode(1), int64(1))
	f.Add(c.encode(1<<40), int64(1<<40))
	f.Add("0", int64(0))
	f.Add("AAAAAAAAAAAAAAAAAAAAAA", int64(-1))
	f.Add("AAAAAAAAAAAAAAAAAAAAAB", int64(9223372036854775807))
	f.Fuzz(func(t *testing.T, id string, seq int64) {
		if got, ok := c.decode(id); ok {
			if got < 0 || c.encode(got) != id {
				t.Fatalf("%q decodes to %d, whose id is %q", id, got, c.encode(got))
			}
		}
		if seq > 0 {
			got, ok := c.decode(c.encode(seq))
			if !ok || got != seq {
				t.Fatalf("seq %d: %q decodes to %d, %v", seq, c.encode(seq), got, ok)
			}
		}
	})
}
