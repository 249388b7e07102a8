package push

import (
	"strings"
	"testing"

	"sakimori/internal/opaque"
)

// FuzzEventID: any text given back as an event id either is refused or
// names a positive seq (0 only for LogStart); nothing panics; ids and
// fresh positions of seqs round-trip.
func FuzzEventID(f *testing.F) {
	oc, err := opaque.New([]byte("0123456789abcdef"), "")
	if err != nil {
		f.Fatal(err)
	}
	c := &idCodec{oc}
	f.Add(c.Encode(1), int64(1))
	f.Add(c.Encode(1<<40), int64(1<<40))
	f.Add("0", int64(0))
	f.Add("AAAAAAAAAAAAAAAAAAAAAA", int64(-1))
	f.Add("AAAAAAAAAAAAAAAAAAAAAB", int64(9223372036854775807))
	f.Fuzz(func(t *testing.T, id string, seq int64) {
		if got, ok := c.Decode(id); ok && (got < 0 || (got == 0) != (strings.TrimSpace(id) == LogStart)) {
			t.Fatalf("%q decodes to %d", id, got)
		}
		if seq > 0 {
			for _, e := range []string{c.Encode(seq), c.Fresh(seq)} {
				if got, ok := c.Decode(e); !ok || got != seq {
					t.Fatalf("seq %d: %q decodes to %d, %v", seq, e, got, ok)
				}
			}
		}
	})
}
