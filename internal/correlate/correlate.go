// Package correlate is the cross-organisation correlation engine (issue
// #7): observations of values (indicators, ATT&CK techniques, malware
// families, exploited vulnerabilities, infrastructure) contributed by
// organisations through reports, sightings and shared objects become
// correlation clusters (candidate campaigns) for government analysts.
//
// The rules (sources, independence, window, caps, weights, strength,
// merging, feedback anonymisation) are in docs/correlation.md.
package correlate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"sakimori/internal/event"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/org"
	"sakimori/internal/reporting"
	"sakimori/internal/share"
	"sakimori/internal/stix/pattern"
	"sakimori/internal/store"
	"sakimori/internal/warninglist"
)

// Defaults of the engine's rules.
const (
	DefaultWindow = 30 * 24 * time.Hour
	DefaultCap    = 20
	// recentFor is how long a cluster's last observation counts as fully
	// recent in the strength score.
	recentFor = 7 * 24 * time.Hour
)

// Source kinds of observations.
const (
	SourceReport   = "report"
	SourceSighting = "sighting"
	SourceObject   = "object"
)

// Value kinds beyond the indicator atoms' kinds (ipv4, domain, sha256, ...).
const (
	KindTechnique = "technique"  // ATT&CK technique id, T1190 or T1059.001
	KindMalware   = "malware"    // malware family name, lower case
	KindCVE       = "cve"        // CVE id, upper case
	KindRansomExt = "ransom_ext" // the extension a ransomware gave encrypted files, lower case without the dot
)

// Cluster, its evidence and organisations are the store's types.
type (
	Cluster      = store.Cluster
	ClusterValue = store.ClusterValue
	ClusterOrg   = store.ClusterOrg
)

// Service is the correlation service.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	// Events receives cluster.created and cluster.updated (government
	// audience); nil publishes nothing.
	Events event.Publisher
	// Intel provides the enabled warninglists for values of reports (shared
	// objects carry their own warninglist flags); nil checks none.
	Intel *intel.Service
	// Window and Cap are the correlation window and the organisation cap
	// (DefaultWindow, DefaultCap when zero).
	Window time.Duration
	Cap    int

	mu   sync.Mutex // serialises correlation in this process
	orgs sync.Map   // org id -> cachedOrg (kind and sector, read again after orgTTL)
}

// New returns a correlation service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log}
}

func (s *Service) now() time.Time { return s.DB.Now().UTC() }

func (s *Service) window() time.Duration {
	if s.Window > 0 {
		return s.Window
	}
	return DefaultWindow
}

func (s *Service) params() store.CorrParams {
	cp := s.Cap
	if cp <= 0 {
		cp = DefaultCap
	}
	return store.CorrParams{Window: s.window(), Cap: cp, Weak: Weak, Score: Strength, Title: title}
}

// Weak reports whether values of a kind are weak evidence: many
// unrelated organisations see the same ATT&CK technique (T1190) or the
// same ransom extension, so such values alone form a cluster only two
// together, and never merge clusters.
func Weak(kind string) bool { return kind == KindTechnique || kind == KindRansomExt }

// Strength is a cluster's score, 0..100 (docs/correlation.md):
//
//	orgs     40 × min(orgs−1, 4) / 4            (2 organisations: 10, 5 or more: 40)
//	evidence min(20, 4 × strong + 2 × weak)     (uncapped values only)
//	         + min(10, 5 × (categories − 1))    (indicator, cve, malware, technique)
//	recency  30 while the last observation is under 7 days old, then falling
//	         linearly to 0 at the end of the window
//
// A cluster involving fewer than two organisations (its evidence was
// withdrawn) scores 0. Capped values count for nothing.
func Strength(st store.ClusterStats) int {
	if st.Orgs < 2 || st.Strong+st.Weak == 0 {
		return 0
	}
	orgs := 40 * min(st.Orgs-1, 4) / 4
	ev := min(20, 4*st.Strong+2*st.Weak) + min(10, 5*max(st.Categories-1, 0))
	rec := 0
	age := st.Now.Sub(st.LastSeen)
	switch w := st.Window; {
	case age <= recentFor:
		rec = 30
	case age < w && w > recentFor:
		rec = int(30 * float64(w-age) / float64(w-recentFor))
	}
	return min(100, orgs+ev+rec)
}

