package opaque

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
)

var testKey = []byte("0123456789abcdef")

func TestCodec(t *testing.T) {
	ev, err := New(testKey, "")
	if err != nil {
		t.Fatal(err)
	}
	del, _ := New(testKey, "del")
	other, _ := New([]byte("fedcba9876543210"), "")
	seen := map[string]bool{}
	for n := int64(1); n <= 1000; n++ {
		c := ev.Encode(n)
		if len(c) != 22 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" || seen[c] {
			t.Fatalf("Encode(%d) = %q", n, c)
		}
		seen[c] = true
		if got, ok := ev.Decode(c); !ok || got != n {
			t.Fatalf("Decode(Encode(%d)) = %d, %v", n, got, ok)
		}
		// Another purpose or another deployment's key refuses it.
		if got, ok := del.Decode(c); ok {
			t.Fatalf("an event cursor decoded as a deletion cursor: %d", got)
		}
		if got, ok := other.Decode(c); ok {
			t.Fatalf("another deployment decoded %q as %d", c, got)
		}
	}
	for _, tc := range []struct {
		in   string
		n    int64
		want bool
	}{
		{"0", 0, true}, {" 0 ", 0, true}, {"", 0, false}, {"1", 0, false}, {"-1", 0, false},
		{strings.Repeat("A", 22), 0, false}, {ev.Encode(5) + "=", 0, false}, {" " + ev.Encode(5) + "\n", 5, true},
	} {
		if n, ok := ev.Decode(tc.in); ok != tc.want || n != tc.n {
			t.Errorf("Decode(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.want)
		}
	}
	if ev.Encode(0) != Start || ev.Encode(-3) != Start {
		t.Error("Encode of 0 or less is not Start")
	}
	if _, err := New(testKey, "event"); err == nil {
		t.Error("a purpose over 4 bytes accepted")
	}
	// Fresh cursors of one number all differ, and all decode to it.
	fresh := map[string]bool{ev.Encode(77): true}
	for range 100 {
		c := ev.Fresh(77)
		if fresh[c] {
			t.Fatalf("Fresh(77) repeated %q", c)
		}
		fresh[c] = true
		if n, ok := ev.Decode(c); !ok || n != 77 {
			t.Fatalf("Decode(Fresh(77)) = %d, %v", n, ok)
		}
		if _, ok := del.Decode(c); ok {
			t.Fatal("a fresh event cursor decoded as a deletion cursor")
		}
	}
	if ev.Fresh(0) != Start {
		t.Error("Fresh(0) is not Start")
	}
	if _, err := New([]byte("short"), ""); err == nil {
		t.Error("a short key accepted")
	}
}

type memKeys struct {
	mu sync.Mutex
	m  map[string]string
}

func (k *memKeys) MetaInit(_ context.Context, key, value string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if v, ok := k.m[key]; ok {
		return v, nil
	}
	k.m[key] = value
	return value, nil
}

func TestLoadKey(t *testing.T) {
	ks := &memKeys{m: map[string]string{}}
	a, err := LoadKey(context.Background(), ks, KeyMeta)
	if err != nil || len(a) != 16 {
		t.Fatalf("%x, %v", a, err)
	}
	b, err := LoadKey(context.Background(), ks, KeyMeta)
	if err != nil || string(a) != string(b) {
		t.Fatalf("the second load gave another key: %x %x %v", a, b, err)
	}
	ks.m["bad"] = "not hex"
	if _, err := LoadKey(context.Background(), ks, "bad"); err == nil {
		t.Error("a bad stored key accepted")
	}
}

// FuzzDecode: a text is refused, or decodes to a positive number (or 0
// for Start) whose own cursor decodes to it too; nothing panics.
func FuzzDecode(f *testing.F) {
	c, _ := New(testKey, "del")
	f.Add(c.Encode(1))
	f.Add(c.Fresh(1 << 40))
	f.Add("0")
	f.Add(strings.Repeat("_", 22))
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := c.Decode(s)
		if !ok {
			return
		}
		if n < 0 || (n == 0) != (strings.TrimSpace(s) == Start) {
			t.Fatalf("%q decodes to %d", s, n)
		}
		if m, ok := c.Decode(c.Encode(n)); !ok || m != n {
			t.Fatalf("%q decodes to %d, whose cursor decodes to %d, %v", s, n, m, ok)
		}
	})
}

// TestLazy: nothing is loaded before the first Get; concurrent Gets load
// the key once and agree; the codec is the purpose's.
func TestLazy(t *testing.T) {
	ks := &memKeys{m: map[string]string{}}
	var l Lazy
	if l.Loaded() != nil {
		t.Fatal("loaded before Get")
	}
	got := make(chan *Codec, 8)
	for range 8 {
		go func() {
			c, err := l.Get(context.Background(), ks, "del")
			if err != nil {
				t.Error(err)
			}
			got <- c
		}()
	}
	first := <-got
	for range 7 {
		if c := <-got; c != first {
			t.Fatal("two codecs loaded")
		}
	}
	if l.Loaded() != first || len(ks.m) != 1 {
		t.Fatalf("Loaded %p, keys %v", l.Loaded(), ks.m)
	}
	ev, _ := New(mustHex(t, ks.m[KeyMeta]), "")
	if _, ok := first.Decode(ev.Encode(9)); ok {
		t.Error("the deletion codec accepts an event id")
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
