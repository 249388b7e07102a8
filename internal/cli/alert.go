package cli

// `sakimori alert new|list|show|edit|submit|review|publish|withdraw|ack|
// recipients|export`: alerts (注意喚起, issue #7, docs/alerts.md) acting as
// a user (--as EMAIL or SAKIMORI_AS). Government analysts draft (from
// flags, a JSON file or a correlation cluster), review, publish and
// withdraw; recipients list what is addressed to them and acknowledge. The
// alert service decides, as it does for the API and the dashboard.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/marking"
	"sakimori/internal/org"
)

var alertFields = map[string]string{
	"title.ja": "--title", "title.en": "--title-en", "summary.ja": "--summary", "summary.en": "--summary-en", "severity": "--severity",
	"tlp": "--tlp", "cves": "--cve", "indicators": "--indicator", "targeting.sectors": "--sector", "targeting.orgs": "--org",
	"recommended_actions": "--action", "rev": "--rev", "reason": "--reason", "comment": "--comment", "state": "--state",
	"actions": "--actions", "cluster_id": "--cluster", "targeting": "--everyone", "due_at": "--due",
}

// readJSONFile decodes a JSON file ("-": standard input) strictly into v.
func readJSONFile(e *env, name, flagName string, v any) error {
	var r io.Reader
	if name == "-" {
		r = e.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return withFlag(flagName, err)
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(io.LimitReader(r, 8<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return withFlag(flagName, apperr.Invalid(strings.TrimPrefix(flagName, "--"), "not the expected JSON: %v", err))
	}
	return nil
}

// list is a repeatable or comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

func printAlert(xc *exposureCtx, v *alerting.View, lang string) {
	w := xc.e.Stdout
	fmt.Fprintf(w, "%s  %s\n", v.Ref, clean(v.Title.In(lang), 300))
	fmt.Fprintf(w, "state:     %s", v.State)
	if v.Approved {
		fmt.Fprint(w, " (approved)")
	}
	fmt.Fprintf(w, "\nseverity:  %s\ntlp:       %s\nrev:       %d\n", v.Severity, v.TLP, v.Rev)
	if v.PublishedAt != nil {
		fmt.Fprintf(w, "published: %s\n", v.PublishedAt.Format(time.RFC3339))
	}
	if v.DueAt != nil {
		fmt.Fprintf(w, "due:       %s\n", v.DueAt.Format(time.RFC3339))
	}
	if v.ClusterID != "" {
		fmt.Fprintf(w, "cluster:   %s\n", v.ClusterID)
	}
	if v.Withdrawal != nil {
		fmt.Fprintf(w, "withdrawn: %s: %s\n", v.Withdrawal.At.Format(time.RFC3339), clean(v.Withdrawal.Reason, 500))
	}
	fmt.Fprintln(w)
	for _, l := range strings.Split(v.Summary.In(lang), "\n") {
		fmt.Fprintln(w, clean(strings.TrimRight(l, "\r"), alert.MaxText))
	}
	if len(v.Actions) > 0 {
		fmt.Fprintln(w, "\nrecommended actions:")
		for i, a := range v.Actions {
			fmt.Fprintf(w, "  %d. %s\n", i+1, clean(a.In(lang), 1000))
		}
	}
	if cves := v.AllCVEs(); len(cves) > 0 {
		fmt.Fprintf(w, "\ncves: %s\n", strings.Join(cves, ", "))
	}
	for _, p := range v.Products {
		fmt.Fprintf(w, "product: %s %s %s %s\n", p.Vendor, p.Product, p.CPE, strings.Join(p.Versions, ","))
	}
	if len(v.Indicators) > 0 {
		fmt.Fprintln(w, "\nindicators:")
		for _, in := range v.Indicators {
			fmt.Fprintf(w, "  %s\n", clean(in.Pattern, 500))
		}
	}
	if v.Issuer {
		t := v.Targeting
		var parts []string
		if t.Everyone {
			parts = append(parts, "everyone")
		}
		for _, s := range t.Sectors {
			parts = append(parts, "sector:"+string(s))
		}
		if t.Exposed {
			parts = append(parts, "exposed")
		}
		if t.Sighted {
			parts = append(parts, "sighted")
		}
		if t.SupplyChain {
			parts = append(parts, "supply_chain")
		}
		for _, o := range t.Orgs {
			parts = append(parts, "org:"+o)
		}
		fmt.Fprintf(w, "\ntargeting: %s\n", strings.Join(parts, " "))
		for _, r := range v.Reviews {
			verdict := "sent back"
			if r.Approve {
				verdict = "approved"
			}
			fmt.Fprintf(w, "review: %s by %s at %s %s\n", verdict, r.ByName, r.At.Format(time.RFC3339), clean(r.Comment, 500))
		}
		for _, wn := range v.Warnings {
			fmt.Fprintf(w, "warning: %s: %s\n", wn.Field, wn.Message)
		}
	}
	for _, p := range v.Publications {
		fmt.Fprintf(w, "publication %d at %s", p.N, p.At.Format(time.RFC3339))
		if len(p.Changes) > 0 {
			fmt.Fprintf(w, ", changed: %s", strings.Join(p.Changes, ", "))
		}
		fmt.Fprintln(w)
	}
	if r := v.Recipient; r != nil {
		fmt.Fprintf(w, "\nyour organisation: %s", r.State)
		if r.Actions != "" {
			fmt.Fprintf(w, " (%s)", clean(r.Actions, 500))
		}
		fmt.Fprintln(w)
	}
}

func (xc *exposureCtx) orgIDs(ctx context.Context, refs []string) ([]string, error) {
	var out []string
	for _, r := range refs {
		id, err := xc.orgID(ctx, "--org", r)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func init() {
	exposureCommand("alert new", "", [2]int{0, 0}, alertFields, "draft an alert (government analysts): from flags, a JSON file (--file) or a correlation cluster (--cluster)",
		"--file takes the body of POST /api/v1/alerts (see docs/alerts.md); --cluster drafts in one step from the cluster's evidence (edit it before submitting).",
		func(fs *flag.FlagSet) exposureBody {
			file := fs.String("file", "", "a JSON alert body (\"-\": standard input)")
			cluster := fs.String("cluster", "", "draft from this correlation cluster (ref or id)")
			title := fs.String("title", "", "the Japanese title (required)")
			titleEN := fs.String("title-en", "", "the English title")
			summary := fs.String("summary", "", "the Japanese summary (required)")
			summaryEN := fs.String("summary-en", "", "the English summary")
			severity := fs.String("severity", "medium", "info, low, medium, high or critical")
			tlp := fs.String("tlp", "amber", "clear, green, amber, amber+strict or red")
			due := fs.String("due", "", "acknowledgements due by (RFC 3339 or a date)")
			var cves, inds, sectors, orgs, actions listFlag
			fs.Var(&cves, "cve", "a CVE id (repeatable, or comma-separated)")
			fs.Var(&inds, "indicator", "an indicator value or STIX pattern (repeatable)")
			fs.Var(&sectors, "sector", "address this sector (repeatable)")
			fs.Var(&orgs, "org", "address this organisation, slug or id (repeatable)")
			fs.Var(&actions, "action", "a recommended action in Japanese (repeatable)")
			everyone := fs.Bool("everyone", false, "address every organisation")
			exposed := fs.Bool("exposed", false, "address organisations whose critical computers are affected")
			sighted := fs.Bool("sighted", false, "address organisations that sighted the indicators")
			supply := fs.Bool("supply-chain", false, "address the supply chains of the exposed and sighting organisations")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				var v *alerting.View
				var err error
				switch {
				case *cluster != "" && *file != "":
					return usagef("give --cluster or --file, not both")
				case *cluster != "":
					v, err = xc.e.alerting.DraftFromCluster(ctx, xc.p, *cluster)
				case *file != "":
					var in struct {
						alert.Content
						ClusterID string `json:"cluster_id,omitempty"`
					}
					if err := readJSONFile(xc.e, *file, "--file", &in); err != nil {
						return err
					}
					v, err = xc.e.alerting.Create(ctx, xc.p, in.Content, in.ClusterID)
				default:
					c := alert.Content{Severity: alert.Severity(*severity), Title: alert.Text{JA: *title, EN: *titleEN},
						Summary: alert.Text{JA: *summary, EN: *summaryEN}, CVEs: cves,
						Targeting: alert.Targeting{Everyone: *everyone, Exposed: *exposed, Sighted: *sighted, SupplyChain: *supply}}
					t, err := marking.ParseTLP(*tlp)
					if err != nil {
						return withFlag("--tlp", err)
					}
					c.TLP = t
					for _, s := range inds {
						if strings.HasPrefix(s, "[") {
							c.Indicators = append(c.Indicators, alert.Indicator{Pattern: s})
						} else {
							c.Indicators = append(c.Indicators, alert.Indicator{Value: s})
						}
					}
					for _, s := range sectors {
						c.Targeting.Sectors = append(c.Targeting.Sectors, org.Sector(s))
					}
					if c.Targeting.Orgs, err = xc.orgIDs(ctx, orgs); err != nil {
						return err
					}
					for _, a := range actions {
						c.Actions = append(c.Actions, alert.Text{JA: a})
					}
					if *due != "" {
						d, err := parseDue(*due)
						if err != nil {
							return withFlag("--due", err)
						}
						c.DueAt = &d
					}
					v, err = xc.e.alerting.Create(ctx, xc.p, c, "")
					if err != nil {
						return err
					}
				}
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, v)
				}
				fmt.Fprintf(xc.e.Stdout, "%s drafted (rev %d)\n", v.Ref, v.Rev)
				for _, w := range v.Warnings {
					fmt.Fprintf(xc.e.Stdout, "warning: %s: %s\n", w.Field, w.Message)
				}
				return nil
			}
		})
	exposureCommand("alert list", "", [2]int{0, 0}, alertFields, "list the alerts you may see (recipients: addressed to them and TLP:CLEAR; government: all)", "",
		func(fs *flag.FlagSet) exposureBody {
			state := fs.String("state", "", "only this state: draft, in_review, published or withdrawn")
			mine := fs.Bool("mine", false, "government: only your organisation's alerts")
			addressed := fs.Bool("addressed", false, "only alerts addressed to your organisation")
			unacked := fs.Bool("unacked", false, "only alerts your organisation has not acknowledged")
			cluster := fs.String("cluster", "", "government: only alerts drafted from this cluster (id)")
			lang := fs.String("lang", "ja", "ja or en")
			limit := fs.Int("limit", 100, "at most this many (1 to 1000)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				vs, err := xc.e.alerting.List(ctx, xc.p, alerting.Query{State: alert.State(*state), Mine: *mine, Addressed: *addressed, Unacked: *unacked, ClusterID: *cluster, Limit: *limit})
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, vs)
				}
				if len(vs) == 0 {
					fmt.Fprintln(xc.e.Stdout, "no alerts")
					return nil
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "REF\tSTATE\tSEVERITY\tTLP\tANSWER\tTITLE")
				for _, v := range vs {
					ans := "-"
					if v.Recipient != nil {
						ans = string(v.Recipient.State)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.Ref, v.State, v.Severity, v.TLP, ans, clean(v.Title.In(*lang), 80))
				}
				return tw.Flush()
			}
		})
	exposureCommand("alert show", "REF|ID", [2]int{1, 1}, alertFields, "show an alert as you may see it", "",
		func(fs *flag.FlagSet) exposureBody {
			lang := fs.String("lang", "ja", "ja or en")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				v, err := xc.e.alerting.Get(ctx, xc.p, args[0])
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, v)
				}
				printAlert(xc, v, *lang)
				return nil
			}
		})
	exposureCommand("alert edit", "REF|ID", [2]int{1, 1}, alertFields, "change a draft or a published alert (government analysts): a JSON patch file (fields left out stay)",
		"The file is the body of PATCH /api/v1/alerts/{id}: {\"rev\": N, \"title\": {\"ja\": ...}, ...}; --rev overrides its rev.",
		func(fs *flag.FlagSet) exposureBody {
			file := fs.String("file", "", "the JSON patch (\"-\": standard input; required)")
			rev := fs.Int("rev", 0, "the revision you edited")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if *file == "" {
					return usagef("--file: required")
				}
				var pt alerting.Patch
				if err := readJSONFile(xc.e, *file, "--file", &pt); err != nil {
					return err
				}
				if *rev != 0 {
					pt.Rev = *rev
				}
				v, err := xc.e.alerting.Edit(ctx, xc.p, args[0], pt.Rev, pt.Apply)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, v)
				}
				fmt.Fprintf(xc.e.Stdout, "%s saved (rev %d)\n", v.Ref, v.Rev)
				return nil
			}
		})
	exposureCommand("alert submit", "REF|ID", [2]int{1, 1}, alertFields, "submit a draft for review by another government analyst", "",
		func(fs *flag.FlagSet) exposureBody {
			rev := fs.Int("rev", 0, "the revision you decided on (0: no check)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				v, err := xc.e.alerting.Submit(ctx, xc.p, args[0], *rev)
				return alertDone(xc, v, err, "submitted for review")
			}
		})
	exposureCommand("alert review", "REF|ID", [2]int{1, 1}, alertFields, "approve an alert in review (--approve) or send it back (--send-back --comment TEXT)", "",
		func(fs *flag.FlagSet) exposureBody {
			rev := fs.Int("rev", 0, "the revision you reviewed (0: no check)")
			approve := fs.Bool("approve", false, "approve it")
			back := fs.Bool("send-back", false, "send it back to draft (needs --comment)")
			comment := fs.String("comment", "", "the review comment")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if *approve == *back {
					return usagef("give --approve or --send-back")
				}
				v, err := xc.e.alerting.Review(ctx, xc.p, args[0], *rev, *approve, *comment)
				msg := "approved"
				if *back {
					msg = "sent back"
				}
				return alertDone(xc, v, err, msg)
			}
		})
	exposureCommand("alert publish", "REF|ID", [2]int{1, 1}, alertFields, "publish an approved alert, or republish a published alert's changes; --preview shows the recipients only", "",
		func(fs *flag.FlagSet) exposureBody {
			rev := fs.Int("rev", 0, "the revision you decided on (0: no check)")
			preview := fs.Bool("preview", false, "show the recipients publishing would address, publish nothing")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				var pv *alerting.Preview
				var v *alerting.View
				var err error
				if *preview {
					pv, err = xc.e.alerting.Preview(ctx, xc.p, args[0])
				} else {
					v, pv, err = xc.e.alerting.Publish(ctx, xc.p, args[0], *rev)
				}
				if err != nil {
					return err
				}
				if xc.json {
					if *preview {
						return printJSON(xc.e.Stdout, pv)
					}
					return printJSON(xc.e.Stdout, map[string]any{"alert": v, "preview": pv})
				}
				w := xc.e.Stdout
				if v != nil {
					fmt.Fprintf(w, "%s published (publication %d)\n", v.Ref, len(v.Publications))
				}
				fmt.Fprintf(w, "recipients: %d (%d new)", pv.Total, pv.New)
				for _, k := range []string{"everyone", "sector", "exposed", "sighted", "supply_chain", "org"} {
					if n := pv.Counts[k]; n > 0 {
						fmt.Fprintf(w, " %s=%d", k, n)
					}
				}
				fmt.Fprintln(w)
				if len(pv.Changes) > 0 {
					fmt.Fprintf(w, "changes: %s\n", strings.Join(pv.Changes, ", "))
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "  ORG\tSECTOR\tREASONS")
				for _, r := range pv.Recipients {
					fmt.Fprintf(tw, "  %s\t%s\t%s\n", xc.slug(ctx, r.OrgID), r.Sector, xc.reasons(ctx, r.Reasons))
				}
				return tw.Flush()
			}
		})
	exposureCommand("alert withdraw", "REF|ID", [2]int{1, 1}, alertFields, "withdraw a published alert with a reason (government analysts)", "",
		func(fs *flag.FlagSet) exposureBody {
			rev := fs.Int("rev", 0, "the revision you decided on (0: no check)")
			reason := fs.String("reason", "", "why (required)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				v, err := xc.e.alerting.Withdraw(ctx, xc.p, args[0], *rev, *reason)
				return alertDone(xc, v, err, "withdrawn")
			}
		})
	exposureCommand("alert ack", "REF|ID", [2]int{1, 1}, alertFields, "acknowledge an alert addressed to your organisation, with the actions taken (may be repeated to update)", "",
		func(fs *flag.FlagSet) exposureBody {
			state := fs.String("state", "acknowledged", "acknowledged, actioned or not_affected")
			actions := fs.String("actions", "", "the actions taken")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				st, err := alert.ParseAckState(*state)
				if err != nil {
					return withFlag("--state", err)
				}
				r, err := xc.e.alerting.Ack(ctx, xc.p, args[0], st, *actions)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, r)
				}
				fmt.Fprintf(xc.e.Stdout, "%s: %s\n", args[0], r.State)
				return nil
			}
		})
	exposureCommand("alert recipients", "REF|ID", [2]int{1, 1}, alertFields, "the recipients of an alert: reasons, answers, who has not acknowledged, overdue (government)", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				t, err := xc.e.alerting.Recipients(ctx, xc.p, args[0])
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, t)
				}
				w := xc.e.Stdout
				fmt.Fprintf(w, "total %d: pending %d, acknowledged %d, actioned %d, not_affected %d, overdue %d\n", t.Counts["total"], t.Counts["pending"],
					t.Counts["acknowledged"], t.Counts["actioned"], t.Counts["not_affected"], t.Counts["overdue"])
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ORG\tSECTOR\tSTATE\tANSWERED\tREASONS\tACTIONS")
				for _, r := range t.Rows {
					st := string(r.State)
					if r.Overdue {
						st += " (overdue)"
					}
					at := "-"
					if r.AckedAt != nil {
						at = r.AckedAt.Format(time.DateTime)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", xc.slug(ctx, r.OrgID), r.Sector, st, at, xc.reasons(ctx, r.Reasons), clean(r.Actions, 80))
				}
				return tw.Flush()
			}
		})
	exposureCommand("alert export", "REF|ID", [2]int{1, 1}, alertFields, "a published alert as a STIX 2.1 bundle (report, course-of-action, indicators, vulnerabilities, TLP 2.0 marking)", "",
		func(fs *flag.FlagSet) exposureBody {
			out := fs.String("out", "", "write to this file instead of standard output")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				b, err := xc.e.alerting.Export(ctx, xc.p, args[0])
				if err != nil {
					return err
				}
				if *out != "" {
					return os.WriteFile(*out, append(b, '\n'), 0o600)
				}
				_, err = fmt.Fprintf(xc.e.Stdout, "%s\n", b)
				return err
			}
		})
}

// reasons prints recipient reasons with organisation slugs instead of ids.
func (xc *exposureCtx) reasons(ctx context.Context, rs []string) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		if id, ok := strings.CutPrefix(r, "supply_chain:"); ok {
			r = "supply_chain:" + xc.slug(ctx, id)
		}
		out[i] = r
	}
	return strings.Join(out, " ")
}

func alertDone(xc *exposureCtx, v *alerting.View, err error, what string) error {
	if err != nil {
		return err
	}
	if xc.json {
		return printJSON(xc.e.Stdout, v)
	}
	fmt.Fprintf(xc.e.Stdout, "%s %s (state %s, rev %d)\n", v.Ref, what, v.State, v.Rev)
	return nil
}