// title names a new cluster after its first strong value (else its
// first value) and how many more joined with it; never after an
// organisation.
func title(vals []store.CorrValue) string {
	if len(vals) == 0 {
		return "cluster"
	}
	first := vals[0]
	for _, v := range vals {
		if !Weak(v.Kind) {
			first = v
			break
		}
	}
	t := first.Kind + " " + first.Value
	if len(t) > 120 {
		t = t[:120] + "…"
	}
	if len(vals) > 1 {
		t += fmt.Sprintf(" +%d", len(vals)-1)
	}
	return t
}

// ---- observers -------------------------------------------------------------

func (s *Service) org(ctx context.Context, id string) *org.Organisation {
	if v, ok := s.orgs.Load(id); ok && time.Now().Before(v.(cachedOrg).exp) {
		return v.(cachedOrg).o
	}
	o, err := s.DB.GetOrg(ctx, id)
	if err != nil {
		s.Log.Warn("correlation: organisation not found", "org", id, "err", err)
		return nil
	}
	s.orgs.Store(id, cachedOrg{o: o, exp: time.Now().Add(orgTTL)})
	return o
}

// orgTTL is how long an organisation's kind and sector are reused: a
// change (a new sector, an organisation made government) counts for
// observations from then on.
const orgTTL = time.Minute

type cachedOrg struct {
	o   *org.Organisation
	exp time.Time
}

// correlate stores batches (one transaction) and publishes the cluster
// changes. Failures are logged: an observer cannot fail the change that
// already committed.
func (s *Service) correlate(ctx context.Context, bs ...*store.CorrBatch) {
	if len(bs) == 0 {
		return
	}
	s.mu.Lock()
	ch, err := s.DB.Correlate(ctx, bs, s.params())
	s.mu.Unlock()
	if err != nil {
		s.Log.Error("correlation failed", "batches", len(bs), "source", bs[0].SourceKind, "ref", bs[0].SourceRef, "org", bs[0].OrgID, "err", err)
		return
	}
	s.publish(ctx, ch)
}

func (s *Service) withdraw(ctx context.Context, kind string, refs ...string) {
	if len(refs) == 0 {
		return
	}
	s.mu.Lock()
	ch, err := s.DB.WithdrawCorrSources(ctx, kind, refs, s.params())
	s.mu.Unlock()
	if err != nil {
		s.Log.Error("correlation withdrawal failed", "source", kind, "refs", len(refs), "ref", refs[0], "err", err)
		return
	}
	s.publish(ctx, ch)
}

// EventData is the data of cluster.created and cluster.updated.
type EventData struct {
	ID         string   `json:"id"`
	Ref        string   `json:"ref"`
	Title      string   `json:"title"`
	Status     string   `json:"status"`
	Strength   int      `json:"strength"`
	Orgs       int      `json:"orgs"`
	MergedInto string   `json:"merged_into,omitempty"`
	Merged     []string `json:"merged,omitempty"` // clusters merged into this one
}

func (s *Service) publish(ctx context.Context, changes []store.ClusterChange) {
	if s.Events == nil || len(changes) == 0 {
		return
	}
	evs := make([]*event.Event, 0, len(changes))
	for _, c := range changes {
		k := event.ClusterUpdated
		if c.Created {
			k = event.ClusterCreated
		}
		evs = append(evs, clusterEvent(k, &c.Cluster, c.Merged, s.now()))
	}
	if err := s.Events.Publish(ctx, evs...); err != nil {
		s.Log.Warn("cluster events not published", "n", len(evs), "err", err)
	}
}

func clusterEvent(k event.Kind, c *Cluster, merged []string, at time.Time) *event.Event {
	return &event.Event{Kind: k, At: at, Subject: c.ID, Audience: event.Audience{Gov: true},
		Data: event.Data(EventData{ID: c.ID, Ref: c.Ref, Title: c.Title, Status: c.Status, Strength: c.Strength, Orgs: c.Orgs,
			MergedInto: c.MergedInto, Merged: merged})}
}

