package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/config"
	"sakimori/internal/event"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/push"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestShutdownEndsEventStreams: open event streams do not hold up a
// graceful shutdown: the server ends them, and Serve returns long before
// the shutdown timeout.
func TestShutdownEndsEventStreams(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := inteltest.New(t, db)
	p := push.New(db, inteltest.Quiet)
	p.Intel = w.Svc
	apiH := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if err := p.ServeSSE(rw, r, w.P("op-a-analyst")); err != nil {
			http.Error(rw, err.Error(), 400)
		}
	})
	cfg := &config.Config{Addr: "127.0.0.1:0", MaxBody: 1 << 20, ShutdownTimeout: 30 * time.Second}
	log := slog.New(slog.DiscardHandler)
	s, err := New(Options{Config: cfg, DB: db, Accounts: accounts.New(db, log), Log: log, API: apiH, Push: p,
		Web: http.NotFoundHandler(), SessionSweep: -1})
	if err != nil {
		t.Fatal(err)
	}
	ln, url, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	ended := make(chan error, 3)
	for range 3 {
		resp, err := http.Get(url + "/api/v1/events")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		go func() { _, err := io.ReadAll(resp.Body); resp.Body.Close(); ended <- err }()
	}
	for p.Subscribers() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	// The push service's counters are in /metrics.
	if err := p.Publish(context.Background(), &event.Event{Kind: event.AlertPublished, Subject: "a-1",
		Audience: event.Audience{Everyone: true}, Data: event.Data(map[string]string{"ref": "ALR-2026-0001"})}); err != nil {
		t.Fatal(err)
	}
	for p.Stats().Sent < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"# TYPE sakimori_push_subscribers gauge\nsakimori_push_subscribers 3\n",
		"# TYPE sakimori_push_events_published_total counter\nsakimori_push_events_published_total 1\n",
		"sakimori_push_events_sent_total 3\n", "sakimori_push_streams_cut_off_total 0\n", "sakimori_push_webhook_failures_total 0\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still waiting for the event streams")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
	for range 3 {
		if err := <-ended; err != nil {
			t.Fatalf("a stream ended with %v", err)
		}
	}
}
