package push

import (
	"context"
	"errors"
	"net/http"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
)

// writeTimeout bounds each write to a stream: a client that does not read
// is cut off (it resumes from its last id).
const writeTimeout = 30 * time.Second

// resumePoint reads where a client resumes: the event id in the
// Last-Event-ID header, else in the last_event_id query parameter; ok is
// false when neither is given (the stream starts live, from now).
func (s *Service) resumePoint(r *http.Request) (after int64, ok bool, err error) {
	v := r.Header.Get("Last-Event-ID")
	field := "Last-Event-ID"
	if v == "" {
		v, field = r.URL.Query().Get("last_event_id"), "last_event_id"
	}
	if v == "" {
		return 0, false, nil
	}
	n, err := s.ParseEventID(r.Context(), field, v)
	if err != nil {
		return 0, false, err
	}
	return n, true, nil
}

// ServeSSE serves a Server-Sent Events stream of the events p's
// organisation may receive: with a resume point, the log after it first
// (filtered the same way), then live events, without gap or duplicate.
// Errors before the stream starts (bad parameters, not authorised) are
// returned for the caller to report; once it has started, it returns nil
// when the client goes away, the subscriber falls too far behind, or the
// service closes.
func (s *Service) ServeSSE(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	kinds, err := ParseKinds(r.URL.Query().Get("kinds"))
	if err != nil {
		return err
	}
	after, resume, err := s.resumePoint(r)
	if err != nil {
		return err
	}
	c, err := s.codec(r.Context())
	if err != nil {
		return err
	}
	ctx := r.Context()
	sub, err := s.Subscribe(ctx, p, kinds)
	if err != nil {
		return err
	}
	defer s.Unsubscribe(sub)
	if !resume {
		after = sub.Start
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	// retry: how long EventSource waits before reconnecting; the id-only
	// message sets the client's resume point to where this stream starts.
	if err := write([]byte("retry: 2000\nid: " + c.Fresh(after) + "\n\n")); err != nil {
		return nil
	}
	sent := after
	if err := s.Replay(ctx, sub, after, sub.Start, func(f *Frame) error {
		sent = f.Event.Seq
		return write(f.SSE)
	}); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.Log.Debug("push: replay ended", "err", err)
		}
		return nil
	}
	sent = max(sent, sub.Start)
	if resume && after > sent {
		sent = after // resuming ahead of this node: skip what the client has
	}
	hb := time.NewTicker(s.heartbeat())
	defer hb.Stop()
	// A stream lives at most MaxStreamAge: the client reconnects from its
	// last id and is authenticated and entitled afresh (a revoked token, a
	// disabled user or a changed entitlement takes effect).
	life := time.NewTimer(s.maxStreamAge())
	defer life.Stop()
	var buf []byte
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Done():
			// Deliver what was queued before the end, then stop: the client
			// resumes from the last id it got.
			for {
				select {
				case f := <-sub.C:
					if f.Event.Seq > sent {
						if write(f.SSE) != nil {
							return nil
						}
						sent = f.Event.Seq
					}
				default:
					return nil
				}
			}
		case f := <-sub.C:
			// Take what else is queued too, and write it with one flush:
			// under a burst a stream costs one write per batch, not per event.
			buf = buf[:0]
			for n := 0; ; n++ {
				if f.Event.Seq > sent {
					buf = append(buf, f.SSE...)
					sent = f.Event.Seq
				}
				if n == 255 || len(buf) > 256<<10 {
					break
				}
				select {
				case f = <-sub.C:
					continue
				default:
				}
				break
			}
			if len(buf) > 0 && write(buf) != nil {
				return nil
			}
		case <-hb.C:
			if write([]byte(": heartbeat\n\n")) != nil {
				return nil
			}
		case <-life.C:
			return nil
		}
	}
}

// Page is a page of the event log for pollers.
type Page struct {
	Events []*Wire `json:"events"`
	// Next is the event id to pass as after for the next page (of the last
	// event examined, also when no event in the page was for the caller).
	Next string `json:"next"`
	// More reports whether the log holds further events.
	More bool `json:"more"`
}

// EventLog returns the events after the event id `after` (LogStart or "":
// from the start of the log) that p's organisation may receive, at most
// limit (1..1000, default 100), filtered by kinds.
func (s *Service) EventLog(ctx context.Context, p *auth.Principal, after string, limit int, kinds []string) (*Page, error) {
	if after == "" {
		after = LogStart
	}
	from, err := s.ParseEventID(ctx, "after", after)
	if err != nil {
		return nil, err
	}
	return s.eventLog(ctx, p, from, limit, kinds)
}

// Recent returns the events among the newest `window` of the log that p's
// organisation may receive, oldest first (a page that starts from the
// recent past: the dashboard's live events).
func (s *Service) Recent(ctx context.Context, p *auth.Principal, window int) (*Page, error) {
	head, err := s.DB.LastEventSeq(ctx)
	if err != nil {
		return nil, err
	}
	return s.eventLog(ctx, p, max(head-int64(window), 0), 1000, nil)
}

func (s *Service) eventLog(ctx context.Context, p *auth.Principal, from int64, limit int, kinds []string) (*Page, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	if p.Org == nil || p.Org.ID == "" {
		return nil, apperr.Invalid("org", "the event log is read for an organisation")
	}
	if err := ValidateKinds(kinds); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		return nil, apperr.Invalid("limit", "at most 1000")
	}
	c, err := s.codec(ctx)
	if err != nil {
		return nil, err
	}
	wh := s.whoFor(ctx, p.Org)
	pg := &Page{Events: []*Wire{}}
	next := from
	// A position, perhaps on an event the caller may not see: fresh, so
	// that two polls cannot tell whether anything happened in between.
	defer func() { pg.Next = c.Fresh(next) }()
	// Read at most 10 raw pages, so a caller entitled to little cannot make
	// one request scan the whole log.
	for range 10 {
		evs, err := s.DB.EventsAfter(ctx, next, limit)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if len(pg.Events) == limit {
				pg.More = true
				return pg, nil
			}
			next = e.Seq
			if s.wants(ctx, wh, kinds, e) {
				pg.Events = append(pg.Events, c.wire(e))
			}
		}
		if len(evs) < limit {
			return pg, nil
		}
	}
	pg.More = true
	return pg, nil
}
