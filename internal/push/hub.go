package push

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/marking"
	"sakimori/internal/org"
)

// fillDelay is how long the hub waits for a missing event (another node's,
// in flight on NATS) before reading it from the log.
const fillDelay = 50 * time.Millisecond

// Frame is one event as delivered to a subscriber: the event and its
// Server-Sent Events encoding (shared by every subscriber).
type Frame struct {
	Event *event.Event
	SSE   []byte
}

// Subscriber is one live subscription (an SSE stream, or a local tail).
type Subscriber struct {
	who   who
	kinds []string
	// Start is the seq of the last event dispatched when the subscriber
	// registered: events after it arrive on C; events up to it are read
	// from the log (Replay).
	Start int64
	// C carries the live events, in order.
	C    chan *Frame
	done chan struct{}
	once sync.Once
	why  string
}

// Done is closed when the subscription ends (cut off as too slow, or the
// service closing); Reason says why.
func (sub *Subscriber) Done() <-chan struct{} { return sub.done }

// Reason says why the subscription ended ("slow", "shutdown", "closed").
func (sub *Subscriber) Reason() string { return sub.why }

func (sub *Subscriber) end(why string) {
	sub.once.Do(func() { sub.why = why; close(sub.done) })
}

// who is what entitlement decisions need about a subscriber's organisation.
type who struct {
	orgID  string
	gov    bool
	viewer marking.Viewer
	ok     bool // a viewer could be built (Intel audiences)
}

// whoFor resolves the organisation of p. A principal without one admits
// nothing.
func (s *Service) whoFor(ctx context.Context, o *org.Organisation) who {
	if o == nil || o.ID == "" {
		return who{}
	}
	w := who{orgID: o.ID, gov: o.Kind.IsGovernment()}
	if s.Intel != nil {
		// An organisation-level viewer (no user): the decision is cached
		// per organisation, so it must not depend on the user.
		v, err := s.Intel.Viewer(ctx, &auth.Principal{System: "push", Org: o})
		if err == nil {
			w.viewer, w.ok = v, true
		} else {
			s.Log.Warn("push: resolving a viewer failed; intelligence events withheld", "org", o.ID, "err", err)
		}
	}
	return w
}

// Subscribe registers a live subscription for p's organisation: events
// after sub.Start arrive on sub.C, filtered by kinds and entitlement. The
// caller replays the log up to sub.Start first (Replay) and must call
// Unsubscribe.
func (s *Service) Subscribe(ctx context.Context, p *auth.Principal, kinds []string) (*Subscriber, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	if p.Org == nil || p.Org.ID == "" {
		return nil, apperr.Invalid("org", "an event stream is for an organisation")
	}
	if err := ValidateKinds(kinds); err != nil {
		return nil, err
	}
	if _, err := s.codec(ctx); err != nil {
		return nil, err
	}
	s.startHub()
	sub := &Subscriber{who: s.whoFor(ctx, p.Org), kinds: kinds, C: make(chan *Frame, s.buffer()), done: make(chan struct{})}
	select {
	case <-s.closed:
		return nil, apperr.New(apperr.CodeUnavailable, "the server is shutting down")
	default:
	}
	limit := s.MaxSubscribers
	if limit <= 0 {
		limit = DefaultMaxSubscribers
	}
	s.mu.Lock()
	if len(s.subs) >= limit {
		s.mu.Unlock()
		return nil, apperr.New(apperr.CodeUnavailable, "this server has %d open event streams, its limit: try again later", limit)
	}
	sub.Start = s.last
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	return sub, nil
}

// Unsubscribe ends a subscription.
func (s *Service) Unsubscribe(sub *Subscriber) {
	s.mu.Lock()
	delete(s.subs, sub)
	s.mu.Unlock()
	sub.end("closed")
}

