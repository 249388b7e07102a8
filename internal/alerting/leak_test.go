package alerting_test

import (
	"context"
	"strings"
	"testing"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestNonRecipientsNeverSeeAlerts: over every principal of the reporting
// test world (inteltest's and the ministry, the police and op-a's
// reporter and approvers), an AMBER or RED alert addressed to op-b, and a
// draft, are seen only by the government and op-b; everyone else gets not
// found (reads) or forbidden (the issuer's steps) from every method.
func TestNonRecipientsNeverSeeAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := reportingtest.New(t, db)
		u := &org.User{OrgID: w.Orgs["nco"].ID, Email: "nco-reviewer@nco.example.jp", DisplayName: "reviewer", Roles: []org.Role{org.RoleAnalyst}}
		if err := db.CreateUser(ctx, audit.Actor{Name: "cli"}, u, ""); err != nil {
			t.Fatal(err)
		}
		w.Users["nco-reviewer"] = u
		s := alerting.New(db, nil)
		mk := func(tlp marking.TLP, publish bool) *alerting.View {
			c := alert.Content{Severity: alert.High, TLP: tlp, Title: alert.Text{JA: "秘匿 " + tlp.String()}, Summary: alert.Text{JA: "概要"},
				Indicators: []alert.Indicator{{Value: "192.0.2.77"}}, Targeting: alert.Targeting{Orgs: []string{w.Orgs["op-b"].ID}}}
			v, err := s.Create(ctx, w.P("nco-analyst"), c, "")
			if err != nil {
				t.Fatal(err)
			}
			if !publish {
				return v
			}
			v, _ = s.Submit(ctx, w.P("nco-analyst"), v.ID, v.Rev)
			v, _ = s.Review(ctx, w.P("nco-reviewer"), v.ID, v.Rev, true, "")
			v, _, err = s.Publish(ctx, w.P("nco-analyst"), v.ID, v.Rev)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		secrets := []*alerting.View{mk(marking.TLPAmber, true), mk(marking.TLPRed, true), mk(marking.TLPAmberStrict, true), mk(marking.TLPClear, false)}
		for name := range w.Users {
			p := w.P(name)
			gov := p.Org.Kind.IsGovernment()
			recipient := p.Org.Slug == "op-b"
			l, err := s.List(ctx, p, alerting.Query{})
			if err != nil {
				t.Fatalf("%s list: %v", name, err)
			}
			for _, sec := range secrets {
				listed := false
				for _, v := range l {
					listed = listed || v.ID == sec.ID
				}
				_, gerr := s.Get(ctx, p, sec.Ref)
				_, xerr := s.Export(ctx, p, sec.ID)
				_, rerr := s.Recipients(ctx, p, sec.ID)
				_, perr := s.Preview(ctx, p, sec.ID)
				switch {
				case gov:
					if !listed || gerr != nil || rerr != nil {
						t.Fatalf("%s (government) does not see %s: %v %v", name, sec.Ref, gerr, rerr)
					}
				case recipient && sec.State == alert.Published:
					if !listed || gerr != nil || xerr != nil {
						t.Fatalf("%s (recipient) does not see %s: %v %v", name, sec.Ref, gerr, xerr)
					}
				default:
					if listed {
						t.Fatalf("%s lists %s", name, sec.Ref)
					}
					// Changes are tried only by those who must be refused.
					_, aerr := s.Ack(ctx, p, sec.ID, alert.Acknowledged, "")
					_, eerr := s.Edit(ctx, p, sec.ID, sec.Rev, func(c *alert.Content) error { return nil })
					_, werr := s.Withdraw(ctx, p, sec.ID, sec.Rev, "x")
					for what, err := range map[string]error{"get": gerr, "export": xerr, "ack": aerr} {
						if apperr.CodeOf(err) != apperr.CodeNotFound {
							t.Fatalf("%s %s %s: %v", name, what, sec.Ref, err)
						}
						if err != nil && strings.Contains(err.Error(), "秘匿") {
							t.Fatalf("%s %s leaks the title: %v", name, what, err)
						}
					}
					for what, err := range map[string]error{"recipients": rerr, "preview": perr, "edit": eerr, "withdraw": werr} {
						if apperr.CodeOf(err) != apperr.CodeForbidden {
							t.Fatalf("%s %s %s: %v", name, what, sec.Ref, err)
						}
					}
				}
			}
		}
	})
}

// TestOnlyTheIssuerChangesItsAlerts: another government organisation (the
// sector ministry) reads an alert but neither edits, reviews, publishes
// nor withdraws it.
func TestOnlyTheIssuerChangesItsAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := reportingtest.New(t, db)
		s := alerting.New(db, nil)
		c := alert.Content{Title: alert.Text{JA: "t"}, Summary: alert.Text{JA: "s"}, Targeting: alert.Targeting{Everyone: true}}
		v, err := s.Create(ctx, w.P("nco-analyst"), c, "")
		if err != nil {
			t.Fatal(err)
		}
		min := w.P("min-analyst")
		if _, err := s.Get(ctx, min, v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Edit(ctx, min, v.ID, v.Rev, func(c *alert.Content) error { return nil }); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("edit: %v", err)
		}
		if v, err = s.Submit(ctx, w.P("nco-analyst"), v.ID, v.Rev); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Review(ctx, min, v.ID, v.Rev, true, ""); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("review: %v", err)
		}
		if _, _, err := s.Publish(ctx, min, v.ID, v.Rev); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("publish: %v", err)
		}
	})
}
