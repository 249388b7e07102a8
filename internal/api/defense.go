package api

// The receivers' routes under /api/v1 (issue #6): the indicators an
// organisation is entitled to, rendered in the formats firewalls, IDS and
// resolvers load unchanged (polled with the caller's token, answered with
// strong ETags so that an unchanged list costs a 304), the compiled set
// `sakimori match --server` downloads to match locally, a scan of a log
// excerpt on the server, and aggregated sightings sent back (counts and
// first/last seen per indicator, never log lines).
//
// The defense service decides entitlement (through the sharing service):
// a value the caller may not see is in no export, set or scan result.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/defense"
	"sakimori/internal/export"
	"sakimori/internal/logscan"
	"sakimori/internal/match"
	"sakimori/internal/org"
)

// Response headers of the export and set routes.
const (
	// ExportedHeader counts the indicators written.
	ExportedHeader = "X-Sakimori-Exported"
	// WithheldHeader counts the values warninglists kept out.
	WithheldHeader = "X-Sakimori-Withheld"
	// SkippedHeader counts the indicators the format could not express.
	SkippedHeader = "X-Sakimori-Skipped"
	// IndicatorsHeader counts the indicators of a compiled set.
	IndicatorsHeader = "X-Sakimori-Indicators"
)

// SetContentType is the media type of a compiled set snapshot.
const SetContentType = match.SnapshotContentType

// revalidate is the Cache-Control of polled downloads: keep a copy, but
// ask (If-None-Match) before every use.
const revalidate = "private, max-age=0, must-revalidate"

// filterParams are the query parameters of defense.ParseFilter.
var filterParams = []param{
	{Name: "kind", Type: "string", Desc: "only these kinds: " + kindNames() + " (comma-separated or the parameter repeated)"},
	{Name: "min_score", Type: "integer", Desc: "only indicators scoring at least this, 0 to 100"},
	{Name: "min_confidence", Type: "integer", Desc: "only indicators with at least this STIX confidence, 0 to 100 (indicators without one are left out when above 0)"},
	{Name: "max_tlp", Type: "string", Enum: []string{"clear", "green", "amber", "amber+strict", "red"}, Desc: "leave out indicators under a more restrictive label"},
	{Name: "max_age", Type: "string", Desc: "only indicators modified in the last N days, 1 to 3650 (30 or 30d)"},
	{Name: "collection", Type: "string", Desc: "one collection (id or alias); default every collection you can read"},
}

// exportParams are the options of an export.
var exportParams = []param{
	{Name: "name", Type: "string", Desc: "the list, set or table name: 1-31 of a-z 0-9 _ - starting with a letter; at most 28 for nft and ipset (default sakimori)"},
	{Name: "zone", Type: "string", Desc: "rpz: the zone origin (default " + export.DefaultZone + ")"},
	{Name: "sid_base", Type: "integer", Desc: "suricata, snort: the first sid (default " + strconv.Itoa(export.DefaultSIDBase) + ")"},
}

func kindNames() string {
	var out []string
	for _, k := range match.Kinds {
		out = append(out, k.String())
	}
	return strings.Join(out, ", ")
}

// exportDescriptions say what each format is for.
var exportDescriptions = map[export.Format]string{
	export.FormatTXT:             "one value per line (pick one kind for a per-type list); # comments",
	export.FormatCSV:             "CSV with a header: type, value, indicator_id, name, tlp, confidence, score, modified, valid_until",
	export.FormatSuricata:        "Suricata rules (IP, CIDR, DNS, TLS SNI, HTTP host/URL)",
	export.FormatSuricataDataset: "a Suricata dataset file of one kind (give exactly one kind=)",
	export.FormatSnort:           "Snort 3 rules",
	export.FormatZeek:            "a Zeek Intel framework file",
	export.FormatNFT:             "an nftables script defining -v4 and -v6 interval sets (nft -f)",
	export.FormatIPSet:           "an ipset restore file with -v4 and -v6 hash:net sets (ipset restore)",
	export.FormatRPZ:             "a DNS response policy zone (BIND, Unbound, Knot, PowerDNS)",
	export.FormatHosts:           "a hosts file mapping each domain to 0.0.0.0",
	export.FormatSTIX:            "a STIX 2.1 bundle of indicators",
	export.FormatMISPFeed:        "a MISP feed as a tar.gz; MISP itself fetches the files under /api/v1/exports/misp-feed/ (manifest.json, <uuid>.json, hashes.csv)",
}

