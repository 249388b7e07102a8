package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sakimori/internal/accounts"
	"sakimori/internal/api"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/intel"
	"sakimori/internal/org"
	"sakimori/internal/push"
	"sakimori/internal/store"
)

func init() {
	Register(Bench{Name: "push",
		Description: "live push: 1,000 SSE subscribers over real HTTP to the API handler; latency from an intel Ingest of a 50-indicator bundle (and from an alert event Publish) to every subscriber receiving the event, events/s published, and on PostgreSQL two nodes (publish on A, subscribers on B) over NATS JetStream and by polling",
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

	// Publish alone (no subscriber yet): 16 concurrent publishers, one
	// event per call; concurrent calls share commits (group commit).
	var out []Result
	idle := 4000
	if quick {
		idle = 400
	}
	if r, err := publishRate(ctx, p, idle, 16); err != nil {
		return nil, err
	} else {
		out = append(out, Result{Name: "push/" + tg.name + "/publish-rate-16", Value: r, Unit: "events/s", N: int64(idle),
			Note: "16 concurrent publishers, one event per Publish call, no subscriber"})
	}

	subs, stopSubs, err := connectSubs(ctx, p, srv.URL, repeat(secret, nsub))
	if err != nil {
		return nil, err
	}
	defer stopSubs()
	fmt.Fprintf(progress, "push %s: %d subscribers connected\n", tg.name, nsub)
	waitAll := func(seq int64, start time.Time) ([]time.Duration, error) { return waitAll(subs, seq, start) }

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
		Note: fmt.Sprintf("4 concurrent publishers, one event per Publish call, %d subscribers connected", nsub)})
	lat, err := waitAll(last.Load(), start)
	if err != nil {
		return nil, err
	}
	_, _, mx = percentiles(lat)
	out = append(out, Result{Name: "push/" + tg.name + "/burst-delivered", Value: ms(mx), Unit: "ms", N: int64(burst) * int64(nsub),
		Note: fmt.Sprintf("%d events to %d subscribers (%d deliveries): from the first Publish until every subscriber has the last event", burst, nsub, burst*nsub)})
	stopSubs()
	rs, err := pushManyOrgs(ctx, tg, nsub, rounds, progress)
	out = append(out, rs...)
	if err != nil {
		return out, err
	}
	if tg.name == "postgres" {
		for _, mode := range []string{"nats", "poll"} {
			rs, err := pushTwoNodes(ctx, tg, mode, nsub, rounds, progress)
			if err != nil {
				return out, err
			}
			out = append(out, rs...)
		}
	}
	return out, nil
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// pushManyOrgs measures ingest to subscribers of n different
// organisations: the Intel audience is decided per organisation (the
// sharing service's decision, cached 10 s per scope and organisation), so
// the first event of a scope costs n decisions.
func pushManyOrgs(ctx context.Context, tg target, n, rounds int, progress io.Writer) ([]Result, error) {
	w, done, err := openWorld(ctx, tg)
	if err != nil {
		return nil, err
	}
	defer done()
	log := quietLog()
	accts := accounts.New(w.DB, log)
	sys := auth.System("bench")
	act := audit.Actor{Name: "bench"}
	tokens := make([]string, n)
	for i := range n {
		slug := fmt.Sprintf("op-%04d", i)
		o := &org.Organisation{Slug: slug, Kind: org.KindOperator, Sector: org.Sectors[i%len(org.Sectors)], Name: org.Names{JA: slug, EN: slug},
			Contact: org.Contact{Name: "duty", Email: "soc@" + slug + ".example.jp"}}
		if err := w.DB.CreateOrg(ctx, act, o); err != nil {
			return nil, err
		}
		u := &org.User{OrgID: o.ID, Email: "analyst@" + slug + ".example.jp", DisplayName: slug, Roles: []org.Role{org.RoleAnalyst}}
		if err := w.DB.CreateUser(ctx, act, u, ""); err != nil {
			return nil, err
		}
		if tokens[i], _, err = accts.CreateToken(ctx, sys, u.ID, accounts.TokenRequest{Name: "bench", Scopes: []org.Scope{org.ScopeRead}}); err != nil {
			return nil, err
		}
	}
	p := push.New(w.DB, log)
	p.Intel = w.Svc
	w.Svc.Events = p
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	p.Start(pctx)
	defer p.Close()
	srv := httptest.NewServer(api.New(accts, api.Options{Log: log, Version: "bench", Intel: w.Svc, Push: p}))
	defer srv.Close()
	subs, stopSubs, err := connectSubs(ctx, p, srv.URL, tokens)
	if err != nil {
		return nil, err
	}
	defer stopSubs()
	fmt.Fprintf(progress, "push %s: %d subscribers of %d organisations connected\n", tg.name, n, n)
	var lat []time.Duration
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
		if _, err := w.Svc.Ingest(ctx, w.Writer, w.Coll.ID, objs, intel.IngestOptions{Source: intel.SourceCLI}); err != nil {
			return nil, err
		}
		l, err := waitAll(subs, before+1, start)
		if err != nil {
			return nil, err
		}
		lat = append(lat, l...)
	}
	p50, p99, mx := percentiles(lat)
	return []Result{{Name: "push/" + tg.name + "/ingest-to-subscribers-of-many-orgs", Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
		Note: fmt.Sprintf("%d SSE subscribers of %d different organisations (entitlement decided per organisation), %d ingests of 50 indicators; p50 %.1f ms, max %.1f ms", n, n, rounds, ms(p50), ms(mx))}}, nil
}

