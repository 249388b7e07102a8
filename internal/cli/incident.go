package cli

// `sakimori incident ...`: incident reporting from the command line (see
// docs/reporting-cli.md). Every command but `incident remind` acts as a
// user (--as EMAIL, or SAKIMORI_AS) through the reporting service, which
// authorises each call exactly as it does for the API and the dashboard:
// an operator drafts, approves and submits its own reports; a government
// receiver (or a linked partner) sees only what was submitted to it and
// acknowledges, asks for information, triages and links it.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/incident"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
)

// incidentFields maps the reporting service's field names to the flags of
// the incident commands.
var incidentFields = map[string]string{
	"title": "--title", "template_id": "--template", "regimes": "--regime", "note": "--note", "reason": "--reason",
	"kind": "--kind", "comment": "--comment", "targets": "--stage", "authority_ref": "--ref", "question": "--question",
	"fields": "--field", "due": "--due", "text": "--text", "severity": "--severity", "status": "--status", "assignee": "--assignee",
	"ref": "--ref", "tlp": "--tlp", "include": "--include", "token": "--token", "collection": "--collection",
	"from": "--from", "regime": "--regime", "stage": "--stage", "rev": "--rev",
}

// regimeFields are the fields of `incident regimes`.
var regimeFields = map[string]string{"regimes": "--set"}

// jst formats t in Japan time, where reports count their deadlines.
func jst(t time.Time) string { return t.In(report.JST).Format("2006-01-02 15:04 MST") }

func jstp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return jst(*t)
}

// incidentID resolves ref, an incident id or an organisation's reference
// ("INC-2026-0003"), among the incidents the acting user may see: its
// organisation's own first, then those submitted to it.
func (xc *exposureCtx) incidentID(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	_, err := xc.e.reporting.Get(ctx, xc.p, ref)
	if err == nil || apperr.CodeOf(err) != apperr.CodeNotFound {
		return ref, err
	}
	for _, received := range []bool{false, true} {
		ins, lerr := xc.e.reporting.List(ctx, xc.p, reporting.Query{Q: ref, Received: received, Limit: 1000})
		if lerr != nil {
			if apperr.CodeOf(lerr) == apperr.CodeForbidden || apperr.CodeOf(lerr) == apperr.CodeInvalid {
				continue
			}
			return "", lerr
		}
		var hits []incident.Incident
		for _, in := range ins {
			if strings.EqualFold(in.Ref, ref) {
				hits = append(hits, in)
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return hits[0].ID, nil
		default:
			var which []string
			for _, h := range hits {
				which = append(which, h.ID+" ("+xc.slug(ctx, h.OrgID)+")")
			}
			return "", apperr.Conflict("incident", "%s names %d reports of different organisations: give the id, one of %s", ref, len(hits), strings.Join(which, ", "))
		}
	}
	return "", err
}

// incidentCommand registers an incident command taking ID|REF: the body
// gets the resolved id.
func incidentCommand(path, args string, nargs [2]int, fields map[string]string, summary, help string, flags func(fs *flag.FlagSet) func(ctx context.Context, xc *exposureCtx, id string, args []string) error) {
	if fields == nil {
		fields = incidentFields
	}
	exposureCommand(path, args, nargs, fields, summary, help, func(fs *flag.FlagSet) exposureBody {
		body := flags(fs)
		return func(ctx context.Context, xc *exposureCtx, args []string) error {
			if len(args) == 0 {
				return usagef("missing ID|REF")
			}
			id, err := xc.incidentID(ctx, args[0])
			if err != nil {
				return err
			}
			// Submissions and information requests notify the
			// organisation's webhook in the background: deliver before the
			// command ends.
			defer xc.e.reporting.WaitWebhooks()
			return body(ctx, xc, id, args)
		}
	})
}

// readContent reads report content (report.Content JSON) from file or
// standard input ("-").
func readContent(e *env, file string) (*report.Content, error) {
	data, err := readInput(e.Stdin, file)
	if err != nil {
		return nil, withFlag("--from-json", err)
	}
	var c report.Content
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, withFlag("--from-json", apperr.Invalid("from-json", "not report content JSON: %v", err))
	}
	return &c, nil
}

