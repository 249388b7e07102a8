package defense

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/export"
	"sakimori/internal/intel"
	"sakimori/internal/logscan"
	"sakimori/internal/match"
)

// Hit is one observable of a log that matched an indicator.
type Hit struct {
	Line      int64            `json:"line"`
	Offset    int64            `json:"offset"`
	Field     string           `json:"field,omitempty"`
	Observed  string           `json:"observed"`
	Indicator *match.Indicator `json:"indicator"`
}

// ScanResult is the outcome of a scan.
type ScanResult struct {
	Format logscan.Format `json:"format"`
	Stats  logscan.Stats  `json:"stats"`
	Hits   []Hit          `json:"hits"`
	// Truncated: more hits than MaxHits were found; Seen still counts
	// them all.
	Truncated bool   `json:"truncated"`
	Seen      []Seen `json:"seen"`
}

// MaxHits bounds the hits a scan returns (the aggregates count every one).
const MaxHits = 10000

// ScanSet scans r (format f, or detected when "") against set, calling
// nothing on the network: what `sakimori match` does offline and what the
// service does for a pasted excerpt. Hits are timed by their log records
// (SeenAt), or at now when a line has no time.
func ScanSet(set *match.Set, r io.Reader, f logscan.Format, now time.Time) (*ScanResult, error) {
	sc := logscan.NewScanner(r, f)
	res := &ScanResult{Hits: []Hit{}}
	var tally Tally
	// Observables are looked up in batches (match.Batch), each with the
	// record it came from.
	type origin struct{ line, offset, time int64 }
	var recs []origin
	b := match.NewBatch(match.NewMatcher(set))
	flush := func() error {
		err := b.Flush(func(tag int32, o *match.Observable, h match.Hit) error {
			rec := recs[tag]
			ind := h.Indicator()
			tally.Add(ind, SeenAt(rec.time, now))
			if len(res.Hits) < MaxHits {
				res.Hits = append(res.Hits, Hit{Line: rec.line, Offset: rec.offset, Field: o.Field, Observed: string(o.Value), Indicator: ind})
			} else {
				res.Truncated = true
			}
			return nil
		})
		recs = recs[:0]
		return err
	}
	err := sc.Scan(func(rec *logscan.Record) error {
		for i := range rec.Observables {
			recs = append(recs, origin{rec.Line, rec.Offset, rec.Time})
			if b.Add(&rec.Observables[i], int32(len(recs)-1)) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if ferr := flush(); err == nil {
		err = ferr
	}
	res.Format, res.Stats, res.Seen = sc.Format(), sc.Stats(), tally.List()
	return res, err
}

// MaxScanBytes bounds a log excerpt scanned on the server (the dashboard's
// test page and the API); larger logs are scanned with `sakimori match`.
const MaxScanBytes = 8 << 20

// Scan scans a log excerpt against what p may apply under f.
func (s *Service) Scan(ctx context.Context, p *auth.Principal, data []byte, format logscan.Format, f Filter) (*ScanResult, error) {
	if len(data) > MaxScanBytes {
		return nil, apperr.Invalid("log", "at most %d MiB on the server; scan larger logs with sakimori match", MaxScanBytes>>20)
	}
	if format != "" && !validFormat(format) {
		return nil, apperr.Invalid("format", "unknown log format %q", format)
	}
	c, err := s.Compile(ctx, p, f)
	if err != nil {
		return nil, err
	}
	return ScanSet(c.Set, bytes.NewReader(data), format, s.Now())
}

func validFormat(f logscan.Format) bool {
	for _, x := range logscan.Formats {
		if x == f {
			return true
		}
	}
	return false
}

// Export renders what p may apply under f in format into a buffer, with
// its strong ETag (the digest of the bytes). A rendering of the same
// compiled content, format and options is reused (pollers that get 304
// cost a set compilation, not a rendering).
func (s *Service) Export(ctx context.Context, p *auth.Principal, format export.Format, f Filter, opt export.Options) (*Rendered, error) {
	if !validExport(format) {
		return nil, apperr.Invalid("format", "unknown export format %q", format)
	}
	c, opt, err := s.prepare(ctx, p, f, opt)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%s|%+v", c.Digest, format, opt)
	if r := s.rendered(key); r != nil {
		return r, nil
	}
	var buf bytes.Buffer
	st, err := export.Write(&buf, format, c.Indicators, opt)
	if err != nil {
		return nil, err
	}
	r := &Rendered{Body: buf.Bytes(), ContentType: export.ContentType(format), FileName: export.FileName(format, opt),
		ETag: etagOf(buf.Bytes()), Stats: st, Withheld: c.Withheld}
	s.keepRendered(key, r)
	return r, nil
}

// MISPFeed renders what p may apply under f as a MISP feed's files
// (manifest.json, one <uuid>.json per event, hashes.csv), for serving
// them one by one.
func (s *Service) MISPFeed(ctx context.Context, p *auth.Principal, f Filter, opt export.Options) (map[string][]byte, export.Stats, int, error) {
	c, opt, err := s.prepare(ctx, p, f, opt)
	if err != nil {
		return nil, export.Stats{}, 0, err
	}
	files, st, err := export.MISPFeed(c.Indicators, opt)
	return files, st, c.Withheld, err
}

// prepare compiles and completes the options: the kinds from the filter
// (a Suricata dataset file holds one) and, for deterministic output, the
// header time from the newest change rather than now, so an unchanged set
// renders to the same bytes (and ETag).
func (s *Service) prepare(ctx context.Context, p *auth.Principal, f Filter, opt export.Options) (*Compiled, export.Options, error) {
	c, err := s.Compile(ctx, p, f)
	if err != nil {
		return nil, opt, err
	}
	if len(opt.Kinds) == 0 {
		opt.Kinds = f.Kinds
	}
	if opt.Generated.IsZero() {
		for _, in := range c.Indicators {
			if in.Modified.After(opt.Generated) {
				opt.Generated = in.Modified
			}
		}
		if opt.Generated.IsZero() {
			opt.Generated = time.Unix(0, 0).UTC()
		}
	}
	return c, opt, nil
}

// maxRendered bounds the renderings kept.
const maxRendered = 64

func (s *Service) rendered(key string) *Rendered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renders[key]
}

func (s *Service) keepRendered(key string, r *Rendered) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.renders == nil {
		s.renders = map[string]*Rendered{}
	}
	if len(s.renders) >= maxRendered {
		clear(s.renders) // simple and bounded; pollers repopulate it
	}
	s.renders[key] = r
}

// Rendered is one rendered export.
type Rendered struct {
	Body        []byte
	ContentType string
	FileName    string
	ETag        string
	Stats       export.Stats
	Withheld    int
}

func validExport(f export.Format) bool {
	for _, x := range export.Formats {
		if x == f {
			return true
		}
	}
	return false
}

func etagOf(b []byte) string {
	return `"` + digestBytes(b)[:32] + `"`
}

// ExportView renders the indicators of a view (intel.ViewFilter) in
// format: "export this view" of the dashboard. Not cached: a view is
// looked at once.
func (s *Service) ExportView(ctx context.Context, p *auth.Principal, format export.Format, vf intel.ViewFilter, opt export.Options) (*Rendered, error) {
	if !validExport(format) {
		return nil, apperr.Invalid("format", "unknown export format %q", format)
	}
	inds, withheld, err := s.ViewIndicators(ctx, p, vf)
	if err != nil {
		return nil, err
	}
	if opt.Generated.IsZero() {
		opt.Generated = s.Now().UTC()
	}
	var buf bytes.Buffer
	st, err := export.Write(&buf, format, inds, opt)
	if err != nil {
		return nil, err
	}
	return &Rendered{Body: buf.Bytes(), ContentType: export.ContentType(format), FileName: export.FileName(format, opt),
		ETag: etagOf(buf.Bytes()), Stats: st, Withheld: withheld}, nil
}
