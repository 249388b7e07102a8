package cli

// `sakimori export` and `sakimori match`: the receivers' side of sharing
// from the command line (issue #6, see docs/matching-cli.md). export
// renders what a user may apply into the files firewalls, IDS and
// resolvers load; match scans logs against a compiled indicator set taken
// from a snapshot or CSV export (offline), from the local store (--as), or
// from a server (--server), and prints each hit as it is found. Nothing
// leaves the machine unless --report is given, and then only aggregates
// per indicator (value, count, first and last seen), never a log line.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/config"
	"sakimori/internal/defense"
	"sakimori/internal/export"
	"sakimori/internal/logscan"
	"sakimori/internal/marking"
	"sakimori/internal/match"
)

// Exit status of match when it found hits (0: none; 2: usage or error).
const exitHits = 1

// defenseFields maps the field names of the defense service, the filter
// and the export options to the flags of export and match.
var defenseFields = map[string]string{
	"kind": "--kind", "kinds": "--kind", "min_score": "--min-score", "min_confidence": "--min-confidence",
	"max_tlp": "--max-tlp", "max_age": "--max-age", "collection": "--collection", "as": "--as",
	"name": "--name", "zone": "--zone", "sid_base": "--sid-base", "format": "--format", "sightings": "--report",
}

// matchFields is defenseFields with "format" naming --log-format.
var matchFields = func() map[string]string {
	m := map[string]string{}
	for k, v := range defenseFields {
		m[k] = v
	}
	m["format"] = "--log-format"
	return m
}()

// filterFlags are the indicator filter flags of export and match.
type filterFlags struct {
	kinds                stringList
	minScore, minConf    *int
	maxTLP, maxAge, coll *string
}

func addFilterFlags(fs *flag.FlagSet) *filterFlags {
	ff := &filterFlags{}
	fs.Var(&ff.kinds, "kind", "only indicators of this kind (repeatable or comma-separated): ipv4, ipv6, cidr4, cidr6, domain, url, email, md5, sha1, sha256, sha512")
	ff.minScore = fs.Int("min-score", 0, "only indicators scoring at least N (0-100)")
	ff.minConf = fs.Int("min-confidence", 0, "only indicators with a confidence of at least N (0-100; an indicator without one is dropped when N > 0)")
	ff.maxTLP = fs.String("max-tlp", "", "leave out indicators under a more restrictive label than this one (clear, green, amber, amber+strict, red)")
	ff.maxAge = fs.String("max-age", "", "only indicators modified in the last DAYS days (30 or 30d)")
	ff.coll = fs.String("collection", "", "only the indicators of this collection (alias or id)")
	return ff
}

// filter validates the flags through defense.ParseFilter, so that the
// command line and the API accept exactly the same values.
func (ff *filterFlags) filter() (defense.Filter, error) {
	q := url.Values{}
	for _, k := range ff.kinds {
		q.Add("kind", k)
	}
	if *ff.minScore != 0 {
		q.Set("min_score", strconv.Itoa(*ff.minScore))
	}
	if *ff.minConf != 0 {
		q.Set("min_confidence", strconv.Itoa(*ff.minConf))
	}
	q.Set("max_tlp", *ff.maxTLP)
	q.Set("max_age", *ff.maxAge)
	q.Set("collection", *ff.coll)
	f, err := defense.ParseFilter(q)
	if err != nil {
		if ae := apperr.As(err); ae != nil && defenseFields[ae.Field] != "" {
			return f, withFlag(defenseFields[ae.Field], err)
		}
		return f, err
	}
	return f, nil
}

// keep applies f to an indicator of a snapshot or CSV export, as the
// service applies it to the store's (the collection is not known offline).
func keep(f defense.Filter, in *match.Indicator, now time.Time) bool {
	switch {
	case len(f.Kinds) > 0 && !slices.Contains(f.Kinds, in.Kind):
		return false
	case in.Score < f.MinScore:
		return false
	case f.MinConfidence > 0 && in.Confidence < f.MinConfidence:
		return false
	case f.MaxTLP.Valid() && in.TLP > f.MaxTLP:
		return false
	case f.MaxAgeDays > 0 && now.Sub(in.Modified) > time.Duration(f.MaxAgeDays)*24*time.Hour:
		return false
	}
	return true
}