// readJSON reads a JSON document of v's type from file or standard input.
func readJSON(e *env, file string, v any) error {
	data, err := readInput(e.Stdin, file)
	if err != nil {
		return withFlag("--from-json", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return withFlag("--from-json", apperr.Invalid("from-json", "not valid JSON for this command: %v", err))
	}
	return nil
}

// ownView removes from in what the reporting organisation never sees (the
// government's triage and analysis links) when the acting user is of it,
// as the API does: the service returns them to every reader of the row.
func (xc *exposureCtx) ownView(in *incident.Incident) {
	if in != nil && in.OrgID == xc.p.OrgID() {
		in.Triage, in.Links = incident.Triage{}, []incident.Link{}
	}
}

// printed reports the outcome of a lifecycle step.
func (xc *exposureCtx) printed(in *incident.Incident, what string) error {
	xc.ownView(in)
	if xc.json {
		return printJSON(xc.e.Stdout, in)
	}
	fmt.Fprintf(xc.e.Stdout, "%s %s (id %s): now %s, version %d\n", what, in.Ref, in.ID, in.State, in.Version)
	return nil
}

// ---- printing ------------------------------------------------------------------

func (xc *exposureCtx) printIncidents(ctx context.Context, ins []incident.Incident) {
	tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREF\tORG\tSTATE\tVERSION\tUPDATED (JST)\tTITLE")
	for _, in := range ins {
		v := strconv.Itoa(in.Version)
		if in.SubmittedVersion > 0 && in.SubmittedVersion != in.Version {
			v += " (sent " + strconv.Itoa(in.SubmittedVersion) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Ref, xc.slug(ctx, in.OrgID), in.State, v, jst(in.UpdatedAt), clean(in.Title, 60))
	}
	tw.Flush()
	fmt.Fprintf(xc.e.Stdout, "%d incident(s)\n", len(ins))
}

// fieldText renders one content field: its state, confidence and value.
func fieldText(raw json.RawMessage) string {
	var f struct {
		Value      json.RawMessage `json:"value"`
		State      string          `json:"state"`
		Confidence string          `json:"confidence"`
		Source     string          `json:"source"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return clean(string(raw), 300)
	}
	switch f.State {
	case string(report.StateWithheld):
		return "(withheld)"
	case string(report.StateNotYetKnown), "":
		return "(not yet known)"
	}
	var s string
	if err := json.Unmarshal(f.Value, &s); err != nil {
		s = string(f.Value)
	}
	meta := f.Confidence
	if f.Source != "" {
		meta += ", " + f.Source
	}
	return clean(s, 400) + "  [" + clean(meta, 120) + "]"
}

func (xc *exposureCtx) printView(ctx context.Context, v *reporting.View) {
	w := xc.e.Stdout
	in := v.Incident
	fmt.Fprintf(w, "%s  %s (id %s)\n", in.Ref, clean(in.Title, 300), in.ID)
	fmt.Fprintf(w, "  organisation: %s (you: %s)\n", xc.slug(ctx, in.OrgID), v.Role)
	fmt.Fprintf(w, "  state: %s  version: %d  submitted version: %d  rev: %d\n", in.State, in.Version, in.SubmittedVersion, in.Rev)
	if in.Emergency {
		fmt.Fprintln(w, "  emergency: a submission went out without full approval")
	}
	if in.Reason != "" {
		fmt.Fprintf(w, "  reason: %s\n", clean(in.Reason, 500))
	}
	if len(in.Regimes) > 0 {
		var rs []string
		for _, r := range in.Regimes {
			s := r.Regime + " " + string(r.Reportable)
			if r.Reason != "" {
				s += " (" + clean(r.Reason, 200) + ")"
			}
			if len(r.Conditions) > 0 {
				s += " [" + strings.Join(r.Conditions, ",") + "]"
			}
			rs = append(rs, s)
		}
		fmt.Fprintf(w, "  regimes: %s\n", strings.Join(rs, "; "))
	}
	if v.Role == reporting.RoleReporter {
		var steps []string
		for _, k := range in.Flow.Steps {
			steps = append(steps, string(k))
		}
		fmt.Fprintf(w, "  approval flow: %s %s\n", in.Flow.Mode, dash(strings.Join(steps, " → ")))
		if a := in.Approval; a != nil {
			var ss []string
			for _, s := range a.Steps {
				t := string(s.Kind) + " " + string(s.Decision)
				if s.ByName != "" {
					t += " by " + clean(s.ByName, 80)
				}
				if s.Comment != "" {
					t += ": " + clean(s.Comment, 200)
				}
				ss = append(ss, t)
			}
			fmt.Fprintf(w, "  approval of version %d: %s; %s\n", a.Version, a.Outcome, strings.Join(ss, "; "))
		}
		var rec []string
		for _, r := range in.Recipients {
			rec = append(rec, xc.slug(ctx, r))
		}
		var par []string
		for _, r := range in.Partners {
			par = append(par, xc.slug(ctx, r))
		}
		fmt.Fprintf(w, "  recipients: %s  partners: %s\n", dash(strings.Join(rec, ", ")), dash(strings.Join(par, ", ")))
	}
	if t := in.Triage; t.Severity != "" || t.Status != "" {
		fmt.Fprintf(w, "  triage: severity %s, %s, assignee %s", dash(t.Severity), dash(t.Status), dash(t.AssigneeName))
		if t.Note != "" {
			fmt.Fprintf(w, ": %s", clean(t.Note, 300))
		}
		fmt.Fprintln(w)
	}
	for _, l := range in.Links {
		fmt.Fprintf(w, "  link: %s %s %s\n", l.Kind, clean(l.Ref, 100), clean(l.Note, 200))
	}
	if len(v.Timeline) > 0 {
		fmt.Fprintln(w, "Timeline (Japan time):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  REGIME\tSTAGE\tDUE\tSTATUS\tSUBMITTED\tMISSING\tBASIS")
		for _, d := range v.Timeline {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Regime, d.Stage, jstp(d.Due), d.Status, jstp(d.Submitted), dash(strings.Join(d.Missing, ",")), clean(d.Basis, 120))
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "Content:")
	raw, _ := json.Marshal(in.Content)
	fields := map[string]json.RawMessage{}
	json.Unmarshal(raw, &fields)
	for _, name := range report.FieldNames() {
		if f, ok := fields[name]; ok {
			fmt.Fprintf(w, "  %s: %s\n", name, fieldText(f))
		}
	}
	if miss := in.Content.Missing(report.FieldNames()); len(miss) > 0 {
		fmt.Fprintf(w, "Not yet given: %s\n", strings.Join(miss, ", "))
	}
	if len(in.InfoRequests) > 0 {
		fmt.Fprintln(w, "Information requests:")
		for _, r := range in.InfoRequests {
			fmt.Fprintf(w, "  %s from %s, %s, due %s: %s", r.ID, xc.slug(ctx, r.FromOrg), r.State, jstp(r.Due), clean(r.Question, 500))
			if len(r.Fields) > 0 {
				fmt.Fprintf(w, " (fields: %s)", strings.Join(r.Fields, ", "))
			}
			fmt.Fprintln(w)
		}
	}
	if len(v.Submissions) > 0 {
		fmt.Fprintln(w, "Submissions (kept as sent):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tTO\tSTAGE\tKIND\tVERSION\tSUBMITTED\tACK\tSHA256")
		for _, s := range v.Submissions {
			stage := "-"
			if s.Regime != "" {
				stage = s.Regime + "/" + s.Stage
			}
			to := xc.slug(ctx, s.Recipient)
			if s.Partner {
				to += " (partner)"
			}
			kind := s.Kind
			if s.Emergency {
				kind += " (emergency)"
			}
			ack := "-"
			if s.AckedAt != nil {
				ack = s.AuthorityRef + " " + jst(*s.AckedAt)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.ID, to, stage, kind, s.Version, jst(s.SubmittedAt), clean(ack, 80), s.SHA256)
		}
		tw.Flush()
	}
	if len(v.Versions) > 0 {
		fmt.Fprintln(w, "Versions:")
		for _, x := range v.Versions {
			sent := ""
			if x.Submitted {
				sent = " (submitted)"
			}
			fmt.Fprintf(w, "  %d  %s  %s%s %s\n", x.N, jst(x.SavedAt), clean(x.SavedBy, 80), sent, clean(x.Note, 200))
		}
	}
	if len(v.Events) > 0 {
		fmt.Fprintln(w, "Events:")
		for _, e := range v.Events {
			fmt.Fprintf(w, "  %s  %s  %s  %s\n", jst(e.At), clean(e.ActorName, 60), e.Kind, clean(e.Text, 500))
		}
	}
	var can []string
	for _, c := range []struct {
		on   bool
		name string
	}{{v.Can.Edit, "edit"}, {v.Can.RequestApproval, "approve-request"}, {v.Can.Withdraw, "approve-withdraw"}, {v.Can.Submit, "submit"}, {v.Can.Emergency, "submit --emergency"},
		{v.Can.Close, "close"}, {v.Can.Refute, "refute"}, {v.Can.Reopen, "reopen"}, {v.Can.Share, "share"}, {v.Can.Receive, "ack, request-info, triage, link"},
		{v.Can.Comment, "comment"}} {
		if c.on {
			can = append(can, c.name)
		}
	}
	for _, k := range v.Can.Approve {
		can = append(can, "approve --kind "+string(k))
	}
	if len(can) > 0 {
		fmt.Fprintf(w, "You may: %s\n", strings.Join(can, "; "))
	}
}

// parseChoice reads --set REGIME=yes|no:REASON|undecided[:REASON].
func parseChoice(s string) (incident.RegimeChoice, error) {
	id, rest, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(id) == "" {
		return incident.RegimeChoice{}, usagef("--set: %q is not REGIME=yes, REGIME=no:REASON or REGIME=undecided", s)
	}
	dec, reason, _ := strings.Cut(rest, ":")
	c := incident.RegimeChoice{Regime: strings.TrimSpace(id), Reportable: incident.Reportable(strings.ToLower(strings.TrimSpace(dec))), Reason: strings.TrimSpace(reason)}
	switch c.Reportable {
	case incident.ReportableYes, incident.ReportableNo, incident.ReportableUndecided:
	default:
		return c, usagef("--set: %q: the decision must be yes, no or undecided", s)
	}
	return c, nil
}

func init() {
	// ---- reading ----
	exposureCommand("incident list", "", [2]int{0, 0}, incidentFields, "list the organisation's incident reports, or (--received) those submitted to it", "",
		func(fs *flag.FlagSet) exposureBody {
			received := fs.Bool("received", false, "reports submitted to the acting user's organisation (receivers, partners)")
			var states stringList
			fs.Var(&states, "state", "only reports in this `STATE` (repeatable): "+statesText())
			q := fs.String("q", "", "only reports whose title or reference contains this")
			limit := fs.Int("limit", 100, "at most this many (1-1000)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if *limit < 1 || *limit > 1000 {
					return usagef("--limit: must be 1 to 1000")
				}
				var ss []incident.State
				for _, s := range states {
					for _, x := range strings.Split(s, ",") {
						st := incident.State(strings.ToLower(strings.TrimSpace(x)))
						if !slices.Contains(incident.States, st) {
							return usagef("--state: %q (one of %s)", x, statesText())
						}
						ss = append(ss, st)
					}
				}
				ins, err := xc.e.reporting.List(ctx, xc.p, reporting.Query{States: ss, Q: *q, Received: *received, Limit: *limit})
				if err != nil {
					if *received {
						return withFlag("--received", err)
					}
					return err
				}
				if ins == nil {
					ins = []incident.Incident{}
				}
				for i := range ins {
					xc.ownView(&ins[i])
				}
				if xc.json {
					return printJSON(xc.e.Stdout, ins)
				}
				xc.printIncidents(ctx, ins)
				return nil
			}
		})
	incidentCommand("incident show", "ID|REF", [2]int{1, 1}, nil, "show a report: deadlines (Japan time), content, missing fields, submissions with digests, events",
		"A receiver sees exactly what was submitted to it; the reporting organisation sees its drafts and approvals too.",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				v, err := xc.e.reporting.Get(ctx, xc.p, id)
				if err != nil {
					return err
				}
				if v.Role == reporting.RoleReporter {
					xc.ownView(v.Incident)
				}
				if xc.json {
					return printJSON(xc.e.Stdout, v)
				}
				xc.printView(ctx, v)
				return nil
			}
		})

	// ---- writing ----
	exposureCommand("incident new", "", [2]int{0, 0}, incidentFields, "start an incident report (from a template, with content JSON)",
		`The content is report.Content JSON: every field is {"value": ..., "state": "known"|"not_yet_known"|"withheld",
"confidence": "confirmed"|"likely"|"possible"|"unknown", "as_of": RFC 3339, "source": TEXT}. Example:
  sakimori incident new --as reporter@toto-electric.example --template TPL --title "VPN装置への不正アクセス" \
      --from-json content.json --regime jp-acd --regime jp-appi`,
		func(fs *flag.FlagSet) exposureBody {
			title := fs.String("title", "", "the report's title (default the template's)")
			tpl := fs.String("template", "", "start from this template (id)")
			from := fs.String("from-json", "", "read the content from this JSON `FILE` (- for standard input); replaces the template's")
			var regimes stringList
			fs.Var(&regimes, "regime", "a `REGIME` that applies (repeatable; default the template's or the settings')")
			note := fs.String("note", "", "a note on the first version")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				n := reporting.NewIncident{Title: *title, TemplateID: *tpl, Regimes: regimes, Note: *note}
				if *from != "" {
					c, err := readContent(xc.e, *from)
					if err != nil {
						return err
					}
					n.Content = c
				}
				if n.TemplateID == "" && strings.TrimSpace(n.Title) == "" {
					return usagef("--title: required (or --template with a title)")
				}
				in, err := xc.e.reporting.Create(ctx, xc.p, n)
				if err != nil {
					return err
				}
				return xc.printed(in, "created")
			}
		})
	incidentCommand("incident edit", "ID|REF", [2]int{1, 1}, nil, "replace a report's content (a new version) or title",
		"--from-json replaces the whole content. A change after approval needs approval again.",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			from := fs.String("from-json", "", "the new content, report.Content JSON `FILE` (- for standard input)")
			title := fs.String("title", "", "a new title")
			note := fs.String("note", "", "what changed (recorded with the version)")
			rev := fs.Int("rev", 0, "fail if the report changed since this rev (shown by show)")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				set := setFlags(fs)
				if !set["from-json"] && !set["title"] {
					return usagef("--from-json or --title: give at least one")
				}
				e := reporting.Edit{Note: *note, Rev: *rev}
				if set["title"] {
					e.Title = title
				}
				if set["from-json"] {
					c, err := readContent(xc.e, *from)
					if err != nil {
						return err
					}
					e.Content = c
				}
				in, err := xc.e.reporting.Save(ctx, xc.p, id, e)
				if err != nil {
					return err
				}
				return xc.printed(in, "saved")
			}
		})
	incidentCommand("incident regimes", "ID|REF", [2]int{1, 1}, regimeFields, "decide which regimes apply to a report, and why not",
		`Each --set replaces the decisions: give every regime considered. Example:
  sakimori incident regimes INC-2026-0001 --set jp-acd=yes --set eu-nis2=no:'no EU establishment' \
      --set jp-appi=yes --condition jp-appi=malicious`,
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			var sets, conds stringList
			fs.Var(&sets, "set", "`REGIME=DECISION`: yes, no:REASON or undecided (repeatable; required)")
			fs.Var(&conds, "condition", "`REGIME=CONDITION` selecting a regime's offsets, e.g. jp-appi=malicious (repeatable)")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				if len(sets) == 0 {
					return usagef("--set: required")
				}
				var cs []incident.RegimeChoice
				for _, s := range sets {
					c, err := parseChoice(s)
					if err != nil {
						return err
					}
					cs = append(cs, c)
				}
				for _, s := range conds {
					r, cond, ok := strings.Cut(s, "=")
					i := slices.IndexFunc(cs, func(c incident.RegimeChoice) bool { return c.Regime == r })
					if !ok || cond == "" || i < 0 {
						return usagef("--condition: %q is not REGIME=CONDITION of a regime given with --set", s)
					}
					cs[i].Conditions = append(cs[i].Conditions, cond)
				}
				in, err := xc.e.reporting.SetRegimes(ctx, xc.p, id, cs)
				if err != nil {
					return err
				}
				return xc.printed(in, "regimes decided for")
			}
		})

	// ---- approval and submission ----
	incidentCommand("incident approve-request", "ID|REF", [2]int{1, 1}, nil, "put the current version into the organisation's approval flow", "",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			note := fs.String("note", "", "a note to the approvers")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				in, err := xc.e.reporting.RequestApproval(ctx, xc.p, id, *note)
				if err != nil {
					return err
				}
				return xc.printed(in, "approval requested for")
			}
		})
	incidentCommand("incident approve-withdraw", "ID|REF", [2]int{1, 1}, nil, "withdraw the approval request (the report becomes editable again)", "",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				in, err := xc.e.reporting.WithdrawApproval(ctx, xc.p, id)
				if err != nil {
					return err
				}
				return xc.printed(in, "approval request withdrawn for")
			}
		})
	incidentCommand("incident approve", "ID|REF", [2]int{1, 1}, nil, "approve (or --reject) the current version as the approver of --kind",
		"In a sequential flow the steps decide in order. Rejecting needs --comment.",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			kind := fs.String("kind", "", "the approval step: legal, pr or exec (required)")
			reject := fs.Bool("reject", false, "reject the version (give --comment)")
			comment := fs.String("comment", "", "a comment; why, when rejecting")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				if err := required([]string{"--kind"}, *kind); err != nil {
					return err
				}
				in, err := xc.e.reporting.Decide(ctx, xc.p, id, incident.ApprovalKind(strings.ToLower(*kind)), !*reject, *comment)
				if err != nil {
					if apperr.CodeOf(err) == apperr.CodeForbidden {
						return withFlag("--kind", err)
					}
					return err
				}
				verb := "approved"
				if *reject {
					verb = "rejected"
				}
				return xc.printed(in, verb)
			}
		})
	incidentCommand("incident submit", "ID|REF", [2]int{1, 1}, nil, "submit the current version to the receivers (and linked partners), kept exactly as sent",
		`--stage names the regimes' stages the submission fulfils (their required fields must be given);
none: an update. Without full approval only --emergency with --reason submits. Example:
  sakimori incident submit INC-2026-0001 --stage jp-acd/prompt`,
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			var stages stringList
			fs.Var(&stages, "stage", "`REGIME/STAGE` this submission fulfils, e.g. jp-acd/prompt (repeatable)")
			final := fs.Bool("final", false, "the final report")
			emergency := fs.Bool("emergency", false, "submit without full approval (give --reason; audited)")
			reason := fs.String("reason", "", "why the emergency submission cannot wait")
			note := fs.String("note", "", "a note to the receivers")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				req := reporting.SubmitRequest{Final: *final, Emergency: *emergency, Reason: *reason, Note: *note}
				for _, s := range stages {
					r, st, ok := strings.Cut(s, "/")
					if !ok || r == "" || st == "" {
						return usagef("--stage: %q is not REGIME/STAGE, e.g. jp-acd/prompt", s)
					}
					req.Targets = append(req.Targets, reporting.Target{Regime: r, Stage: st})
				}
				if *reason != "" && !*emergency {
					return usagef("--reason: only with --emergency")
				}
				subs, err := xc.e.reporting.Submit(ctx, xc.p, id, req)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, subs)
				}
				for _, s := range subs {
					stage := ""
					if s.Regime != "" {
						stage = " for " + s.Regime + "/" + s.Stage
					}
					fmt.Fprintf(xc.e.Stdout, "submitted %s version %d to %s%s: %s sha256 %s\n", s.Kind, s.Version, xc.slug(ctx, s.Recipient), stage, s.ID, s.SHA256)
				}
				fmt.Fprintf(xc.e.Stdout, "%d submission(s)\n", len(subs))
				return nil
			}
		})

	// ---- receivers ----
	incidentCommand("incident ack", "ID|REF", [2]int{1, 1}, nil, "acknowledge receipt of a submission with the authority's reference (receivers)", "",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			sub := fs.String("submission", "", "the submission (default the latest one to the acting user's organisation)")
			ref := fs.String("ref", "", "the authority's reference for the report (required)")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				if err := required([]string{"--ref"}, *ref); err != nil {
					return err
				}
				subID := *sub
				if subID == "" {
					v, err := xc.e.reporting.Get(ctx, xc.p, id)
					if err != nil {
						return err
					}
					for i := len(v.Submissions) - 1; i >= 0; i-- {
						if v.Submissions[i].Recipient == xc.p.OrgID() {
							subID = v.Submissions[i].ID
							break
						}
					}
					if subID == "" {
						return usagef("--submission: required (nothing was submitted to your organisation)")
					}
				}
				in, err := xc.e.reporting.Acknowledge(ctx, xc.p, id, subID, *ref)
				if err != nil {
					if apperr.CodeOf(err) == apperr.CodeNotFound && *sub != "" {
						return withFlag("--submission", err)
					}
					return err
				}
				return xc.printed(in, "acknowledged")
			}
		})
	incidentCommand("incident request-info", "ID|REF", [2]int{1, 1}, nil, "ask the reporter for more information by a due time (receivers)",
		`Example:
  sakimori incident request-info INC-2026-0001 --as analyst@nco.example \
      --question "侵入経路を報告してください" --field intrusion_path --due 2026-12-02T10:00+09:00`,
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			question := fs.String("question", "", "what the reporter is asked; - reads standard input (required)")
			var fields stringList
			fs.Var(&fields, "field", "a report `FIELD` asked about, e.g. intrusion_path (repeatable)")
			due := fs.String("due", "", "answer due by: YYYY-MM-DD (end of that day, Japan time), RFC 3339, or 2026-12-02T10:00+09:00")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				q, err := textArg(xc.e, *question)
				if err != nil {
					return err
				}
				if err := required([]string{"--question"}, q); err != nil {
					return err
				}
				r := reporting.InfoRequestInput{Question: q, Fields: fields}
				if *due != "" {
					t, err := parseDueMinutes(*due)
					if err != nil {
						return err
					}
					r.Due = &t
				}
				in, err := xc.e.reporting.RequestInfo(ctx, xc.p, id, r)
				if err != nil {
					return err
				}
				return xc.printed(in, "information requested on")
			}
		})
	incidentCommand("incident comment", "ID|REF", [2]int{1, 1}, nil, "add feedback, advice (receivers) or a comment to a report's shared history", "",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			kind := fs.String("kind", "comment", "feedback, advice or comment")
			text := fs.String("text", "", "the text; - reads standard input (required)")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				t, err := textArg(xc.e, *text)
				if err != nil {
					return err
				}
				if err := required([]string{"--text"}, t); err != nil {
					return err
				}
				in, err := xc.e.reporting.Comment(ctx, xc.p, id, strings.ToLower(*kind), t)
				if err != nil {
					return err
				}
				return xc.printed(in, *kind+" added to")
			}
		})
	incidentCommand("incident triage", "ID|REF", [2]int{1, 1}, nil, "record the government's triage of a received report (never shown to the reporter)", "",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			severity := fs.String("severity", "", "low, medium, high or critical")
			status := fs.String("status", "triaged", "new, triaged, monitoring or done")
			assignee := fs.String("assignee", "", "the analyst handling it (e-mail or id, of the acting user's organisation)")
			note := fs.String("note", "", "a triage note")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				t := incident.Triage{Severity: strings.ToLower(*severity), Status: strings.ToLower(*status), Note: *note}
				if *assignee != "" {
					u, err := xc.e.svc.GetUser(ctx, xc.p, *assignee)
					if err != nil {
						return withFlag("--assignee", apperr.Invalid("assignee", "no user %q in your organisation", *assignee))
					}
					t.Assignee = u.ID
				}
				in, err := xc.e.reporting.SetTriage(ctx, xc.p, id, t)
				if err != nil {
					return err
				}
				return xc.printed(in, "triaged")
			}
		})
	incidentCommand("incident link", "ID|REF", [2]int{1, 1}, nil, "link a received report to the government's analysis (cluster, alert, object, incident)", "",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			kind := fs.String("kind", "", "cluster, alert, object or incident (required)")
			ref := fs.String("ref", "", "what it is linked to, e.g. CL-2026-014 (required)")
			note := fs.String("note", "", "a note")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				if err := required([]string{"--kind", "--ref"}, *kind, *ref); err != nil {
					return err
				}
				in, err := xc.e.reporting.AddLink(ctx, xc.p, id, incident.Link{Kind: strings.ToLower(*kind), Ref: *ref, Note: *note})
				if err != nil {
					return err
				}
				return xc.printed(in, "linked")
			}
		})

	// ---- closing ----
	for _, a := range []struct{ name, flag, summary, help string }{
		{"close", "note", "close a submitted report: nothing more to report", "the closing note"},
		{"refute", "reason", "retract a report as a false positive: every receiver gets a retraction", "why it is a false positive (required)"},
		{"reopen", "reason", "reopen a closed or refuted report when new facts arrive", "the new facts (required)"},
	} {
		incidentCommand("incident "+a.name, "ID|REF", [2]int{1, 1}, nil, a.summary, "",
			func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
				text := fs.String(a.flag, "", a.help)
				return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
					var in *incident.Incident
					var err error
					switch a.name {
					case "close":
						in, err = xc.e.reporting.Close(ctx, xc.p, id, *text)
					case "refute":
						in, err = xc.e.reporting.Refute(ctx, xc.p, id, *text)
					default:
						in, err = xc.e.reporting.Reopen(ctx, xc.p, id, *text)
					}
					if err != nil {
						return err
					}
					return xc.printed(in, map[string]string{"close": "closed", "refute": "refuted", "reopen": "reopened"}[a.name])
				}
			})
	}

	// ---- versions, exports, sharing ----
	incidentCommand("incident diff", "ID|REF", [2]int{1, 1}, nil, "compare two versions field by field (receivers: versions submitted to them)", "",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			from := fs.Int("from", 0, "the older version (required)")
			to := fs.Int("to", 0, "the newer version (default the current one)")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				if *from < 1 {
					return usagef("--from: required, a version number from 1")
				}
				n := *to
				if n == 0 {
					v, err := xc.e.reporting.Get(ctx, xc.p, id)
					if err != nil {
						return err
					}
					n = v.Incident.Version
				}
				ch, err := xc.e.reporting.Diff(ctx, xc.p, id, *from, n)
				if err != nil {
					if apperr.CodeOf(err) == apperr.CodeNotFound {
						if ae := apperr.As(err); ae != nil && ae.Field == "from" {
							return withFlag("--from", err)
						}
						return withFlag("--to", err)
					}
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, ch)
				}
				for _, c := range ch {
					fmt.Fprintf(xc.e.Stdout, "%s:\n  - %s\n  + %s\n", c.Field, clean(string(c.Before), 1000), clean(string(c.After), 1000))
				}
				fmt.Fprintf(xc.e.Stdout, "%d field(s) differ between version %d and %d\n", len(ch), *from, n)
				return nil
			}
		})
	incidentCommand("incident export", "ID|REF", [2]int{1, 1}, nil, "export a report as JSON, a STIX 2.1 bundle or printable HTML",
		"html prints the report for a regime's stage (--regime, --stage) or a submission exactly as sent (--submission).",
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			format := fs.String("format", "json", "json, stix or html")
			tlp := fs.String("tlp", "", "stix: the bundle's TLP (default amber)")
			regimeID := fs.String("regime", "", "html: the regime whose form to print")
			stage := fs.String("stage", "", "html: the regime's stage")
			sub := fs.String("submission", "", "html: print this submission as sent")
			lang := fs.String("lang", "ja", "html: ja or en")
			out := fs.String("o", "", "write to this `FILE` instead of standard output")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				var data []byte
				switch strings.ToLower(*format) {
				case "json":
					x, err := xc.e.reporting.ExportJSON(ctx, xc.p, id)
					if err != nil {
						return err
					}
					if x.View.Role == reporting.RoleReporter {
						xc.ownView(x.View.Incident)
					}
					if data, err = json.MarshalIndent(x, "", "  "); err != nil {
						return err
					}
					data = append(data, '\n')
				case "stix":
					b, err := xc.e.reporting.ExportSTIX(ctx, xc.p, id, strings.ToLower(*tlp))
					if err != nil {
						return err
					}
					data = b
				case "html":
					if *lang != "ja" && *lang != "en" {
						return usagef("--lang: %q (ja or en)", *lang)
					}
					b, err := xc.e.reporting.Print(ctx, xc.p, id, *regimeID, *stage, *sub, *lang)
					if err != nil {
						if apperr.CodeOf(err) == apperr.CodeNotFound && *sub != "" {
							return withFlag("--submission", err)
						}
						return err
					}
					data = b
				default:
					return usagef("--format: %q (json, stix or html)", *format)
				}
				return writeOutput(xc.e.Stdout, *out, data)
			}
		})
	incidentCommand("incident share", "ID|REF", [2]int{1, 1}, nil, "preview sanitised STIX derived from a report; --release shares exactly the preview",
		`Without --release: prints what would be shared, what the sanitiser removed and why, and the
token. Review it, then release with the same choices and the token:
  sakimori incident share INC-2026-0001 --tlp green
  sakimori incident share INC-2026-0001 --tlp green --release --token TOKEN --collection sector-electricity`,
		func(fs *flag.FlagSet) func(context.Context, *exposureCtx, string, []string) error {
			tlp := fs.String("tlp", "", "the TLP to share under: clear, green, amber, amber+strict (default the report's)")
			var include stringList
			fs.Var(&include, "include", "an unconfirmed `FIELD` to share anyway (repeatable)")
			release := fs.Bool("release", false, "release the previewed objects (give --token and --collection)")
			token := fs.String("token", "", "the preview's token")
			collection := fs.String("collection", "", "the collection to release into (alias or id)")
			return func(ctx context.Context, xc *exposureCtx, id string, _ []string) error {
				r := reporting.ShareRequest{TLP: strings.ToLower(*tlp), Include: include, Token: *token, Collection: *collection}
				if !*release {
					if *token != "" || *collection != "" {
						return usagef("--token and --collection: only with --release")
					}
					d, err := xc.e.reporting.SharePreview(ctx, xc.p, id, r)
					if err != nil {
						return err
					}
					if xc.json {
						return printJSON(xc.e.Stdout, d)
					}
					w := xc.e.Stdout
					fmt.Fprintf(w, "%d STIX object(s) would be shared\n", len(d.Objects))
					for _, raw := range d.Objects {
						var o struct{ Type, Name, Pattern string }
						json.Unmarshal(raw, &o)
						fmt.Fprintf(w, "  %s %s\n", o.Type, clean(strings.TrimSpace(o.Name+" "+o.Pattern), 200))
					}
					fmt.Fprintf(w, "%d removal(s):\n", len(d.Removed))
					for _, x := range d.Removed {
						repl := "dropped"
						if x.Replacement != "" {
							repl = "-> " + clean(x.Replacement, 80)
						}
						fmt.Fprintf(w, "  %s: %s %s (%s: %s)\n", x.Field, clean(x.Original, 120), repl, x.Kind, x.Reason)
					}
					fmt.Fprintf(w, "token: %s\n", d.Token)
					return nil
				}
				if err := required([]string{"--token", "--collection"}, *token, *collection); err != nil {
					return err
				}
				job, err := xc.e.reporting.ShareRelease(ctx, xc.p, id, r)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, job)
				}
				fmt.Fprintf(xc.e.Stdout, "released into %s: %d accepted, %d updated, %d rejected\n", *collection, job.Accepted, job.Updated, job.Rejected)
				return nil
			}
		})

	// ---- tasks and reminders ----
	exposureCommand("incident tasks", "", [2]int{0, 0}, nil, "what the acting user should act on: approvals, information requests, deadlines", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				ts, err := xc.e.reporting.Tasks(ctx, xc.p)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, ts)
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KIND\tREF\tDUE (JST)\tOVERDUE\tTASK")
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Kind, t.Ref, jstp(t.Due), yesNo(t.Overdue), clean(t.Text, 200))
				}
				tw.Flush()
				fmt.Fprintf(xc.e.Stdout, "%d task(s)\n", len(ts))
				return nil
			}
		})
	exposureCommand("incident reminders", "", [2]int{0, 0}, nil, "the organisation's recent deadline reminders", "",
		func(fs *flag.FlagSet) exposureBody {
			limit := fs.Int("limit", 50, "at most this many (1-1000)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if *limit < 1 || *limit > 1000 {
					return usagef("--limit: must be 1 to 1000")
				}
				rs, err := xc.e.reporting.Reminders(ctx, xc.p, *limit)
				if err != nil {
					return err
				}
				if rs == nil {
					rs = []incident.Reminder{}
				}
				if xc.json {
					return printJSON(xc.e.Stdout, rs)
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "INCIDENT\tREGIME\tSTAGE\tKIND\tDUE (JST)\tSENT\tWEBHOOK")
				for _, r := range rs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.IncidentID, r.Regime, r.Stage, r.Kind, jst(r.Due), jst(r.CreatedAt), dash(clean(r.Webhook, 80)))
				}
				tw.Flush()
				fmt.Fprintf(xc.e.Stdout, "%d reminder(s)\n", len(rs))
				return nil
			}
		})
	register(&command{
		path: "incident remind", nargs: [2]int{0, 0}, groups: adminGroups,
		summary: "check every open report's deadlines once and send the reminders due (for cron)",
		help: `The server does this every few minutes; run it from cron when no server runs. Each
reminder is recorded once per stage, deadline and kind and goes to the organisation's webhook.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, _ []string) error {
				if err := e.open(ctx, true); err != nil {
					return err
				}
				n, err := e.reporting.RemindAll(ctx)
				e.reporting.WaitWebhooks()
				if err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "%d new reminder(s)\n", n)
				return nil
			}
		},
	})

	// ---- templates and settings ----
	exposureCommand("incident template list", "", [2]int{0, 0}, nil, "list the organisation's report templates", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				ts, err := xc.e.reporting.Templates(ctx, xc.p, "")
				if err != nil {
					return err
				}
				if ts == nil {
					ts = []incident.Template{}
				}
				if xc.json {
					return printJSON(xc.e.Stdout, ts)
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tREGIMES\tTLP\tUPDATED (JST)")
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, clean(t.Name, 60), dash(strings.Join(t.Regimes, ",")), dash(t.DefaultTLP), jst(t.UpdatedAt))
				}
				tw.Flush()
				fmt.Fprintf(xc.e.Stdout, "%d template(s)\n", len(ts))
				return nil
			}
		})
	exposureCommand("incident template show", "ID", [2]int{1, 1}, nil, "print a template as JSON (the form template put reads)", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				t, err := xc.e.reporting.Template(ctx, xc.p, args[0])
				if err != nil {
					return err
				}
				return printJSON(xc.e.Stdout, t)
			}
		})
	exposureCommand("incident template put", "", [2]int{0, 0}, nil, "create a template, or replace the one with the JSON's id",
		`The JSON is an incident.Template: {"name": ..., "title": ..., "content": {report.Content},
"flow": {"mode": "sequential", "steps": ["legal", "exec"]}, "own_flow": false, "regimes": ["jp-acd"], "default_tlp": "amber"}.`,
		func(fs *flag.FlagSet) exposureBody {
			from := fs.String("from-json", "", "the template JSON `FILE` (- for standard input; required)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if err := required([]string{"--from-json"}, *from); err != nil {
					return err
				}
				var t incident.Template
				if err := readJSON(xc.e, *from, &t); err != nil {
					return err
				}
				if err := xc.e.reporting.PutTemplate(ctx, xc.p, &t); err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, t)
				}
				fmt.Fprintf(xc.e.Stdout, "saved template %s (id %s)\n", clean(t.Name, 200), t.ID)
				return nil
			}
		})
	exposureCommand("incident template delete", "ID", [2]int{1, 1}, nil, "delete a template", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if err := xc.e.reporting.DeleteTemplate(ctx, xc.p, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(xc.e.Stdout, "deleted template %s\n", args[0])
				return nil
			}
		})
	exposureCommand("incident settings show", "", [2]int{0, 0}, nil, "print the organisation's reporting settings as JSON", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				st, err := xc.e.reporting.Settings(ctx, xc.p, "")
				if err != nil {
					return err
				}
				return printJSON(xc.e.Stdout, st)
			}
		})
	exposureCommand("incident settings put", "", [2]int{0, 0}, nil, "replace the organisation's reporting settings (administrators)",
		`The JSON is an incident.Settings: {"flow": {"mode": "sequential", "steps": ["legal", "exec"]},
"regimes": ["jp-acd", "jp-appi"], "offsets": {"jp-acd/prompt": {"hours": 24}}, "recipients": ["nco", "meti"],
"internal_domains": ["corp.example"], "holidays": ["2026-12-31"], "webhook_url": ..., "webhook_secret": ...,
"remind_before_hours": 6}. Recipients are government organisations (slug or id).`,
		func(fs *flag.FlagSet) exposureBody {
			from := fs.String("from-json", "", "the settings JSON `FILE` (- for standard input; required)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if err := required([]string{"--from-json"}, *from); err != nil {
					return err
				}
				var st incident.Settings
				if err := readJSON(xc.e, *from, &st); err != nil {
					return err
				}
				if err := xc.e.reporting.PutSettings(ctx, xc.p, &st); err != nil {
					return err
				}
				fmt.Fprintf(xc.e.Stdout, "saved the reporting settings of %s\n", xc.slug(ctx, st.OrgID))
				return nil
			}
		})
}

func statesText() string {
	var s []string
	for _, x := range incident.States {
		s = append(s, string(x))
	}
	return strings.Join(s, ", ")
}

// parseDueMinutes reads --due: parseDue's forms, or a time to the minute
// with an offset (2026-12-02T10:00+09:00).
func parseDueMinutes(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02T15:04Z07:00", strings.TrimSpace(s)); err == nil {
		return t.UTC(), nil
	}
	return parseDue(s)
}