// defenseRoutes are the receivers' routes (issue #6): exports, the
// compiled set, scans and aggregated sightings.
func (a *API) defenseRoutes() []route {
	const tag = "defense"
	filterAndExport := append(slices.Clone(filterParams), exportParams...)
	rs := []route{
		{Method: "GET", Path: "/api/v1/exports", ID: "listExportFormats", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ExportFormatList",
			Summary: "The export formats with their media types and the kinds each can express, and for each the URL to poll with the filter given here applied",
			Query:   filterAndExport, h: a.listExportFormats},
		{Method: "GET", Path: "/api/v1/exports/{format}", ID: "exportIndicators", Raw: true, Tag: tag, Scope: org.ScopeRead, Status: 200,
			Summary: "The indicators you may apply, in {format} (see GET /api/v1/exports), as the file the tool loads unchanged, with the format's Content-Type, " +
				"a Content-Disposition file name, a strong ETag (send it back in If-None-Match: 304 while nothing changed) and the counts in " +
				ExportedHeader + ", " + SkippedHeader + " and " + WithheldHeader + ". misp-feed is the whole feed as a tar.gz",
			Query: filterAndExport, h: a.exportIndicators},
		{Method: "GET", Path: "/api/v1/exports/misp-feed/{file}", ID: "getMISPFeedFile", Raw: true, Tag: tag, Scope: org.ScopeRead, Status: 200,
			Summary: "One file of the MISP feed, for MISP's feed fetcher: manifest.json, <event uuid>.json or hashes.csv, with a strong ETag",
			Query:   filterAndExport, h: a.getMISPFeedFile},
		{Method: "GET", Path: "/api/v1/match/set", ID: "getMatchSet", Raw: true, Produces: SetContentType, Tag: tag, Scope: org.ScopeRead, Status: 200,
			Summary: "The compiled indicator set you may apply, as a binary snapshot (" + SetContentType + ") for sakimori match --server, " +
				"with a strong ETag (If-None-Match: 304 while nothing changed) and the counts in " + IndicatorsHeader + " and " + WithheldHeader,
			Query: filterParams, h: a.getMatchSet},
		{Method: "POST", Path: "/api/v1/match", ID: "matchLog", Tag: tag, Scope: org.ScopeRead,
			BodyTypes: map[string]string{"text/plain": "LogExcerpt", "application/octet-stream": "LogExcerpt", "text/csv": "LogExcerpt",
				"application/x-ndjson": "LogExcerpt", "application/json": "JSONLogExcerpt"},
			Status: 200, Resp: "LogMatchResult",
			Summary: fmt.Sprintf("Scan a log excerpt (at most %d MiB) against the indicators you may apply: the hits with their indicators, "+
				"and per indicator the aggregate a sightings report would send. Nothing is stored", defense.MaxScanBytes>>20),
			Query: append([]param{{Name: "format", Type: "string", Enum: strs(logscan.Formats), Desc: "the log format (default: detected)"}}, filterParams...),
			h:     a.matchLog},
		{Method: "POST", Path: "/api/v1/sightings/aggregated", ID: "reportAggregatedSightings", Tag: tag, Scope: org.ScopeWrite, Body: "AggregatedSightingsInput",
			Status: 200, Resp: "SightingsReport", Also: map[int]string{201: "SightingsReport"},
			Summary: "Report what a scan saw as sightings by your organisation: per indicator a count and first and last seen, marked as from a log scan, never log lines. " +
				"dry_run shows exactly what would be sent and stores nothing (200); otherwise 201 when something was stored. Indicators you may not see are rejected with a reason",
			h: a.reportAggregatedSightings},
	}
	for i := range rs {
		h := rs[i].h
		rs[i].h = func(c *call) (int, any, error) {
			if c.api.opt.Defense == nil {
				return 0, nil, apperr.New(apperr.CodeUnavailable, "exports and matching are not enabled on this server")
			}
			return h(c)
		}
	}
	return rs
}