// publishRate publishes n events from conc goroutines and returns events/s.
func publishRate(ctx context.Context, p *push.Service, n, conc int) (float64, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += conc {
				if err := p.Publish(ctx, &event.Event{Kind: event.AlertUpdated, Subject: "rate", Audience: event.Audience{Everyone: true}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// connectSubs connects n SSE subscribers to the API at base and waits
// until p has them all; stop disconnects them.
func connectSubs(ctx context.Context, p *push.Service, base string, tokens []string) ([]*pushSub, func(), error) {
	n := len(tokens)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}}
	subs := make([]*pushSub, n)
	var wg sync.WaitGroup
	sctx, cancel := context.WithCancel(ctx)
	stop := func() { cancel(); p.Close(); wg.Wait() }
	for i := range subs {
		s := &pushSub{recv: map[int64]time.Time{}}
		subs[i] = s
		token := tokens[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(sctx, "GET", base+"/api/v1/events", nil)
			req.Header.Set("Authorization", "Bearer "+token)
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
				seq, _ := p.ParseEventID(sctx, "id", m.ID) // the seq, to find the event
				s.mu.Lock()
				s.recv[seq] = now
				s.mu.Unlock()
				return nil
			})
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for p.Subscribers() < n {
		if time.Now().After(deadline) {
			stop()
			return nil, nil, fmt.Errorf("only %d of %d subscribers connected", p.Subscribers(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return subs, stop, nil
}

// waitAll waits until every subscriber has seq and returns the latencies
// from start.
func waitAll(subs []*pushSub, seq int64, start time.Time) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, len(subs))
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < len(subs); {
		if t, ok := subs[i].got(seq); ok {
			lat = append(lat, t.Sub(start))
			i++
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("event %d reached %d of %d subscribers in 30 s", seq, i, len(subs))
		}
		time.Sleep(time.Millisecond)
	}
	return lat, nil
}

// benchNATS is the NATS server of the two-node figure
// (SAKIMORI_BENCH_NATS, default the local one).
func benchNATS() string {
	if v := os.Getenv("SAKIMORI_BENCH_NATS"); v != "" {
		return v
	}
	return "nats://127.0.0.1:4222"
}

// pushTwoNodes measures two push services on one PostgreSQL: events
// published on node A reach subscribers on node B over NATS JetStream
// (mode "nats") or by B polling the log every second (mode "poll").
func pushTwoNodes(ctx context.Context, tg target, mode string, nsub, rounds int, progress io.Writer) ([]Result, error) {
	if mode == "nats" {
		u, _ := url.Parse(benchNATS())
		c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
		if err != nil {
			fmt.Fprintf(progress, "push postgres: no NATS at %s (SAKIMORI_BENCH_NATS): two-node figure over NATS skipped\n", benchNATS())
			return nil, nil
		}
		c.Close()
	}
	w, done, err := openWorld(ctx, tg)
	if err != nil {
		return nil, err
	}
	defer done()
	dbB, err := store.Open(ctx, w.DSN, store.Options{})
	if err != nil {
		return nil, err
	}
	defer dbB.Close()
	log := quietLog()
	a, b := push.New(w.DB, log), push.New(dbB, log)
	svcB := intel.New(dbB, log)
	a.Intel, b.Intel = w.Svc, svcB
	if mode == "nats" {
		a.NATS, b.NATS = benchNATS(), benchNATS()
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	a.Start(pctx)
	b.Start(pctx)
	defer a.Close()
	if mode == "nats" {
		for _, s := range []*push.Service{a, b} {
			select {
			case <-s.NATSReady():
			case <-time.After(15 * time.Second):
				return nil, fmt.Errorf("NATS at %s: the bridge did not start (is JetStream enabled?)", benchNATS())
			}
		}
		defer dropBenchStream(w.DB)
	}
	accts := accounts.New(dbB, log)
	secret, _, err := accts.CreateToken(ctx, auth.System("bench"), w.Reader.User.ID, accounts.TokenRequest{Name: "bench", Scopes: []org.Scope{org.ScopeRead}})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(api.New(accts, api.Options{Log: log, Version: "bench", Intel: svcB, Push: b}))
	defer srv.Close()
	subs, stopSubs, err := connectSubs(ctx, b, srv.URL, repeat(secret, nsub))
	if err != nil {
		return nil, err
	}
	defer stopSubs()
	var lat []time.Duration
	for r := range rounds {
		ev := &event.Event{Kind: event.AlertPublished, Subject: "node-a-" + strconv.Itoa(r), Audience: event.Audience{Everyone: true}}
		start := time.Now()
		if err := a.Publish(ctx, ev); err != nil {
			return nil, err
		}
		l, err := waitAll(subs, ev.Seq, start)
		if err != nil {
			return nil, err
		}
		lat = append(lat, l...)
		time.Sleep(137 * time.Millisecond) // publish at different points of the poll interval
	}
	p50, p99, mx := percentiles(lat)
	how := "over NATS JetStream"
	if mode == "poll" {
		how = "without NATS: node B polls the log every second"
	}
	return []Result{{Name: "push/postgres/two-nodes-" + mode, Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
		Note: fmt.Sprintf("Publish on node A to %d SSE subscribers on node B, %s; p50 %.1f ms, max %.1f ms", nsub, how, ms(p50), ms(mx))}}, nil
}

// dropBenchStream deletes the benchmark deployment's stream from NATS.
func dropBenchStream(db *store.DB) {
	ctx := context.Background()
	dep, err := db.Meta(ctx, "push.deployment")
	if err != nil {
		return
	}
	nc, err := nats.Connect(benchNATS())
	if err != nil {
		return
	}
	defer nc.Close()
	if js, err := jetstream.New(nc); err == nil {
		js.DeleteStream(ctx, push.Stream+"_"+strings.ToUpper(dep))
	}
}