// ReportChanged observes a submitted or refuted report (reporting.Observer).
// A submission replaces what the report's earlier submissions contributed;
// a refutation withdraws it.
func (s *Service) ReportChanged(ctx context.Context, in *incident.Incident, submitted bool) {
	if in == nil {
		return
	}
	if in.State == incident.Refuted {
		s.withdraw(ctx, SourceReport, in.ID)
		return
	}
	if !submitted {
		return
	}
	o := s.org(ctx, in.OrgID)
	if o == nil {
		return
	}
	at := s.now()
	b := &store.CorrBatch{OrgID: in.OrgID, Sector: string(o.Sector), SourceKind: SourceReport, SourceRef: in.ID,
		First: at, Last: at, Replace: true, Values: s.withWarninglists(ReportValues(in))}
	s.correlate(ctx, b)
}

// SightingAdded observes a sighting (intel.Observer): the organisation
// that sighted an object observed its values. False positives and the
// government's sightings are not observations.
func (s *Service) SightingAdded(ctx context.Context, sg *share.Sighting) {
	if sg == nil || sg.FalsePositive || sg.ReporterOrgID == "" {
		return
	}
	o := s.org(ctx, sg.ReporterOrgID)
	if o == nil || o.Kind.IsGovernment() {
		return
	}
	obj, err := s.DB.CorrObjectByStixID(ctx, sg.StixID)
	if err != nil {
		s.Log.Warn("correlation: sighted object not found", "stix_id", sg.StixID, "err", err)
		return
	}
	if obj.Revoked {
		return
	}
	vals := ObjectValues(obj.Type, obj.Name, obj.Raw, obj.Atoms)
	markFlags(vals, obj.Flags)
	sector := string(sg.Sector)
	if sector == "" {
		sector = string(o.Sector)
	}
	s.correlate(ctx, &store.CorrBatch{OrgID: sg.ReporterOrgID, Sector: sector, SourceKind: SourceSighting, SourceRef: sg.StixID,
		First: sg.FirstSeen, Last: sg.LastSeen, Values: vals})
}

// ObjectsStored observes shared objects (intel.Observer), one transaction
// for the whole stored batch. Not independent observations, and so
// skipped: objects from a feed import (Source "feed:..."), objects derived
// from an incident report ("report:...", the report itself is observed),
// and objects the government shares. A revoked object withdraws what it
// contributed.
func (s *Service) ObjectsStored(ctx context.Context, c *share.Collection, objs []intel.StoredObject) {
	at := s.now()
	var bs []*store.CorrBatch
	var revoked []string
	for i := range objs {
		ob := &objs[i]
		if !Independent(ob.Source) {
			continue
		}
		if ob.Revoked {
			revoked = append(revoked, ob.StixID)
			continue
		}
		o := s.org(ctx, ob.Owner)
		if o == nil || o.Kind.IsGovernment() {
			continue
		}
		vals := ObjectValues(ob.Type, ob.Name, ob.Raw, ob.Atoms)
		if len(vals) == 0 {
			continue
		}
		var lists []string
		for _, f := range ob.Flags {
			lists = append(lists, f.List)
		}
		markFlags(vals, lists)
		bs = append(bs, &store.CorrBatch{OrgID: ob.Owner, Sector: string(o.Sector), SourceKind: SourceObject, SourceRef: ob.StixID,
			First: at, Last: at, Replace: ob.Updated, Values: vals})
	}
	s.withdraw(ctx, SourceObject, revoked...)
	s.correlate(ctx, bs...)
}

// Independent reports whether objects of a provenance are an organisation's
// own observations: not a feed import and not derived from a report.
func Independent(source string) bool {
	return !strings.HasPrefix(source, "feed:") && !strings.HasPrefix(source, "report:")
}

// markFlags caps the values a warninglist flagged on their object.
func markFlags(vals []store.CorrValue, lists []string) {
	if len(lists) == 0 {
		return
	}
	for i := range vals {
		if !Weak(vals[i].Kind) && vals[i].Kind != KindMalware && vals[i].Kind != KindCVE {
			vals[i].Warninglist = lists[0]
		}
	}
}

