package cli

// `sakimori registry ...`, `vuln ...`, `notices` and `vendor-request ...`:
// the critical-computer registry, vulnerabilities, exposures, notices and
// vendor requests from the command line (see docs/registry-cli.md). Every
// command acts as a user (--as EMAIL, or SAKIMORI_AS) through the exposure
// service, which authorises each call exactly as it does for the API and
// the dashboard: an operator sees and notifies its own organisation's
// computers, the government records vulnerabilities and asks vendors,
// a vendor answers its own requests.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/exposure"
	"sakimori/internal/marking"
	"sakimori/internal/registry"
	"sakimori/internal/sbom"
	"sakimori/internal/store"
	"sakimori/internal/vuln"
)

// exposureCtx is what a registry, vuln, notices or vendor-request command
// body gets.
type exposureCtx struct {
	e     *env
	p     *auth.Principal
	json  bool
	slugs map[string]string // organisation id -> slug, loaded on first use
	users map[string]string // user id -> e-mail, loaded on demand
}

type exposureBody func(ctx context.Context, xc *exposureCtx, args []string) error

// registryFields maps the service's field names to the flags of the
// registry commands.
var registryFields = map[string]string{
	"ref": "--ref", "name": "--name", "function": "--function", "vendor": "--vendor", "product": "--product",
	"product_version": "--version", "cpe": "--cpe", "site": "--site", "business": "--business", "equipment": "--equipment",
	"in_service": "--in-service", "management": "--outsourced", "contractor": "--contractor", "subcontractor": "--subcontractor",
	"exclusion_note": "--exclusion-note", "notes": "--notes", "change_note": "--change-note", "org_id": "--org",
}

// requestFields maps the service's field names to the flags of the
// vendor-request commands.
var requestFields = map[string]string{
	"vendor_org_id": "--vendor", "vuln_id": "--vuln", "questions": "--questions", "due_at": "--due", "text": "--text",
	"answer": "--fix-timeline", "answer.fix_timeline": "--fix-timeline", "answer.affected_versions": "--affected-versions",
	"answer.fixed_versions": "--fixed-versions", "answer.mitigations": "--mitigations", "answer.advisory_url": "--advisory-url",
	"answer.advisory_text": "--advisory-text",
}

// exposureCommand registers a command that acts as the user --as, with --json.
func exposureCommand(path, args string, nargs [2]int, fields map[string]string, summary, help string, flags func(fs *flag.FlagSet) exposureBody) {
	register(&command{
		path: path, args: args, nargs: nargs, groups: adminGroups, fields: fields, summary: summary, help: help,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			as := fs.String("as", "", "the user to act as: e-mail or id (default $SAKIMORI_AS); the command may do what that user may")
			asJSON := fs.Bool("json", false, "print JSON")
			body := flags(fs)
			return func(ctx context.Context, e *env, args []string) error {
				ref := *as
				if ref == "" {
					ref = e.Getenv("SAKIMORI_AS")
				}
				if ref == "" {
					return usagef("--as: required (or set SAKIMORI_AS): the user to act as")
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				p, err := e.actAs(ctx, ref)
				if err != nil {
					return err
				}
				return body(ctx, &exposureCtx{e: e, p: p, json: *asJSON}, args)
			}
		},
	})
}

// actAs returns the principal of user ref (e-mail or id), as a web session
// of that user would have it; the audit trail records the source "cli".
func (e *env) actAs(ctx context.Context, ref string) (*auth.Principal, error) {
	u, err := e.svc.GetUser(ctx, cli, ref)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return nil, withFlag("--as", apperr.Invalid("as", "no user %q", ref))
		}
		return nil, err
	}
	if u.Disabled {
		return nil, withFlag("--as", fmt.Errorf("the account %s is disabled", u.Email))
	}
	o, err := e.svc.GetOrg(ctx, cli, u.OrgID)
	if err != nil {
		return nil, err
	}
	return &auth.Principal{User: u, Org: o, SourceAddr: "cli"}, nil
}

// orgID resolves an organisation slug or id given with flag name.
func (xc *exposureCtx) orgID(ctx context.Context, name, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	o, err := xc.e.svc.GetOrg(ctx, cli, ref)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return "", withFlag(name, apperr.Invalid(strings.TrimPrefix(name, "--"), "no organisation %q", ref))
		}
		return "", err
	}
	return o.ID, nil
}

// scopeErr blames a refusal on --all or --org when the command was given
// one: the acting user may not see that scope.
func scopeErr(err error, org, all bool) error {
	if apperr.CodeOf(err) != apperr.CodeForbidden {
		return err
	}
	switch {
	case all:
		return withFlag("--all", err)
	case org:
		return withFlag("--org", err)
	}
	return err
}

// slug returns the slug of organisation id (the id when unknown).
func (xc *exposureCtx) slug(ctx context.Context, id string) string {
	if xc.slugs == nil {
		m, err := xc.e.orgSlugs(ctx)
		if err != nil {
			m = map[string]string{}
		}
		xc.slugs = m
	}
	if s, ok := xc.slugs[id]; ok {
		return s
	}
	return dash(id)
}

// user returns the e-mail of user id (the id when unknown, "-" for none).
func (xc *exposureCtx) user(ctx context.Context, id string) string {
	if id == "" {
		return "-"
	}
	if xc.users == nil {
		xc.users = map[string]string{}
	}
	if s, ok := xc.users[id]; ok {
		return s
	}
	s := id // users of other organisations stay ids, as the policy decides
	if u, err := xc.e.svc.GetUser(ctx, xc.p, id); err == nil {
		s = u.Email
	}
	xc.users[id] = s
	return s
}

func (xc *exposureCtx) gov() bool { return xc.p.IsGovernment() }

// findComputer returns the computer with id ref, or with reference ref in
// organisation orgID (the acting user's when empty).
func (xc *exposureCtx) findComputer(ctx context.Context, ref, orgID string) (*registry.Computer, error) {
	c, err := xc.e.exposure.Computer(ctx, xc.p, ref)
	if err == nil || apperr.CodeOf(err) != apperr.CodeNotFound {
		return c, err
	}
	c, lerr := xc.computerByRef(ctx, ref, orgID)
	if lerr != nil {
		if apperr.CodeOf(lerr) == apperr.CodeForbidden {
			return nil, err // do not confirm another organisation's reference
		}
		return nil, lerr
	}
	if c == nil {
		return nil, apperr.NotFound("computer", ref)
	}
	return c, nil
}

// computerByRef returns the computer of organisation orgID (the acting
// user's when empty) with reference ref, or nil.
func (xc *exposureCtx) computerByRef(ctx context.Context, ref, orgID string) (*registry.Computer, error) {
	c, err := xc.e.exposure.ComputerByRef(ctx, xc.p, orgID, ref)
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return nil, nil
	}
	return c, err
}

// ---- computer flags ----------------------------------------------------------

type computerFlags struct {
	ref, name, function, vendor, product, version, cpe, site, business, equipment, inService *string
	contractor, subcontractor, exclusionNote, notes, changeNote                              *string
	overseas, internetFacing, outsourced, excluded                                           *bool
}

func addComputerFlags(fs *flag.FlagSet) *computerFlags {
	return &computerFlags{
		ref:            fs.String("ref", "", "the organisation's own asset reference (required; an existing one updates that computer)"),
		name:           fs.String("name", "", "name of the computer"),
		function:       fs.String("function", "", "vpn, authentication, remote_access, control_gateway or other"),
		vendor:         fs.String("vendor", "", "vendor of the product, e.g. Fortinet"),
		product:        fs.String("product", "", "product, e.g. FortiOS"),
		version:        fs.String("version", "", "installed version as the vendor writes it, e.g. 7.2.4, 22.7R2.3"),
		cpe:            fs.String("cpe", "", "CPE 2.3 name of the product (matching uses vendor and product without it)"),
		site:           fs.String("site", "", "where the computer is installed"),
		overseas:       fs.Bool("overseas", false, "installed outside Japan"),
		internetFacing: fs.Bool("internet-facing", false, "reachable from the internet"),
		business:       fs.String("business", "", "the designated business (特定社会基盤事業) it supports"),
		equipment:      fs.String("equipment", "", "the essential equipment (特定重要設備) it is part of"),
		inService:      fs.String("in-service", "", "date it entered service, YYYY-MM-DD"),
		outsourced:     fs.Bool("outsourced", false, "run by a contractor (give --contractor); --outsourced=false: in house"),
		contractor:     fs.String("contractor", "", "outsourced: the contractor"),
		subcontractor:  fs.String("subcontractor", "", "outsourced: any subcontractor"),
		excluded:       fs.Bool("excluded", false, "falls under a designated exclusion (give --exclusion-note); not matched"),
		exclusionNote:  fs.String("exclusion-note", "", "which designated exclusion applies"),
		notes:          fs.String("notes", "", "free notes"),
		changeNote:     fs.String("change-note", "", "why this notification (recorded with the version)"),
	}
}

