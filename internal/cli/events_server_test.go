package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/api"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/push"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestEventsTailServer: events tail --server reads a server's log (--once)
// and its live stream with a token, filtered for the token's organisation.
func TestEventsTailServer(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := inteltest.New(t, db)
	p := push.New(db, inteltest.Quiet)
	p.Intel = w.Svc
	t.Cleanup(p.Close)
	svc := accounts.New(db, inteltest.Quiet)
	srv := httptest.NewServer(api.New(svc, api.Options{Log: inteltest.Quiet, Intel: w.Svc, Push: p}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	tok, _, err := svc.CreateToken(ctx, auth.System("test"), w.Users["op-b-analyst"].ID, accounts.TokenRequest{Name: "t", Scopes: []org.Scope{org.ScopeRead}})
	if err != nil {
		t.Fatal(err)
	}
	p.Publish(ctx, &event.Event{Kind: event.AlertPublished, Subject: "for-op-b", Audience: event.Audience{Orgs: []string{w.Orgs["op-b"].ID}}},
		&event.Event{Kind: event.AlertPublished, Subject: "for-op-a", Audience: event.Audience{Orgs: []string{w.Orgs["op-a"].ID}}})
	run := func(ctx context.Context, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(ctx, args, strings.NewReader(""), &out, &errb, func(k string) string {
			if k == "SAKIMORI_TOKEN" {
				return tok
			}
			return ""
		})
		return code, out.String(), errb.String()
	}
	code, out, errs := run(ctx, "events", "tail", "--server", srv.URL, "--once")
	if id1, _ := p.EventID(ctx, 1); code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"subject":"for-op-b"`) || !strings.Contains(out, `"id":"`+id1+`"`) {
		t.Fatalf("--once: %d %q %q", code, out, errs)
	}
	// Following: a live event arrives; the command ends with the context.
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lw := &lineWatch{want: `"subject":"live"`, seen: make(chan struct{})}
	done := make(chan int, 1)
	// --after takes an event id (as printed); a seq or a made-up id is refused.
	id2, err := p.EventID(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"2", "xyz"} {
		if code, _, errs := run(ctx, "events", "tail", "--server", srv.URL, "--once", "--after", bad); code != 2 || !strings.Contains(errs, "after") || !strings.Contains(errs, "event id") {
			t.Errorf("--after %s: %d %q", bad, code, errs)
		}
	}
	if code, out, errs := run(ctx, "events", "tail", "--server", srv.URL, "--once", "--after", id2); code != 0 || out != "" {
		t.Errorf("--once --after the last id: %d %q %q", code, out, errs)
	}
	go func() {
		done <- Run(fctx, []string{"events", "tail", "--server", srv.URL, "--after", id2, "--kinds", "alert"}, strings.NewReader(""), lw, &bytes.Buffer{},
			func(k string) string {
				if k == "SAKIMORI_TOKEN" {
					return tok
				}
				return ""
			})
	}()
	for deadline := time.Now().Add(10 * time.Second); p.Subscribers() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("tail did not connect")
		}
	}
	p.Publish(ctx, &event.Event{Kind: event.AlertUpdated, Subject: "live", Audience: event.Audience{Everyone: true}})
	select {
	case <-lw.seen:
	case <-time.After(10 * time.Second):
		t.Fatalf("no live event: %q", lw.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out := lw.String(); strings.Contains(out, "for-op-a") || strings.Contains(out, "for-op-b") {
		t.Fatalf("follow after 2: %q", out)
	}
}

// lineWatch collects output and signals when want appears.
type lineWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (l *lineWatch) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.buf.Write(b)
	if strings.Contains(l.buf.String(), l.want) {
		l.once.Do(func() { close(l.seen) })
	}
	return n, err
}

func (l *lineWatch) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