// Subscribers counts the live subscriptions on this node.
func (s *Service) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// Replay calls fn with the events after `after` up to `upto` that the
// subscriber may receive, oldest first, reading the log a page at a time.
func (s *Service) Replay(ctx context.Context, sub *Subscriber, after, upto int64, fn func(*Frame) error) error {
	c, err := s.codec(ctx)
	if err != nil {
		return err
	}
	for after < upto {
		evs, err := s.DB.EventsAfter(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		for _, e := range evs {
			if e.Seq > upto {
				return nil
			}
			after = e.Seq
			if !s.wants(ctx, sub.who, sub.kinds, e) {
				continue
			}
			if err := fn(&Frame{Event: e, SSE: c.encodeSSE(e)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// wants reports whether an event goes to a subscriber of those kinds.
func (s *Service) wants(ctx context.Context, w who, kinds []string, e *event.Event) bool {
	return MatchKinds(kinds, e.Kind) && s.admits(ctx, w, e.Audience)
}

// startHub starts the hub once: it reads where the log ends and runs until
// Close.
func (s *Service) startHub() {
	s.hubOnce.Do(func() {
		last, err := s.DB.LastEventSeq(context.Background())
		if err != nil {
			s.Log.Warn("push: reading the event log failed", "err", err)
		}
		s.mu.Lock()
		s.last = last
		s.mu.Unlock()
		go s.hub()
	})
}

// hub orders events by seq and dispatches them: from Publish, from NATS,
// and from the log (a gap that does not fill, or the periodic poll).
func (s *Service) hub() {
	pending := map[int64]*event.Event{}
	poll := time.NewTicker(s.poll())
	defer poll.Stop()
	fill := time.NewTimer(time.Hour)
	fill.Stop()
	armed := false
	ctx := context.Background()
	for {
		select {
		case <-s.closed:
			return
		case evs := <-s.inbox:
			last := s.lastSeq()
			for _, e := range evs {
				if e.Seq > last {
					pending[e.Seq] = e
				}
			}
			s.drain(ctx, pending)
			if len(pending) > 0 && !armed {
				fill.Reset(fillDelay)
				armed = true
			}
		case <-fill.C:
			armed = false
			s.fillFromLog(ctx, pending)
		case <-poll.C:
			s.fillFromLog(ctx, pending)
		}
	}
}

func (s *Service) lastSeq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// drain dispatches the pending events that follow the last one, in order.
func (s *Service) drain(ctx context.Context, pending map[int64]*event.Event) {
	for {
		next := s.lastSeq() + 1
		e, ok := pending[next]
		if !ok {
			break
		}
		delete(pending, next)
		s.dispatch(ctx, e)
	}
	last := s.lastSeq()
	for k := range pending {
		if k <= last {
			delete(pending, k)
		}
	}
}

// fillFromLog dispatches what the log holds after the last event
// dispatched.
func (s *Service) fillFromLog(ctx context.Context, pending map[int64]*event.Event) {
	for {
		evs, err := s.DB.EventsAfter(ctx, s.lastSeq(), 1000)
		if err != nil {
			select {
			case <-s.closed:
			default:
				s.Log.Warn("push: reading the event log failed", "err", err)
			}
			return
		}
		for _, e := range evs {
			if e.Seq != s.lastSeq()+1 {
				// Pruned or never stored (a hole left by an old version):
				// move on rather than wait forever.
				s.Log.Debug("push: skipping missing events", "from", s.lastSeq()+1, "to", e.Seq-1)
			}
			s.dispatch(ctx, e)
		}
		s.drain(ctx, pending)
		if len(evs) < 1000 {
			return
		}
	}
}

// dispatch sends e to every subscriber that wants it; a subscriber whose
// queue is full is cut off (it resumes from its last id).
func (s *Service) dispatch(ctx context.Context, e *event.Event) {
	// Without a codec nobody has subscribed yet (Subscribe loads it).
	var f *Frame
	if c := s.loadedCodec(); c != nil {
		f = &Frame{Event: e, SSE: c.encodeSSE(e)}
	}
	s.prefetch(ctx, e)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Seq <= s.last {
		return
	}
	s.last = e.Seq
	if f == nil {
		return
	}
	for sub := range s.subs {
		if !s.wants(ctx, sub.who, sub.kinds, e) {
			continue
		}
		select {
		case sub.C <- f:
			s.stats.sent.Add(1)
		default:
			delete(s.subs, sub)
			sub.end("slow")
			s.stats.cutOff.Add(1)
		}
	}
}

// encodeSSE renders an event as a Server-Sent Events message: its id,
// kind and the event as subscribers see it (Wire).
func (c *idCodec) encodeSSE(e *event.Event) []byte {
	w := c.wire(e)
	body, _ := json.Marshal(w)
	b := make([]byte, 0, len(body)+64)
	b = append(b, "id: "...)
	b = append(b, w.ID...)
	b = append(b, "\nevent: "...)
	b = append(b, e.Kind...)
	b = append(b, "\ndata: "...)
	b = append(b, body...) // json.Marshal never emits a raw newline
	b = append(b, "\n\n"...)
	return b
}

// ---- kinds -----------------------------------------------------------------

// families are the kind families subscribers may name.
func families() []string {
	var out []string
	for _, k := range event.Kinds {
		if f := k.Family(); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// ParseKinds splits a comma-separated kinds filter and validates it.
func ParseKinds(s string) ([]string, error) {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, ValidateKinds(out)
}

// ValidateKinds checks that each entry is a kind or a family.
func ValidateKinds(kinds []string) error {
	if len(kinds) > 32 {
		return apperr.Invalid("kinds", "at most 32 entries")
	}
	fams := families()
	for i, k := range kinds {
		if !event.Kind(k).Valid() && !slices.Contains(fams, k) {
			return apperr.Invalid("kinds["+strconv.Itoa(i)+"]", "%q is neither an event kind nor a family (%s)", k, strings.Join(fams, ", "))
		}
	}
	return nil
}

// MatchKinds reports whether kind k passes the filter (empty: every kind).
func MatchKinds(kinds []string, k event.Kind) bool {
	if len(kinds) == 0 {
		return true
	}
	f := k.Family()
	for _, x := range kinds {
		if x == string(k) || x == f {
			return true
		}
	}
	return false
}

// prefetchWorkers bounds the entitlement decisions taken at once.
const prefetchWorkers = 8

// prefetch takes the Intel entitlement decisions an event needs for the
// organisations of the subscribers that the cache cannot answer, in
// parallel and outside the subscriber lock, so that dispatch then only
// reads the cache (1,000 subscribers of 1,000 organisations are 1,000
// decisions for the first event of a scope).
func (s *Service) prefetch(ctx context.Context, e *event.Event) {
	a := e.Audience
	if a.Intel == nil || s.Intel == nil || a.Everyone {
		return
	}
	now := time.Now()
	seen := map[string]bool{}
	var need []who
	s.mu.Lock()
	for sub := range s.subs {
		w := sub.who
		if seen[w.orgID] || !w.ok || !MatchKinds(sub.kinds, e.Kind) || a.Gov && w.gov || slices.Contains(a.Orgs, w.orgID) {
			continue
		}
		seen[w.orgID] = true
		if s.ent.fresh(entKey{scope: *a.Intel, org: w.orgID}, now) {
			continue
		}
		need = append(need, w)
	}
	s.mu.Unlock()
	if len(need) < 2 {
		return
	}
	work := make(chan who)
	var wg sync.WaitGroup
	for range min(prefetchWorkers, len(need)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range work {
				s.admits(ctx, w, a)
			}
		}()
	}
	for _, w := range need {
		work <- w
	}
	close(work)
	wg.Wait()
}