// def is the defense service (the routes check it is there).
func (c *call) def() *defense.Service { return c.api.opt.Defense }

// ---- exports ------------------------------------------------------------------------

// ExportFormat is one entry of GET /exports.
type ExportFormat struct {
	Format      string   `json:"format"`
	ContentType string   `json:"content_type"`
	FileName    string   `json:"file_name"`
	Kinds       []string `json:"kinds"`
	Description string   `json:"description"`
	// URL is the path to poll, with the filter and options of the request.
	URL string `json:"url"`
}

// ExportFormatList is the answer of GET /exports.
type ExportFormatList struct {
	Items []ExportFormat `json:"items"`
}

// exportOptions reads the export options of the query; errors name the
// parameter.
func exportOptions(q url.Values) (export.Options, error) {
	opt := export.Options{Name: strings.TrimSpace(q.Get("name")), Zone: strings.TrimSpace(q.Get("zone"))}
	if v := strings.TrimSpace(q.Get("sid_base")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 2_000_000_000 {
			return opt, apperr.Invalid("sid_base", "must be a whole number from 1 to 2000000000")
		}
		opt.SIDBase = n
	}
	return opt, nil
}

// optionValues renders the options given as query parameters.
func optionValues(opt export.Options, q url.Values) {
	if opt.Name != "" {
		q.Set("name", opt.Name)
	}
	if opt.Zone != "" {
		q.Set("zone", opt.Zone)
	}
	if opt.SIDBase != 0 {
		q.Set("sid_base", strconv.Itoa(opt.SIDBase))
	}
}

func (a *API) listExportFormats(c *call) (int, any, error) {
	if err := auth.Authorize(c.p, auth.ActIntelRead, auth.Target{}); err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	f, err := defense.ParseFilter(q)
	if err != nil {
		return 0, nil, err
	}
	opt, err := exportOptions(q)
	if err != nil {
		return 0, nil, err
	}
	qv := f.Values()
	optionValues(opt, qv)
	query := ""
	if len(qv) > 0 {
		query = "?" + qv.Encode()
	}
	fileOpt := opt
	fileOpt.Kinds = f.Kinds
	out := ExportFormatList{Items: []ExportFormat{}}
	for _, fm := range export.Formats {
		kinds := []string{}
		for _, k := range export.Supported(fm) {
			kinds = append(kinds, k.String())
		}
		out.Items = append(out.Items, ExportFormat{Format: string(fm), ContentType: export.ContentType(fm), FileName: export.FileName(fm, fileOpt),
			Kinds: kinds, Description: exportDescriptions[fm], URL: "/api/v1/exports/" + string(fm) + query})
	}
	return 200, out, nil
}

// exportQuery reads the filter and the export options.
func exportQuery(c *call) (defense.Filter, export.Options, error) {
	q := c.r.URL.Query()
	f, err := defense.ParseFilter(q)
	if err != nil {
		return f, export.Options{}, err
	}
	opt, err := exportOptions(q)
	return f, opt, err
}

func (a *API) exportIndicators(c *call) (int, any, error) {
	fm, err := export.ParseFormat(c.r.PathValue("format"))
	if err != nil {
		return 0, nil, err
	}
	f, opt, err := exportQuery(c)
	if err != nil {
		return 0, nil, err
	}
	r, err := c.def().Export(c.r.Context(), c.p, fm, f, opt)
	if err != nil {
		return 0, nil, err
	}
	h := c.w.Header()
	h.Set(ExportedHeader, strconv.Itoa(r.Stats.Written))
	h.Set(SkippedHeader, strconv.Itoa(r.Stats.Skipped))
	h.Set(WithheldHeader, strconv.Itoa(r.Withheld))
	serveTagged(c, r.Body, r.ContentType, r.FileName, r.ETag)
	return 0, nil, errWritten
}