// asUser resolves --as (or SAKIMORI_AS), opens the store and loads the
// warninglists, so that what the user gets is what the API would give.
func (e *env) asUser(ctx context.Context, ref string) (*auth.Principal, error) {
	if ref == "" {
		ref = e.Getenv("SAKIMORI_AS")
	}
	if ref == "" {
		return nil, usagef("--as: required (or set SAKIMORI_AS): the user to act as")
	}
	if err := e.open(ctx, true); err != nil {
		return nil, err
	}
	p, err := e.actAs(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := e.intel.LoadWarninglists(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// writeAtomic writes data to path through a temporary file in the same
// directory and a rename, so that a consumer polling the file (a cron job,
// a firewall reload) never reads half of it.
func writeAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Chmod(name, 0o600); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// exportStats is the count line export prints to standard error.
func exportStats(st export.Stats, withheld int) string {
	s := fmt.Sprintf("written %d, skipped %d", st.Written, st.Skipped)
	if st.Skipped > 0 {
		var parts []string
		for _, k := range match.Kinds {
			if n := st.SkippedKinds[k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", k, n))
			}
		}
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + fmt.Sprintf(", withheld by warninglists %d", withheld)
}

// ---- export -----------------------------------------------------------------------

func exportCommand() *command {
	var formats []string
	for _, f := range export.Formats {
		formats = append(formats, string(f))
	}
	return &command{
		path: "export", nargs: [2]int{0, 0}, groups: adminGroups, fields: defenseFields,
		summary: "write the indicators a user may apply in a format firewalls, IDS and resolvers load",
		help: `Renders the indicators the user --as may apply (entitled, valid, not
revoked, not on a warninglist), after the filters, in --format:
  ` + strings.Join(formats, ", ") + `
The file is written to -o (atomically: a temporary file renamed) or to standard
output; misp-feed with -o writes the feed's files (manifest.json, one file per
event, hashes.csv) into the directory -o, and without -o a tar.gz of them to
standard output. The counts (written, skipped by kind, withheld) go to standard
error. The same bytes as GET /api/v1/export/FORMAT. Example (cron):
  sakimori export --format nft --name blocklist --max-tlp green --as soc@op-a.example.jp -o /etc/nftables.d/sakimori.nft`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			format := fs.String("format", "", "export format (required): "+strings.Join(formats, ", "))
			ff := addFilterFlags(fs)
			name := fs.String("name", "", "name of the set, list or table (default sakimori)")
			zone := fs.String("zone", "", "RPZ zone origin (default rpz.sakimori.local.)")
			sidBase := fs.Int("sid-base", 0, "first Suricata/Snort sid (default 9100000)")
			out := fs.String("o", "", "write to this file (misp-feed: into this directory) instead of standard output")
			as := fs.String("as", "", "the user to act as: e-mail or id (default $SAKIMORI_AS)")
			return func(ctx context.Context, e *env, _ []string) error {
				if *format == "" {
					return usagef("--format: required (one of %s)", strings.Join(formats, ", "))
				}
				fmtName, err := export.ParseFormat(strings.ToLower(*format))
				if err != nil {
					return withFlag("--format", err)
				}
				f, err := ff.filter()
				if err != nil {
					return err
				}
				p, err := e.asUser(ctx, *as)
				if err != nil {
					return err
				}
				opt := export.Options{Kinds: f.Kinds, Name: *name, Zone: *zone, SIDBase: *sidBase}
				if fmtName == export.FormatMISPFeed && *out != "" {
					return exportMISPDir(ctx, e, p, f, opt, *out)
				}
				r, err := e.defense.Export(ctx, p, fmtName, f, opt)
				if err != nil {
					return collectionErr(err, f)
				}
				if *out != "" {
					if err := writeAtomic(*out, r.Body); err != nil {
						return withFlag("-o", err)
					}
				} else if _, err := e.Stdout.Write(r.Body); err != nil {
					return err
				}
				fmt.Fprintf(e.Stderr, "export %s: %s\n", fmtName, exportStats(r.Stats, r.Withheld))
				return nil
			}
		},
	}
}

// collectionErr blames --collection for a collection the user may not
// read or that does not exist.
func collectionErr(err error, f defense.Filter) error {
	if f.Collection != "" {
		if c := apperr.CodeOf(err); c == apperr.CodeNotFound || c == apperr.CodeForbidden {
			return withFlag("--collection", err)
		}
	}
	return err
}

// exportMISPDir writes a MISP feed's files into dir.
func exportMISPDir(ctx context.Context, e *env, p *auth.Principal, f defense.Filter, opt export.Options, dir string) error {
	// The same files as the API serves under /api/v1/export/misp-feed/.
	files, st, withheld, err := e.defense.MISPFeed(ctx, p, f, opt)
	if err != nil {
		return collectionErr(err, f)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return withFlag("-o", err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	// The manifest last: a MISP instance polling the directory reads it
	// first and must find every event it lists.
	if i := slices.Index(names, "manifest.json"); i >= 0 {
		names = append(append(names[:i:i], names[i+1:]...), "manifest.json")
	}
	for _, n := range names {
		if n != filepath.Base(n) || n == "." || n == ".." {
			return fmt.Errorf("misp feed: unexpected file name %q", n)
		}
		if err := writeAtomic(filepath.Join(dir, n), files[n]); err != nil {
			return withFlag("-o", err)
		}
	}
	fmt.Fprintf(e.Stderr, "export misp-feed: %d file(s) in %s; %s\n", len(files), dir, exportStats(st, withheld))
	return nil
}

// ---- match ------------------------------------------------------------------------

// matchOpts are match's flags after parsing.
type matchOpts struct {
	files      []string
	logFormat  logscan.Format
	setFile    string
	as         string
	server     string
	tokenStdin bool
	filter     defense.Filter
	json       bool
	report     bool
	dryRun     bool
	anonymous  bool
	saveSet    string
}

func matchCommand() *command {
	return &command{
		path: "match", args: "[FILE ...|-]", nargs: [2]int{0, -1}, groups: config.Store, // not config.Log: --log-format is the logs'
		fields:  matchFields,
		summary: "scan logs for the shared indicators (offline, from the local store, or from a server)",
		help: `Scans each FILE (standard input without FILE or for "-") for the indicators of
a compiled set, taken from one of:
  --set FILE     a snapshot (--save-set, GET /api/v1/match/set) or a CSV export
                 (sakimori export --format csv): offline, nothing is contacted
  --as EMAIL     the local store, as that user (or SAKIMORI_AS)
  --server URL   a sakimori server, with the API token in SAKIMORI_TOKEN (or
                 the first line of standard input with --token-stdin)
The log format is detected per file unless --log-format names it: zeek-tsv,
zeek-json, suricata-eve, jsonl, csv, access-log, text. Each hit is printed as
it is found: FILE:LINE, field, observed value, indicator id, kind, TLP,
confidence, score, name (tab-separated; --json: one object per line). A
summary goes to standard error.

Nothing leaves the machine unless --report is given: then one aggregate per
indicator seen (indicator, value, count, first and last seen; never a log
line) is sent as a sighting of the user's organisation (--as) or the token's
(--server). --dry-run prints exactly what would be sent and stores nothing.

Exit status: 0 no hit, 1 hits found (like grep), 2 bad command line or an
error (unreadable file, server refused; the other files are still scanned).`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			logFormat := fs.String("log-format", "", "log format of every file (default: detected per file)")
			setFile := fs.String("set", "", "match against this snapshot or CSV export (offline)")
			as := fs.String("as", "", "match against the local store as this user: e-mail or id (default $SAKIMORI_AS)")
			server := fs.String("server", "", "match against what this sakimori server gives the token's user (base URL, e.g. https://sakimori.example.jp)")
			tokenStdin := fs.Bool("token-stdin", false, "with --server: read the API token from the first line of standard input instead of SAKIMORI_TOKEN")
			ff := addFilterFlags(fs)
			asJSON := fs.Bool("json", false, "print one JSON object per hit")
			report := fs.Bool("report", false, "send the aggregated hits as sightings (with --as or --server)")
			dryRun := fs.Bool("dry-run", false, "with --report: print what would be sent, store nothing")
			anonymous := fs.Bool("anonymous", false, "with --report: the sightings do not name the organisation to other readers")
			saveSet := fs.String("save-set", "", "write the compiled set to this file as a snapshot for --set (with --server, reused while unchanged)")
			return func(ctx context.Context, e *env, args []string) error {
				o := &matchOpts{files: args, setFile: *setFile, as: *as, server: strings.TrimRight(*server, "/"), tokenStdin: *tokenStdin,
					json: *asJSON, report: *report, dryRun: *dryRun, anonymous: *anonymous, saveSet: *saveSet}
				err := o.check(e, fs, ff, *logFormat)
				if err == nil {
					err = runMatch(ctx, e, o)
				}
				var f *failure
				if err == nil || errors.As(err, &f) {
					return err
				}
				// Status 1 means hits: any error is 2.
				e.cmd.report(e.Stderr, err)
				return &failure{exitUsage}
			}
		},
	}
}

// check validates the combination of flags.
func (o *matchOpts) check(e *env, fs *flag.FlagSet, ff *filterFlags, logFormat string) error {
	set := setFlags(fs)
	sources := 0
	for _, s := range []bool{o.setFile != "", set["as"], o.server != ""} {
		if s {
			sources++
		}
	}
	if sources == 0 && e.Getenv("SAKIMORI_AS") != "" {
		sources = 1 // --as from the environment
	}
	if sources != 1 {
		return usagef("--set, --as, --server: give exactly one source of indicators")
	}
	var err error
	if o.logFormat, err = logscan.ParseFormat(strings.ToLower(logFormat)); err != nil {
		return withFlag("--log-format", err)
	}
	if o.filter, err = ff.filter(); err != nil {
		return err
	}
	if o.setFile != "" && o.filter.Collection != "" {
		return usagef("--collection: not with --set (a snapshot does not know collections)")
	}
	if o.server != "" {
		u, err := url.Parse(o.server)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return usagef("--server: %q is not an http(s) URL", o.server)
		}
	} else if o.tokenStdin {
		return usagef("--token-stdin: only with --server")
	}
	if o.tokenStdin && (len(o.files) == 0 || slices.Contains(o.files, "-")) {
		return usagef("--token-stdin: standard input holds the token, so give the logs as files")
	}
	if o.report && o.setFile != "" {
		return usagef("--report: needs --as or --server (an offline set has nowhere to send sightings)")
	}
	if (o.dryRun || o.anonymous) && !o.report {
		if o.dryRun {
			return usagef("--dry-run: only with --report")
		}
		return usagef("--anonymous: only with --report")
	}
	if countStdin(o.files) > 1 {
		return usagef("-: standard input can be scanned only once")
	}
	return nil
}

func countStdin(files []string) int {
	n := 0
	for _, f := range files {
		if f == "-" {
			n++
		}
	}
	return n
}

// matchRun is the state of one match run.
type matchRun struct {
	e        *env
	o        *matchOpts
	set      *match.Set
	batch    *match.Batch // over set, made by the first file scanned
	out      *bufio.Writer
	enc      *json.Encoder
	header   bool
	tally    defense.Tally
	hits     int64
	distinct map[string]struct{} // indicator ids
	stats    logscan.Stats
}

func runMatch(ctx context.Context, e *env, o *matchOpts) error {
	var (
		p   *auth.Principal
		set *match.Set
		err error
	)
	token := ""
	switch {
	case o.setFile != "":
		set, err = loadSetFile(o.setFile, o.filter, time.Now())
	case o.server != "":
		if token, err = matchToken(e, o); err == nil {
			set, err = fetchSet(ctx, e, o, token)
		}
	default:
		if p, err = e.asUser(ctx, o.as); err == nil {
			var c *defense.Compiled
			if c, err = e.defense.Compile(ctx, p, o.filter); err != nil {
				err = collectionErr(err, o.filter)
			} else {
				set = c.Set
			}
		}
	}
	if err != nil {
		return err
	}
	if o.saveSet != "" && o.server == "" { // the server's copy is saved as downloaded
		var buf bytes.Buffer
		if _, err := set.WriteTo(&buf); err != nil {
			return err
		}
		if err := writeAtomic(o.saveSet, buf.Bytes()); err != nil {
			return withFlag("--save-set", err)
		}
		os.Remove(o.saveSet + ".etag") // the file is no longer the server's
	}

	r := &matchRun{e: e, o: o, set: set, out: bufio.NewWriterSize(e.Stdout, 64<<10), distinct: map[string]struct{}{}}
	if o.json {
		r.enc = json.NewEncoder(r.out)
		r.enc.SetEscapeHTML(false)
	}
	files := o.files
	if len(files) == 0 {
		files = []string{"-"}
	}
	// An interrupt (Ctrl-C on tail -F | sakimori match) ends the scan
	// cleanly: the summary is printed and, with --report, the report sent.
	// A second interrupt kills the process.
	sctx, stop := signalContext(ctx)
	start := time.Now()
	failed := 0
	for _, name := range files {
		if sctx.Err() != nil {
			break
		}
		if err := r.scanFile(sctx, name); err != nil {
			r.out.Flush()
			if sctx.Err() != nil && ctx.Err() == nil {
				fmt.Fprintf(e.Stderr, "sakimori match: interrupted in %s\n", name)
				break
			}
			fmt.Fprintf(e.Stderr, "sakimori match: %s: %v\n", name, err)
			failed++
		}
	}
	stop()
	if err := r.out.Flush(); err != nil {
		return err
	}
	el := time.Since(start)
	rate := 0.0
	if s := el.Seconds(); s > 0 {
		rate = float64(r.stats.Lines) / s
	}
	fmt.Fprintf(e.Stderr, "scanned %d file(s) against %d indicator value(s): lines %d, records %d, observables %d, hits %d, distinct indicators %d, %s, %.0f lines/s\n",
		len(files)-failed, set.Len(), r.stats.Lines, r.stats.Records, r.stats.Observables, r.hits, len(r.distinct), el.Round(time.Millisecond), rate)
	if r.stats.Skipped > 0 || r.stats.TooLong > 0 {
		fmt.Fprintf(e.Stderr, "skipped %d malformed line(s), %d line(s) longer than %d bytes\n", r.stats.Skipped, r.stats.TooLong, logscan.MaxLine)
	}
	if o.report {
		if err := r.sendReport(ctx, p, token); err != nil { // ctx: not cancelled by the interrupt
			return err
		}
	}
	switch {
	case failed > 0 || ctx.Err() != nil: // the caller's context, not an interrupt
		return &failure{exitUsage}
	case r.hits > 0:
		return &failure{exitHits}
	}
	return nil
}

// scanFile scans one file (or standard input for "-"), printing hits as
// they are found.
func (r *matchRun) scanFile(ctx context.Context, name string) error {
	var in io.Reader
	if name == "-" {
		// Standard input may block (a pipe from tail -F): read it in a
		// goroutine so that an interrupt ends the scan at once.
		pr, pw := io.Pipe()
		done := make(chan struct{})
		defer close(done)
		go func() {
			_, err := io.Copy(pw, r.e.Stdin)
			pw.CloseWithError(err)
		}()
		go func() {
			select {
			case <-ctx.Done():
				pw.CloseWithError(ctx.Err())
			case <-done:
			}
		}()
		defer pr.Close()
		in = pr
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = ctxReader{ctx, f}
	}
	sc := logscan.NewScanner(in, r.o.logFormat)
	var err error
	if name == "-" {
		// Standard input (possibly a pipe from tail -F): look each record
		// up as it comes, so that hits appear as they are found.
		err = sc.Scan(func(rec *logscan.Record) error {
			found := false
			for i := range rec.Observables {
				ob := &rec.Observables[i]
				ref, ok := r.set.Lookup(ob.Kind, ob.Value)
				if !ok {
					continue
				}
				found = true
				if err := r.hit(name, rec, ob, r.set.Indicator(ref)); err != nil {
					return err
				}
			}
			if found {
				return r.out.Flush()
			}
			return nil
		})
	} else {
		err = r.scanBatched(name, sc)
	}
	st := sc.Stats()
	r.stats.Lines += st.Lines
	r.stats.Records += st.Records
	r.stats.Observables += st.Observables
	r.stats.Skipped += st.Skipped
	r.stats.TooLong += st.TooLong
	return err
}

// scanBatched scans a file looking its observables up in batches
// (match.Batch: their memory accesses overlap), hits in file order.
func (r *matchRun) scanBatched(name string, sc *logscan.Scanner) error {
	if r.batch == nil {
		r.batch = match.NewBatch(match.NewMatcher(r.set))
	}
	var recs []logscan.Record // where each waiting observable came from
	flush := func() error {
		err := r.batch.Flush(func(tag int32, ob *match.Observable, h match.Hit) error {
			return r.hit(name, &recs[tag], ob, h.Indicator())
		})
		recs = recs[:0]
		return err
	}
	err := sc.Scan(func(rec *logscan.Record) error {
		for i := range rec.Observables {
			recs = append(recs, logscan.Record{Line: rec.Line, Offset: rec.Offset, Time: rec.Time})
			if r.batch.Add(&rec.Observables[i], int32(len(recs)-1)) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if ferr := flush(); err == nil {
		err = ferr
	}
	return err
}

// hit counts and prints one match of observable ob of rec.
func (r *matchRun) hit(name string, rec *logscan.Record, ob *match.Observable, ind *match.Indicator) error {
	r.hits++
	if _, ok := r.distinct[ind.ID]; !ok {
		r.distinct[ind.ID] = struct{}{}
	}
	if r.o.report {
		r.tally.Add(ind, defense.SeenAt(rec.Time, time.Now()))
	}
	return r.printHit(name, rec, ob, ind)
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// hitJSON is a hit as --json prints it.
type hitJSON struct {
	File       string `json:"file"`
	Line       int64  `json:"line"`
	Offset     int64  `json:"offset"`
	Field      string `json:"field,omitempty"`
	Observed   string `json:"observed"`
	Indicator  string `json:"indicator"`
	Kind       string `json:"kind"`
	Value      string `json:"value"`
	Name       string `json:"name,omitempty"`
	TLP        string `json:"tlp,omitempty"`
	Confidence *int   `json:"confidence"`
	Score      int    `json:"score"`
}

func (r *matchRun) printHit(file string, rec *logscan.Record, ob *match.Observable, ind *match.Indicator) error {
	if r.o.json {
		h := hitJSON{File: file, Line: rec.Line, Offset: rec.Offset, Field: ob.Field, Observed: string(ob.Value), Indicator: ind.ID,
			Kind: ind.Kind.String(), Value: ind.Value, Name: ind.Name, TLP: ind.TLP.Name(), Score: ind.Score}
		if ind.Confidence >= 0 {
			c := ind.Confidence
			h.Confidence = &c
		}
		return r.enc.Encode(h)
	}
	if !r.header {
		r.header = true
		r.out.WriteString("LOCATION\tFIELD\tOBSERVED\tINDICATOR\tKIND\tTLP\tCONFIDENCE\tSCORE\tNAME\n")
	}
	conf := "-"
	if ind.Confidence >= 0 {
		conf = strconv.Itoa(ind.Confidence)
	}
	tlp := ind.TLP.Name()
	fmt.Fprintf(r.out, "%s:%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", cell(file), rec.Line, cell(ob.Field), cell(string(ob.Value)), ind.ID,
		ind.Kind, dash(tlp), conf, ind.Score, cell(ind.Name))
	return nil
}

// cell makes s one cell of a tab-separated line.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	if strings.ContainsAny(s, "\t\r\n") {
		s = strings.NewReplacer("\t", " ", "\r", " ", "\n", " ").Replace(s)
	}
	return s
}

// ---- sets --------------------------------------------------------------------------

// loadSetFile reads a snapshot or, when the file is not one, a CSV export,
// and applies the filter.
func loadSetFile(path string, f defense.Filter, now time.Time) (*match.Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, withFlag("--set", err)
	}
	var (
		inds    []match.Indicator
		fromCSV bool
	)
	if bytes.HasPrefix(data, []byte("SKMSET1")) {
		set, err := match.ReadSet(bytes.NewReader(data))
		if err != nil {
			return nil, withFlag("--set", err)
		}
		if filterEmpty(f) {
			return set, nil
		}
		inds = setIndicators(set)
	} else if inds, err = parseSetCSV(bytes.NewReader(data)); err != nil {
		return nil, withFlag("--set", err)
	} else {
		fromCSV = true
	}
	var (
		kept []match.Indicator
		rows []int // CSV row of each kept indicator (the header is row 1)
	)
	for i := range inds {
		if keep(f, &inds[i], now) {
			kept = append(kept, inds[i])
			rows = append(rows, i+2)
		}
	}
	set, problems := match.Build(kept)
	if len(problems) > 0 {
		p := problems[0]
		where := ""
		if fromCSV && p.Index >= 0 && p.Index < len(rows) {
			where = fmt.Sprintf(" (row %d)", rows[p.Index])
		}
		return nil, withFlag("--set", apperr.Invalid("set", "%d indicator value(s) not usable; the first%s: %s: %s", len(problems), where, p.Field, p.Message))
	}
	return set, nil
}

func filterEmpty(f defense.Filter) bool {
	return len(f.Kinds) == 0 && f.MinScore == 0 && f.MinConfidence == 0 && !f.MaxTLP.Valid() && f.MaxAgeDays == 0 && f.Collection == ""
}

// setIndicators lists every indicator value of set.
func setIndicators(set *match.Set) []match.Indicator {
	var out []match.Indicator
	for _, k := range match.Kinds {
		for ref := range set.Refs(k) {
			out = append(out, *set.Indicator(ref))
		}
	}
	return out
}

// parseSetCSV reads a CSV export (sakimori export --format csv): a header
// row naming at least the columns type and value, then one indicator per
// row. Errors name the row and column.
func parseSetCSV(r io.Reader) ([]match.Indicator, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, apperr.Invalid("set", "empty file: neither a snapshot nor a CSV export")
		}
		return nil, apperr.Invalid("set", "neither a snapshot nor a CSV export: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["type"]; !ok {
		return nil, apperr.Invalid("set", "neither a snapshot nor a CSV export (no \"type\" column in the first row)")
	}
	if _, ok := col["value"]; !ok {
		return nil, apperr.Invalid("set", "CSV export without a \"value\" column")
	}
	var out []match.Indicator
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, apperr.Invalid("set", "CSV: %v", err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		bad := func(column, format string, args ...any) error {
			return apperr.Invalid("set", "row %d, column %s: %s", row, column, fmt.Sprintf(format, args...))
		}
		k, ok := match.ParseKind(strings.ToLower(get("type")))
		if !ok {
			return nil, bad("type", "%q is not a kind", clipLine(get("type"), 40))
		}
		in := match.Indicator{Kind: k, Value: get("value"), ID: get("indicator_id"), Name: get("name"), Confidence: -1}
		if in.Value == "" {
			return nil, bad("value", "empty")
		}
		if in.ID == "" {
			in.ID = "csv-row-" + strconv.Itoa(row) // hits still name something; nothing to report
		}
		if s := get("tlp"); s != "" {
			if in.TLP, err = marking.ParseTLP(s); err != nil {
				return nil, bad("tlp", "%s", apperr.As(err).Message)
			}
		}
		if s := get("confidence"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 100 {
				return nil, bad("confidence", "must be a whole number from 0 to 100")
			}
			in.Confidence = n
		}
		if s := get("score"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 100 {
				return nil, bad("score", "must be a whole number from 0 to 100")
			}
			in.Score = n
		}
		if s := get("modified"); s != "" {
			if in.Modified, err = time.Parse(time.RFC3339Nano, s); err != nil {
				return nil, bad("modified", "not an RFC 3339 time")
			}
		}
		if s := get("valid_until"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, bad("valid_until", "not an RFC 3339 time")
			}
			in.ValidUntil = &t
		}
		out = append(out, in)
	}
}

// ---- the server -------------------------------------------------------------------

// matchToken reads the API token from standard input (--token-stdin) or
// SAKIMORI_TOKEN: never from a flag, which would stay in shell history.
func matchToken(e *env, o *matchOpts) (string, error) {
	if o.tokenStdin {
		line, err := bufio.NewReader(e.Stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		if line = strings.TrimSpace(line); line == "" {
			return "", usagef("--token-stdin: standard input holds no token")
		}
		return line, nil
	}
	if t := strings.TrimSpace(e.Getenv("SAKIMORI_TOKEN")); t != "" {
		return t, nil
	}
	return "", usagef("--server: needs an API token in SAKIMORI_TOKEN or, with --token-stdin, on standard input")
}

// matchClient is the HTTP client of --server.
var matchClient = &http.Client{Timeout: 10 * time.Minute}

// serverError reads the API's {"error": {...}} answer.
func serverError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var env struct {
		Error *apperr.Error `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil && env.Error.Message != "" {
		msg := env.Error.Message
		if env.Error.Field != "" {
			if fl := matchFields[env.Error.Field]; fl != "" {
				msg = fl + ": " + msg
			} else {
				msg = env.Error.Field + ": " + msg
			}
		}
		return fmt.Errorf("server: %s (%s)", msg, resp.Status)
	}
	return fmt.Errorf("server: %s: %s", resp.Status, clipLine(string(body), 200))
}

// fetchSet downloads the compiled set from the server, reusing the copy in
// --save-set while the server's ETag is unchanged.
func fetchSet(ctx context.Context, e *env, o *matchOpts, token string) (*match.Set, error) {
	u := o.server + "/api/v1/match/set"
	if q := o.filter.Values().Encode(); q != "" {
		u += "?" + q
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, withFlag("--server", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", match.SnapshotContentType+", application/json") // errors come as JSON
	req.Header.Set("User-Agent", "sakimori-match")
	var cached []byte
	if o.saveSet != "" {
		if tag, err := os.ReadFile(o.saveSet + ".etag"); err == nil {
			if data, err := os.ReadFile(o.saveSet); err == nil {
				cached = data
				req.Header.Set("If-None-Match", strings.TrimSpace(string(tag)))
			}
		}
	}
	resp, err := matchClient.Do(req)
	if err != nil {
		return nil, withFlag("--server", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		set, err := match.ReadSet(bytes.NewReader(cached))
		if err != nil {
			return nil, withFlag("--save-set", err)
		}
		fmt.Fprintf(e.Stderr, "set unchanged on the server: using %s\n", o.saveSet)
		return set, nil
	case resp.StatusCode != http.StatusOK:
		return nil, serverError(resp)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("server: reading the set: %v", err)
	}
	set, err := match.ReadSet(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("server: the answer is not an indicator set: %v", err)
	}
	if o.saveSet != "" {
		if err := writeAtomic(o.saveSet, data); err != nil {
			return nil, withFlag("--save-set", err)
		}
		if tag := resp.Header.Get("ETag"); tag != "" {
			if err := writeAtomic(o.saveSet+".etag", []byte(tag+"\n")); err != nil {
				return nil, withFlag("--save-set", err)
			}
		} else {
			os.Remove(o.saveSet + ".etag")
		}
	}
	return set, nil
}

// ---- reporting ---------------------------------------------------------------------

// sightingsRequest is the body of POST /api/v1/sightings/aggregated.
type sightingsRequest struct {
	Sightings []defense.Seen `json:"sightings"`
	Anonymous bool           `json:"anonymous"`
	DryRun    bool           `json:"dry_run"`
}

// sendReport sends (or, dry, shows) the aggregated hits.
func (r *matchRun) sendReport(ctx context.Context, p *auth.Principal, token string) error {
	o := r.o
	seen := r.tally.List()
	body := sightingsRequest{Sightings: seen, Anonymous: o.anonymous, DryRun: o.dryRun}
	if len(seen) == 0 {
		fmt.Fprintln(r.e.Stderr, "report: no hit, nothing to send")
		return nil
	}
	if o.dryRun {
		fmt.Fprintf(r.e.Stderr, "report (dry run, nothing is stored): %d aggregate(s), exactly this is what --report sends:\n", len(seen))
		enc := json.NewEncoder(r.e.Stderr)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return err
		}
	}
	var rep *defense.Report
	if o.server != "" {
		var err error
		if rep, err = postSightings(ctx, o.server, token, body); err != nil {
			return err
		}
	} else {
		var err error
		if rep, err = r.e.defense.ReportSightings(ctx, p, seen, o.anonymous, o.dryRun); err != nil {
			return err
		}
	}
	verb := "sent"
	if o.dryRun {
		verb = "would send"
	}
	fmt.Fprintf(r.e.Stderr, "report: %s %d sighting(s), %d rejected\n", verb, len(rep.Sightings), len(rep.Rejected))
	for _, rj := range rep.Rejected {
		fmt.Fprintf(r.e.Stderr, "  rejected %s (%s %s): %s\n", rj.IndicatorID, rj.Kind, rj.Value, rj.Message)
	}
	return nil
}

// postSightings posts the aggregates to the server.
func postSightings(ctx context.Context, server, token string, body sightingsRequest) (*defense.Report, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/api/v1/sightings/aggregated", bytes.NewReader(data))
	if err != nil {
		return nil, withFlag("--server", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "sakimori-match")
	resp, err := matchClient.Do(req)
	if err != nil {
		return nil, withFlag("--server", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, serverError(resp)
	}
	rep := &defense.Report{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(rep); err != nil {
		return nil, fmt.Errorf("server: the answer to the report is not JSON: %v", err)
	}
	return rep, nil
}

func init() {
	register(exportCommand())
	register(matchCommand())
}