// apply sets the flags given on c (the current state, or a new computer).
func (f *computerFlags) apply(set map[string]bool, c *registry.Computer) {
	for _, s := range []struct {
		name string
		v    *string
		dst  *string
	}{{"ref", f.ref, &c.Ref}, {"name", f.name, &c.Name}, {"vendor", f.vendor, &c.Vendor}, {"product", f.product, &c.Product},
		{"version", f.version, &c.ProductVersion}, {"cpe", f.cpe, &c.CPE}, {"site", f.site, &c.Site}, {"business", f.business, &c.Business},
		{"equipment", f.equipment, &c.Equipment}, {"in-service", f.inService, &c.InService}, {"contractor", f.contractor, &c.Contractor},
		{"subcontractor", f.subcontractor, &c.Subcontractor}, {"exclusion-note", f.exclusionNote, &c.ExclusionNote}, {"notes", f.notes, &c.Notes}} {
		if set[s.name] {
			*s.dst = *s.v
		}
	}
	if set["function"] {
		c.Function = registry.Function(strings.ToLower(strings.TrimSpace(*f.function)))
	}
	if set["overseas"] {
		c.Overseas = *f.overseas
	}
	if set["internet-facing"] {
		c.InternetFacing = *f.internetFacing
	}
	if set["outsourced"] {
		if *f.outsourced {
			c.Management = registry.ManagedOutsourced
		} else {
			c.Management = registry.ManagedInHouse
			if !set["contractor"] {
				c.Contractor = ""
			}
			if !set["subcontractor"] {
				c.Subcontractor = ""
			}
		}
	} else if set["contractor"] && c.Contractor != "" {
		c.Management = registry.ManagedOutsourced
	}
	if set["excluded"] {
		c.Excluded = *f.excluded
		if !c.Excluded && !set["exclusion-note"] {
			c.ExclusionNote = ""
		}
	}
	c.ChangeNote = *f.changeNote
}

// notifyOne notifies computer c (a new one, or an update of the one with
// its reference) and prints the outcome.
func (xc *exposureCtx) notifyOne(ctx context.Context, c *registry.Computer, extra map[string]any) error {
	res, err := xc.e.exposure.Notify(ctx, xc.p, c)
	if err != nil {
		return err
	}
	if xc.json {
		out := map[string]any{"computer": res.Computer, "changed": res.Changed, "match": res.Match}
		for k, v := range extra {
			out[k] = v
		}
		return printJSON(xc.e.Stdout, out)
	}
	w := xc.e.Stdout
	if !res.Changed {
		fmt.Fprintf(w, "unchanged: computer %s (id %s) is as notified in version %d\n", c.Ref, c.ID, c.Version)
		return nil
	}
	verb := "notified"
	if c.Version > 1 {
		verb = "updated"
	}
	if c.Retired {
		verb = "retired"
	}
	fmt.Fprintf(w, "%s computer %s (id %s), version %d\n", verb, c.Ref, c.ID, c.Version)
	xc.printMatch(ctx, res.Match)
	return nil
}

