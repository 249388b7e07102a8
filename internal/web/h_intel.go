package web

// Threat-information sharing pages: browse and search shared objects, an
// object's detail (score, history with differences, sightings, warninglist
// hits and overrides), collections, sharing groups, imports and
// warninglists. Every read and write goes through intel.Service, which
// applies TLP entitlement and authorisation; these handlers only translate.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/confidence"
	"sakimori/internal/export"
	"sakimori/internal/i18n"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/match"
	"sakimori/internal/org"
	"sakimori/internal/score"
	"sakimori/internal/share"
	"sakimori/internal/stix/pattern"
)

func init() {
	for k, v := range map[string]string{
		"type":            "field.stix_type",
		"collection":      "field.collection",
		"flagged":         "field.flagged",
		"revoked":         "field.revoked",
		"scale":           "field.scale",
		"count":           "field.count",
		"first_seen":      "field.first_seen",
		"last_seen":       "field.last_seen",
		"anonymous":       "field.anonymous",
		"false_positive":  "field.false_positive",
		"note":            "field.note",
		"reason":          "field.override_reason",
		"alias":           "field.alias",
		"title.ja":        "field.title_ja",
		"title.en":        "field.title_en",
		"title":           "field.title",
		"tlp":             "field.tlp",
		"write_policy":    "field.write_policy",
		"audience.orgs":   "field.audience_orgs",
		"audience.groups": "field.audience_groups",
		"group_kind":      "field.group_kind",
		"members":         "field.members",
		"format":          "field.format",
		"file":            "field.file",
		"text":            "field.paste",
		"confidence":      "field.confidence",
		"value":           "field.value",
		"min_confidence":  "intel.field.min_confidence",
		"min_score":       "intel.field.min_score",
		"added_from":      "intel.field.added_from",
		"added_to":        "intel.field.added_to",
		"modified_from":   "intel.field.modified_from",
		"modified_to":     "intel.field.modified_to",
		"sort":            "intel.field.sort",
	} {
		fieldLabels[k] = v
	}
	for k, v := range map[string]string{
		"sighting_added":     "done.sighting_added",
		"override_saved":     "done.override_saved",
		"override_withdrawn": "done.override_withdrawn",
		"collection_created": "done.collection_created",
		"collection_saved":   "done.collection_saved",
		"group_created":      "done.group_created",
	} {
		doneMessages[k] = v
	}
	reasons = append(reasons, intelReasons...)
}

