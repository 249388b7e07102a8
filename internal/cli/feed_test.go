package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestFeedCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, d)
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			inteltest.New(t, db)
			db.Close()

			const secret = "very-secret-feed-password-123"
			const ev = "a1b2c3d4-0001-4000-8000-000000000001"
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, p, ok := r.BasicAuth(); !ok || p != secret {
					http.Error(w, "no", http.StatusUnauthorized)
					return
				}
				switch r.URL.Path {
				case "/feed/manifest.json":
					fmt.Fprintf(w, `{%q:{"info":"x","timestamp":1793491200}}`, ev)
				case "/feed/" + ev + ".json":
					fmt.Fprintf(w, `{"Event":{"uuid":%q,"info":"cli test","date":"2026-11-01","timestamp":"1793491200",
						"Attribute":[{"type":"ip-dst","category":"Network activity","to_ids":true,"uuid":"b1b2c3d4-0001-4000-8000-000000000001",
						"timestamp":"1793491200","value":"203.0.113.9"}]}}`, ev)
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()

			var all bytes.Buffer
			run := func(stdin string, env map[string]string, args ...string) (int, string, string) {
				var out, errb bytes.Buffer
				getenv := func(k string) string {
					if k == "SAKIMORI_DB" {
						return dsn
					}
					return env[k]
				}
				code := Run(ctx, args, strings.NewReader(stdin), &out, &errb, getenv)
				all.WriteString(out.String() + errb.String())
				return code, out.String(), errb.String()
			}
			code, out, errs := run(secret+"\n", nil, "feed", "add", "cert", "--kind", "misp", "--url", srv.URL+"/feed/",
				"--into", "exchange", "--org", "op-a", "--username", "feeder", "--secret-stdin", "--interval", "15m")
			if code != 0 || !strings.Contains(out, "created feed cert") {
				t.Fatalf("add: %d %s %s", code, out, errs)
			}
			// Errors name the flag.
			for _, c := range []struct {
				args []string
				flag string
			}{
				{[]string{"--kind", "misp", "--url", "ftp://x.example/", "--into", "exchange", "--org", "op-a"}, "--url"},
				{[]string{"--kind", "misp", "--url", srv.URL, "--into", "exchange", "--org", "op-a", "--interval", "30"}, "--interval"},
				{[]string{"--kind", "rss", "--url", srv.URL, "--into", "exchange", "--org", "op-a"}, "--kind"},
				{[]string{"--kind", "misp", "--url", srv.URL, "--into", "nope", "--org", "op-a"}, "--into"},
				{[]string{"--kind", "misp", "--url", srv.URL, "--into", "exchange"}, "--org"},
				{[]string{"--kind", "taxii", "--url", srv.URL, "--into", "exchange", "--org", "op-a"}, "--remote-collection"},
			} {
				code, _, errs := run("", nil, append([]string{"feed", "add", "bad"}, c.args...)...)
				if code == 0 || !strings.Contains(errs, c.flag) {
					t.Errorf("%v: status %d, %q does not name %s", c.args, code, errs, c.flag)
				}
			}
			if code, _, errs := run("", nil, "feed", "add", "cert", "--kind", "misp", "--url", srv.URL, "--into", "exchange", "--org", "op-a"); code == 0 || !strings.Contains(errs, "already exists") {
				t.Errorf("duplicate: %d %s", code, errs)
			}

			code, out, _ = run("", nil, "feed", "list")
			if code != 0 || !strings.Contains(out, "cert") || !strings.Contains(out, "15m0s") {
				t.Fatalf("list: %s", out)
			}
			code, out, _ = run("", nil, "feed", "show", "cert")
			if code != 0 || !strings.Contains(out, "basic as feeder") || !strings.Contains(out, "secret:") {
				t.Fatalf("show: %s", out)
			}
			code, out, _ = run("", nil, "feed", "show", "cert", "--json")
			var js map[string]any
			if code != 0 || json.Unmarshal([]byte(out), &js) != nil || js["secret"] == "" {
				t.Fatalf("show --json: %s", out)
			}

			code, out, errs = run("", nil, "feed", "run", "cert", "--once")
			if code != 0 || !strings.Contains(out, "feed cert: pages 1, accepted ") || !strings.Contains(out, "cursor: {") {
				t.Fatalf("run: %d %s %s", code, out, errs)
			}
			code, out, _ = run("", nil, "feed", "run", "cert", "--once")
			if code != 0 || !strings.Contains(out, "pages 0, accepted 0, updated 0, duplicates 0") {
				t.Fatalf("second run: %s", out)
			}
			// Disable and break the credential: run reports the failure, exit 1.
			code, _, errs = run("wrong\n", nil, "feed", "update", "cert", "--secret-stdin", "--disable", "--reset-cursor")
			if code != 0 {
				t.Fatalf("update: %s", errs)
			}
			code, out, errs = run("", nil, "feed", "run", "--once")
			if code != 0 || out != "" {
				t.Fatalf("run all with only a disabled feed: %d %q %q", code, out, errs)
			}
			code, _, errs = run("", nil, "feed", "run", "cert")
			if code != 1 || !strings.Contains(errs, "401") {
				t.Fatalf("failing run: %d %s", code, errs)
			}
			code, out, _ = run("", map[string]string{"SAKIMORI_FEED_SECRET": secret}, "feed", "update", "cert", "--enable")
			if code != 0 {
				t.Fatal(out)
			}
			code, out, _ = run("", nil, "feed", "show", "cert")
			if !strings.Contains(out, "401") || !strings.Contains(out, "enabled:            true") && !strings.Contains(out, "true") {
				t.Fatalf("show after failure: %s", out)
			}
			if code, _, errs := run("", nil, "feed", "remove", "cert"); code != 0 {
				t.Fatal(errs)
			}
			if code, _, _ := run("", nil, "feed", "show", "cert"); code == 0 {
				t.Fatal("feed still there")
			}
			if strings.Contains(all.String(), secret) {
				t.Fatalf("the secret appears in the output:\n%s", all.String())
			}
		})
	}
}
