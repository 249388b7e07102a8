package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/api"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/intel"
	"sakimori/internal/org"
	"sakimori/internal/push"
)

func init() {
	Register(Bench{Name: "push",
		Description: "live push: 1,000 SSE subscribers over real HTTP to the API handler; latency from an intel Ingest of a 50-indicator bundle (and from an alert event Publish) to every subscriber receiving the event, and events/s published",
		Run:         runPush})
}

// Workload of the push benchmark.
const (
	PushSubscribers      = 1000
	PushSubscribersQuick = 50
	PushRounds           = 10
	PushRoundsQuick      = 3
	PushBurst            = 500
)

func runPush(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	return eachStore(ctx, cfg, "push", func(tg target) ([]Result, error) { return pushStore(ctx, tg, cfg.Quick, progress) })
}

// pushSub is one connected subscriber: when it received each event seq.
type pushSub struct {
	mu   sync.Mutex
	recv map[int64]time.Time
}

func (s *pushSub) got(seq int64) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.recv[seq]
	return t, ok
}

func pushStore(ctx context.Context, tg target, quick bool, progress io.Writer) ([]Result, error) {
	nsub, rounds := PushSubscribers, PushRounds
	if quick {
		nsub, rounds = PushSubscribersQuick, PushRoundsQuick
	}
	w, done, err := openWorld(ctx, tg)
	if err != nil {
		return nil, err
	}
	defer done()
	log := quietLog()
	p := push.New(w.DB, log)
	p.Intel = w.Svc
	p.Buffer = 4096
	w.Svc.Events = p
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	p.Start(pctx)
	defer p.Close()

	accts := accounts.New(w.DB, log)
	secret, _, err := accts.CreateToken(ctx, auth.System("bench"), w.Reader.User.ID, accounts.TokenRequest{Name: "bench", Scopes: []org.Scope{org.ScopeRead}})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(api.New(accts, api.Options{Log: log, Version: "bench", Intel: w.Svc, Push: p}))
	defer srv.Close()
	defer p.Close() // end the streams before the server closes

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: nsub, MaxConnsPerHost: 0, DisableCompression: true}}
	subs := make([]*pushSub, nsub)
	var wg sync.WaitGroup
	sctx, cancelSubs := context.WithCancel(ctx)
	defer func() { cancelSubs(); p.Close(); wg.Wait() }()
	for i := range subs {
		s := &pushSub{recv: map[int64]time.Time{}}
		subs[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(sctx, "GET", srv.URL+"/api/v1/events", nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			req.Header.Set("Accept", "text/event-stream")
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			push.ReadSSE(resp.Body, func(m push.Message) error {
				if m.Data == "" {
					return nil
				}
				now := time.Now()
				seq, _ := strconv.ParseInt(m.ID, 10, 64)
				s.mu.Lock()
				s.recv[seq] = now
				s.mu.Unlock()
				return nil
			})
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for p.Subscribers() < nsub {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %d of %d subscribers connected", p.Subscribers(), nsub)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintf(progress, "push %s: %d subscribers connected\n", tg.name, nsub)

	// waitAll waits until every subscriber has seq and returns the
	// latencies from start.
	waitAll := func(seq int64, start time.Time) ([]time.Duration, error) {
		lat := make([]time.Duration, 0, nsub)
		deadline := time.Now().Add(30 * time.Second)
		for i := 0; i < len(subs); {
			if t, ok := subs[i].got(seq); ok {
				lat = append(lat, t.Sub(start))
				i++
				continue
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("event %d reached %d of %d subscribers in 30 s", seq, i, nsub)
			}
			time.Sleep(time.Millisecond)
		}
		return lat, nil
	}

	var out []Result
	// 1. Indicators: an intel Ingest of a 50-indicator bundle (what a
	// report's sanitised release does) until every subscriber has the
	// indicator.added event.
	var ingestLat []time.Duration
	for r := range rounds {
		objs, err := intel.ParseObjects(IntelBundle(r*50, r*50+50))
		if err != nil {
			return nil, err
		}
		before, err := w.DB.LastEventSeq(ctx)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		j, err := w.Svc.Ingest(ctx, w.Writer, w.Coll.ID, objs, intel.IngestOptions{Source: intel.SourceCLI})
		if err != nil {
			return nil, err
		}
		if j.Accepted != 50 {
			return nil, fmt.Errorf("ingest accepted %d of 50", j.Accepted)
		}
		lat, err := waitAll(before+1, start)
		if err != nil {
			return nil, err
		}
		ingestLat = append(ingestLat, lat...)
	}
	p50, p99, mx := percentiles(ingestLat)
	out = append(out, Result{Name: "push/" + tg.name + "/ingest-to-subscribers", Value: ms(p99), Unit: "ms p99", N: int64(len(ingestLat)),
		Note: fmt.Sprintf("%d SSE subscribers, %d ingests of 50 indicators; from the Ingest call to each subscriber reading the event; p50 %.1f ms, max %.1f ms", nsub, rounds, ms(p50), ms(mx))})

	// 2. Alerts: an event Publish (what publishing an alert does after its
	// commit) until every subscriber has it.
	var pubLat []time.Duration
	for r := range rounds {
		ev := &event.Event{Kind: event.AlertPublished, Subject: "bench-" + strconv.Itoa(r), Audience: event.Audience{Everyone: true},
			Data: event.Data(map[string]any{"ref": "ALR-2026-" + strconv.Itoa(r), "severity": "high", "title": "VPN装置の脆弱性を悪用した攻撃"})}
		start := time.Now()
		if err := p.Publish(ctx, ev); err != nil {
			return nil, err
		}
		lat, err := waitAll(ev.Seq, start)
		if err != nil {
			return nil, err
		}
		pubLat = append(pubLat, lat...)
	}
	p50, p99, mx = percentiles(pubLat)
	out = append(out, Result{Name: "push/" + tg.name + "/publish-to-subscribers", Value: ms(p99), Unit: "ms p99", N: int64(len(pubLat)),
		Note: fmt.Sprintf("%d SSE subscribers, %d alert events; from Publish to each subscriber reading it; p50 %.1f ms, max %.1f ms", nsub, rounds, ms(p50), ms(mx))})

	// 3. A burst: events/s Publish stores (4 publishers, one event per
	// call), and the time until every subscriber has the last one.
	burst := PushBurst
	if quick {
		burst = 100
	}
	var last atomic.Int64
	start := time.Now()
	var pw sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		pw.Add(1)
		go func() {
			defer pw.Done()
			for i := g; i < burst; i += 4 {
				ev := &event.Event{Kind: event.AlertUpdated, Subject: "burst", Audience: event.Audience{Everyone: true}}
				if err := p.Publish(ctx, ev); err != nil {
					errs <- err
					return
				}
				for {
					cur := last.Load()
					if ev.Seq <= cur || last.CompareAndSwap(cur, ev.Seq) {
						break
					}
				}
			}
		}()
	}
	pw.Wait()
	wall := time.Since(start)
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	out = append(out, Result{Name: "push/" + tg.name + "/publish-rate", Value: float64(burst) / wall.Seconds(), Unit: "events/s", N: int64(burst),
		Note: fmt.Sprintf("4 concurrent publishers, one event per transaction, %d subscribers connected", nsub)})
	lat, err := waitAll(last.Load(), start)
	if err != nil {
		return nil, err
	}
	_, _, mx = percentiles(lat)
	out = append(out, Result{Name: "push/" + tg.name + "/burst-delivered", Value: ms(mx), Unit: "ms", N: int64(burst) * int64(nsub),
		Note: fmt.Sprintf("%d events to %d subscribers (%d deliveries): from the first Publish until every subscriber has the last event", burst, nsub, burst*nsub)})
	return out, nil
}