// printMatch prints what a match found.
func (xc *exposureCtx) printMatch(ctx context.Context, m *store.MatchOutcome) {
	if m == nil {
		return
	}
	w := xc.e.Stdout
	fmt.Fprintf(w, "%d new exposure(s), %d resolved, %d notice(s) sent\n", len(m.New), m.Resolved, len(m.Notices))
	for _, e := range m.New {
		fmt.Fprintf(w, "  exposed: %s computer %s to %s: installed %s, affected %s (%s)\n", xc.slug(ctx, e.OrgID), e.ComputerID, e.VulnID,
			dash(e.Evidence.Installed), e.Evidence.Range, e.Evidence.VulnCPE)
	}
	for _, n := range m.Notices {
		fmt.Fprintf(w, "  notice %s to %s: %s\n", n.ID, xc.slug(ctx, n.OrgID), clean(n.Title, 200))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// printComputer prints a computer's notified facts.
func (xc *exposureCtx) printComputer(ctx context.Context, c *registry.Computer) {
	w := xc.e.Stdout
	fmt.Fprintf(w, "%s  %s (id %s)\n", clean(c.Ref, 100), clean(c.Name, 200), c.ID)
	rows := [][2]string{
		{"organisation", xc.slug(ctx, c.OrgID)},
		{"version", fmt.Sprintf("%d, notified %s by %s", c.Version, ts(c.NotifiedAt), xc.user(ctx, c.NotifiedBy))},
		{"function", string(c.Function)},
		{"product", clean(strings.TrimSpace(c.Vendor+" "+c.Product+" "+c.ProductVersion), 300)},
		{"cpe", dash(c.CPE)},
		{"site", clean(c.Site, 200) + "  overseas: " + yesNo(c.Overseas) + "  internet-facing: " + yesNo(c.InternetFacing)},
		{"business", clean(c.Business, 300)},
		{"equipment", clean(c.Equipment, 300)},
		{"in service", dash(c.InService)},
	}
	mgmt := "in house"
	if c.Management == registry.ManagedOutsourced {
		mgmt = "outsourced to " + clean(c.Contractor, 200)
		if c.Subcontractor != "" {
			mgmt += ", subcontracted to " + clean(c.Subcontractor, 200)
		}
	}
	rows = append(rows, [2]string{"management", mgmt})
	if c.Excluded {
		rows = append(rows, [2]string{"excluded", "yes: " + clean(c.ExclusionNote, 300)})
	}
	if c.Retired {
		rows = append(rows, [2]string{"retired", "yes"})
	}
	if c.Notes != "" {
		rows = append(rows, [2]string{"notes", clean(c.Notes, 300)})
	}
	if c.ChangeNote != "" {
		rows = append(rows, [2]string{"change note", clean(c.ChangeNote, 300)})
	}
	rows = append(rows, [2]string{"components", strconv.Itoa(len(c.Components))})
	for _, r := range rows {
		fmt.Fprintf(w, "  %s: %s\n", r[0], r[1])
	}
	for i, x := range c.Components {
		if i == 20 {
			fmt.Fprintf(w, "    ... and %d more (--json lists them all)\n", len(c.Components)-i)
			break
		}
		id := x.CPE
		if id == "" {
			id = x.PURL
		}
		fmt.Fprintf(w, "    %s %s %s\n", clean(x.Name, 100), dash(clean(x.Version, 60)), clean(id, 200))
	}
}

// notifiedChanges lists the notified fields that differ between two
// versions of a computer, as "field: old -> new".
func notifiedChanges(older, newer registry.Computer) []string {
	toMap := func(c registry.Computer) map[string]any {
		c.ID, c.Version, c.NotifiedAt, c.NotifiedBy, c.ChangeNote, c.CreatedAt = "", 0, time.Time{}, "", "", time.Time{}
		b, _ := json.Marshal(c)
		m := map[string]any{}
		json.Unmarshal(b, &m)
		return m
	}
	a, b := toMap(older), toMap(newer)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		switch k {
		case "id", "version", "notified_at", "notified_by", "change_note", "created_at":
			continue
		}
		if !reflect.DeepEqual(a[k], b[k]) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		if k == "components" {
			out = append(out, fmt.Sprintf("components: %d -> %d", len(older.Components), len(newer.Components)))
			continue
		}
		str := func(v any) string {
			if v == nil {
				return `""`
			}
			return clean(fmt.Sprint(v), 200)
		}
		out = append(out, fmt.Sprintf("%s: %s -> %s", k, str(a[k]), str(b[k])))
	}
	return out
}

// ---- CSV rows ------------------------------------------------------------------

// csvColumn names a service field as the CSV column.
func csvColumn(field string) string {
	if field == "product_version" {
		return "version"
	}
	return field
}

// isSBOM tells an SBOM (JSON) from a CSV file by its first character.
func isSBOM(data []byte) bool {
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// ---- printing ------------------------------------------------------------------

func (xc *exposureCtx) printExposures(ctx context.Context, es []vuln.Exposure) error {
	tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VULN\tORG\tCOMPUTER\tPRODUCT\tINSTALLED\tAFFECTED\tSTATE\tCVSS\tEXPLOITED\tADVISED")
	for _, e := range es {
		cvss := "-"
		if e.CVSS > 0 {
			cvss = strconv.FormatFloat(e.CVSS, 'f', 1, 64)
		}
		adv := "-"
		if e.AdvisedAt != nil {
			adv = e.AdvisedAt.UTC().Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.VulnID, xc.slug(ctx, e.OrgID), dash(clean(e.ComputerName, 40)),
			dash(clean(e.Product, 40)), dash(clean(e.Installed, 30)), e.Evidence.Range, e.State, cvss, yesNo(e.Exploited), adv)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(xc.e.Stdout, "%d exposure(s)\n", len(es))
	return nil
}

// multiline prints text indented, each line cleaned of control characters.
func multiline(w io.Writer, indent, text string) {
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		fmt.Fprintf(w, "%s%s\n", indent, clean(strings.TrimRight(l, " \t\r"), 2000))
	}
}

func (xc *exposureCtx) printVuln(ctx context.Context, v *vuln.Vulnerability) {
	w := xc.e.Stdout
	fmt.Fprintf(w, "%s  %s\n", v.ID, clean(v.Title, 300))
	fmt.Fprintf(w, "  tlp: %s  source: %s  version: %d  recorded by: %s  updated: %s\n", v.TLP, dash(v.Source), v.Version, xc.slug(ctx, v.OwnerOrgID), ts(v.UpdatedAt))
	if v.CVSS != nil {
		fmt.Fprintf(w, "  cvss: %s %.1f (%s) %s\n", v.CVSS.Version, v.CVSS.Score, v.CVSS.Severity(), v.CVSS.Vector)
	}
	fmt.Fprintf(w, "  exploited: %s\n", yesNo(v.Exploited))
	if k := v.KEV; k != nil {
		fmt.Fprintf(w, "  KEV: added %s, due %s, ransomware %s: %s\n", dash(k.DateAdded), dash(k.DueDate), yesNo(k.Ransomware), clean(k.RequiredAction, 300))
	}
	if v.Published != nil {
		fmt.Fprintf(w, "  published: %s\n", ts(*v.Published))
	}
	if len(v.CWEs) > 0 {
		fmt.Fprintf(w, "  cwes: %s\n", strings.Join(v.CWEs, ", "))
	}
	if v.Description != "" {
		fmt.Fprintln(w, "  description:")
		multiline(w, "    ", v.Description)
	}
	fmt.Fprintf(w, "  affected (%d):\n", len(v.Affected))
	for _, a := range v.Affected {
		var rs []string
		for _, r := range a.Ranges {
			rs = append(rs, r.String())
		}
		if len(rs) == 0 {
			rs = []string{"any version"}
		}
		fmt.Fprintf(w, "    %s: %s\n", a.CPE, strings.Join(rs, "; "))
	}
	for _, l := range []struct {
		name string
		rs   []vuln.Remedy
	}{{"fix", v.Fixes}, {"workaround", v.Workarounds}} {
		for _, r := range l.rs {
			fmt.Fprintf(w, "  %s: %s\n", l.name, strings.TrimSpace(clean(strings.ReplaceAll(r.Text, "\n", " "), 500)+" "+r.URL))
		}
	}
	for _, r := range v.References {
		fmt.Fprintf(w, "  reference: %s\n", clean(r, 500))
	}
}

func (xc *exposureCtx) printNotice(ctx context.Context, n *vuln.Notice) {
	w := xc.e.Stdout
	fmt.Fprintf(w, "%s  %s notice about %s to %s (%s)\n", n.ID, n.Kind, n.VulnID, xc.slug(ctx, n.OrgID), n.TLP)
	fmt.Fprintf(w, "  title: %s\n  created: %s\n", clean(n.Title, 300), ts(n.CreatedAt))
	if n.AcknowledgedAt != nil {
		fmt.Fprintf(w, "  acknowledged: %s by %s\n", ts(*n.AcknowledgedAt), xc.user(ctx, n.AcknowledgedBy))
	} else {
		fmt.Fprintln(w, "  acknowledged: no")
	}
	if n.RequestID != "" {
		fmt.Fprintf(w, "  vendor request: %s\n", n.RequestID)
	}
	fmt.Fprintf(w, "  computers: %s\n", strings.Join(n.ComputerIDs, ", "))
	for _, e := range n.Evidence {
		fmt.Fprintf(w, "    %s: installed %s, affected %s (%s)\n", e.ComputerCPE, dash(e.Installed), e.Range, e.VulnCPE)
	}
	fmt.Fprintln(w, "  ---")
	multiline(w, "  ", n.Body)
}

func requestState(r *vuln.Request, now time.Time) string {
	if r.Overdue(now) {
		return string(r.State) + " (overdue)"
	}
	return string(r.State)
}

func (xc *exposureCtx) printRequest(ctx context.Context, r *vuln.Request) {
	w := xc.e.Stdout
	now := xc.e.exposure.Now()
	fmt.Fprintf(w, "%s  request to %s about %s\n", r.ID, xc.slug(ctx, r.VendorOrgID), r.VulnID)
	fmt.Fprintf(w, "  state: %s\n  from: %s (%s)\n  created: %s\n  due: %s\n", requestState(r, now), xc.slug(ctx, r.FromOrgID),
		xc.user(ctx, r.RequestedBy), ts(r.CreatedAt), ts(r.DueAt))
	for _, t := range []struct {
		name string
		at   *time.Time
	}{{"acknowledged", r.AcknowledgedAt}, {"answered", r.AnsweredAt}, {"declined", r.DeclinedAt}, {"withdrawn", r.WithdrawnAt}, {"advised", r.AdvisedAt}} {
		if t.at != nil {
			fmt.Fprintf(w, "  %s: %s\n", t.name, ts(*t.at))
		}
	}
	fmt.Fprintln(w, "  questions:")
	multiline(w, "    ", r.Questions)
	if r.DeclineReason != "" {
		fmt.Fprintln(w, "  decline reason:")
		multiline(w, "    ", r.DeclineReason)
	}
	if a := r.Answer; a != nil {
		fmt.Fprintln(w, "  answer:")
		for _, f := range []struct{ name, v string }{{"affected versions", a.AffectedVersions}, {"fixed versions", a.FixedVersions},
			{"fix timeline", a.FixTimeline}, {"mitigations", a.Mitigations}, {"advisory", a.AdvisoryURL}, {"advisory text", a.AdvisoryText}} {
			if f.v != "" {
				fmt.Fprintf(w, "    %s: %s\n", f.name, clean(strings.ReplaceAll(f.v, "\n", " "), 2000))
			}
		}
	}
	fmt.Fprintf(w, "  events (%d):\n", len(r.Events))
	for _, e := range r.Events {
		fmt.Fprintf(w, "    %s  %s by %s (%s)", ts(e.At), e.Kind, xc.user(ctx, e.UserID), xc.slug(ctx, e.OrgID))
		if e.Text != "" {
			fmt.Fprintf(w, ": %s", clean(strings.ReplaceAll(e.Text, "\n", " "), 500))
		}
		fmt.Fprintln(w)
	}
}

// parseDue reads --due: a date (the end of that day in Japan) or an RFC
// 3339 time.
func parseDue(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseInLocation(time.DateOnly, s, time.FixedZone("JST", 9*60*60)); err == nil {
		return d.Add(24*time.Hour - time.Second).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usagef("--due: %q is not a date YYYY-MM-DD (the end of that day, Japan time) or an RFC 3339 time", s)
}

// textArg reads a flag value that may be "-" for standard input.
func textArg(e *env, v string) (string, error) {
	if v != "-" {
		return v, nil
	}
	b, err := io.ReadAll(e.Stdin)
	return string(b), err
}

func init() {
	// ---- the registry ----
	exposureCommand("registry list", "", [2]int{0, 0}, registryFields, "list notified critical computers",
		`Without --org or --all: the acting user's organisation. --org names another
organisation (the government sees every organisation's registry; an operator only
its own); --all lists every organisation's (government only).`,
		func(fs *flag.FlagSet) exposureBody {
			orgRef := fs.String("org", "", "the organisation whose computers to list (slug or id)")
			all := fs.Bool("all", false, "every organisation's computers (government)")
			q := fs.String("q", "", "only computers whose name, ref, vendor, product or version contains this")
			function := fs.String("function", "", "only this function: vpn, authentication, remote_access, control_gateway, other")
			retired := fs.Bool("retired", false, "include retired computers")
			limit := fs.Int("limit", 100, "at most this many (1-10000)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if *orgRef != "" && *all {
					return usagef("--org and --all: give one")
				}
				if *limit < 1 || *limit > 10000 {
					return usagef("--limit: must be 1 to 10000")
				}
				fn := registry.Function(strings.ToLower(*function))
				if fn != "" && !fn.Valid() {
					return usagef("--function: %q (one of vpn, authentication, remote_access, control_gateway, other)", *function)
				}
				orgID, err := xc.orgID(ctx, "--org", *orgRef)
				if err != nil {
					return err
				}
				cs, total, err := xc.e.exposure.Computers(ctx, xc.p, store.ComputerQuery{OrgID: orgID, Function: fn, Text: *q, Retired: *retired, Limit: *limit}, *all)
				if err != nil {
					return scopeErr(err, *orgRef != "", *all)
				}
				if cs == nil {
					cs = []registry.Computer{}
				}
				if xc.json {
					return printJSON(xc.e.Stdout, map[string]any{"computers": cs, "total": total})
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tORG\tREF\tNAME\tFUNCTION\tPRODUCT\tVERSION\tNOTIFIED\tFLAGS")
				for _, c := range cs {
					var flags []string
					for _, f := range []struct {
						on   bool
						name string
					}{{c.InternetFacing, "internet"}, {c.Overseas, "overseas"}, {c.Management == registry.ManagedOutsourced, "outsourced"},
						{c.Excluded, "excluded"}, {c.Retired, "retired"}} {
						if f.on {
							flags = append(flags, f.name)
						}
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\tv%d %s\t%s\n", c.ID, xc.slug(ctx, c.OrgID), clean(c.Ref, 40), clean(c.Name, 40), c.Function,
						clean(c.Vendor+" "+c.Product, 50), clean(c.ProductVersion, 30), c.Version, c.NotifiedAt.UTC().Format(time.DateOnly), dash(strings.Join(flags, ",")))
				}
				tw.Flush()
				fmt.Fprintf(xc.e.Stdout, "%d of %d computer(s)\n", len(cs), total)
				return nil
			}
		})
	exposureCommand("registry show", "ID|REF", [2]int{1, 1}, registryFields, "show a critical computer, its exposures and (--history) every notified version",
		"REF is the organisation's own reference of one of its computers (--org for another organisation's, government only).",
		func(fs *flag.FlagSet) exposureBody {
			orgRef := fs.String("org", "", "the organisation REF belongs to (default the acting user's)")
			history := fs.Bool("history", false, "every notified version, with what changed")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				orgID, err := xc.orgID(ctx, "--org", *orgRef)
				if err != nil {
					return err
				}
				c, err := xc.findComputer(ctx, args[0], orgID)
				if err != nil {
					return err
				}
				exps, err := xc.e.exposure.Exposures(ctx, xc.p, store.ExposureQuery{OrgID: c.OrgID, ComputerID: c.ID, Limit: 1000}, false)
				if err != nil {
					return err
				}
				if exps == nil {
					exps = []vuln.Exposure{}
				}
				var hist []registry.Notification
				if *history {
					if hist, err = xc.e.exposure.Notifications(ctx, xc.p, c.ID); err != nil {
						return err
					}
				}
				if xc.json {
					out := map[string]any{"computer": c, "exposures": exps}
					if *history {
						if hist == nil {
							hist = []registry.Notification{}
						}
						out["history"] = hist
					}
					return printJSON(xc.e.Stdout, out)
				}
				xc.printComputer(ctx, c)
				w := xc.e.Stdout
				fmt.Fprintf(w, "  exposures (%d):\n", len(exps))
				for _, e := range exps {
					fmt.Fprintf(w, "    %s  %s: installed %s, affected %s (%s)\n", e.VulnID, e.State, dash(e.Evidence.Installed), e.Evidence.Range, e.Evidence.VulnCPE)
				}
				if *history {
					fmt.Fprintf(w, "  history (%d versions):\n", len(hist))
					for i, n := range hist {
						fmt.Fprintf(w, "    version %d at %s by %s", n.Version, ts(n.NotifiedAt), xc.user(ctx, n.NotifiedBy))
						if n.ChangeNote != "" {
							fmt.Fprintf(w, ": %s", clean(n.ChangeNote, 300))
						}
						fmt.Fprintln(w)
						if i+1 < len(hist) {
							for _, ch := range notifiedChanges(hist[i+1].Computer, n.Computer) {
								fmt.Fprintf(w, "      ~ %s\n", ch)
							}
						}
					}
				}
				return nil
			}
		})
	exposureCommand("registry notify", "", [2]int{0, 0}, registryFields, "notify a critical computer, or a change of one (matched against every vulnerability at once)",
		`A --ref the organisation has not used notifies a new computer: give --name, --function,
--vendor, --product, --version, --site, --business and --equipment. A --ref already used
notifies a new version of that computer: only the flags given change, the rest stays as
last notified (give --change-note to say why). Notifying the same facts again records
nothing. Example:
  sakimori registry notify --as analyst@toto-electric.example --ref FG-01 --name "SSL-VPN gateway" \
      --function vpn --vendor Fortinet --product FortiOS --version 7.2.4 --site "Tokyo DC" \
      --internet-facing --business "electricity supply" --equipment "remote access gateway"
  sakimori registry notify --as analyst@toto-electric.example --ref FG-01 --version 7.2.7 --change-note "patched"`,
		func(fs *flag.FlagSet) exposureBody {
			orgRef := fs.String("org", "", "the organisation the computer belongs to (default the acting user's)")
			cf := addComputerFlags(fs)
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if err := required([]string{"--ref"}, *cf.ref); err != nil {
					return err
				}
				orgID, err := xc.orgID(ctx, "--org", *orgRef)
				if err != nil {
					return err
				}
				c := &registry.Computer{OrgID: orgID}
				cur, err := xc.computerByRef(ctx, *cf.ref, orgID)
				if err != nil && apperr.CodeOf(err) != apperr.CodeForbidden {
					return err
				}
				if cur != nil {
					c = cur
					c.Retired = false // notified as it is now: in service
				}
				cf.apply(setFlags(fs), c)
				if err := xc.notifyOne(ctx, c, nil); err != nil {
					return scopeErr(err, *orgRef != "", false)
				}
				return nil
			}
		})
	exposureCommand("registry retire", "ID|REF", [2]int{1, 1}, registryFields, "notify that a critical computer is withdrawn from service",
		"The computer's exposures are resolved; its notified versions stay.",
		func(fs *flag.FlagSet) exposureBody {
			orgRef := fs.String("org", "", "the organisation REF belongs to (default the acting user's)")
			note := fs.String("change-note", "", "why the computer is retired (required)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if err := required([]string{"--change-note"}, *note); err != nil {
					return err
				}
				orgID, err := xc.orgID(ctx, "--org", *orgRef)
				if err != nil {
					return err
				}
				c, err := xc.findComputer(ctx, args[0], orgID)
				if err != nil {
					return err
				}
				if c.Retired && !xc.json {
					fmt.Fprintf(xc.e.Stdout, "computer %s (id %s) is already retired (version %d)\n", c.Ref, c.ID, c.Version)
					return nil
				}
				c.Retired, c.ChangeNote = true, *note
				return xc.notifyOne(ctx, c, nil)
			}
		})
	exposureCommand("registry import", "FILE", [2]int{1, 1}, registryFields, "notify computers from a CSV file, or a computer's software from an SBOM",
		`FILE (or - for standard input) is a CSV file (columns ref, name, function, vendor,
product, version, cpe, site, overseas, internet_facing, business, equipment, in_service,
management, contractor, subcontractor, excluded, exclusion_note, notes, in English or
Japanese; UTF-8 or Shift_JIS) or a CycloneDX / SPDX JSON SBOM (told apart by content,
or --format).

CSV: each row notifies a computer (an existing ref updates it). Rows with problems are
reported with their row and column; the good rows are kept. Prints created, updated and
unchanged counts; exit status 1 when a row had a problem.

SBOM: the software of one computer: --computer REF of an existing computer, or the
flags of 'registry notify' (--ref, --name, ...) for a new one (vendor, product, version
and CPE default to the SBOM's subject). Components the SBOM describes badly are
reported as warnings.`,
		func(fs *flag.FlagSet) exposureBody {
			orgRef := fs.String("org", "", "the organisation the computers belong to (default the acting user's)")
			format := fs.String("format", "", "csv or sbom (default: by content)")
			computer := fs.String("computer", "", "SBOM: id or ref of the existing computer whose software it lists")
			cf := addComputerFlags(fs)
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				file := args[0]
				data, err := readInput(xc.e.Stdin, file)
				if err != nil {
					return err
				}
				kind := strings.ToLower(*format)
				switch kind {
				case "":
					kind = "csv"
					if isSBOM(data) {
						kind = "sbom"
					}
				case "csv", "sbom":
				default:
					return usagef("--format: %q (csv or sbom)", *format)
				}
				set := setFlags(fs)
				if kind == "csv" {
					for name := range set {
						if name != "org" && name != "format" && name != "json" && name != "as" && !isConfigFlag(name) {
							return usagef("--%s: applies to an SBOM, not a CSV file", name)
						}
					}
				}
				orgID, err := xc.orgID(ctx, "--org", *orgRef)
				if err != nil {
					return err
				}
				if kind == "sbom" {
					return xc.importSBOM(ctx, file, data, orgID, *computer, cf, set)
				}
				return xc.importCSV(ctx, file, data, orgID)
			}
		})

	// ---- vulnerabilities ----
	exposureCommand("vuln list", "", [2]int{0, 0}, nil, "list the vulnerabilities the acting user may see", "",
		func(fs *flag.FlagSet) exposureBody {
			exploited := fs.Bool("exploited", false, "only vulnerabilities known to be exploited")
			q := fs.String("q", "", "only vulnerabilities whose id or title contains this")
			limit := fs.Int("limit", 100, "at most this many (1-500)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if *limit < 1 || *limit > 500 {
					return usagef("--limit: must be 1 to 500")
				}
				vs, err := xc.e.exposure.Vulns(ctx, xc.p, store.VulnQuery{Text: *q, Exploited: *exploited, Limit: *limit})
				if err != nil {
					return err
				}
				if vs == nil {
					vs = []vuln.Vulnerability{}
				}
				if xc.json {
					return printJSON(xc.e.Stdout, vs)
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTLP\tCVSS\tEXPLOITED\tAFFECTED\tUPDATED\tTITLE")
				for _, v := range vs {
					cvss := "-"
					if v.CVSS != nil {
						cvss = fmt.Sprintf("%.1f", v.CVSS.Score)
					}
					var prods []string
					for _, a := range v.Affected {
						p := a.Product
						if p == "" {
							p = a.CPE
						}
						prods = append(prods, p)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.TLP, cvss, yesNo(v.Exploited), dash(clean(strings.Join(prods, ", "), 40)),
						v.UpdatedAt.UTC().Format(time.DateOnly), clean(v.Title, 60))
				}
				tw.Flush()
				fmt.Fprintf(xc.e.Stdout, "%d vulnerabilit%s\n", len(vs), map[bool]string{true: "y", false: "ies"}[len(vs) == 1])
				return nil
			}
		})
	exposureCommand("vuln show", "ID", [2]int{1, 1}, nil, "show a vulnerability and the exposures to it the acting user may see",
		"--json prints the vulnerability alone, in the form 'vuln put' reads.",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				v, err := xc.e.exposure.Vuln(ctx, xc.p, strings.ToUpper(strings.TrimSpace(args[0])))
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, v)
				}
				xc.printVuln(ctx, v)
				exps, err := xc.e.exposure.Exposures(ctx, xc.p, store.ExposureQuery{VulnID: v.ID, Limit: 1000}, xc.gov())
				if err != nil {
					return err
				}
				fmt.Fprintf(xc.e.Stdout, "  exposures (%d):\n", len(exps))
				for _, e := range exps {
					fmt.Fprintf(xc.e.Stdout, "    %s %s (%s): installed %s, affected %s, %s\n", xc.slug(ctx, e.OrgID), clean(e.ComputerName, 60),
						e.ComputerID, dash(e.Evidence.Installed), e.Evidence.Range, e.State)
				}
				return nil
			}
		})
	exposureCommand("vuln put", "FILE", [2]int{1, 1}, nil, "record or update a vulnerability from sakimori's JSON form and match it at once",
		`FILE (or -) holds one vulnerability as 'vuln show --json' prints it, e.g.
  {"id": "SKM-2026-0001", "title": "...", "tlp": "TLP:AMBER",
   "affected": [{"cpe": "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*",
                 "ranges": [{"scheme": "ivanti", "end_excluding": "22.7R2.5"}]}],
   "cvss": {"version": "3.1", "score": 9.8}, "exploited": true,
   "fixes": [{"text": "Upgrade to 22.7R2.5"}]}
The computers it affects are exposed at once and their organisations notified
(TLP:RED: recorded, told to nobody automatically).`,
		func(fs *flag.FlagSet) exposureBody {
			tlp := fs.String("tlp", "", "the TLP label, when the file gives none (or to replace it)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				var t marking.TLP
				if *tlp != "" {
					var err error
					if t, err = parseTLPFlag("--tlp", *tlp); err != nil {
						return err
					}
				}
				file := args[0]
				data, err := readInput(xc.e.Stdin, file)
				if err != nil {
					return err
				}
				var v vuln.Vulnerability
				dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&v); err != nil {
					var ae *apperr.Error
					if errors.As(err, &ae) {
						return fmt.Errorf("%s: %s: %s", file, dash(ae.Field), ae.Message)
					}
					return fmt.Errorf("%s: not a vulnerability in sakimori's JSON form: %v", file, err)
				}
				if dec.More() {
					return fmt.Errorf("%s: holds more than one JSON value (one vulnerability per file; use 'vuln import' for CVE JSON 5 arrays)", file)
				}
				if t != marking.TLPInvalid {
					v.TLP = t
				}
				res, err := xc.e.exposure.PutVuln(ctx, xc.p, &v)
				if err != nil {
					if ae := apperrOf(err); ae != nil && ae.Code == apperr.CodeInvalid {
						if ae.Field == "tlp" && *tlp == "" {
							return fmt.Errorf("%s: tlp: %s (or give --tlp)", file, ae.Message)
						}
						return fmt.Errorf("%s: %s: %s", file, dash(ae.Field), ae.Message)
					}
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, res)
				}
				if !res.Changed {
					fmt.Fprintf(xc.e.Stdout, "unchanged: %s is as recorded in version %d\n", v.ID, v.Version)
					return nil
				}
				fmt.Fprintf(xc.e.Stdout, "recorded %s (%s), version %d\n", v.ID, v.TLP, v.Version)
				xc.printMatch(ctx, res.Match)
				return nil
			}
		})
	exposureCommand("vuln import", "FILE...", [2]int{1, -1}, nil, "import vulnerabilities from CVE JSON 5 records or the CISA KEV catalogue",
		`--format cve5: a CVE record (as in the cvelistV5 repository) or a JSON array of records;
--format kev: the CISA known_exploited_vulnerabilities.json catalogue (an entry for a CVE
already recorded only adds the known-exploited facts). Each vulnerability is matched at
once. Prints created, updated and unchanged counts, the new exposures and notices, and
each problem with its record and JSON field; parts of a record left out are listed as
"ignored". Exit status 1 when a record was not imported.`,
		func(fs *flag.FlagSet) exposureBody {
			format := fs.String("format", "", "cve5 or kev (required)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if err := required([]string{"--format"}, *format); err != nil {
					return err
				}
				parse := map[string]func([]byte) ([]vuln.Vulnerability, []vuln.ImportProblem, error){"cve5": vuln.ParseCVE5, "kev": vuln.ParseKEV}[strings.ToLower(*format)]
				if parse == nil {
					return usagef("--format: %q (cve5 or kev)", *format)
				}
				failed := false
				for _, file := range args {
					data, err := readInput(xc.e.Stdin, file)
					if err != nil {
						return err
					}
					vs, probs, err := parse(data)
					if err != nil {
						if ae := apperrOf(err); ae != nil {
							return fmt.Errorf("%s: %s", file, ae.Message)
						}
						return fmt.Errorf("%s: %v", file, err)
					}
					res, err := xc.e.exposure.ImportVulns(ctx, xc.p, vs)
					if err != nil {
						return err
					}
					type problem struct {
						Record  int    `json:"record"`
						ID      string `json:"id,omitempty"`
						Field   string `json:"field,omitempty"`
						Message string `json:"message"`
						Ignored bool   `json:"ignored"`
					}
					parsed := []problem{}
					for _, p := range probs {
						parsed = append(parsed, problem{p.Index, p.ID, p.Field, p.Message, p.Partial()})
						if !p.Partial() {
							failed = true
						}
					}
					if len(res.Problems) > 0 {
						failed = true
					}
					if xc.json {
						if err := printJSON(xc.e.Stdout, map[string]any{"file": file, "format": strings.ToLower(*format), "result": res, "parse_problems": parsed}); err != nil {
							return err
						}
						continue
					}
					w := xc.e.Stdout
					fmt.Fprintf(w, "%s: %d created, %d updated, %d unchanged, %d not imported; %d new exposure(s), %d notice(s) sent\n", filepath.Base(file),
						res.Created, res.Updated, res.Unchanged, len(res.Problems)+countFailed(probs), res.Exposures, res.Notices)
					for _, p := range probs {
						fmt.Fprintf(w, "  %s\n", clean(p.String(), 500))
					}
					for _, p := range res.Problems {
						// The service numbers the records it was given; its message starts with the id.
						if p.Field != "" {
							fmt.Fprintf(w, "  rejected: %s (%s)\n", clean(p.Message, 500), p.Field)
						} else {
							fmt.Fprintf(w, "  rejected: %s\n", clean(p.Message, 500))
						}
					}
				}
				if failed {
					return &failure{exitFail}
				}
				return nil
			}
		})
	exposureCommand("vuln rematch", "", [2]int{0, 0}, nil, "match every vulnerability against the whole registry again (government)",
		"For after an upgrade of the matching rules, or to check consistency. New exposures are notified as usual.",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				res, err := xc.e.exposure.Rematch(ctx, xc.p)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, res)
				}
				fmt.Fprintf(xc.e.Stdout, "re-matched %d vulnerabilities against %d computers in %s: %d new exposure(s), %d resolved, %d notice(s) sent\n",
					res.Vulns, res.Computers, res.Took.Round(time.Millisecond), res.New, res.Resolved, res.Notices)
				return nil
			}
		})
	exposureCommand("vuln exposures", "[VULN]", [2]int{0, 1}, nil, "list exposures of critical computers (to VULN, or to any)",
		`Without --org or --all: the acting user's organisation's exposures. --org names another
organisation, --all lists every organisation's (government only).`,
		func(fs *flag.FlagSet) exposureBody {
			orgRef := fs.String("org", "", "the organisation whose exposures to list (slug or id)")
			all := fs.Bool("all", false, "every organisation's exposures (government)")
			unpatched := fs.Bool("unpatched", false, "only open or mitigated exposures")
			advised := fs.Bool("advised", false, "only exposures an advisory was sent about")
			computer := fs.String("computer", "", "only this computer (id or ref)")
			limit := fs.Int("limit", 1000, "at most this many (1-100000)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if *orgRef != "" && *all {
					return usagef("--org and --all: give one")
				}
				if *limit < 1 || *limit > 100000 {
					return usagef("--limit: must be 1 to 100000")
				}
				orgID, err := xc.orgID(ctx, "--org", *orgRef)
				if err != nil {
					return err
				}
				q := store.ExposureQuery{OrgID: orgID, Unpatched: *unpatched, Advised: *advised, Limit: *limit}
				if len(args) == 1 {
					q.VulnID = strings.ToUpper(strings.TrimSpace(args[0]))
				}
				if *computer != "" {
					c, err := xc.findComputer(ctx, *computer, orgID)
					if err != nil {
						return withFlag("--computer", err)
					}
					q.ComputerID = c.ID
				}
				es, err := xc.e.exposure.Exposures(ctx, xc.p, q, *all)
				if err != nil {
					return scopeErr(err, *orgRef != "", *all)
				}
				if es == nil {
					es = []vuln.Exposure{}
				}
				if xc.json {
					return printJSON(xc.e.Stdout, es)
				}
				return xc.printExposures(ctx, es)
			}
		})
	exposureCommand("vuln exposure-state", "COMPUTER VULN", [2]int{2, 2}, map[string]string{"state": "--state", "note": "--note"},
		"record what the organisation did about an exposure of its computer",
		"COMPUTER is the computer's id or ref; --state open, mitigated, patched or not_affected.",
		func(fs *flag.FlagSet) exposureBody {
			state := fs.String("state", "", "open, mitigated (workaround applied), patched or not_affected (required)")
			note := fs.String("note", "", "what was done")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if err := required([]string{"--state"}, *state); err != nil {
					return err
				}
				st := vuln.ExposureState(strings.ToLower(*state))
				if !st.Valid() || st == vuln.ExposureResolved {
					return usagef("--state: %q (one of open, mitigated, patched, not_affected)", *state)
				}
				c, err := xc.findComputer(ctx, args[0], "")
				if err != nil {
					return err
				}
				vid := strings.ToUpper(strings.TrimSpace(args[1]))
				if err := xc.e.exposure.SetExposureState(ctx, xc.p, c.ID, vid, st, *note); err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, map[string]any{"computer_id": c.ID, "vuln_id": vid, "state": st, "note": *note})
				}
				fmt.Fprintf(xc.e.Stdout, "exposure of %s (id %s) to %s: %s\n", c.Ref, c.ID, vid, st)
				return nil
			}
		})
	exposureCommand("vuln overview", "", [2]int{0, 0}, nil, "unpatched exposure by sector and by product, and exposures unpatched after an advisory (government)", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				ov, err := xc.e.exposure.Overview(ctx, xc.p)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, ov)
				}
				w := xc.e.Stdout
				fmt.Fprintln(w, "Unpatched exposure by sector:")
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "  SECTOR\tORGANISATIONS\tCOMPUTERS\tEXPOSURES\tEXPLOITED\tCRITICAL")
				for _, r := range ov.BySector {
					fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\n", dash(r.Sector), r.Organisations, r.Computers, r.Exposures, r.Exploited, r.Critical)
				}
				tw.Flush()
				if len(ov.BySector) == 0 {
					fmt.Fprintln(w, "  (none)")
				}
				fmt.Fprintln(w, "\nUnpatched exposure by product:")
				tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "  PRODUCT\tORGANISATIONS\tCOMPUTERS\tVULNERABILITIES")
				for _, r := range ov.ByProduct {
					fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\n", dash(clean(r.Product, 60)), r.Organisations, r.Computers, strings.Join(r.Vulns, ", "))
				}
				tw.Flush()
				if len(ov.ByProduct) == 0 {
					fmt.Fprintln(w, "  (none)")
				}
				fmt.Fprintf(w, "\nUnpatched after an advisory (%d):\n", len(ov.Unpatched))
				tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				if len(ov.Unpatched) > 0 {
					fmt.Fprintln(tw, "  ADVISED\tORG\tCOMPUTER\tVULN\tSTATE\tINSTALLED")
				}
				for _, e := range ov.Unpatched {
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", tsp(e.AdvisedAt), xc.slug(ctx, e.OrgID), dash(clean(e.ComputerName, 40)), e.VulnID, e.State, dash(clean(e.Installed, 30)))
				}
				tw.Flush()
				if len(ov.Unpatched) == 0 {
					fmt.Fprintln(w, "  (none)")
				}
				return nil
			}
		})
	exposureCommand("vuln vendor-record", "", [2]int{0, 0}, nil, "each vendor's record of answering information requests (government)",
		"Withdrawn requests do not count; open requests past their due date are overdue.",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				rows, err := xc.e.exposure.VendorRecord(ctx, xc.p)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, rows)
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "VENDOR\tREQUESTS\tANSWERED\tON TIME\tDECLINED\tOPEN\tOVERDUE\tMEDIAN DAYS")
				for _, r := range rows {
					med := "-"
					if r.MedianDays >= 0 {
						med = strconv.FormatFloat(r.MedianDays, 'f', 1, 64)
					}
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", xc.slug(ctx, r.VendorOrgID), r.Requests, r.Answered, r.OnTime, r.Declined, r.Open, r.Overdue, med)
				}
				return tw.Flush()
			}
		})

	// ---- notices ----
	exposureCommand("notices", "[ID]", [2]int{0, 1}, nil, "the acting user's organisation's notices: exposures and advisories",
		"Without ID: the list, newest first. With ID: one notice in full. --ack ID acknowledges one.",
		func(fs *flag.FlagSet) exposureBody {
			ack := fs.String("ack", "", "acknowledge this notice")
			vulnID := fs.String("vuln", "", "only notices about this vulnerability")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if *ack != "" {
					if len(args) > 0 {
						return usagef("--ack: not with ID")
					}
					if err := xc.e.exposure.AcknowledgeNotice(ctx, xc.p, *ack); err != nil {
						if apperr.CodeOf(err) == apperr.CodeNotFound {
							return withFlag("--ack", err)
						}
						return err
					}
					n, err := xc.e.exposure.Notice(ctx, xc.p, *ack)
					if err != nil {
						return err
					}
					if xc.json {
						return printJSON(xc.e.Stdout, n)
					}
					fmt.Fprintf(xc.e.Stdout, "acknowledged notice %s (%s)\n", n.ID, clean(n.Title, 200))
					return nil
				}
				if len(args) == 1 {
					n, err := xc.e.exposure.Notice(ctx, xc.p, args[0])
					if err != nil {
						return err
					}
					if xc.json {
						return printJSON(xc.e.Stdout, n)
					}
					xc.printNotice(ctx, n)
					return nil
				}
				ns, err := xc.e.exposure.Notices(ctx, xc.p, strings.ToUpper(strings.TrimSpace(*vulnID)))
				if err != nil {
					return err
				}
				if ns == nil {
					ns = []vuln.Notice{}
				}
				if xc.json {
					return printJSON(xc.e.Stdout, ns)
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tKIND\tVULN\tTLP\tCREATED\tACKNOWLEDGED\tTITLE")
				unacked := 0
				for _, n := range ns {
					acked := "no"
					if n.AcknowledgedAt != nil {
						acked = n.AcknowledgedAt.UTC().Format(time.DateOnly)
					} else {
						unacked++
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Kind, n.VulnID, n.TLP, ts(n.CreatedAt), acked, clean(n.Title, 80))
				}
				tw.Flush()
				fmt.Fprintf(xc.e.Stdout, "%d notice(s), %d not acknowledged\n", len(ns), unacked)
				return nil
			}
		})

	// ---- vendor requests ----
	exposureCommand("vendor-request create", "", [2]int{0, 0}, requestFields, "ask a vendor about a vulnerability (government)",
		`The vendor is asked to acknowledge and answer by the due date (a best-effort obligation:
the record shows requested, acknowledged, answered, declined and overdue). Example:
  sakimori vendor-request create --as analyst@nco.example --vuln CVE-2024-21762 --vendor fortinet-jp \
      --questions "Which builds are affected? When is a fix available?" --due-days 14`,
		func(fs *flag.FlagSet) exposureBody {
			vulnID := fs.String("vuln", "", "the vulnerability (required)")
			vendor := fs.String("vendor", "", "the vendor or supplier organisation, slug or id (required)")
			questions := fs.String("questions", "", "what the vendor is asked; - reads standard input (required)")
			due := fs.String("due", "", "answer due by: YYYY-MM-DD (the end of that day, Japan time) or an RFC 3339 time")
			dueDays := fs.Int("due-days", 0, "answer due in this many days (default 14)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if err := required([]string{"--vuln", "--vendor", "--questions"}, *vulnID, *vendor, *questions); err != nil {
					return err
				}
				set := setFlags(fs)
				if set["due"] && set["due-days"] {
					return usagef("--due and --due-days: give one")
				}
				r := &vuln.Request{VulnID: strings.ToUpper(strings.TrimSpace(*vulnID)), VendorOrgID: *vendor}
				var err error
				if r.Questions, err = textArg(xc.e, *questions); err != nil {
					return err
				}
				if set["due"] {
					if r.DueAt, err = parseDue(*due); err != nil {
						return err
					}
				}
				if set["due-days"] {
					if *dueDays < 1 || *dueDays > 365 {
						return usagef("--due-days: must be 1 to 365")
					}
					r.DueAt = xc.e.exposure.Now().UTC().Add(time.Duration(*dueDays) * 24 * time.Hour)
				}
				if err := xc.e.exposure.RequestVendor(ctx, xc.p, r); err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, r)
				}
				fmt.Fprintf(xc.e.Stdout, "requested %s from %s about %s, due %s\n", r.ID, xc.slug(ctx, r.VendorOrgID), r.VulnID, ts(r.DueAt))
				return nil
			}
		})
	exposureCommand("vendor-request list", "", [2]int{0, 0}, requestFields, "list vendor requests: a vendor's own, or (government) every vendor's", "",
		func(fs *flag.FlagSet) exposureBody {
			vulnID := fs.String("vuln", "", "only requests about this vulnerability")
			state := fs.String("state", "", "only requests in this state: requested, acknowledged, answered, declined, withdrawn")
			vendor := fs.String("vendor", "", "only this vendor's requests (government)")
			limit := fs.Int("limit", 100, "at most this many (1-10000)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				st := vuln.RequestState(strings.ToLower(*state))
				if st != "" && !st.Valid() {
					return usagef("--state: %q (one of requested, acknowledged, answered, declined, withdrawn)", *state)
				}
				if *limit < 1 || *limit > 10000 {
					return usagef("--limit: must be 1 to 10000")
				}
				vendorID, err := xc.orgID(ctx, "--vendor", *vendor)
				if err != nil {
					return err
				}
				rs, err := xc.e.exposure.Requests(ctx, xc.p, store.RequestQuery{VendorOrgID: vendorID, VulnID: strings.ToUpper(strings.TrimSpace(*vulnID)), State: st, Limit: *limit})
				if err != nil {
					return err
				}
				if rs == nil {
					rs = []vuln.Request{}
				}
				if xc.json {
					return printJSON(xc.e.Stdout, rs)
				}
				now := xc.e.exposure.Now()
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tVULN\tVENDOR\tSTATE\tCREATED\tDUE\tANSWERED")
				for i := range rs {
					r := &rs[i]
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.VulnID, xc.slug(ctx, r.VendorOrgID), requestState(r, now),
						r.CreatedAt.UTC().Format(time.DateOnly), ts(r.DueAt), tsp(r.AnsweredAt))
				}
				tw.Flush()
				fmt.Fprintf(xc.e.Stdout, "%d request(s)\n", len(rs))
				return nil
			}
		})
	exposureCommand("vendor-request show", "ID", [2]int{1, 1}, requestFields, "show a vendor request with its answer and events", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				r, err := xc.e.exposure.Request(ctx, xc.p, args[0])
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, r)
				}
				xc.printRequest(ctx, r)
				return nil
			}
		})
	for _, a := range []struct{ kind, summary, help, text string }{
		{"acknowledge", "acknowledge a request as the vendor", "", "a note"},
		{"answer", "answer a request as the vendor (again to correct the answer)",
			`Give at least --fix-timeline or --mitigations. Example:
  sakimori vendor-request answer REQ --as psirt@vendor.example --fixed-versions "7.4.3, 7.2.7" \
      --fix-timeline "fixed releases available" --mitigations "disable SSL-VPN" \
      --advisory-url https://vendor.example/psirt/FG-IR-24-015`, "a note"},
		{"decline", "decline a request as the vendor, saying why", "", "why the request is declined (required)"},
		{"withdraw", "withdraw a request (government)", "", "a note"},
		{"comment", "add a comment to a request (the vendor or the government)", "", "the comment (required)"},
	} {
		exposureCommand("vendor-request "+a.kind, "ID", [2]int{1, 1}, requestFields, a.summary, a.help, func(fs *flag.FlagSet) exposureBody {
			text := fs.String("text", "", a.text+"; - reads standard input")
			var ans struct{ affected, fixed, timeline, mitigations, url, advisory *string }
			if a.kind == "answer" {
				ans.affected = fs.String("affected-versions", "", "which versions are affected")
				ans.fixed = fs.String("fixed-versions", "", "which versions fix it")
				ans.timeline = fs.String("fix-timeline", "", "when a fix is (or will be) available")
				ans.mitigations = fs.String("mitigations", "", "mitigations and workarounds until then")
				ans.url = fs.String("advisory-url", "", "the vendor's advisory (http or https URL)")
				ans.advisory = fs.String("advisory-text", "", "the advisory's text; - reads standard input")
			}
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if a.kind == "decline" || a.kind == "comment" {
					if err := required([]string{"--text"}, *text); err != nil {
						return err
					}
				}
				act := exposure.RequestAction{Kind: a.kind}
				var err error
				if act.Text, err = textArg(xc.e, *text); err != nil {
					return err
				}
				if a.kind == "answer" {
					act.Answer = &vuln.Answer{AffectedVersions: *ans.affected, FixedVersions: *ans.fixed, FixTimeline: *ans.timeline,
						Mitigations: *ans.mitigations, AdvisoryURL: *ans.url}
					if *text == "-" && *ans.advisory == "-" {
						return usagef("--advisory-text: only one flag can read standard input")
					}
					if act.Answer.AdvisoryText, err = textArg(xc.e, *ans.advisory); err != nil {
						return err
					}
				}
				r, err := xc.e.exposure.ActOnRequest(ctx, xc.p, args[0], act)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, r)
				}
				fmt.Fprintf(xc.e.Stdout, "request %s about %s: %s\n", r.ID, r.VulnID, map[string]string{"acknowledge": "acknowledged",
					"answer": "answered", "decline": "declined", "withdraw": "withdrawn", "comment": "comment added"}[a.kind])
				return nil
			}
		})
	}
	exposureCommand("vendor-request advise", "ID", [2]int{1, 1}, requestFields, "turn a vendor's answer into an advisory to every organisation still exposed (government)",
		"Each organisation with an unpatched exposure to the vulnerability receives an advisory notice with the vendor's answer, --text first.",
		func(fs *flag.FlagSet) exposureBody {
			text := fs.String("text", "", "the analyst's note put before the vendor's answer; - reads standard input")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				t, err := textArg(xc.e, *text)
				if err != nil {
					return err
				}
				ns, err := xc.e.exposure.Advise(ctx, xc.p, args[0], t)
				if err != nil {
					return err
				}
				if ns == nil {
					ns = []vuln.Notice{}
				}
				if xc.json {
					return printJSON(xc.e.Stdout, ns)
				}
				fmt.Fprintf(xc.e.Stdout, "advisory sent to %d organisation(s)\n", len(ns))
				for _, n := range ns {
					fmt.Fprintf(xc.e.Stdout, "  notice %s to %s: %d computer(s)\n", n.ID, xc.slug(ctx, n.OrgID), len(n.ComputerIDs))
				}
				return nil
			}
		})
}

