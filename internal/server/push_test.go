package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/config"
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
