package web

// The receivers' defense pages (issue #6): the export configuration page
// (which format, which indicators, the stable API address to poll and a
// download), and a test of a pasted log excerpt against the indicators the
// organisation may apply, whose aggregates can be sent back as sightings.
// Every read goes through defense.Service, which applies entitlement;
// these handlers translate forms into service calls and results into
// pages. A pasted log is scanned in memory and never stored.

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/defense"
	"sakimori/internal/export"
	"sakimori/internal/logscan"
	"sakimori/internal/match"
)

func init() {
	reasons = append(reasons, defReasons...)
}

// defReasons translate the defense, export and scan services' messages.
var defReasons = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^must be a whole number from 0 to (\d+)$`), "def.reason.whole_number"},
	{regexp.MustCompile(`^must be a number of days from 1 to 3650`), "def.reason.days"},
	{regexp.MustCompile(`is not a kind \(`), "def.reason.kind"},
	{regexp.MustCompile(`^must start with a letter a-z$`), "def.reason.set_name"},
	{regexp.MustCompile(`^may contain only a-z, 0-9, '_' and '-'$`), "def.reason.set_name"},
	{regexp.MustCompile(`^must be between 1 and 2000000000$`), "def.reason.sid_base"},
	{regexp.MustCompile(`^must be a domain name such as `), "def.reason.zone"},
	{regexp.MustCompile(`^a Suricata dataset file holds exactly one kind$`), "def.reason.dataset_one_kind"},
	{regexp.MustCompile(`^Suricata datasets cannot hold `), "def.reason.dataset_kind"},
	{regexp.MustCompile(`^at most (\d+) MiB on the server`), "def.reason.log_size"},
	{regexp.MustCompile(`^unknown (export|log) format `), "reason.unknown_value"},
	{regexp.MustCompile(`^no indicator you may see has this id$`), "def.reason.no_indicator"},
}

// defenseRoutes registers the export and log-test pages (issue #6).
func (s *server) defenseRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Defense == nil {
		return
	}
	mux.Handle("GET /defense", http.RedirectHandler("/defense/exports", http.StatusSeeOther))
	mux.Handle("GET /defense/exports", s.user(s.defExports))
	mux.Handle("GET /defense/exports/{format}", s.user(s.defDownload))
	mux.Handle("GET /defense/test", s.user(s.defTest))
	mux.Handle("POST /defense/test", s.signedIn(s.parseScanForm, s.defTestRun))
	mux.Handle("POST /defense/test/report", s.signedIn(s.parseScanForm, s.defTestReport))
}

// defenseNav adds the defense sections to the navigation: everyone of an
// organisation may apply the intelligence shared with it.
func (s *server) defenseNav(rq *req, items []navItem) []navItem {
	p := rq.P
	if s.opt.Defense == nil || len(items) < 2 || p == nil || p.Org == nil {
		return items
	}
	return insertNav(rq, items, navItem{Path: "/defense/exports", Label: "def.exports.title"},
		navItem{Path: "/defense/test", Label: "def.test.title"})
}

// maxScanFormBytes bounds the test forms: a log of MaxScanBytes takes up
// to three times as much once URL-encoded.
const maxScanFormBytes = 3*defense.MaxScanBytes + 1<<20

func (s *server) parseScanForm(w http.ResponseWriter, rq *req) bool {
	rq.Body = http.MaxBytesReader(w, rq.Body, maxScanFormBytes)
	return s.parsed(w, rq, rq.ParseForm(), "form")
}

// ---- labels ---------------------------------------------------------------------

var (
	// defFormatKeys describe each export format by the tool that loads it.
	defFormatKeys = map[export.Format]string{
		export.FormatTXT: "def.fmt.txt", export.FormatCSV: "def.fmt.csv", export.FormatSuricata: "def.fmt.suricata",
		export.FormatSuricataDataset: "def.fmt.suricata_dataset", export.FormatSnort: "def.fmt.snort", export.FormatZeek: "def.fmt.zeek",
		export.FormatNFT: "def.fmt.nft", export.FormatIPSet: "def.fmt.ipset", export.FormatRPZ: "def.fmt.rpz",
		export.FormatHosts: "def.fmt.hosts", export.FormatSTIX: "def.fmt.stix", export.FormatMISPFeed: "def.fmt.misp_feed",
	}
	defKindKeys = map[match.Kind]string{
		match.KindIPv4: "def.kind.ipv4", match.KindIPv6: "def.kind.ipv6", match.KindCIDR4: "def.kind.cidr4", match.KindCIDR6: "def.kind.cidr6",
		match.KindDomain: "def.kind.domain", match.KindURL: "def.kind.url", match.KindEmail: "def.kind.email", match.KindMD5: "def.kind.md5",
		match.KindSHA1: "def.kind.sha1", match.KindSHA256: "def.kind.sha256", match.KindSHA512: "def.kind.sha512",
	}
	defLogFormatKeys = map[logscan.Format]string{
		"": "def.log.detect", logscan.FormatZeekTSV: "def.log.zeek_tsv", logscan.FormatZeekJSON: "def.log.zeek_json",
		logscan.FormatSuricataEVE: "def.log.suricata_eve", logscan.FormatJSONL: "def.log.jsonl", logscan.FormatCSV: "def.log.csv",
		logscan.FormatAccessLog: "def.log.access_log", logscan.FormatText: "def.log.text",
	}
	// defReload is the command that makes the consumer take a new file.
	defReload = map[export.Format]string{
		export.FormatSuricata: "suricatasc -c reload-rules", export.FormatSuricataDataset: "suricatasc -c reload-rules",
		export.FormatSnort: "kill -HUP \"$(pidof snort)\"", export.FormatZeek: "# Zeek re-reads Intel::read_files by itself",
		export.FormatNFT: "nft -f \"$out\"", export.FormatIPSet: "ipset restore -exist < \"$out\"",
		export.FormatRPZ: "rndc reload   # BIND; Unbound: unbound-control reload", export.FormatHosts: "kill -HUP \"$(pidof dnsmasq)\"",
	}
)

func kindLabel(rq *req, k match.Kind) string {
	if key, ok := defKindKeys[k]; ok {
		return rq.T(key)
	}
	return k.String()
}

func defKindOptions(rq *req, kinds []match.Kind) []option {
	var os []option
	for _, k := range kinds {
		os = append(os, option{Value: k.String(), Label: kindLabel(rq, k)})
	}
	return os
}

// defFilterOptions are the choices of the filter inputs shared by both pages.
type defFilterOptions struct {
	KindOptions []option
	TLPOptions  []option
	CollOptions []option
}

func (s *server) defFilterOptions(rq *req, kinds []match.Kind) (defFilterOptions, error) {
	o := defFilterOptions{KindOptions: defKindOptions(rq, kinds), TLPOptions: tlpOptions(rq, "def.tlp_any")}
	o.CollOptions = []option{{Value: "", Label: rq.T("def.coll_any")}}
	if s.opt.Intel != nil {
		colls, _, err := s.collIndex(rq)
		if err != nil {
			return o, err
		}
		for _, c := range colls {
			if c.CanRead {
				o.CollOptions = append(o.CollOptions, option{Value: c.Alias, Label: c.Title.In(rq.lang)})
			}
		}
	}
	return o, nil
}

// defInputs are the inputs of the defense forms with the catalogue keys of
// their labels (the names follow the API's query parameters, some of which
// other pages label differently).
var defInputs = map[string]string{
	"format": "def.field.format", "kind": "def.field.kinds", "min_score": "def.field.min_score", "min_confidence": "def.field.min_confidence",
	"max_tlp": "def.field.max_tlp", "max_age": "def.field.max_age", "collection": "def.field.collection", "name": "def.field.name",
	"zone": "def.field.zone", "sid_base": "def.field.sid_base", "log": "def.field.log", "log_format": "def.field.log_format",
	"anonymous": "def.field.anonymous", "sightings": "def.field.sightings",
}

// defInvalid puts a service error on f, next to its input when it names
// one of defInputs (kinds is the export's name of the kind input; format
// is the log format on the test page when logFormat), and returns the
// HTTP status.
func (s *server) defInvalid(rq *req, f *form, err error, logFormat bool) int {
	ae := apperr.As(err)
	name := inputFor(ae.Field, map[string]string{"kinds": "kind"})
	if logFormat && name == "format" {
		name = "log_format"
	}
	if name == "collection" || (ae.Code == apperr.CodeNotFound && f.Get("collection") != "") {
		name = "collection"
		if ae.Code == apperr.CodeNotFound || ae.Code == apperr.CodeForbidden {
			defErr(f, name, rq.T("def.reason.collection"))
			return http.StatusBadRequest
		}
	}
	if label, ok := defInputs[name]; ok && label != "" && (ae.Code == apperr.CodeInvalid || ae.Code == apperr.CodeConflict) {
		defErr(f, name, reason(rq, ae))
		return apperr.Status(ae)
	}
	return s.apply(rq, f, err, nil)
}

// defErr records an error for input name with the defense label.
func defErr(f *form, name, why string) {
	if _, dup := f.Errors[name]; dup {
		return
	}
	f.Errors[name] = why
	f.List = append(f.List, fieldErr{Name: name, ID: inputID(name), Label: defInputs[name], Reason: why})
}

// ---- exports ----------------------------------------------------------------------

// exportChoice is a parsed export configuration.
type exportChoice struct {
	Format export.Format
	Filter defense.Filter
	Opt    export.Options
	// Query is the filter and the options as query parameters, the same
	// for the API and the download.
	Query url.Values
}

// parseExport reads an export configuration from q, recording errors on f.
func (s *server) parseExport(rq *req, f *form, q url.Values, format string) *exportChoice {
	c := &exportChoice{}
	var err error
	if c.Format, err = export.ParseFormat(format); err != nil {
		s.defInvalid(rq, f, err, false)
	}
	if c.Filter, err = defense.ParseFilter(q); err != nil {
		s.defInvalid(rq, f, err, false)
	}
	c.Opt.Kinds = c.Filter.Kinds
	c.Opt.Name = strings.TrimSpace(q.Get("name"))
	c.Opt.Zone = strings.TrimSpace(q.Get("zone"))
	if v := strings.TrimSpace(q.Get("sid_base")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 2_000_000_000 {
			defErr(f, "sid_base", reason(rq, apperr.Invalid("sid_base", "must be between 1 and 2000000000")))
		}
		c.Opt.SIDBase = n
	}
	c.Query = c.Filter.Values()
	if c.Opt.Name != "" {
		c.Query.Set("name", c.Opt.Name)
	}
	if c.Opt.Zone != "" && c.Format == export.FormatRPZ {
		c.Query.Set("zone", c.Opt.Zone)
	}
	if c.Opt.SIDBase != 0 && (c.Format == export.FormatSuricata || c.Format == export.FormatSnort) {
		c.Query.Set("sid_base", strconv.Itoa(c.Opt.SIDBase))
	}
	return c
}

func (c *exportChoice) path(prefix string) string {
	p := prefix + string(c.Format)
	if len(c.Query) > 0 {
		p += "?" + c.Query.Encode()
	}
	return p
}

type defCount struct {
	Kind  string
	Count int
}

type defExportsData struct {
	Form          *form
	FormatOptions []option
	defFilterOptions
	Format                 string
	FormatDesc             string
	Ready                  bool
	APIURL, DownloadPath   string
	FileName               string
	Curl, Script, Cron     string
	Timer, Service         string
	Exported, Skipped      int
	Withheld               int
	SkippedKinds           []defCount
	ShowZone, ShowSID      bool
	DefaultZone            string
	DefaultSID, DefaultSet string
}

func (s *server) defExports(w http.ResponseWriter, rq *req) {
	q := rq.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = string(export.FormatTXT)
		q.Set("format", format)
	}
	f := newForm(q)
	d := &defExportsData{Form: f, DefaultZone: export.DefaultZone, DefaultSID: strconv.Itoa(export.DefaultSIDBase), DefaultSet: export.DefaultName}
	for _, ef := range export.Formats {
		d.FormatOptions = append(d.FormatOptions, option{Value: string(ef), Label: string(ef) + " — " + rq.T(defFormatKeys[ef])})
	}
	c := s.parseExport(rq, f, q, format)
	kinds := match.Kinds
	if c.Format != "" {
		kinds = export.Supported(c.Format)
		d.Format, d.FormatDesc = string(c.Format), rq.T(defFormatKeys[c.Format])
		d.ShowZone = c.Format == export.FormatRPZ
		d.ShowSID = c.Format == export.FormatSuricata || c.Format == export.FormatSnort
	}
	var err error
	if d.defFilterOptions, err = s.defFilterOptions(rq, kinds); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	status := http.StatusOK
	if !f.Failed() {
		r, err := s.opt.Defense.Export(rq.Context(), rq.P, c.Format, c.Filter, c.Opt)
		if err != nil {
			status = s.defInvalid(rq, f, err, false)
		} else {
			d.Ready = true
			d.Exported, d.Skipped, d.Withheld, d.FileName = r.Stats.Written, r.Stats.Skipped, r.Withheld, r.FileName
			for _, k := range match.Kinds {
				if n := r.Stats.SkippedKinds[k]; n > 0 {
					d.SkippedKinds = append(d.SkippedKinds, defCount{Kind: kindLabel(rq, k), Count: n})
				}
			}
			d.APIURL = s.baseURL(rq) + c.path("/api/v1/exports/")
			d.DownloadPath = c.path("/defense/exports/")
			d.Curl, d.Script, d.Cron, d.Timer, d.Service = pollExamples(c.Format, d.APIURL, r.FileName)
		}
	}
	if status == http.StatusOK && f.Failed() {
		status = http.StatusBadRequest
	}
	s.render(w, rq, status, "defense_exports", d)
}

// baseURL is the server's address as the browser reached it.
func (s *server) baseURL(rq *req) string {
	scheme := "http"
	if rq.TLS != nil || s.opt.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + rq.Host
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// pollExamples are the ways to fetch an export only when it changed.
func pollExamples(f export.Format, apiURL, file string) (curl, script, cron, timer, service string) {
	curl = fmt.Sprintf("curl -fsS -H \"Authorization: Bearer $TOKEN\" \\\n  -H \"If-None-Match: $(cat %s.etag 2>/dev/null)\" \\\n  -D headers.txt -o %s.new \\\n  %s\n# 200: a new file (save the ETag header for next time); 304: unchanged, nothing sent",
		file, file, shellQuote(apiURL))
	reload := defReload[f]
	if reload == "" {
		reload = "# reload the consumer here"
	}
	script = fmt.Sprintf(`#!/bin/sh
# /usr/local/bin/sakimori-fetch-%[1]s: fetch the export only when it changed.
set -eu
url=%[2]s
out=/var/lib/sakimori/%[3]s
etag=$(cat "$out.etag" 2>/dev/null || true)
code=$(curl -sS -o "$out.new" -D "$out.hdr" -w '%%{http_code}' \
  -H "Authorization: Bearer $TOKEN" ${etag:+-H "If-None-Match: $etag"} "$url")
if [ "$code" = 200 ]; then
  mv "$out.new" "$out"
  sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' "$out.hdr" | tr -d '\r' > "$out.etag"
  %[4]s
elif [ "$code" != 304 ]; then
  echo "sakimori export: HTTP $code" >&2; exit 1
fi
rm -f "$out.new" "$out.hdr"`, f, shellQuote(apiURL), file, reload)
	cron = fmt.Sprintf("# /etc/cron.d/sakimori-%[1]s (every 5 minutes; the token in /etc/sakimori/token)\n*/5 * * * * root TOKEN=$(cat /etc/sakimori/token) /usr/local/bin/sakimori-fetch-%[1]s", f)
	service = fmt.Sprintf("# /etc/systemd/system/sakimori-fetch-%[1]s.service\n[Unit]\nDescription=Fetch the sakimori %[1]s export\n\n[Service]\nType=oneshot\nEnvironmentFile=/etc/sakimori/token.env\nExecStart=/usr/local/bin/sakimori-fetch-%[1]s", f)
	timer = fmt.Sprintf("# /etc/systemd/system/sakimori-fetch-%[1]s.timer (systemctl enable --now sakimori-fetch-%[1]s.timer)\n[Unit]\nDescription=Fetch the sakimori %[1]s export every 5 minutes\n\n[Timer]\nOnBootSec=1min\nOnUnitActiveSec=5min\n\n[Install]\nWantedBy=timers.target", f)
	return
}

// defDownload streams an export to the signed-in user.
func (s *server) defDownload(w http.ResponseWriter, rq *req) {
	q := rq.URL.Query()
	f := newForm(q)
	c := s.parseExport(rq, f, q, rq.PathValue("format"))
	if f.Failed() {
		// Show the errors on the configuration page, next to the inputs.
		q.Set("format", rq.PathValue("format"))
		http.Redirect(w, rq.Request, "/defense/exports?"+q.Encode(), http.StatusSeeOther)
		return
	}
	r, err := s.opt.Defense.Export(rq.Context(), rq.P, c.Format, c.Filter, c.Opt)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeInvalid || apperr.CodeOf(err) == apperr.CodeNotFound {
			q.Set("format", string(c.Format))
			http.Redirect(w, rq.Request, "/defense/exports?"+q.Encode(), http.StatusSeeOther)
			return
		}
		s.errorPage(w, rq, err)
		return
	}
	h := w.Header()
	h.Set("ETag", r.ETag)
	h.Add("Vary", "Cookie")
	if etagMatch(rq.Header.Get("If-None-Match"), r.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", r.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", r.FileName))
	h.Set("Content-Length", strconv.Itoa(len(r.Body)))
	h.Set("X-Sakimori-Exported", strconv.Itoa(r.Stats.Written))
	h.Set("X-Sakimori-Skipped", strconv.Itoa(r.Stats.Skipped))
	h.Set("X-Sakimori-Withheld", strconv.Itoa(r.Withheld))
	if rq.Method == http.MethodHead {
		return
	}
	w.Write(r.Body)
}

// etagMatch reports whether an If-None-Match header matches etag (weak
// comparison, as RFC 9110 prescribes for If-None-Match).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// ---- log test -----------------------------------------------------------------------

type defHit struct {
	Line              int64
	Field, Observed   string
	ID, Name, Kind    string
	TLP               tlpBadge
	Confidence, Score string
}

type defSeen struct {
	ID, Kind, Value string
	Count           int
	First, Last     time.Time
	FirstS, LastS   string // RFC 3339, for the hidden fields
}

type defRejected struct {
	ID, Value, Field, Message string
}

type defTestData struct {
	Form *form
	defFilterOptions
	LogFormatOptions []option
	MaxMiB           int
	Scanned          bool
	Format           string
	Stats            logscan.Stats
	Hits             []defHit
	HitCount         int
	Shown            int
	Truncated        bool
	Seen             []defSeen
	// after sending
	Reported  bool
	Anonymous bool
	Stored    []defSeen
	Rejected  []defRejected
}

// maxShownHits bounds the hits shown on the page (the aggregates count all).
const maxShownHits = 1000

func (s *server) defTestData(rq *req, f *form) (*defTestData, error) {
	d := &defTestData{Form: f, MaxMiB: defense.MaxScanBytes >> 20}
	var err error
	if d.defFilterOptions, err = s.defFilterOptions(rq, match.Kinds); err != nil {
		return nil, err
	}
	for _, lf := range append([]logscan.Format{""}, logscan.Formats...) {
		label := rq.T(defLogFormatKeys[lf])
		if lf != "" {
			label = string(lf) + " — " + label
		}
		d.LogFormatOptions = append(d.LogFormatOptions, option{Value: string(lf), Label: label})
	}
	return d, nil
}

func (s *server) defTest(w http.ResponseWriter, rq *req) {
	d, err := s.defTestData(rq, newForm(nil))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "defense_test", d)
}

func (s *server) defTestRun(w http.ResponseWriter, rq *req) {
	rq.here = "/defense/test"
	v := rq.PostForm
	f := newForm(v)
	d, err := s.defTestData(rq, f)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	filter, err := defense.ParseFilter(v)
	if err != nil {
		s.defInvalid(rq, f, err, true)
	}
	lf, err := logscan.ParseFormat(v.Get("log_format"))
	if err != nil {
		defErr(f, "log_format", rq.T("reason.unknown_value"))
	}
	text := v.Get("log")
	if strings.TrimSpace(text) == "" {
		defErr(f, "log", rq.T("reason.required"))
	}
	if f.Failed() {
		s.render(w, rq, http.StatusBadRequest, "defense_test", d)
		return
	}
	res, err := s.opt.Defense.Scan(rq.Context(), rq.P, []byte(text), lf, filter)
	if err != nil {
		status := s.defInvalid(rq, f, err, true)
		s.render(w, rq, status, "defense_test", d)
		return
	}
	d.Scanned, d.Format, d.Stats, d.Truncated, d.HitCount = true, string(res.Format), res.Stats, res.Truncated, len(res.Hits)
	for i, h := range res.Hits {
		if i == maxShownHits {
			break
		}
		in := h.Indicator
		dh := defHit{Line: h.Line, Field: h.Field, Observed: h.Observed, ID: in.ID, Name: in.Name, Kind: in.Kind.String(),
			TLP: badgeOf(in.TLP), Confidence: "—", Score: strconv.Itoa(in.Score)}
		if in.Confidence >= 0 {
			dh.Confidence = strconv.Itoa(in.Confidence)
		}
		d.Hits = append(d.Hits, dh)
	}
	d.Shown = len(d.Hits)
	for _, a := range res.Seen {
		d.Seen = append(d.Seen, seenView(a))
	}
	s.render(w, rq, http.StatusOK, "defense_test", d)
}

func seenView(a defense.Seen) defSeen {
	return defSeen{ID: a.IndicatorID, Kind: a.Kind, Value: a.Value, Count: a.Count, First: a.FirstSeen, Last: a.LastSeen,
		FirstS: a.FirstSeen.UTC().Format(time.RFC3339Nano), LastS: a.LastSeen.UTC().Format(time.RFC3339Nano)}
}

// defTestReport sends the aggregates of a scan (posted back as hidden
// fields seen_id, seen_kind, seen_value, seen_count, seen_first,
// seen_last, index by index) as sightings. The service checks each
// indicator against what the user may see, the counts and the times.
func (s *server) defTestReport(w http.ResponseWriter, rq *req) {
	rq.here = "/defense/test"
	v := rq.PostForm
	f := newForm(url.Values{"anonymous": v["anonymous"]})
	d, err := s.defTestData(rq, f)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	ids := v["seen_id"]
	if len(ids) == 0 {
		defErr(f, "sightings", rq.T("def.reason.no_sightings"))
		s.render(w, rq, http.StatusBadRequest, "defense_test", d)
		return
	}
	at := func(name string, i int) string {
		if vs := v[name]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	var seen []defense.Seen
	for i, id := range ids {
		a := defense.Seen{IndicatorID: id, Kind: at("seen_kind", i), Value: at("seen_value", i)}
		a.Count, _ = strconv.Atoi(at("seen_count", i))
		a.FirstSeen, _ = time.Parse(time.RFC3339Nano, at("seen_first", i))
		a.LastSeen, _ = time.Parse(time.RFC3339Nano, at("seen_last", i))
		seen = append(seen, a)
	}
	anonymous := v.Get("anonymous") != ""
	rep, err := s.opt.Defense.ReportSightings(rq.Context(), rq.P, seen, anonymous, false)
	if err != nil {
		status := s.defInvalid(rq, f, err, false)
		s.render(w, rq, status, "defense_test", d)
		return
	}
	d.Reported, d.Anonymous = true, rep.Anonymous
	byID := map[string]defense.Seen{}
	for _, a := range seen {
		byID[a.IndicatorID] = a
	}
	for _, sg := range rep.Sightings {
		a := byID[sg.StixID]
		d.Stored = append(d.Stored, defSeen{ID: sg.StixID, Kind: a.Kind, Value: a.Value, Count: sg.Count, First: sg.FirstSeen, Last: sg.LastSeen})
	}
	for _, r := range rep.Rejected {
		msg := r.Message
		if key, args := reasonKey(r.Message); key != "" {
			msg = rq.T(key, args...)
		}
		d.Rejected = append(d.Rejected, defRejected{ID: r.IndicatorID, Value: r.Value, Field: r.Field, Message: msg})
	}
	slices.SortFunc(d.Rejected, func(a, b defRejected) int { return strings.Compare(a.ID, b.ID) })
	s.render(w, rq, http.StatusOK, "defense_test", d)
}