// countFailed counts the problems that left a whole record out.
func countFailed(ps []vuln.ImportProblem) int {
	n := 0
	for _, p := range ps {
		if !p.Partial() {
			n++
		}
	}
	return n
}

// importCSV notifies the computers of a CSV file.
func (xc *exposureCtx) importCSV(ctx context.Context, file string, data []byte, orgID string) error {
	cs, rows, probs, err := registry.ParseCSVRows(bytes.NewReader(data))
	if err != nil {
		if ae := apperrOf(err); ae != nil {
			return fmt.Errorf("%s: %s", file, ae.Message)
		}
		return fmt.Errorf("%s: %v", file, err)
	}
	res, err := xc.e.exposure.NotifyAll(ctx, xc.p, orgID, cs, rows)
	if err != nil {
		return scopeErr(err, orgID != "", false)
	}
	problems := []csvProblem{}
	for _, p := range res.Problems {
		cp := csvProblem{Row: p.Row, Field: csvColumn(p.Field), Message: p.Message}
		if rows == nil && p.Row >= 1 && p.Row <= len(cs) {
			// Without rows the service numbers the computers it was given.
			cp.Row, cp.Ref = 0, cs[p.Row-1].Ref
		}
		problems = append(problems, cp)
	}
	for _, p := range probs {
		problems = append(problems, csvProblem{Row: p.Row, Field: p.Field, Message: p.Message})
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Row < problems[j].Row })
	res.Problems = nil
	if xc.json {
		out := struct {
			File   string `json:"file"`
			Format string `json:"format"`
			*exposure.ImportResult
			Problems []csvProblem `json:"problems"`
		}{file, "csv", res, problems}
		if err := printJSON(xc.e.Stdout, out); err != nil {
			return err
		}
	} else {
		w := xc.e.Stdout
		fmt.Fprintf(w, "%s: %d created, %d updated, %d unchanged, %d problem(s); %d new exposure(s)\n", filepath.Base(file),
			res.Created, res.Updated, res.Unchanged, len(problems), res.Exposures)
		for _, p := range problems {
			where := "row " + strconv.Itoa(p.Row)
			if p.Row == 0 {
				where = "ref " + strconv.Quote(clean(p.Ref, 100))
			}
			if p.Field != "" {
				fmt.Fprintf(w, "  %s: %s: %s\n", where, clean(p.Field, 60), clean(p.Message, 500))
			} else {
				fmt.Fprintf(w, "  %s: %s\n", where, clean(p.Message, 500))
			}
		}
	}
	if len(problems) > 0 {
		return &failure{exitFail}
	}
	return nil
}

