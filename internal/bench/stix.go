package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"sakimori/internal/stix"
	"sakimori/internal/stix/pattern"
)

func init() {
	Register(Bench{Name: "stix", Description: "STIX 2.1 indicator parse+validate and pattern parse+atom extraction, objects/s on one core",
		Run: runSTIX})
}

// Indicators returns n distinct, valid STIX 2.1 indicators as JSON, cycling
// through IPv4, domain, URL and SHA-256 patterns.
func Indicators(n int) [][]byte {
	out := make([][]byte, n)
	for i := range n {
		var p string
		switch i % 4 {
		case 0:
			p = fmt.Sprintf("[ipv4-addr:value = '198.%d.%d.%d']", i>>16&255, i>>8&255, i&255)
		case 1:
			p = fmt.Sprintf("[domain-name:value = 'c2-%d.example.net']", i)
		case 2:
			p = fmt.Sprintf("[url:value = 'http://phish-%d.example.org/login']", i)
		default:
			p = fmt.Sprintf("[file:hashes.'SHA-256' = '%064x']", i)
		}
		out[i] = fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x",`+
			`"created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"bench %d",`+
			`"pattern":%q,"pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","confidence":70}`, i, i, i, p)
	}
	return out
}

func runSTIX(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	n := 100_000
	if cfg.Quick {
		n = 5_000
	}
	objs := Indicators(n)
	var out []Result
	start := time.Now()
	for i, b := range objs {
		o, err := stix.Parse(b)
		if err != nil {
			return out, fmt.Errorf("object %d: %w", i, err)
		}
		if err := stix.Validate(o); err != nil {
			return out, fmt.Errorf("object %d: %w", i, err)
		}
	}
	el := time.Since(start)
	out = append(out, Result{Name: "stix/indicator-parse-validate", Value: float64(n) / el.Seconds(), Unit: "objects/s", N: int64(n),
		Note: fmt.Sprintf("%.1f µs/object, one goroutine, pattern parsed as part of validation", el.Seconds()*1e6/float64(n))})
	fmt.Fprintln(progress, out[len(out)-1])

	pats := make([]string, n)
	for i := range n {
		var v struct {
			Pattern string `json:"pattern"`
		}
		if err := json.Unmarshal(objs[i], &v); err != nil {
			return out, err
		}
		pats[i] = v.Pattern
	}
	start = time.Now()
	atoms := 0
	for i, s := range pats {
		p, err := pattern.Parse(s)
		if err != nil {
			return out, fmt.Errorf("pattern %d: %w", i, err)
		}
		atoms += len(p.Atoms().Atoms)
	}
	el = time.Since(start)
	if atoms != n {
		return out, fmt.Errorf("extracted %d atoms from %d single-atom patterns", atoms, n)
	}
	out = append(out, Result{Name: "stix/pattern-parse-atoms", Value: float64(n) / el.Seconds(), Unit: "patterns/s", N: int64(n),
		Note: fmt.Sprintf("%.2f µs/pattern", el.Seconds()*1e6/float64(n))})
	fmt.Fprintln(progress, out[len(out)-1])
	return out, nil
}