// intelReasons translate the sharing service's validation messages.
var intelReasons = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^give a Japanese or an English title$`), "reason.title_required"},
	{regexp.MustCompile(`^must be valid text of at most (\d+) characters$`), "reason.max_chars"},
	{regexp.MustCompile(`^is required$`), "reason.required"},
	{regexp.MustCompile(`^must be one of clear, green, amber, amber\+strict, red$`), "reason.tlp"},
	{regexp.MustCompile(`^unknown TLP label `), "reason.tlp"},
	{regexp.MustCompile(`^must be owner, audience or members$`), "reason.unknown_value"},
	{regexp.MustCompile(`^at most (\d+) (entries|members)$`), "reason.max_entries"},
	{regexp.MustCompile(`^must be 1 to (\d+)$`), "reason.count_range"},
	{regexp.MustCompile(`^first_seen and last_seen are required$`), "reason.required"},
	{regexp.MustCompile(`^must not be before first_seen$`), "reason.before_first_seen"},
	{regexp.MustCompile(`^is in the future$`), "reason.in_future"},
	{regexp.MustCompile(`^explain the override in 3 to 1000 characters$`), "reason.override_reason"},
	{regexp.MustCompile(`^no object .* that you can see$`), "reason.no_object"},
	{regexp.MustCompile(`^unknown group kind `), "reason.unknown_value"},
	{regexp.MustCompile(`^a sharing group needs at least one member organisation or user$`), "reason.members_required"},
	{regexp.MustCompile(`^duplicate member `), "reason.duplicate_member"},
	{regexp.MustCompile(`^no sharing group `), "reason.no_group"},
	{regexp.MustCompile(`^no user `), "reason.missing_ref"},
	{regexp.MustCompile(`^a collection with alias .* already exists$`), "reason.alias_taken"},
	{regexp.MustCompile(`^a sharing group with slug .* already exists$`), "reason.group_slug_taken"},
	{regexp.MustCompile(`^must be a STIX id$`), "reason.stix_id"},
}

// intelRoutes registers the threat-sharing pages (when the service is
// configured).
func (s *server) intelRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Intel == nil {
		return
	}
	mux.Handle("GET /intel", s.user(s.intelList))
	mux.Handle("GET /intel/export/{format}", s.user(s.intelExport))
	mux.Handle("GET /intel/objects/{id}", s.user(s.intelObject))
	mux.Handle("POST /intel/objects/{id}/sightings", s.user(s.intelSighting))
	mux.Handle("POST /intel/objects/{id}/override", s.user(s.intelOverride))
	mux.Handle("POST /intel/objects/{id}/override/withdraw", s.user(s.intelWithdraw))
	mux.Handle("GET /collections", s.user(s.collList))
	mux.Handle("GET /collections/new", s.user(s.collNew))
	mux.Handle("POST /collections", s.user(s.collCreate))
	mux.Handle("GET /collections/{ref}/edit", s.user(s.collEdit))
	mux.Handle("POST /collections/{ref}/edit", s.user(s.collUpdate))
	mux.Handle("GET /groups", s.user(s.groupList))
	mux.Handle("POST /groups", s.user(s.groupCreate))
	mux.Handle("GET /import", s.user(s.importPage))
	mux.Handle("POST /import", s.upload(s.importSubmit))
	mux.Handle("GET /import/{id}/status", s.user(s.importStatus))
	mux.Handle("GET /warninglists", s.user(s.warninglists))
	s.actionRoutes(mux)
}

// nav is navItems with the threat-sharing sections.
func (s *server) nav(rq *req) []navItem {
	items := navItems(rq)
	if s.opt.Intel == nil || len(items) < 2 {
		return items
	}
	extra := []navItem{{Path: "/intel", Label: "nav.intel"}, {Path: "/collections", Label: "nav.collections"},
		{Path: "/groups", Label: "nav.groups"}}
	if auth.Can(rq.P, auth.ActIntelWrite, auth.Target{}) {
		extra = append(extra, navItem{Path: "/import", Label: "nav.import"})
	}
	extra = append(extra, navItem{Path: "/warninglists", Label: "nav.warninglists"})
	for i := range extra {
		it := &extra[i]
		it.Current = rq.URL.Path == it.Path || strings.HasPrefix(rq.URL.Path, it.Path+"/")
	}
	return slices.Insert(items, 2, extra...)
}

// ---- shared pieces -----------------------------------------------------------

// tlpBadge is how a TLP label is shown: its name and a CSS class coloured
// as TLP 2.0 prescribes.
type tlpBadge struct{ Name, Class string }

func badgeOf(t marking.TLP) tlpBadge {
	if !t.Valid() {
		return tlpBadge{Name: "TLP:?", Class: "tlp tlp-red"}
	}
	return tlpBadge{Name: t.String(), Class: "tlp tlp-" + strings.ReplaceAll(t.Name(), "+", "-")}
}

func tlpOptions(rq *req, empty string) []option {
	var os []option
	if empty != "" {
		os = append(os, option{Value: "", Label: rq.T(empty)})
	}
	for _, t := range marking.TLPs {
		os = append(os, option{Value: t.Name(), Label: t.String()})
	}
	return os
}

const scaleCookie = "conf_scale"

// confScale is the confidence scale the user reads: ?scale= (remembered in
// a cookie), the cookie, or the language's default.
func (s *server) confScale(w http.ResponseWriter, rq *req) confidence.Scale {
	if v := rq.URL.Query().Get("scale"); v != "" {
		if sc := confidence.Scale(v); sc.Valid() {
			s.setCookie(w, scaleCookie, v, time.Now().AddDate(1, 0, 0), true)
			return sc
		}
	}
	if c, err := rq.Cookie(scaleCookie); err == nil && confidence.Scale(c.Value).Valid() {
		return confidence.Scale(c.Value)
	}
	if rq.lang == i18n.JA {
		return confidence.ScaleJA
	}
	return confidence.ScaleNoneLowMedHigh
}

func scaleOptions(rq *req) []option {
	var os []option
	for _, sc := range confidence.Scales {
		os = append(os, option{Value: string(sc), Label: sc.Name().In(rq.lang)})
	}
	return os
}

func confText(rq *req, sc confidence.Scale, v *int) string {
	l := confidence.FormatOptional(sc, v)
	if v == nil {
		return "—"
	}
	return l.Text.In(rq.lang)
}

// collIndex loads the collections the user can see, by id.
func (s *server) collIndex(rq *req) ([]share.CollectionView, map[string]*share.CollectionView, error) {
	cs, err := s.opt.Intel.Collections(rq.Context(), rq.P)
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]*share.CollectionView, len(cs))
	for i := range cs {
		m[cs[i].ID] = &cs[i]
	}
	return cs, m, nil
}

// ---- browse and search -------------------------------------------------------

// stixTypes are the types offered in the type filter.
var stixTypes = []string{"indicator", "malware", "threat-actor", "intrusion-set", "campaign", "attack-pattern", "tool",
	"vulnerability", "infrastructure", "report", "note", "observed-data", "sighting", "identity", "relationship",
	"course-of-action", "grouping", "location", "opinion"}

type objRow struct {
	ID, Type, Name, Confidence  string
	Collection, CollectionAlias string
	TLP                         tlpBadge
	Flagged, Revoked            bool
	Added                       time.Time
	Score                       string
}

// exportLink is one entry of "export this view".
type exportLink struct {
	Format, Desc, Path string
	// Kinds are the links of a format that holds one kind of value
	// (suricata-dataset), one per kind.
	Kinds []kindLink
}

type kindLink struct{ Kind, Label, Path string }

type intelListData struct {
	Form          *form
	Rows          []objRow
	Next, First   string
	TypeOptions   []option
	CollOptions   []option
	YesNoOptions  []option
	ScaleOptions  []option
	TLPOptions    []option
	SectorOptions []option
	SortOptions   []option
	Scale         string
	Searched      bool
	// Exports download exactly this view in each format.
	Exports  []exportLink
	Advanced bool // a filter beyond the first row is set: the details are open
}

func yesNo(rq *req) []option {
	return []option{{Value: "", Label: rq.T("common.any")}, {Value: "yes", Label: rq.T("common.yes")}, {Value: "no", Label: rq.T("common.no")}}
}

// viewFilter reads the intel view from the query, recording each error on
// f next to its input, in the user's language.
func viewFilter(rq *req, f *form, q url.Values) intel.ViewFilter {
	vf, errs := intel.ParseViewFilter(q, jst)
	for _, e := range errs {
		f.invalid(e.Field, reason(rq, e))
	}
	return vf
}

// viewExports are the links of "export this view" for the filter vf
// (the block-list formats only with a defense service).
func viewExports(rq *req, vf intel.ViewFilter, blockLists bool) []exportLink {
	base := vf.Values(jst)
	var out []exportLink
	for _, ef := range export.Formats {
		if !blockLists && ef != export.FormatSTIX {
			continue
		}
		if ef == export.FormatSuricataDataset {
			l := exportLink{Format: string(ef), Desc: rq.T(defFormatKeys[ef])}
			for _, k := range export.Supported(ef) {
				q := maps.Clone(base)
				q.Set("kind", k.String())
				l.Kinds = append(l.Kinds, kindLink{Kind: k.String(), Label: kindLabel(rq, k), Path: "/intel/export/" + string(ef) + "?" + q.Encode()})
			}
			out = append(out, l)
			continue
		}
		p := "/intel/export/" + string(ef)
		if len(base) > 0 {
			p += "?" + base.Encode()
		}
		desc := rq.T(defFormatKeys[ef])
		if ef == export.FormatSTIX {
			desc = rq.T("intel.export.stix_view")
		}
		out = append(out, exportLink{Format: string(ef), Desc: desc, Path: p})
	}
	return out
}

func (s *server) intelList(w http.ResponseWriter, rq *req) {
	q := rq.URL.Query()
	sc := s.confScale(w, rq)
	fv := maps.Clone(q)
	fv.Set("scale", string(sc))
	f := newForm(fv)
	colls, byID, err := s.collIndex(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := intelListData{Form: f, YesNoOptions: yesNo(rq), ScaleOptions: scaleOptions(rq), Scale: string(sc)}
	d.TypeOptions = []option{{Value: "", Label: rq.T("common.any")}}
	for _, t := range stixTypes {
		d.TypeOptions = append(d.TypeOptions, option{Value: t, Label: t})
	}
	d.CollOptions = []option{{Value: "", Label: rq.T("common.any")}}
	for _, c := range colls {
		d.CollOptions = append(d.CollOptions, option{Value: c.Alias, Label: c.Title.In(rq.lang)})
	}
	for _, t := range marking.TLPs {
		// The legend says TLP; the labels alone keep the form apart from
		// the badges of the results.
		d.TLPOptions = append(d.TLPOptions, option{Value: t.Name(), Label: strings.TrimPrefix(t.String(), "TLP:")})
	}
	d.SectorOptions = []option{{Value: "", Label: rq.T("common.any")}}
	for _, sec := range org.Sectors {
		d.SectorOptions = append(d.SectorOptions, option{Value: string(sec), Label: rq.T("sector." + string(sec))})
	}
	d.SortOptions = []option{{Value: "", Label: rq.T("intel.sort.newest")}, {Value: intel.SortScore, Label: rq.T("intel.sort.score")}}
	vf := viewFilter(rq, f, q)
	for _, t := range vf.Types {
		if !slices.Contains(stixTypes, t) {
			f.invalid("type", rq.T("reason.unknown_value"))
		}
	}
	if vf.Collection != "" && !slices.ContainsFunc(colls, func(c share.CollectionView) bool { return c.Alias == vf.Collection || c.ID == vf.Collection }) {
		f.invalid("collection", rq.T("reason.unknown_value"))
	}
	for _, k := range []string{"tlp", "min_confidence", "min_score", "sector", "added_from", "added_to", "modified_from", "modified_to", "sort"} {
		if q.Get(k) != "" {
			d.Advanced = true
		}
	}
	if f.Failed() {
		d.Advanced = true
		s.render(w, rq, http.StatusBadRequest, "intel", d)
		return
	}
	pg, err := s.opt.Intel.SearchView(rq.Context(), rq.P, vf, q.Get("after"), pageSize, false)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeInvalid {
			status := s.apply(rq, f, err, map[string]string{"cursor": "after"})
			s.render(w, rq, status, "intel", d)
			return
		}
		s.errorPage(w, rq, err)
		return
	}
	d.Searched = !vf.Empty()
	for _, r := range pg.Items {
		row := objRow{ID: r.ID, Type: r.Type, Name: r.Name, TLP: badgeOf(r.TLP), Flagged: len(r.Flags) > 0, Revoked: r.Revoked,
			Added: r.DateAdded, Confidence: confText(rq, sc, r.Confidence), Score: "—"}
		if r.Score != nil {
			row.Score = strconv.Itoa(*r.Score)
		}
		if c := byID[r.CollectionID]; c != nil {
			row.Collection, row.CollectionAlias = c.Title.In(rq.lang), c.Alias
		}
		d.Rows = append(d.Rows, row)
	}
	if pg.Next != "" {
		d.Next = pageURL("/intel", q, pg.Next)
	}
	if q.Get("after") != "" {
		d.First = pageURL("/intel", q, "")
	}
	if len(d.Rows) > 0 {
		d.Exports = viewExports(rq, vf, s.opt.Defense != nil)
	}
	s.render(w, rq, http.StatusOK, "intel", d)
}

// intelExport downloads the view of the query in a format: the STIX bundle
// of every object of the view for stix, the indicators' values for the
// other formats. Entitlement is the view's: what the list shows.
func (s *server) intelExport(w http.ResponseWriter, rq *req) {
	q := rq.URL.Query()
	f := newForm(q)
	vf := viewFilter(rq, f, q)
	format, err := export.ParseFormat(rq.PathValue("format"))
	if err != nil {
		s.errorPage(w, rq, apperr.NotFound("export format", rq.PathValue("format")))
		return
	}
	if f.Failed() {
		// Show the errors next to the inputs of the search.
		q.Del("kind")
		http.Redirect(w, rq.Request, "/intel?"+q.Encode(), http.StatusSeeOther)
		return
	}
	h := w.Header()
	if format == export.FormatSTIX {
		var buf bytes.Buffer
		n, err := s.opt.Intel.ExportViewBundle(rq.Context(), rq.P, vf, &buf)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		h.Set("Content-Type", export.ContentType(format))
		h.Set("Content-Disposition", `attachment; filename="sakimori-view.stix.json"`)
		h.Set("X-Sakimori-Exported", strconv.Itoa(n))
		w.Write(buf.Bytes())
		return
	}
	if s.opt.Defense == nil {
		s.errorPage(w, rq, apperr.NotFound("export format", string(format)))
		return
	}
	var opt export.Options
	if k := q.Get("kind"); k != "" {
		kind, ok := match.ParseKind(k)
		if !ok {
			s.errorPage(w, rq, apperr.Invalid("kind", "%q is not a kind", k))
			return
		}
		opt.Kinds = []match.Kind{kind}
	}
	r, err := s.opt.Defense.ExportView(rq.Context(), rq.P, format, vf, opt)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	h.Set("Content-Type", r.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", r.FileName))
	h.Set("Content-Length", strconv.Itoa(len(r.Body)))
	h.Set("X-Sakimori-Exported", strconv.Itoa(r.Stats.Written))
	h.Set("X-Sakimori-Skipped", strconv.Itoa(r.Stats.Skipped))
	h.Set("X-Sakimori-Withheld", strconv.Itoa(r.Withheld))
	w.Write(r.Body)
}

// ---- object detail -------------------------------------------------------------

type changeRow struct{ Op, OpLabel, Path, Old, New string }

type versionRow struct {
	Version    string
	Added      time.Time
	Collection string
	TLP        tlpBadge
	Revoked    bool
	First      bool
	Changes    []changeRow
}

type reasonRow struct {
	Points int
	Text   string
}

type sightingRow struct {
	Reporter      string
	Sector        string
	Count         int
	FirstSeen     time.Time
	LastSeen      time.Time
	FalsePositive bool
	Anonymous     bool
	Note          string
}

// relKindKeys name the links of sightings and a relationship's own ends
// (other kinds are STIX relationship types, shown as they are).
var relKindKeys = map[string]string{"source": "intel.rel.kind.source", "target": "intel.rel.kind.target",
	"sighting-of": "intel.rel.kind.sighting-of", "where-sighted": "intel.rel.kind.where-sighted", "observed-data": "intel.rel.kind.observed-data"}

// diffOpKeys name the kinds of change between versions.
var diffOpKeys = map[string]string{"added": "intel.diff.op.added", "changed": "intel.diff.op.changed", "removed": "intel.diff.op.removed"}

// relEnd is an object at one end of a relationship, as the page links it.
type relEnd struct {
	ID, Type, Name string
	TLP            tlpBadge
}

type relRow struct {
	Out    bool   // this object is the source
	Kind   string // the relationship type or the sighting link, translated when known
	Code   bool   // Kind is a STIX relationship_type (shown as code)
	Other  *relEnd
	Hidden bool
	Via    *relEnd
}

func relEndOf(r *share.Record) *relEnd {
	if r == nil {
		return nil
	}
	return &relEnd{ID: r.ID, Type: r.Type, Name: r.Name, TLP: badgeOf(r.TLP)}
}

type intelObjectData struct {
	Relations                  []relRow
	ID, Type, Name, Confidence string
	TLP                        tlpBadge
	Revoked                    bool
	JSON                       string
	HasScore                   bool
	Score                      int
	ScoreKind                  string
	Reasons                    []reasonRow
	Versions                   []versionRow
	Collections                []string
	Sum                        *share.SightingSummary
	Sectors                    []string
	Recent                     []sightingRow
	Flags                      []share.Flag
	Override                   *share.Override
	OverrideBy                 string
	CanSight, CanOverride      bool
	SightForm, OverrideForm    *form
	// Owner actions: the collections where the user's organisation owns
	// the object, and whether the user may revoke or delete it.
	Owned                []ownedColl
	CanRevoke, CanDelete bool
	RevokeForm           *form
}

func (s *server) intelObject(w http.ResponseWriter, rq *req) {
	d, err := s.objectData(w, rq, blankSighting(), newForm(nil))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "intel_object", d)
}

func (s *server) objectData(w http.ResponseWriter, rq *req, sightForm, overrideForm *form) (*intelObjectData, error) {
	ctx, p := rq.Context(), rq.P
	ov, err := s.opt.Intel.Object(ctx, p, rq.PathValue("id"))
	if err != nil {
		return nil, err
	}
	_, byID, err := s.collIndex(rq)
	if err != nil {
		return nil, err
	}
	sc := s.confScale(w, rq)
	l := ov.Latest
	d := &intelObjectData{ID: l.ID, Type: l.Type, Name: l.Name, TLP: badgeOf(l.TLP), Revoked: l.Revoked,
		Confidence: confText(rq, sc, l.Confidence), Sum: ov.Sightings, Flags: l.Flags, Override: ov.Override,
		CanSight:    auth.Can(p, auth.ActSightingAdd, auth.Target{}),
		CanOverride: auth.Can(p, auth.ActWarninglistOverride, auth.Target{}),
		SightForm:   sightForm, OverrideForm: overrideForm}
	var buf bytes.Buffer
	if json.Indent(&buf, l.Raw, "", "  ") == nil {
		d.JSON = buf.String()
	} else {
		d.JSON = string(l.Raw)
	}
	collName := func(id string) string {
		if c := byID[id]; c != nil {
			return c.Title.In(rq.lang)
		}
		return id
	}
	for _, c := range ov.Collections {
		d.Collections = append(d.Collections, collName(c))
	}
	for i := len(ov.Versions) - 1; i >= 0; i-- {
		v := ov.Versions[i]
		vr := versionRow{Version: v.VersionText, Added: v.DateAdded, Collection: collName(v.CollectionID), TLP: badgeOf(v.TLP),
			Revoked: v.Revoked, First: v.First}
		for _, c := range v.Changes {
			vr.Changes = append(vr.Changes, changeRow{Op: c.Op, OpLabel: rq.T(diffOpKeys[c.Op]), Path: c.Path, Old: string(c.Old), New: string(c.New)})
		}
		d.Versions = append(d.Versions, vr)
	}
	rels, err := s.opt.Intel.Relations(ctx, p, l.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		row := relRow{Out: r.Direction == "out", Kind: r.Kind, Code: true, Other: relEndOf(r.Other), Hidden: r.Hidden, Via: relEndOf(r.Via)}
		if key, ok := relKindKeys[r.Kind]; ok {
			row.Kind, row.Code = rq.T(key), false
		}
		d.Relations = append(d.Relations, row)
	}
	if l.Type == "indicator" {
		d.HasScore = true
		res := score.Compute(scoreInput(&l, ov.Sightings), time.Now(), score.DefaultPolicy())
		d.Score, d.ScoreKind = res.Score, scoreKind(l.Raw)
		for _, r := range res.Reasons {
			d.Reasons = append(d.Reasons, reasonRow{Points: r.Points, Text: r.Text.In(rq.lang)})
		}
	}
	if sum := ov.Sightings; sum != nil {
		keys := make([]string, 0, len(sum.Sectors))
		for k := range sum.Sectors {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			d.Sectors = append(d.Sectors, rq.T("intel.sector_count", rq.T("sector."+k), sum.Sectors[k]))
		}
		reporters := &names{s: s, rq: rq, orgs: map[string]*org.Organisation{}}
		for _, sg := range sum.Recent {
			r := sightingRow{Count: sg.Count, FirstSeen: sg.FirstSeen, LastSeen: sg.LastSeen, FalsePositive: sg.FalsePositive,
				Anonymous: sg.Anonymous, Note: sg.Note}
			if sg.Sector != "" {
				r.Sector = rq.T("sector." + string(sg.Sector))
			}
			switch {
			case sg.ReporterOrgID == "":
				r.Reporter = rq.T("intel.anonymous")
			default:
				r.Reporter = reporters.orgName(sg.ReporterOrgID)
			}
			d.Recent = append(d.Recent, r)
		}
	}
	s.ownerActions(rq, d, ov.Versions, byID)
	if ov.Override != nil {
		d.OverrideBy = ov.Override.UserID
		if u, err := s.svc.GetUser(ctx, p, ov.Override.UserID); err == nil {
			d.OverrideBy = u.DisplayName
		}
	}
	return d, nil
}

// scoreKind is the kind of the first atom of a STIX pattern ("" if none).
func scoreKind(raw json.RawMessage) string {
	var o struct {
		Pattern     string `json:"pattern"`
		PatternType string `json:"pattern_type"`
	}
	if json.Unmarshal(raw, &o) != nil || o.Pattern == "" || o.PatternType != "" && o.PatternType != "stix" {
		return ""
	}
	pt, err := pattern.Parse(o.Pattern)
	if err != nil {
		return ""
	}
	if a := pt.Atoms().Atoms; len(a) > 0 {
		return string(a[0].Kind)
	}
	return ""
}

func scoreInput(r *share.Record, sum *share.SightingSummary) score.Input {
	var o struct {
		ValidFrom  time.Time  `json:"valid_from"`
		ValidUntil *time.Time `json:"valid_until"`
		Modified   time.Time  `json:"modified"`
	}
	_ = json.Unmarshal(r.Raw, &o)
	in := score.Input{Kind: scoreKind(r.Raw), Confidence: r.Confidence, ValidFrom: o.ValidFrom, Modified: o.Modified,
		Revoked: r.Revoked, Warninglisted: len(r.Flags) > 0}
	if o.ValidUntil != nil {
		in.ValidUntil = *o.ValidUntil
	}
	if sum != nil {
		in.Sightings = score.Sightings{Count: sum.Count, Orgs: sum.Orgs, FalsePositives: sum.FalsePositives,
			FalsePositiveOrgs: sum.FalsePositiveOrgs}
		if sum.LastSeen != nil {
			in.Sightings.LastSeen = *sum.LastSeen
		}
	}
	return in
}

// parseLocal reads a datetime-local input as JST ("" is the zero time).
func parseLocal(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, jst); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// blankSighting is the sighting form as the object page first shows it.
func blankSighting() *form { return newForm(url.Values{"count": {"1"}}) }

// objectPage shows the object page again after a failed post, with the
// sighting form sf, the override form of and the revoke form rf (nil: a
// blank one; given, the user must be allowed to revoke).
func (s *server) objectPage(w http.ResponseWriter, rq *req, status int, sf, of, rf *form) {
	d, err := s.objectData(w, rq, sf, of)
	if err == nil && rf != nil {
		if d.CanRevoke {
			d.RevokeForm = rf
		} else {
			err = apperr.ErrForbidden
		}
	}
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	rq.here = "/intel/objects/" + url.PathEscape(d.ID)
	s.render(w, rq, status, "intel_object", d)
}

func (s *server) intelSighting(w http.ResponseWriter, rq *req) {
	id := rq.PathValue("id")
	f := newForm(rq.PostForm)
	sg := &share.Sighting{StixID: id, Anonymous: f.Get("anonymous") != "", FalsePositive: f.Get("false_positive") != "",
		Note: strings.TrimSpace(f.Get("note"))}
	if c := strings.TrimSpace(f.Get("count")); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			f.invalid("count", rq.T("reason.count_range", 999999999))
		}
		sg.Count = n
	}
	var ok bool
	if sg.FirstSeen, ok = parseLocal(f.Get("first_seen")); !ok {
		f.invalid("first_seen", rq.T("reason.datetime"))
	}
	if sg.LastSeen, ok = parseLocal(f.Get("last_seen")); !ok {
		f.invalid("last_seen", rq.T("reason.datetime"))
	}
	status := http.StatusBadRequest
	if !f.Failed() {
		err := s.opt.Intel.AddSighting(rq.Context(), rq.P, sg)
		if err == nil {
			redirect(w, rq, "/intel/objects/"+url.PathEscape(id), "sighting_added")
			return
		}
		ae := apperr.As(err)
		if ae.Code == apperr.CodeForbidden || ae.Code == apperr.CodeNotFound || ae.Field == "sighting_of" || ae.Field == "org" {
			if ae.Field == "sighting_of" {
				err = apperr.NotFound("object", id)
			}
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, nil)
	}
	s.objectPage(w, rq, status, f, newForm(nil), nil)
}

func (s *server) intelOverride(w http.ResponseWriter, rq *req) {
	id := rq.PathValue("id")
	f := newForm(rq.PostForm)
	reason := strings.TrimSpace(f.Get("reason"))
	_, err := s.opt.Intel.Override(rq.Context(), rq.P, id, reason)
	if err == nil {
		redirect(w, rq, "/intel/objects/"+url.PathEscape(id), "override_saved")
		return
	}
	if c := apperr.CodeOf(err); c != apperr.CodeInvalid {
		s.errorPage(w, rq, err)
		return
	}
	status := s.apply(rq, f, err, nil)
	s.objectPage(w, rq, status, blankSighting(), f, nil)
}

func (s *server) intelWithdraw(w http.ResponseWriter, rq *req) {
	id := rq.PathValue("id")
	if err := s.opt.Intel.WithdrawOverride(rq.Context(), rq.P, id); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	redirect(w, rq, "/intel/objects/"+url.PathEscape(id), "override_withdrawn")
}

// ---- collections -----------------------------------------------------------------

type collRow struct {
	share.CollectionView
	Title, Owner, Policy string
	TLPBadge             tlpBadge
	AudienceOrgs         []string
	AudienceGroups       []string
	CanEdit              bool
}

type collListData struct {
	Rows      []collRow
	CanCreate bool
}

// policyLabel and groupKindLabel name a known value through the
// catalogue key it has (intel.policy.<policy>, intel.group_kind.<kind>).
func policyLabel(rq *req, w share.WritePolicy) string {
	if w.Valid() {
		return rq.T("intel.policy." + string(w))
	}
	return string(w)
}

func policyOptions(rq *req) []option {
	var os []option
	for _, p := range share.WritePolicies {
		os = append(os, option{Value: string(p), Label: policyLabel(rq, p)})
	}
	return os
}

// names resolves organisation and group ids for display (cached per request).
// s.names loads the groups too; a names with only orgs resolves organisations.
type names struct {
	s      *server
	rq     *req
	orgs   map[string]*org.Organisation
	groups map[string]share.Group
}

func (s *server) names(rq *req) (*names, error) {
	n := &names{s: s, rq: rq, orgs: map[string]*org.Organisation{}, groups: map[string]share.Group{}}
	gs, err := s.opt.Intel.Groups(rq.Context(), rq.P)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		n.groups[g.ID] = g
	}
	return n, nil
}

func (n *names) org(id string) *org.Organisation {
	if o, ok := n.orgs[id]; ok {
		return o
	}
	o, err := n.s.svc.GetOrg(n.rq.Context(), n.rq.P, id)
	if err != nil {
		o = nil
	}
	n.orgs[id] = o
	return o
}

func (n *names) orgName(id string) string {
	if o := n.org(id); o != nil {
		return o.Name.In(n.rq.lang)
	}
	return "—"
}

func (n *names) orgSlug(id string) string {
	if o := n.org(id); o != nil {
		return o.Slug
	}
	return id
}

func (n *names) group(id string) (string, string) {
	if g, ok := n.groups[id]; ok {
		return g.Slug, g.Name.In(n.rq.lang)
	}
	return id, id
}

func (s *server) collList(w http.ResponseWriter, rq *req) {
	cs, _, err := s.collIndex(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n, err := s.names(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := collListData{CanCreate: auth.Can(rq.P, auth.ActCollectionManage, auth.Target{OrgID: rq.P.OrgID()})}
	for _, c := range cs {
		r := collRow{CollectionView: c, Title: c.Title.In(rq.lang), Owner: n.orgName(c.OwnerOrgID), Policy: policyLabel(rq, c.WritePolicy),
			TLPBadge: badgeOf(c.TLP), CanEdit: auth.Can(rq.P, auth.ActCollectionManage, auth.Target{OrgID: c.OwnerOrgID})}
		for _, o := range c.Audience.Orgs {
			r.AudienceOrgs = append(r.AudienceOrgs, n.orgName(o))
		}
		for _, g := range c.Audience.Groups {
			_, name := n.group(g)
			r.AudienceGroups = append(r.AudienceGroups, name)
		}
		d.Rows = append(d.Rows, r)
	}
	s.render(w, rq, http.StatusOK, "collections", d)
}

type collFormData struct {
	Form          *form
	New           bool
	Alias         string
	Action        string
	TLPOptions    []option
	PolicyOptions []option
}

func (s *server) collFormData(rq *req, f *form, c *share.Collection) collFormData {
	d := collFormData{Form: f, New: c == nil, Action: "/collections", TLPOptions: tlpOptions(rq, ""), PolicyOptions: policyOptions(rq)}
	if c != nil {
		d.Alias, d.Action = c.Alias, "/collections/"+url.PathEscape(c.Alias)+"/edit"
	}
	return d
}

func (s *server) collNew(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActCollectionManage, auth.Target{OrgID: rq.P.OrgID()}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	f := newForm(url.Values{"tlp": {"green"}, "write_policy": {string(share.WriteOwner)}})
	s.render(w, rq, http.StatusOK, "collection_form", s.collFormData(rq, f, nil))
}

// splitList splits a list input on commas, spaces and new lines.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// orgIDs resolves the organisation slugs listed in input name to ids,
// marking the input invalid for each slug that names no organisation.
func (s *server) orgIDs(rq *req, f *form, name string) []string {
	ids := []string{}
	for _, slug := range splitList(f.Get(name)) {
		o, err := s.svc.GetOrg(rq.Context(), rq.P, slug)
		if err != nil {
			f.invalid(name, rq.T("reason.no_org_named", slug))
			continue
		}
		ids = append(ids, o.ID)
	}
	return ids
}

// readCollForm reads the collection form into c, resolving audience slugs.
func (s *server) readCollForm(rq *req, f *form, c *share.Collection, n *names) {
	c.Title = org.Names{JA: strings.TrimSpace(f.Get("title.ja")), EN: strings.TrimSpace(f.Get("title.en"))}
	c.Description = strings.TrimSpace(f.Get("description"))
	c.WritePolicy = share.WritePolicy(f.Get("write_policy"))
	if t, err := marking.ParseTLP(f.Get("tlp")); err != nil {
		f.invalid("tlp", rq.T("reason.tlp"))
	} else {
		c.TLP = t
	}
	c.Audience.Orgs = s.orgIDs(rq, f, "audience.orgs")
	c.Audience.Groups = []string{}
	for _, slug := range splitList(f.Get("audience.groups")) {
		found := ""
		for _, g := range n.groups {
			if g.Slug == strings.ToLower(slug) || g.ID == slug {
				found = g.ID
			}
		}
		if found == "" {
			f.invalid("audience.groups", rq.T("reason.no_group_named", slug))
			continue
		}
		c.Audience.Groups = append(c.Audience.Groups, found)
	}
}

var collRemap = map[string]string{"audience": "audience.orgs", "owner_org_id": "alias"}

func (s *server) collCreate(w http.ResponseWriter, rq *req) {
	f := newForm(rq.PostForm)
	if !auth.Can(rq.P, auth.ActCollectionManage, auth.Target{OrgID: rq.P.OrgID()}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	n, err := s.names(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	c := &share.Collection{Alias: strings.TrimSpace(f.Get("alias"))}
	s.readCollForm(rq, f, c, n)
	status := http.StatusBadRequest
	if !f.Failed() {
		err := s.opt.Intel.CreateCollection(rq.Context(), rq.P, c)
		if err == nil {
			redirect(w, rq, "/collections", "collection_created")
			return
		}
		if apperr.CodeOf(err) == apperr.CodeForbidden {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, collRemap)
	}
	rq.here = "/collections/new"
	s.render(w, rq, status, "collection_form", s.collFormData(rq, f, nil))
}

// editableColl returns the collection of the path if the user may manage it.
func (s *server) editableColl(rq *req) (*share.CollectionView, error) {
	c, err := s.opt.Intel.Collection(rq.Context(), rq.P, rq.PathValue("ref"))
	if err != nil {
		return nil, err
	}
	if !auth.Can(rq.P, auth.ActCollectionManage, auth.Target{OrgID: c.OwnerOrgID}) {
		return nil, apperr.ErrForbidden
	}
	return c, nil
}

func (s *server) collEdit(w http.ResponseWriter, rq *req) {
	c, err := s.editableColl(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n, err := s.names(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	var orgs, groups []string
	for _, o := range c.Audience.Orgs {
		orgs = append(orgs, n.orgSlug(o))
	}
	for _, g := range c.Audience.Groups {
		slug, _ := n.group(g)
		groups = append(groups, slug)
	}
	f := newForm(url.Values{"alias": {c.Alias}, "title.ja": {c.Title.JA}, "title.en": {c.Title.EN}, "description": {c.Description},
		"tlp": {c.TLP.Name()}, "write_policy": {string(c.WritePolicy)}, "audience.orgs": {strings.Join(orgs, ", ")},
		"audience.groups": {strings.Join(groups, ", ")}})
	s.render(w, rq, http.StatusOK, "collection_form", s.collFormData(rq, f, &c.Collection))
}

func (s *server) collUpdate(w http.ResponseWriter, rq *req) {
	c, err := s.editableColl(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n, err := s.names(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	f.Values.Set("alias", c.Alias)
	var changed share.Collection
	changed.Alias = c.Alias
	s.readCollForm(rq, f, &changed, n)
	status := http.StatusBadRequest
	if !f.Failed() {
		_, err := s.opt.Intel.UpdateCollection(rq.Context(), rq.P, c.ID, func(x *share.Collection) error {
			x.Title, x.Description, x.TLP, x.WritePolicy, x.Audience = changed.Title, changed.Description, changed.TLP, changed.WritePolicy, changed.Audience
			x.Normalize()
			return x.Validate()
		})
		if err == nil {
			redirect(w, rq, "/collections", "collection_saved")
			return
		}
		if apperr.CodeOf(err) == apperr.CodeForbidden || apperr.CodeOf(err) == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, collRemap)
	}
	rq.here = "/collections/" + url.PathEscape(c.Alias) + "/edit"
	s.render(w, rq, status, "collection_form", s.collFormData(rq, f, &c.Collection))
}

// ---- sharing groups -----------------------------------------------------------------

type groupRow struct {
	Slug, Name, Kind, Owner, Description string
	Members                              []string
	Hidden                               bool
	CanEdit                              bool
}

type groupData struct {
	Rows        []groupRow
	CanCreate   bool
	Form        *form
	KindOptions []option
}

func groupKindLabel(rq *req, k marking.GroupKind) string {
	if k.Valid() {
		return rq.T("intel.group_kind." + string(k))
	}
	return string(k)
}

func (s *server) groupPage(w http.ResponseWriter, rq *req, status int, f *form) {
	n, err := s.names(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	gs, err := s.opt.Intel.Groups(rq.Context(), rq.P)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := groupData{Form: f, CanCreate: auth.Can(rq.P, auth.ActGroupManage, auth.Target{OrgID: rq.P.OrgID()})}
	for _, k := range marking.GroupKinds {
		d.KindOptions = append(d.KindOptions, option{Value: string(k), Label: groupKindLabel(rq, k)})
	}
	for _, g := range gs {
		r := groupRow{Slug: g.Slug, Name: g.Name.In(rq.lang), Kind: groupKindLabel(rq, g.Kind), Owner: n.orgName(g.OwnerOrgID),
			Description: g.Description, Hidden: len(g.OrgIDs) == 0 && len(g.UserIDs) == 0,
			CanEdit: auth.Can(rq.P, auth.ActGroupManage, auth.Target{OrgID: g.OwnerOrgID})}
		for _, o := range g.OrgIDs {
			r.Members = append(r.Members, n.orgName(o))
		}
		d.Rows = append(d.Rows, r)
	}
	rq.here = "/groups"
	s.render(w, rq, status, "groups", d)
}

func (s *server) groupList(w http.ResponseWriter, rq *req) {
	s.groupPage(w, rq, http.StatusOK, newForm(url.Values{"group_kind": {string(marking.GroupAdHoc)}}))
}

func (s *server) groupCreate(w http.ResponseWriter, rq *req) {
	f := newForm(rq.PostForm)
	if !auth.Can(rq.P, auth.ActGroupManage, auth.Target{OrgID: rq.P.OrgID()}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	g := &share.Group{Slug: strings.TrimSpace(f.Get("slug")), Group: marking.Group{Kind: marking.GroupKind(f.Get("group_kind")),
		Name:        org.Names{JA: strings.TrimSpace(f.Get("name.ja")), EN: strings.TrimSpace(f.Get("name.en"))},
		Description: strings.TrimSpace(f.Get("description"))}}
	g.OrgIDs = s.orgIDs(rq, f, "members")
	status := http.StatusBadRequest
	if !f.Failed() {
		err := s.opt.Intel.CreateGroup(rq.Context(), rq.P, g)
		if err == nil {
			redirect(w, rq, "/groups", "group_created")
			return
		}
		if apperr.CodeOf(err) == apperr.CodeForbidden {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, map[string]string{"kind": "group_kind", "org_ids": "members", "user_ids": "members"})
	}
	s.groupPage(w, rq, status, f)
}

// ---- warninglists -----------------------------------------------------------------------

type wlData struct {
	Lists      []wlRow
	Form       *form
	Checked    bool
	Hits       any
	CanManage  bool
	UploadForm *form
}

func (s *server) warninglists(w http.ResponseWriter, rq *req) {
	s.wlPage(w, rq, http.StatusOK, newForm(rq.URL.Query()), newForm(nil))
}

// wlPage renders the warninglists page: the check form f (with a check
// when the query has value=), the lists, and for platform administrators
// the upload form uf and each list's actions.
func (s *server) wlPage(w http.ResponseWriter, rq *req, status int, f, uf *form) {
	q := rq.URL.Query()
	lists, err := s.opt.Intel.Warninglists(rq.Context(), rq.P)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := wlData{Form: f, UploadForm: uf, CanManage: auth.Can(rq.P, auth.ActWarninglistManage, auth.Target{})}
	for _, l := range lists {
		d.Lists = append(d.Lists, wlRow{Info: l, Path: "/warninglists/" + url.PathEscape(l.Name)})
	}
	rq.here = "/warninglists"
	if q.Has("value") {
		v := strings.TrimSpace(q.Get("value"))
		switch {
		case v == "":
			f.invalid("value", rq.T("reason.required"))
			status = http.StatusBadRequest
		case len(v) > 2048:
			f.invalid("value", rq.T("reason.max_chars", 2048))
			status = http.StatusBadRequest
		default:
			hits, err := s.opt.Intel.CheckValue(rq.Context(), rq.P, v)
			if err != nil {
				status = s.apply(rq, f, err, nil)
				break
			}
			d.Checked, d.Hits = true, hits
		}
	}
	s.render(w, rq, status, "warninglists", d)
}