func (a *API) getMISPFeedFile(c *call) (int, any, error) {
	name := c.r.PathValue("file")
	if name != path.Base(name) || strings.HasPrefix(name, ".") {
		return 0, nil, apperr.New(apperr.CodeNotFound, "no file %q in the feed", clip(name))
	}
	f, opt, err := exportQuery(c)
	if err != nil {
		return 0, nil, err
	}
	files, st, withheld, err := c.def().MISPFeed(c.r.Context(), c.p, f, opt)
	if err != nil {
		return 0, nil, err
	}
	b, ok := files[name]
	if !ok {
		return 0, nil, apperr.New(apperr.CodeNotFound, "no file %q in the feed: manifest.json lists the events", clip(name))
	}
	ctype := "application/json"
	if strings.HasSuffix(name, ".csv") {
		ctype = "text/csv; charset=utf-8"
	}
	h := c.w.Header()
	h.Set(ExportedHeader, strconv.Itoa(st.Written))
	h.Set(SkippedHeader, strconv.Itoa(st.Skipped))
	h.Set(WithheldHeader, strconv.Itoa(withheld))
	serveTagged(c, b, ctype, name, strongETag(b))
	return 0, nil, errWritten
}

func (a *API) getMatchSet(c *call) (int, any, error) {
	f, err := defense.ParseFilter(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	cp, err := c.def().Compile(c.r.Context(), c.p, f)
	if err != nil {
		return 0, nil, err
	}
	etag := `"` + cp.Digest[:32] + `"`
	h := c.w.Header()
	h.Set(IndicatorsHeader, strconv.Itoa(len(cp.Indicators)))
	h.Set(WithheldHeader, strconv.Itoa(cp.Withheld))
	if notModified(c, etag) {
		return 0, nil, errWritten
	}
	var buf bytes.Buffer
	if _, err := cp.Set.WriteTo(&buf); err != nil {
		return 0, nil, err
	}
	serveTagged(c, buf.Bytes(), SetContentType, "sakimori.set", etag)
	return 0, nil, errWritten
}

// strongETag is a strong entity tag of b.
func strongETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagMatches reports whether an If-None-Match header matches etag: "*",
// or a list naming it (compared weakly, as RFC 9110 13.1.2 says for
// If-None-Match).
func etagMatches(header, etag string) bool {
	header = strings.TrimSpace(header)
	if header == "" {
		return false
	}
	if header == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == want {
			return true
		}
	}
	return false
}

// cacheHeaders sets what every tagged response, 200 or 304, carries.
func cacheHeaders(c *call, etag string) {
	h := c.w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", revalidate)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Authorization")
}

// notModified answers 304 when the request's If-None-Match matches etag.
func notModified(c *call, etag string) bool {
	if !etagMatches(c.r.Header.Get("If-None-Match"), etag) {
		return false
	}
	cacheHeaders(c, etag)
	c.w.WriteHeader(http.StatusNotModified)
	return true
}

// serveTagged sends body with its ETag (or 304 when the client has it).
// HEAD gets the headers only.
func serveTagged(c *call, body []byte, ctype, fileName, etag string) {
	if notModified(c, etag) {
		return
	}
	cacheHeaders(c, etag)
	h := c.w.Header()
	h.Set("Content-Type", ctype)
	if fileName != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName}))
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(body)
	}
}

// ---- scans --------------------------------------------------------------------------