// withWarninglists marks the values on an enabled warninglist.
func (s *Service) withWarninglists(vals []store.CorrValue) []store.CorrValue {
	if s.Intel == nil {
		return vals
	}
	set := s.Intel.ListSet()
	if set == nil || set.Len() == 0 {
		return vals
	}
	for i := range vals {
		k, ok := warninglist.AtomKind(vals[i].Kind)
		if !ok {
			continue
		}
		if hits := set.Check(k, vals[i].Value); len(hits) > 0 {
			vals[i].Warninglist = hits[0].List
		}
	}
	return vals
}

// ---- values ----------------------------------------------------------------

var (
	techniqueRE = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	cveRE       = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
)

// Technique normalises an ATT&CK technique id ("" if it is none).
func Technique(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if techniqueRE.MatchString(s) {
		return s
	}
	return ""
}

// CVE normalises a CVE id ("" if it is none).
func CVE(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if cveRE.MatchString(s) {
		return s
	}
	return ""
}

// Malware normalises a malware family name.
func Malware(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if len(s) > 200 {
		return ""
	}
	return s
}

// IOC normalises one report IOC the way intel normalises atoms.
func IOC(typ, value string) (kind, norm string) {
	v := strings.TrimSpace(value)
	switch typ {
	case "ipv4", "ipv6":
		if k, n, err := pattern.NormalizeIP(v); err == nil {
			return string(k), n
		}
	case "domain":
		if n, err := pattern.NormalizeDomain(v); err == nil {
			return string(pattern.KindDomain), n
		}
	case "url":
		if n, err := pattern.NormalizeURL(v); err == nil {
			return string(pattern.KindURL), n
		}
	case "email":
		if n, err := pattern.NormalizeEmail(v); err == nil {
			return string(pattern.KindEmail), n
		}
	case "md5", "sha1", "sha256", "sha512":
		if k, n, err := pattern.NormalizeHash(typ, v); err == nil {
			return string(k), n
		}
	}
	return "", ""
}

// ReportValues returns the values a report's content contributes: its
// IOCs, ATT&CK techniques, exploited CVEs and the ransom extension.
func ReportValues(in *incident.Incident) []store.CorrValue {
	c := &in.Content
	var out []store.CorrValue
	add := func(k, v string) {
		if k != "" && v != "" {
			out = append(out, store.CorrValue{Kind: k, Value: v})
		}
	}
	for _, i := range c.IOCs.Value {
		add(IOC(i.Type, i.Value))
	}
	for _, t := range c.Techniques.Value {
		add(KindTechnique, Technique(t))
	}
	for _, v := range c.Vulns.Value {
		add(KindCVE, CVE(v.CVE))
	}
	if r := c.Ransom.Value; r.Ransomware {
		add(KindRansomExt, strings.TrimPrefix(strings.ToLower(strings.TrimSpace(r.FileExtension)), "."))
	}
	return out
}

// ObjectValues returns the values a STIX object contributes: the atoms of
// indicators and observables, the ATT&CK id of an attack-pattern, the
// name of a malware, the CVE of a vulnerability.
func ObjectValues(typ, name string, raw []byte, atoms []store.Atom) []store.CorrValue {
	var out []store.CorrValue
	switch typ {
	case "attack-pattern":
		var o struct {
			Refs []struct {
				Source string `json:"source_name"`
				ID     string `json:"external_id"`
			} `json:"external_references"`
		}
		if json.Unmarshal(raw, &o) == nil {
			for _, r := range o.Refs {
				if r.Source == "mitre-attack" {
					if t := Technique(r.ID); t != "" {
						out = append(out, store.CorrValue{Kind: KindTechnique, Value: t})
					}
				}
			}
		}
		return out
	case "malware":
		if m := Malware(name); m != "" {
			out = append(out, store.CorrValue{Kind: KindMalware, Value: m})
		}
		return out
	case "vulnerability":
		if c := CVE(name); c != "" {
			out = append(out, store.CorrValue{Kind: KindCVE, Value: c})
		}
		return out
	}
	for _, a := range atoms {
		out = append(out, store.CorrValue{Kind: a.Kind, Value: a.Value})
	}
	return out
}

var (
	_ intel.Observer     = (*Service)(nil)
	_ reporting.Observer = (*Service)(nil)
)
