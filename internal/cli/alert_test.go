package cli

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"sakimori/internal/alerting"
	"sakimori/internal/audit"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestAlertCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			run := seededWorld(t, d, func(tb testing.TB, db *store.DB) {
				w := inteltest.New(tb, db)
				u := &org.User{OrgID: w.Orgs["nco"].ID, Email: "nco-reviewer@nco.example.jp", DisplayName: "reviewer", Roles: []org.Role{org.RoleAnalyst}}
				if err := db.CreateUser(context.Background(), audit.Actor{Name: "cli"}, u, ""); err != nil {
					tb.Fatal(err)
				}
			})
			nco, reviewer := as("nco-analyst"), []string{"--as", "nco-reviewer@nco.example.jp"}
			cmd := func(who []string, args ...string) []string { return append(args, who...) }

			r := run("", cmd(nco, "alert", "new", "--summary", "概要")...)
			if r.code == 0 || !strings.Contains(r.stderr, "--title") {
				t.Fatalf("no title: %+v", r)
			}
			r = run("", cmd(as("op-a-analyst"), "alert", "new", "--title", "x", "--summary", "y", "--org", "op-b")...)
			if r.code == 0 {
				t.Fatalf("operator drafts: %+v", r)
			}
			r = run("", cmd(nco, "alert", "new", "--json", "--title", "機密の注意喚起", "--summary", "概要", "--org", "op-b", "--cve", "CVE-2024-21762",
				"--indicator", "203.0.113[.]7", "--action", "遮断してください", "--tlp", "amber")...)
			var v alerting.View
			jsonOf(t, r, &v)
			if r.code != 0 || v.Ref == "" || v.Indicators[0].Value != "203.0.113.7" {
				t.Fatalf("new: %+v", r)
			}
			ref := v.Ref
			for _, step := range [][]string{
				cmd(nco, "alert", "submit", ref),
				cmd(reviewer, "alert", "review", ref, "--approve"),
			} {
				if r := run("", step...); r.code != 0 {
					t.Fatalf("%v: %+v", step, r)
				}
			}
			r = run("", cmd(nco, "alert", "publish", ref, "--preview")...)
			if r.code != 0 || !strings.Contains(r.stdout, "op-b") || !strings.Contains(r.stdout, "recipients: 1 (1 new)") {
				t.Fatalf("preview: %+v", r)
			}
			if r = run("", cmd(nco, "alert", "publish", ref)...); r.code != 0 || !strings.Contains(r.stdout, "published") {
				t.Fatalf("publish: %+v", r)
			}
			r = run("", cmd(as("op-b-analyst"), "alert", "list", "--unacked")...)
			if r.code != 0 || !strings.Contains(r.stdout, ref) {
				t.Fatalf("inbox: %+v", r)
			}
			r = run("", cmd(as("op-b-analyst"), "alert", "show", ref)...)
			if r.code != 0 || !strings.Contains(r.stdout, "機密の注意喚起") || strings.Contains(r.stdout, "targeting") {
				t.Fatalf("show: %+v", r)
			}
			if r = run("", cmd(as("op-b-analyst"), "alert", "ack", ref, "--state", "actioned", "--actions", "FW で遮断")...); r.code != 0 {
				t.Fatalf("ack: %+v", r)
			}
			r = run("", cmd(nco, "alert", "recipients", ref)...)
			if r.code != 0 || !strings.Contains(r.stdout, "actioned 1") || !strings.Contains(r.stdout, "op-b") {
				t.Fatalf("recipients: %+v", r)
			}
			r = run("", cmd(as("op-b-analyst"), "alert", "export", ref)...)
			var b struct {
				Type    string `json:"type"`
				Objects []struct {
					Type string `json:"type"`
				} `json:"objects"`
			}
			if r.code != 0 || json.Unmarshal([]byte(r.stdout), &b) != nil || b.Type != "bundle" || b.Objects[len(b.Objects)-1].Type != "report" {
				t.Fatalf("export: %+v", r)
			}
			// An update from a JSON patch on standard input, republished.
			r = run("", cmd(nco, "alert", "show", ref, "--json")...)
			jsonOf(t, r, &v)
			r = run(`{"rev":`+strconv.Itoa(v.Rev)+`,"title":{"ja":"更新: 機密の注意喚起","en":"Updated"}}`, cmd(nco, "alert", "edit", ref, "--file", "-")...)
			if r.code != 0 {
				t.Fatalf("edit: %+v", r)
			}
			r = run("", cmd(nco, "alert", "edit", ref, "--file", "-", "--rev", "1")...)
			if r.code == 0 {
				t.Fatalf("edit without body: %+v", r)
			}
			if r = run("", cmd(nco, "alert", "publish", ref)...); r.code != 0 {
				t.Fatalf("republish: %+v", r)
			}
			r = run("", cmd(as("op-b-analyst"), "alert", "show", ref, "--lang", "en")...)
			if r.code != 0 || !strings.Contains(r.stdout, "Updated") || !strings.Contains(r.stdout, "changed: title") {
				t.Fatalf("updated show: %+v", r)
			}

			// Nobody else sees the AMBER alert, on any command.
			for _, u := range []string{"op-a-analyst", "op-a-admin", "isac-analyst", "sup-analyst", "ven-admin"} {
				for _, args := range [][]string{{"alert", "list"}, {"alert", "list", "--json"}, {"alert", "show", ref}, {"alert", "export", ref},
					{"alert", "ack", ref}, {"alert", "recipients", ref}, {"alert", "publish", ref, "--preview"}, {"alert", "submit", ref},
					{"alert", "review", ref, "--approve"}, {"alert", "withdraw", ref, "--reason", "x"}} {
					r := run("", cmd(as(u), args...)...)
					if strings.Contains(r.stdout, ref) || strings.Contains(r.stdout, "機密") || strings.Contains(r.stderr, "機密") || args[1] != "list" && r.code == 0 {
						t.Fatalf("%s %v leaks: %+v", u, args, r)
					}
				}
			}
			if r = run("", cmd(nco, "alert", "withdraw", ref)...); r.code == 0 || !strings.Contains(r.stderr, "--reason") {
				t.Fatalf("withdraw without reason: %+v", r)
			}
			if r = run("", cmd(nco, "alert", "withdraw", ref, "--reason", "誤報")...); r.code != 0 || !strings.Contains(r.stdout, "withdrawn") {
				t.Fatalf("withdraw: %+v", r)
			}
		})
	}
}