// MatchedIndicator is the indicator of a hit.
type MatchedIndicator struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Value      string     `json:"value"`
	Name       string     `json:"name,omitempty"`
	TLP        string     `json:"tlp,omitempty"`
	Confidence *int       `json:"confidence"`
	Score      int        `json:"score"`
	Modified   time.Time  `json:"modified"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
}

// LogHit is one observable of the log that matched.
type LogHit struct {
	Line      int64            `json:"line"`
	Offset    int64            `json:"offset"`
	Field     string           `json:"field,omitempty"`
	Observed  string           `json:"observed"`
	Indicator MatchedIndicator `json:"indicator"`
}

// LogStats says what the scanner read.
type LogStats struct {
	Lines       int64 `json:"lines"`
	Records     int64 `json:"records"`
	Observables int64 `json:"observables"`
	Skipped     int64 `json:"skipped"`
	TooLong     int64 `json:"too_long"`
}

// LogMatchResult is the answer of POST /match.
type LogMatchResult struct {
	Format    string         `json:"format"`
	Stats     LogStats       `json:"stats"`
	Hits      []LogHit       `json:"hits"`
	Truncated bool           `json:"truncated"`
	Seen      []defense.Seen `json:"seen"`
}

func matchedIndicator(in *match.Indicator) MatchedIndicator {
	m := MatchedIndicator{ID: in.ID, Kind: in.Kind.String(), Value: in.Value, Name: in.Name, Score: in.Score, Modified: in.Modified.UTC(), ValidUntil: in.ValidUntil}
	if in.TLP.Valid() {
		m.TLP = in.TLP.String()
	}
	if in.Confidence >= 0 {
		conf := in.Confidence
		m.Confidence = &conf
	}
	return m
}

// logTypes are the media types a log excerpt may be sent as.
var logTypes = []string{"text/plain", "application/octet-stream", "text/csv", "application/json", "application/x-ndjson", "application/jsonl"}

func (a *API) matchLog(c *call) (int, any, error) {
	q := c.r.URL.Query()
	lf, err := logscan.ParseFormat(strings.TrimSpace(q.Get("format")))
	if err != nil {
		return 0, nil, apperr.Invalid("format", "unknown log format %q: use one of %s", clip(q.Get("format")), strings.Join(strs(logscan.Formats), ", "))
	}
	f, err := defense.ParseFilter(q)
	if err != nil {
		return 0, nil, err
	}
	ct := c.r.Header.Get("Content-Type")
	if mt, _, perr := mime.ParseMediaType(ct); perr != nil || !slices.Contains(logTypes, mt) {
		return 0, nil, &apperr.Error{Code: apperr.CodeUnsupportedType, Field: "Content-Type",
			Message: fmt.Sprintf("the body must be a log excerpt sent as %s, not %q", strings.Join(logTypes, ", "), clip(ct))}
	}
	// Refuse before reading a large body that could not be used.
	if err := auth.Authorize(c.p, auth.ActIntelRead, auth.Target{}); err != nil {
		return 0, nil, err
	}
	body, err := readBody(c.r, max(c.api.opt.MaxBodyBytes, defense.MaxScanBytes))
	if err != nil {
		return 0, nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, nil, apperr.Invalid("log", "the body is empty: send the log lines to scan")
	}
	res, err := c.def().Scan(c.r.Context(), c.p, body, lf, f)
	if err != nil {
		return 0, nil, err
	}
	out := LogMatchResult{Format: string(res.Format), Hits: make([]LogHit, 0, len(res.Hits)), Truncated: res.Truncated, Seen: res.Seen,
		Stats: LogStats{Lines: res.Stats.Lines, Records: res.Stats.Records, Observables: res.Stats.Observables, Skipped: res.Stats.Skipped, TooLong: res.Stats.TooLong}}
	if out.Seen == nil {
		out.Seen = []defense.Seen{}
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, LogHit{Line: h.Line, Offset: h.Offset, Field: h.Field, Observed: h.Observed, Indicator: matchedIndicator(h.Indicator)})
	}
	return 200, out, nil
}

// ---- aggregated sightings -----------------------------------------------------------

// AggregatedSightingsInput is the body of POST /sightings/aggregated.
type AggregatedSightingsInput struct {
	Sightings []defense.Seen `json:"sightings"`
	Anonymous bool           `json:"anonymous,omitempty"`
	DryRun    bool           `json:"dry_run,omitempty"`
}

func (a *API) reportAggregatedSightings(c *call) (int, any, error) {
	var in AggregatedSightingsInput
	if err := decode(c.r, max(c.api.opt.MaxBodyBytes, defense.MaxScanBytes), &in); err != nil {
		return 0, nil, err
	}
	if len(in.Sightings) == 0 {
		return 0, nil, apperr.Invalid("sightings", "required: at least one aggregate")
	}
	rep, err := c.def().ReportSightings(c.r.Context(), c.p, in.Sightings, in.Anonymous, in.DryRun)
	if err != nil {
		return 0, nil, err
	}
	if !rep.DryRun && len(rep.Sightings) > 0 {
		return 201, rep, nil
	}
	return 200, rep, nil
}
