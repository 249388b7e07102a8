package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// incidentWorld is exposureWorld plus what reporting needs: a sector
// ministry ("min"), the police ("npa", never a receiver) and op-a's
// reporter and legal and executive approvers.
func incidentWorld(t *testing.T, d store.Dialect) func(stdin string, args ...string) xrun {
	return seededWorld(t, d, func(t testing.TB, db *store.DB) { reportingtest.New(t, db) })
}

// TestIncidentCommands drives a report from peacetime settings and a
// template through approval, a refused and an accepted submission, to the
// receivers' acknowledgement, information request, triage and link, and
// the reporter's tasks, exports and sharing preview; and bad input, each
// error naming its flag.
func TestIncidentCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			x := incidentWorld(t, d)
			dir := t.TempDir()
			ok := func(stdin string, args ...string) xrun {
				t.Helper()
				r := x(stdin, args...)
				if r.code != 0 {
					t.Fatalf("%s: %v", strings.Join(args, " "), r)
				}
				return r
			}
			// fails runs a command that must fail with status code, its
			// stderr naming every want.
			fails := func(code int, want []string, args ...string) {
				t.Helper()
				r := x("", args...)
				if r.code != code {
					t.Fatalf("%s: want exit %d: %v", strings.Join(args, " "), code, r)
				}
				for _, w := range want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("%s: stderr lacks %q: %v", strings.Join(args, " "), w, r)
					}
				}
			}
			cmd := func(user string, args ...string) []string { return append(args, as(user)...) }
			rep := func(args ...string) []string {
				return append(append([]string{"incident"}, args...), "--as", "op-a-reporter@op-a.example.jp")
			}
			contains := func(r xrun, what ...string) {
				t.Helper()
				for _, w := range what {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("output lacks %q:\n%v", w, r)
					}
				}
			}
			file := func(name, data string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}

			// ---- peacetime: settings (administrators only) and a template ----
			settings := file("settings.json", `{"flow": {"mode": "sequential", "steps": ["legal", "exec"]}, "regimes": ["jp-acd", "eu-nis2"],
				"recipients": ["nco", "min"], "internal_domains": ["corp.op-a.example"]}`)
			fails(1, []string{"administrators"}, rep("settings", "put", "--from-json", settings)...)
			contains(ok("", cmd("op-a-admin", "incident", "settings", "put", "--from-json", settings)...), "saved the reporting settings of op-a")
			contains(ok("", rep("settings", "show")...), `"sequential"`, `"corp.op-a.example"`)
			fails(2, []string{"--from-json"}, rep("settings", "put", "--from-json", file("bad.json", `{"flow": 1}`))...)
			tplFile := file("tpl.json", `{"name": "VPN intrusion", "title": "VPN装置への不正アクセス", "default_tlp": "amber",
				"content": {"contacts": {"value": [{"name": "CSIRT duty", "phone": "+81 3 0000 0000", "h24": true}], "state": "known", "confidence": "confirmed"}}}`)
			r := ok("", rep("template", "put", "--from-json", tplFile, "--json")...)
			var tpl struct{ ID string }
			jsonOf(t, r, &tpl)
			contains(ok("", rep("template", "list")...), tpl.ID, "VPN intrusion", "1 template(s)")

			// ---- a new report from the template ----
			now := time.Now().UTC()
			aware := now.Add(-2 * time.Hour).Format(time.RFC3339)
			content := `{"class": {"value": "unauthorised_access", "state": "known", "confidence": "confirmed"},
				"summary": {"value": "SSL-VPN装置への不正ログインを検知。", "state": "known", "confidence": "confirmed"},
				"aware": {"value": "` + aware + `", "state": "known", "confidence": "confirmed"},
				"impact": {"value": {"level": "minor", "services": "remote access"}, "state": "known", "confidence": "confirmed"},
				"iocs": {"value": [{"type": "ipv4", "value": "203.0.113.47"}, {"type": "ipv4", "value": "10.0.0.5"},
					{"type": "domain", "value": "vpn01.corp.op-a.example"}], "state": "known", "confidence": "confirmed"},
				"contacts": {"value": [{"name": "CSIRT duty", "h24": true}], "state": "known", "confidence": "confirmed"}}`
			cfile := file("content.json", content)
			fails(2, []string{"--from-json"}, rep("new", "--title", "x", "--from-json", file("typo.json", `{"clas": {}}`))...)
			fails(2, []string{"--title: required"}, rep("new")...)
			fails(2, []string{"--template"}, rep("new", "--template", "nope", "--title", "x")...)
			r = ok("", rep("new", "--template", tpl.ID, "--from-json", cfile, "--json")...)
			var in struct {
				ID, Ref, State string
				Version        int
			}
			jsonOf(t, r, &in)
			if in.State != "draft" || !strings.HasPrefix(in.Ref, "INC-") {
				t.Fatalf("new: %v", r)
			}
			r = ok("", rep("show", in.Ref)...)
			contains(r, in.Ref, "VPN装置への不正アクセス", "(you: reporter)", "jp-acd", "prompt", "JST", "Not yet given:", "computers", "recipients: nco, min")

			// ---- regimes: "no" needs a reason, named by its flag ----
			fails(2, []string{"--set"}, rep("regimes", in.Ref, "--set", "jp-acd")...)
			fails(2, []string{"--set"}, rep("regimes", in.Ref, "--set", "jp-acd=yes", "--set", "eu-nis2=no")...)
			contains(ok("", rep("regimes", in.Ref, "--set", "jp-acd=yes", "--set", "eu-nis2=no:no EU establishment")...), "regimes decided for "+in.Ref)

			// ---- approval: sequential, legal first ----
			approve := func(user, kind string, extra ...string) xrun {
				return x("", append([]string{"incident", "approve", in.Ref, "--kind", kind, "--as", user + "@op-a.example.jp"}, extra...)...)
			}
			fails(2, []string{"--kind: required"}, "incident", "approve", in.Ref, "--as", "op-a-legal@op-a.example.jp")
			contains(ok("", rep("approve-request", in.Ref)...), "now in_approval")
			contains(ok("", rep("approve-withdraw", in.Ref)...), "now draft")
			fails(1, []string{"not awaiting approval"}, rep("approve-withdraw", in.Ref)...)
			contains(ok("", rep("approve-request", in.Ref)...), "now in_approval")
			if r := approve("op-a-exec", "exec"); r.code != 1 || !strings.Contains(r.stderr, "sequential") {
				t.Fatalf("exec before legal: %v", r)
			}
			if r := approve("op-a-legal", "legal", "--reject"); r.code != 2 || !strings.Contains(r.stderr, "--comment") {
				t.Fatalf("reject without comment: %v", r)
			}
			if r := approve("op-a-reporter", "legal"); r.code != 1 || !strings.Contains(r.stderr, "--kind") {
				t.Fatalf("reporter approving: %v", r)
			}
			if r := approve("op-a-legal", "legal"); r.code != 0 {
				t.Fatal(r)
			}
			if r := approve("op-a-exec", "exec", "--comment", "OK"); r.code != 0 || !strings.Contains(r.stdout, "now approved") {
				t.Fatal(r)
			}

			// ---- submission: the prompt report needs the computers ----
			fails(1, []string{"content.computers", "jp-acd stage prompt"}, rep("submit", in.Ref, "--stage", "jp-acd/prompt")...)
			fails(2, []string{"--stage"}, rep("submit", in.Ref, "--stage", "jp-acd")...)
			fails(2, []string{"--stage"}, rep("submit", in.Ref, "--stage", "eu-nis2/early_warning")...)
			fails(2, []string{"--reason"}, rep("submit", in.Ref, "--stage", "jp-acd/prompt", "--emergency")...)
			withheld := strings.Replace(content, `"contacts"`, `"computers": {"state": "withheld"}, "contacts"`, 1)
			r = ok(withheld, rep("edit", in.Ref, "--from-json", "-", "--note", "computers withheld")...)
			contains(r, "saved "+in.Ref, "now draft", "version 2")
			ok("", rep("approve-request", in.Ref)...)
			approve("op-a-legal", "legal")
			approve("op-a-exec", "exec")
			r = ok("", rep("submit", in.Ref, "--stage", "jp-acd/prompt", "--note", "速報")...)
			contains(r, "to nco for jp-acd/prompt", "to min for jp-acd/prompt", "sha256", "2 submission(s)")
			contains(ok("", rep("diff", in.Ref, "--from", "1", "--to", "2")...), "computers:", "1 field(s) differ")
			fails(1, []string{"--to"}, rep("diff", in.Ref, "--from", "1", "--to", "9")...)

			// ---- receivers ----
			nco := func(args ...string) []string {
				return append(append([]string{"incident"}, args...), as("nco-analyst")...)
			}
			r = ok("", nco("list", "--received")...)
			contains(r, in.Ref, "submitted", "1 incident(s)")
			r = ok("", nco("show", in.Ref)...)
			contains(r, "(you: receiver)", "Submissions (kept as sent):", "jp-acd/prompt")
			if strings.Contains(r.stdout, "approval flow") || strings.Contains(r.stdout, "Timeline") {
				t.Errorf("the receiver sees the approvals or the reporter's timeline: %v", r)
			}
			fails(1, []string{"not found"}, "incident", "show", in.ID, "--as", "npa-analyst@npa.example.jp")
			fails(1, []string{"not found"}, "incident", "show", in.Ref, "--as", "op-b-analyst@op-b.example.jp")
			fails(2, []string{"--ref: required"}, nco("ack", in.Ref)...)
			fails(1, []string{"--submission"}, nco("ack", in.Ref, "--ref", "NCO-1", "--submission", "nope")...)
			contains(ok("", nco("ack", in.Ref, "--ref", "NCO-2026-0001")...), "now acknowledged")
			fails(2, []string{"--field"}, nco("request-info", in.Ref, "--question", "経路は?", "--field", "nope")...)
			fails(2, []string{"--due"}, nco("request-info", in.Ref, "--question", "経路は?", "--due", "tomorrow")...)
			fails(2, []string{"--question: required"}, nco("request-info", in.Ref)...)
			due := now.Add(48 * time.Hour).In(time.FixedZone("", 9*3600)).Format("2006-01-02T15:04-07:00")
			contains(ok("", nco("request-info", in.Ref, "--question", "侵入経路を報告してください", "--field", "intrusion_path", "--due", due)...), "now info_requested")
			fails(2, []string{"--severity"}, nco("triage", in.Ref, "--severity", "urgent")...)
			fails(2, []string{"--assignee"}, nco("triage", in.Ref, "--severity", "high", "--assignee", "nobody@example.jp")...)
			ok("", nco("triage", in.Ref, "--severity", "high", "--assignee", "nco-analyst@nco.example.jp")...)
			fails(2, []string{"--kind"}, nco("link", in.Ref, "--kind", "bogus", "--ref", "CL-1")...)
			fails(2, []string{"--ref"}, nco("link", in.Ref, "--kind", "cluster", "--ref", "CL-1")...)
			ok("", nco("link", in.Ref, "--kind", "object", "--ref", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")...)
			fails(2, []string{"--kind"}, nco("comment", in.Ref, "--kind", "praise", "--text", "x")...)
			ok("", nco("comment", in.Ref, "--kind", "advice", "--text", "VPN の認証ログを保全してください")...)
			r = ok("", nco("show", in.Ref)...)
			contains(r, "NCO-2026-0001", "severity high", "object indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "侵入経路を報告してください")
			// Triage and links are the government's: the reporter sees neither.
			r = ok("", rep("show", in.Ref)...)
			contains(r, "NCO-2026-0001", "侵入経路を報告してください", "info_requested")
			if strings.Contains(r.stdout, "severity high") || strings.Contains(r.stdout, "indicator--8e2e2d2b") {
				t.Errorf("the reporter sees the triage: %v", r)
			}
			// Only receivers handle received reports.
			fails(1, []string{"government"}, rep("triage", in.Ref, "--severity", "low")...)

			// ---- the reporter's tasks, exports and sharing ----
			contains(ok("", rep("tasks")...), "info_request", in.Ref, "侵入経路を報告してください")
			r = ok("", rep("export", in.Ref, "--format", "stix")...)
			var bundle struct {
				Type    string
				Objects []struct{ Type string }
			}
			jsonOf(t, r, &bundle)
			if bundle.Type != "bundle" || len(bundle.Objects) == 0 {
				t.Fatalf("stix export: %v", r)
			}
			out := filepath.Join(dir, "export.json")
			ok("", rep("export", in.Ref, "--format", "json", "-o", out)...)
			var exp struct {
				View struct {
					Incident struct {
						Ref    string
						Triage struct{ Severity string }
					}
				}
				Versions []json.RawMessage
			}
			if b, err := os.ReadFile(out); err != nil || json.Unmarshal(b, &exp) != nil || exp.View.Incident.Ref != in.Ref || len(exp.Versions) != 2 ||
				exp.View.Incident.Triage.Severity != "" {
				t.Fatalf("json export: %v %s", err, out)
			}
			fails(2, []string{"--format"}, rep("export", in.Ref, "--format", "xml")...)
			r = ok("", rep("share", in.Ref, "--tlp", "green")...)
			contains(r, "STIX object(s) would be shared", "removal(s):", "10.0.0.5", "vpn01.corp.op-a.example", "token: ")
			fails(2, []string{"--tlp"}, rep("share", in.Ref, "--tlp", "purple")...)
			fails(2, []string{"--token"}, rep("share", in.Ref, "--tlp", "green", "--release", "--collection", "op-a-amber")...)

			// ---- reminders, refuting and reopening ----
			contains(ok("", "incident", "remind"), "new reminder(s)")
			ok("", rep("reminders")...)
			fails(2, []string{"--reason"}, rep("refute", in.Ref)...)
			contains(ok("", rep("refute", in.Ref, "--reason", "誤検知")...), "now refuted")
			contains(ok("", nco("show", in.Ref)...), "retraction")
			contains(ok("", rep("reopen", in.Ref, "--reason", "新たな痕跡")...), "now reopened")

			// ---- acting user, help ----
			fails(2, []string{"--as"}, "incident", "list")
			fails(2, []string{"--as"}, "incident", "list", "--as", "nobody@example.jp")
			fails(2, []string{"--state"}, rep("list", "--state", "lost")...)
			contains(ok("", "help", "incident"), "incident submit", "incident share", "incident template put")
			contains(ok("", "incident", "submit", "--help"), "--emergency", "--stage")
		})
	}
}