// csvProblem is a row of a CSV import that was not taken: Row as a
// spreadsheet shows it (0 when only Ref tells the row), Field the column.
type csvProblem struct {
	Row     int    `json:"row,omitempty"`
	Ref     string `json:"ref,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// importSBOM notifies the software of one computer from an SBOM.
func (xc *exposureCtx) importSBOM(ctx context.Context, file string, data []byte, orgID, computer string, cf *computerFlags, set map[string]bool) error {
	doc, err := sbom.Parse(data)
	if err != nil {
		if ae := apperrOf(err); ae != nil {
			if ae.Field != "" {
				return fmt.Errorf("%s: %s: %s", file, ae.Field, ae.Message)
			}
			return fmt.Errorf("%s: %s", file, ae.Message)
		}
		return fmt.Errorf("%s: %v", file, err)
	}
	var c *registry.Computer
	switch {
	case computer != "" && set["ref"] && *cf.ref != computer:
		return usagef("--computer and --ref: give one (--ref with --computer renames the computer; use 'registry notify' for that)")
	case computer != "":
		if c, err = xc.findComputer(ctx, computer, orgID); err != nil {
			return withFlag("--computer", err)
		}
	case !set["ref"]:
		return usagef("--computer or --ref: required (the existing computer the SBOM describes, or the reference of a new one)")
	default:
		cur, err := xc.computerByRef(ctx, *cf.ref, orgID)
		if err != nil && apperr.CodeOf(err) != apperr.CodeForbidden {
			return err
		}
		c = cur
	}
	if c == nil {
		// A new computer: its product defaults to the SBOM's subject.
		s := doc.Subject
		c = &registry.Computer{OrgID: orgID, Vendor: s.Supplier, Product: s.Name, ProductVersion: s.Version, CPE: s.CPE}
	}
	c.Retired = false
	cf.apply(set, c)
	c.Components = doc.Components
	if c.ChangeNote == "" {
		c.ChangeNote = fmt.Sprintf("software from %s (%s %s)", filepath.Base(file), doc.Format, doc.SpecVersion)
	}
	warnings := doc.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	if !xc.json {
		fmt.Fprintf(xc.e.Stdout, "%s: %s %s SBOM, %d component(s)\n", filepath.Base(file), doc.Format, doc.SpecVersion, len(doc.Components))
		for _, w := range warnings {
			fmt.Fprintf(xc.e.Stdout, "  warning: %s\n", clean(w, 500))
		}
	}
	before := c.Version
	if err := xc.notifyOne(ctx, c, map[string]any{"file": file, "format": doc.Format, "spec_version": doc.SpecVersion, "warnings": warnings}); err != nil {
		return err
	}
	if !xc.json {
		created, updated, unchanged := 0, 0, 0
		switch {
		case c.Version == before:
			unchanged = 1
		case before == 0:
			created = 1
		default:
			updated = 1
		}
		fmt.Fprintf(xc.e.Stdout, "%d created, %d updated, %d unchanged\n", created, updated, unchanged)
	}
	return nil
}
