package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sakimori/internal/event"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/push"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestEventsAndWebhooksCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			x := seededWorld(t, d, func(tb testing.TB, db *store.DB) {
				w := inteltest.New(tb, db)
				p := push.New(db, nil)
				ctx := context.Background()
				for _, ev := range []*event.Event{
					{Kind: event.AlertPublished, Subject: "to-all", Audience: event.Audience{Everyone: true}},
					{Kind: event.ReportStatus, Subject: "to-op-a", Audience: event.Audience{Orgs: []string{w.Orgs["op-a"].ID}}},
					{Kind: event.ClusterCreated, Subject: "to-gov", Audience: event.Audience{Gov: true}},
				} {
					if err := p.Publish(ctx, ev); err != nil {
						tb.Fatal(err)
					}
				}
			})
			subjects := func(out string) []string {
				var s []string
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if line == "" {
						continue
					}
					var e event.Event
					if err := json.Unmarshal([]byte(line), &e); err != nil {
						t.Fatalf("not a JSON line: %q", line)
					}
					s = append(s, e.Subject)
				}
				return s
			}
			r := x("", append([]string{"events", "tail", "--once"}, as("op-a-analyst")...)...)
			if r.code != 0 || strings.Join(subjects(r.stdout), ",") != "to-all,to-op-a" {
				t.Fatalf("op-a: %v", r)
			}
			r = x("", append([]string{"events", "tail", "--once", "--kinds", "cluster"}, as("nco-analyst")...)...)
			if r.code != 0 || strings.Join(subjects(r.stdout), ",") != "to-gov" {
				t.Fatalf("nco clusters: %v", r)
			}
			// --after takes an id as printed: after to-all, op-b gets nothing
			// more; a seq is refused as a bad --after.
			var first struct{ ID string }
			r = x("", append([]string{"events", "tail", "--once", "--kinds", "alert"}, as("op-b-analyst")...)...)
			if r.code != 0 || json.Unmarshal([]byte(r.stdout), &first) != nil || len(first.ID) != 22 {
				t.Fatalf("op-b: %v", r)
			}
			r = x("", append([]string{"events", "tail", "--once", "--after", first.ID}, as("op-b-analyst")...)...)
			if r.code != 0 || r.stdout != "" {
				t.Fatalf("op-b after %s: %v", first.ID, r)
			}
			r = x("", append([]string{"events", "tail", "--once", "--after", "1"}, as("op-b-analyst")...)...)
			if r.code != 2 || !strings.Contains(r.stderr, "--after") {
				t.Fatalf("--after 1 (a seq): %v", r)
			}
			if r = x("", append([]string{"events", "tail", "--kinds", "nope", "--once"}, as("op-b-analyst")...)...); r.code == 0 {
				t.Fatalf("bad kinds accepted: %v", r)
			}
			if r = x("", "events", "tail", "--server", "https://x.example"); r.code == 0 || !strings.Contains(r.stderr, "--token") {
				t.Fatalf("no token: %v", r)
			}

			// Webhooks: administrators only; the secret once.
			if r = x("", append([]string{"webhooks", "add", "--url", "https://hooks.example/x"}, as("op-a-analyst")...)...); r.code == 0 {
				t.Fatalf("analyst added a webhook: %v", r)
			}
			r = x("", append([]string{"webhooks", "add", "--url", "https://127.0.0.1:1/x", "--kinds", "alert", "--json"}, as("op-a-admin")...)...)
			var nw struct{ ID, Secret string }
			if r.code != 0 || json.Unmarshal([]byte(r.stdout), &nw) != nil || !strings.HasPrefix(nw.Secret, "whsec_") {
				t.Fatalf("add: %v", r)
			}
			r = x("", append([]string{"webhooks", "list"}, as("op-a-admin")...)...)
			if r.code != 0 || !strings.Contains(r.stdout, nw.ID) || strings.Contains(r.stdout, nw.Secret) {
				t.Fatalf("list: %v", r)
			}
			// The SSRF guard refuses a loopback destination.
			if r = x("", append([]string{"webhooks", "test", nw.ID}, as("op-a-admin")...)...); r.code == 0 || !strings.Contains(r.stderr, "not allowed") {
				t.Fatalf("test: %v", r)
			}
			if r = x("", append([]string{"webhooks", "remove", nw.ID}, as("op-b-admin")...)...); r.code == 0 {
				t.Fatalf("another organisation removed it: %v", r)
			}
			if r = x("", append([]string{"webhooks", "remove", nw.ID}, as("op-a-admin")...)...); r.code != 0 {
				t.Fatalf("remove: %v", r)
			}
		})
	}
}
