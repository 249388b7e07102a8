package stix

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// The expressions the hand-written matchers replace (validate.go).
var lexicalOracles = []struct {
	name string
	re   *regexp.Regexp
	m    interface{ MatchString(string) bool }
}{
	{"id", regexp.MustCompile(`^([a-z0-9]+(?:-[a-z0-9]+)*)--(` + uuidPart + `)$`), idRE},
	{"type name", regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$`), typeNameRE},
	{"property name", regexp.MustCompile(`^[a-z][a-z0-9_]{2,249}$`), propNameRE},
	{"timestamp", regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`), timestampRE},
	{"vocabulary", regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`), vocabRE},
	{"hex", regexp.MustCompile(`^([0-9a-fA-F]{2})*$`), hexRE},
}

var lexicalSeeds = []string{
	"", "a", "ab", "abc", "indicator", "x-acme-thing", "x--y", "-a", "a-", "A", "a_b_c", "1abc", "abc!",
	"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F",
	"indicator--8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f", "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
	"x-a--b--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "a-b--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
	"2026-11-01T00:00:00Z", "2026-11-01T00:00:00.000Z", "2026-11-01T00:00:00.Z", "2026-11-01T00:00:00.1234567890Z",
	"2026-11-01 00:00:00Z", "2026-11-01T00:00:00+09:00", "2026-1-01T00:00:00Z", "２026-11-01T00:00:00Z",
	"00", "0f", "0", "abcdefABCDEF", "zz",
}

func TestLexicalMatchersAgreeWithTheExpressions(t *testing.T) {
	check := func(s string) {
		for _, o := range lexicalOracles {
			if got, want := o.m.MatchString(s), o.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the expression says %v", o.name, s, got, want)
			}
		}
		if got, want := idRE.FindStringSubmatch(s), lexicalOracles[0].re.FindStringSubmatch(s); len(got) != len(want) || len(got) == 3 && (got[1] != want[1] || got[2] != want[2]) {
			t.Errorf("id submatch of %q = %q, want %q", s, got, want)
		}
	}
	for _, s := range lexicalSeeds {
		check(s)
	}
	// Random mutations of the seeds over the alphabet that matters.
	const alphabet = "abcxyzAF09-_.:TZ8b4 "
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		b := []byte(lexicalSeeds[rng.IntN(len(lexicalSeeds))])
		for range 1 + rng.IntN(3) {
			switch op := rng.IntN(3); {
			case op == 0 && len(b) > 0:
				b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
			case op == 1:
				i := rng.IntN(len(b) + 1)
				b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
			case len(b) > 0:
				i := rng.IntN(len(b))
				b = append(b[:i], b[i+1:]...)
			}
		}
		check(string(b))
	}
}

func FuzzLexicalMatchers(f *testing.F) {
	for _, s := range lexicalSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range lexicalOracles {
			if got, want := o.m.MatchString(s), o.re.MatchString(s); got != want {
				t.Fatalf("%s(%q) = %v, the expression says %v", o.name, s, got, want)
			}
		}
	})
}
