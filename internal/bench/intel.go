package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/stix/pattern"
	"sakimori/internal/store"
	"sakimori/internal/taxii"
)

func init() {
	Register(Bench{Name: "intel-ingest",
		Description: "threat sharing: bundle ingest of 100k realistic indicators through intel.Service.Ingest (parsed, and with JSON parsing), objects/s and Go heap per indicator",
		Run:         runIntelIngest})
	Register(Bench{Name: "intel-page",
		Description: "threat sharing: TAXII Get Objects pages of 1000 from a collection of 1M indicators (intel.Service.Objects, and over HTTP through the TAXII server), p50/p95/p99 sequential and concurrent",
		Run:         runIntelPage})
	Register(Bench{Name: "intel-size",
		Description: "threat sharing: bytes on disk per stored indicator (objects, atoms, indexes) on SQLite and PostgreSQL",
		Run:         runIntelSize})
}

// Workload sizes of the intel benchmarks.
const (
	IntelIngestObjects      = 100_000
	IntelIngestObjectsQuick = 10_000
	IntelPageObjects        = 1_000_000
	IntelPageObjectsQuick   = 100_000
	IntelSizeObjects        = 100_000
	IntelSizeObjectsQuick   = 10_000
	IntelPageSize           = 1000
	// IntelFillBatch is the service batch size used to fill collections
	// for the read and size benchmarks (the ingest benchmark measures the
	// default, 1000).
	IntelFillBatch = 5000
)

// ---- synthetic indicators ----------------------------------------------------

var (
	intelTLPMix = []marking.TLP{ // 45% CLEAR, 45% GREEN, 10% AMBER
		marking.TLPClear, marking.TLPGreen, marking.TLPClear, marking.TLPGreen, marking.TLPClear,
		marking.TLPGreen, marking.TLPClear, marking.TLPGreen, marking.TLPAmber, marking.TLPClear,
		marking.TLPGreen, marking.TLPClear, marking.TLPGreen, marking.TLPClear, marking.TLPGreen,
		marking.TLPClear, marking.TLPGreen, marking.TLPClear, marking.TLPGreen, marking.TLPAmber,
	}
	intelTLPIDs = map[marking.TLP]string{
		marking.TLPClear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		marking.TLPGreen: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		marking.TLPAmber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	}
	intelFamilies = []string{"Emotet", "Cobalt Strike", "PlugX", "ShadowPad", "LODEINFO", "NOPEN", "Mirai", "QakBot", "IcedID", "AsyncRAT"}
	intelTLDs     = []string{"top", "xyz", "info", "net", "com", "cn", "ru", "online", "site", "jp"}
	intelWords    = []string{"update", "cdn", "secure", "login", "mail", "vpn", "portal", "sync", "api", "static", "account", "verify"}
	intelPhases   = []string{"command-and-control", "delivery", "exploitation", "installation", "actions-on-objectives"}
	intelSources  = []string{"JPCERT/CC", "NISC", "NPA", "ISAC-JP", "vendor-psirt"}
	intelDescJA   = []string{
		"VPN 装置への不正アクセスで観測された通信先。",
		"標的型メール添付のマルウェアの接続先。",
		"複数の事業者で観測された C2 サーバ。",
	}
)

func intelRNG(i int) *rand.Rand { return rand.New(rand.NewPCG(uint64(i), 0x5a4b1e0d1ce)) }

// IntelIndicator returns the JSON of the i-th synthetic STIX 2.1
// indicator (deterministic): an IPv4 address, a domain, a URL or a SHA-256
// pattern (a few are compound), with a name, a description in English and
// Japanese, a kill chain phase, a confidence, a
// validity window and a TLP 2.0 marking (45% CLEAR, 45% GREEN, 10% AMBER).
// Each is 600 to 900 bytes.
func IntelIndicator(i int) []byte { return AppendIntelIndicator(nil, i) }

// AppendIntelIndicator appends IntelIndicator(i) to b.
func AppendIntelIndicator(b []byte, i int) []byte {
	b, _ = appendIndicator(b, i)
	return b
}

// indicatorMeta is what the intel service derives from an indicator, known
// here without parsing it (for fast fills through the store).
type indicatorMeta struct {
	id, modified, until, name, pattern string
	tlp                                marking.TLP
	confidence                         int
}

func appendIndicator(b []byte, i int) ([]byte, indicatorMeta) {
	r := intelRNG(i)
	u := r.Uint64()
	id := fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(i), uint16(u), u>>16&0xfff, 0x8000|u>>28&0x3fff, u>>42|uint64(i)<<22&0xffffffffffff)
	fam := intelFamilies[r.IntN(len(intelFamilies))]
	word := intelWords[r.IntN(len(intelWords))]
	ip := fmt.Sprintf("%d.%d.%d.%d", 11+r.IntN(180), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	domain := fmt.Sprintf("%s-%s%d.%s", word, strings.ToLower(strings.ReplaceAll(fam, " ", "")), i, intelTLDs[r.IntN(len(intelTLDs))])
	var pat, kind, what string
	switch i % 4 {
	case 0:
		kind, what, pat = "ipv4", ip, "[ipv4-addr:value = '"+ip+"']"
		if i%20 == 0 {
			pat = "[ipv4-addr:value = '" + ip + "'] OR [network-traffic:dst_port = 443]"
		}
	case 1:
		kind, what, pat = "domain", domain, "[domain-name:value = '"+domain+"']"
	case 2:
		url := "https://" + domain + "/" + word + "/" + strconv.FormatUint(r.Uint64()%1e9, 36) + ".php?id=" + strconv.Itoa(r.IntN(1e6))
		kind, what, pat = "url", url, "[url:value = '"+url+"']"
	default:
		h := fmt.Sprintf("%016x%016x%016x%016x", r.Uint64(), r.Uint64(), r.Uint64(), u)
		kind, what, pat = "sha256", h, "[file:hashes.'SHA-256' = '"+h+"']"
	}
	day := i % 28
	created := fmt.Sprintf("2026-10-%02dT%02d:%02d:%02d.%03dZ", 1+day, i%24, i%60, (i/60)%60, i%1000)
	modified := fmt.Sprintf("2026-11-%02dT%02d:%02d:%02d.%03dZ", 1+day, i%24, i%60, (i/60)%60, i%1000)
	until := fmt.Sprintf("2027-%02d-%02dT00:00:00Z", 1+i%12, 1+day)
	desc := fmt.Sprintf("%s infrastructure (%s) reported by %s.", fam, kind, intelSources[i%len(intelSources)])
	if k := r.IntN(len(intelDescJA) + 1); k < len(intelDescJA) {
		desc += " " + intelDescJA[k]
	} else {
		desc += " Observed in campaign wave " + strconv.Itoa(r.IntN(40)) + " against several operators."
	}
	tlp := intelTLPMix[i%len(intelTLPMix)]
	name := fam + " " + kind + " " + what[:min(len(what), 16)]
	conf := 50 + r.IntN(50)
	phase := intelPhases[r.IntN(len(intelPhases))]
	m := indicatorMeta{id: "indicator--" + id, modified: modified, until: until, name: name, pattern: pat, tlp: tlp, confidence: conf}
	b = append(b, `{"type":"indicator","spec_version":"2.1","id":"indicator--`...)
	b = append(b, id...)
	b = append(b, `","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"`...)
	b = append(b, created...)
	b = append(b, `","modified":"`...)
	b = append(b, modified...)
	b = append(b, `","name":`...)
	b = strconv.AppendQuote(b, name)
	b = append(b, `,"description":`...)
	b = appendJSONString(b, desc)
	b = append(b, `,"indicator_types":["malicious-activity"],"pattern":`...)
	b = appendJSONString(b, pat)
	b = append(b, `,"pattern_type":"stix","valid_from":"`...)
	b = append(b, created...)
	b = append(b, `","valid_until":"`...)
	b = append(b, until...)
	b = append(b, `","kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"`...)
	b = append(b, phase...)
	b = append(b, `"}],"confidence":`...)
	b = strconv.AppendInt(b, int64(conf), 10)
	b = append(b, `,"object_marking_refs":["`...)
	b = append(b, intelTLPIDs[tlp]...)
	b = append(b, `"]}`...)
	return b, m
}

// appendJSONString appends s as a JSON string (s holds no characters that
// need escaping other than quotes and backslashes, and UTF-8 is kept).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// IntelBundle returns a STIX bundle of indicators lo..hi-1.
func IntelBundle(lo, hi int) []byte {
	b := make([]byte, 0, (hi-lo)*800+100)
	b = append(b, `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`...)
	for i := lo; i < hi; i++ {
		if i > lo {
			b = append(b, ',')
		}
		b = AppendIntelIndicator(b, i)
	}
	return append(b, "]}"...)
}

// ---- the sharing world -------------------------------------------------------

// IntelWorld is a store with what the intel benchmarks need: an ISAC that
// owns collection "bench-exchange" (TLP:GREEN, no audience for AMBER) with
// an analyst who ingests, and an operator's analyst who reads (a TAXII
// client: it receives CLEAR and GREEN, not AMBER). Two synthetic
// warninglists (CIDRs and host names) are loaded so that ingest checks
// every atom against them.
type IntelWorld struct {
	DB     *store.DB
	Svc    *intel.Service
	Writer *auth.Principal
	Reader *auth.Principal
	Coll   *share.Collection
	DSN    string
}

// Close closes the store.
func (w *IntelWorld) Close() { w.DB.Close() }

func (w *IntelWorld) dialect() string { return string(w.DB.Dialect()) }

// openWorld makes a fresh store at tg and a world in it; done closes the
// world and removes the store.
func openWorld(ctx context.Context, tg target) (*IntelWorld, func(), error) {
	dsn, cleanup, err := tg.dsn()
	if err != nil {
		return nil, nil, err
	}
	w, err := NewIntelWorld(ctx, dsn)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return w, func() { w.Close(); cleanup() }, nil
}

// NewIntelWorld migrates the empty store at dsn and builds the world.
func NewIntelWorld(ctx context.Context, dsn string) (*IntelWorld, error) {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	w := &IntelWorld{DB: db, Svc: intel.New(db, quietLog()), DSN: dsn}
	if err := w.build(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return w, nil
}

func (w *IntelWorld) build(ctx context.Context) error {
	act := audit.Actor{Name: "bench"}
	mk := func(slug string, kind org.Kind, sector org.Sector) (*auth.Principal, error) {
		o := &org.Organisation{Slug: slug, Kind: kind, Sector: sector, Name: org.Names{JA: slug + " 日本語", EN: slug},
			Contact: org.Contact{Name: "duty", Email: "soc@" + slug + ".example.jp"}}
		if err := w.DB.CreateOrg(ctx, act, o); err != nil {
			return nil, err
		}
		u := &org.User{OrgID: o.ID, Email: "analyst@" + slug + ".example.jp", DisplayName: slug + " analyst", Roles: []org.Role{org.RoleAnalyst}}
		if err := w.DB.CreateUser(ctx, act, u, ""); err != nil {
			return nil, err
		}
		return &auth.Principal{User: u, Org: o, SourceAddr: "192.0.2.10"}, nil
	}
	var err error
	if w.Writer, err = mk("isac-bench", org.KindISAC, ""); err != nil {
		return err
	}
	if w.Reader, err = mk("op-bench", org.KindOperator, org.SectorElectricity); err != nil {
		return err
	}
	w.Coll = &share.Collection{Alias: "bench-exchange", Title: org.Names{JA: "ベンチ", EN: "bench"}, OwnerOrgID: w.Writer.Org.ID,
		TLP: marking.TLPGreen, WritePolicy: share.WriteOwner}
	if err := w.DB.CreateCollection(ctx, act, w.Coll); err != nil {
		return err
	}
	for name, body := range intelWarninglists() {
		if err := w.DB.PutWarninglist(ctx, act, name, body, true); err != nil {
			return err
		}
	}
	return w.Svc.LoadWarninglists(ctx)
}

// intelWarninglists returns two MISP-format lists of realistic size: 2,000
// CIDR blocks and 10,000 host names.
func intelWarninglists() map[string][]byte {
	var cidr, host strings.Builder
	cidr.WriteString(`{"name":"bench cidrs","description":"synthetic","version":1,"type":"cidr","list":["10.0.0.0/8","192.168.0.0/16"`)
	for i := range 2000 {
		fmt.Fprintf(&cidr, `,"%d.%d.%d.0/24"`, 200+i%20, (i/20)%256, i%256)
	}
	cidr.WriteString("]}")
	host.WriteString(`{"name":"bench hosts","description":"synthetic","version":1,"type":"hostname","list":["example.com"`)
	for i := range 10000 {
		fmt.Fprintf(&host, `,"popular-site-%d.example.net"`, i)
	}
	host.WriteString("]}")
	return map[string][]byte{"bench-cidrs": []byte(cidr.String()), "bench-hosts": []byte(host.String())}
}

// Fill ingests indicators lo..hi-1 into the collection in bundles of 20,000
// (generated, parsed and ingested one at a time, so memory stays bounded)
// with the service batch size batch.
func (w *IntelWorld) Fill(ctx context.Context, lo, hi, batch int) error {
	old := w.Svc.BatchSize
	w.Svc.BatchSize = batch
	defer func() { w.Svc.BatchSize = old }()
	const chunk = 20_000
	for c := lo; c < hi; c += chunk {
		objs, err := intel.ParseObjects(IntelBundle(c, min(c+chunk, hi)))
		if err != nil {
			return err
		}
		j, err := w.Svc.Ingest(ctx, w.Writer, w.Coll.ID, objs, intel.IngestOptions{Source: intel.SourceCLI})
		if err != nil {
			return err
		}
		if j.Accepted != len(objs) {
			return fmt.Errorf("fill: %d of %d accepted (%+v)", j.Accepted, len(objs), j.Failures[:min(3, len(j.Failures))])
		}
	}
	return nil
}

// FillStore adds indicators lo..hi-1 to the collection directly through
// store.StoreObjects in batches of batch, computing what the service would
// (version, TLP, name, validity, confidence, pattern atoms) from the
// generator instead of parsing and validating each object: a fast way to
// build large collections for read benchmarks. The stored rows are those
// the service would store for the same objects.
func (w *IntelWorld) FillStore(ctx context.Context, lo, hi, batch int) error {
	act := w.Writer.Actor()
	news := make([]store.NewObject, 0, batch)
	for c := lo; c < hi; c += batch {
		news = news[:0]
		for i := c; i < min(c+batch, hi); i++ {
			raw, m := appendIndicator(nil, i)
			v, err := time.Parse(time.RFC3339Nano, m.modified)
			if err != nil {
				return err
			}
			until, err := time.Parse(time.RFC3339Nano, m.until)
			if err != nil {
				return err
			}
			until = until.UTC()
			conf := m.confidence
			n := store.NewObject{StixID: m.id, Type: "indicator", SpecVersion: "2.1", Version: v, VersionText: m.modified,
				OwnerOrg: w.Writer.Org.ID, AddedBy: act.Name, Source: intel.SourceCLI, TLP: m.tlp, ValidUntil: &until,
				Confidence: &conf, Name: m.name, Raw: raw}
			p, err := pattern.Parse(m.pattern)
			if err != nil {
				return err
			}
			for _, a := range p.Atoms().Atoms {
				n.Atoms = append(n.Atoms, store.Atom{Kind: string(a.Kind), Value: a.Value})
			}
			news = append(news, n)
		}
		st, err := w.DB.StoreObjects(ctx, act, w.Coll.ID, news, nil, nil)
		if err != nil {
			return err
		}
		for k := range st {
			if st[k].Outcome != share.OutcomeAccepted {
				return fmt.Errorf("fill: %s: %s %s", news[k].StixID, st[k].Outcome, st[k].Message)
			}
		}
	}
	return nil
}

// ---- intel-ingest ------------------------------------------------------------

func runIntelIngest(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	n, rounds := IntelIngestObjects, 2
	if cfg.Quick {
		n, rounds = IntelIngestObjectsQuick, 1
	}
	fmt.Fprintf(progress, "intel-ingest: generating %d indicators\n", n)
	bundle := IntelBundle(0, n)
	var out []Result
	out = append(out, Result{Name: "intel-ingest/bundle-size", Value: float64(len(bundle)) / float64(n), Unit: "B/indicator",
		N: int64(n), Note: fmt.Sprintf("%.1f MB bundle", float64(len(bundle))/1e6)})
	fmt.Fprintln(progress, out[len(out)-1])

	// Parsing alone, and the heap the parsed objects hold.
	var rates []float64
	var objs []*stix.Object
	var parsedHeap float64
	for range rounds {
		objs = nil
		runtime.GC()
		before := liveHeap()
		start := time.Now()
		o, err := intel.ParseObjects(bundle)
		if err != nil {
			return out, err
		}
		rates = append(rates, float64(n)/time.Since(start).Seconds())
		runtime.GC()
		parsedHeap = float64(liveHeap()-before) / float64(n)
		objs = o
	}
	out = append(out, rateResult("intel-ingest/memory/parse", rates, n, "intel.ParseObjects of one bundle"),
		Result{Name: "intel-ingest/memory/parsed-heap", Value: parsedHeap, Unit: "B/indicator", N: int64(n),
			Note: "live Go heap held by the parsed []*stix.Object (raw JSON kept)"})
	fmt.Fprintln(progress, out[len(out)-2])
	fmt.Fprintln(progress, out[len(out)-1])

	rs, err := eachStore(ctx, cfg, "intel-ingest", func(tg target) ([]Result, error) {
		return intelIngestStore(ctx, tg, bundle, objs, rounds, progress)
	})
	return append(out, rs...), err
}

func rateResult(name string, rates []float64, n int, note string) Result {
	return Result{Name: name, Value: median(rates), Unit: "objects/s", N: int64(n),
		Note: fmt.Sprintf("%s; median of %d (%.0f-%.0f)", note, len(rates), slices.Min(rates), slices.Max(rates))}
}

// IntelIngestOnce ingests objs (or, when objs is nil, parses bundle first)
// into a fresh world at tg and returns the time taken, the bytes allocated
// and the peak heap growth during it.
func intelIngestOnce(ctx context.Context, tg target, bundle []byte, objs []*stix.Object, n int) (ingestRun, error) {
	var r ingestRun
	w, done, err := openWorld(ctx, tg)
	if err != nil {
		return r, err
	}
	defer done()
	runtime.GC()
	base := liveHeap()
	alloc0 := totalAlloc()
	cpu0 := processCPU()
	peak := startPeak()
	start := time.Now()
	var j *share.Job
	if objs == nil {
		// The path of imports and TAXII adds: the bundle's frame is split,
		// and each element parsed and validated in the pipeline.
		raws, err := intel.SplitObjects(bundle)
		if err != nil {
			return r, err
		}
		j, err = w.Svc.IngestRaw(ctx, w.Writer, w.Coll.ID, raws, intel.IngestOptions{Source: intel.SourceCLI})
	} else {
		j, err = w.Svc.Ingest(ctx, w.Writer, w.Coll.ID, objs, intel.IngestOptions{Source: intel.SourceCLI})
	}
	r.wall = time.Since(start)
	r.cpu = processCPU() - cpu0
	top := peak()
	r.alloc = totalAlloc() - alloc0
	if err != nil {
		return r, err
	}
	if j.Accepted != n {
		return r, fmt.Errorf("%d of %d accepted (%v)", j.Accepted, n, j.Failures[:min(3, len(j.Failures))])
	}
	if top > base {
		r.peak = top - base
	}
	return r, nil
}

type ingestRun struct {
	wall, cpu   time.Duration
	alloc, peak uint64
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func intelIngestStore(ctx context.Context, tg target, bundle []byte, objs []*stix.Object, rounds int, progress io.Writer) ([]Result, error) {
	n := len(objs)
	var out []Result
	for _, withParse := range []bool{false, true} {
		var rates, allocs, peaks, cpus []float64
		for range rounds {
			in := objs
			if withParse {
				in = nil
			}
			r, err := intelIngestOnce(ctx, tg, bundle, in, n)
			if err != nil {
				return out, err
			}
			rates = append(rates, float64(n)/r.wall.Seconds())
			cpus = append(cpus, float64(r.cpu.Microseconds())/float64(n))
			allocs = append(allocs, float64(r.alloc)/float64(n))
			peaks = append(peaks, float64(r.peak)/float64(n))
		}
		name, note := "intel-ingest/"+tg.name+"/ingest", "intel.Service.Ingest of parsed objects, default batches"
		if withParse {
			name, note = "intel-ingest/"+tg.name+"/parse+ingest", "one bundle: intel.SplitObjects + IngestRaw (parsing in the pipeline), default batches"
		}
		out = append(out, rateResult(name, rates, n, note+syncNote(tg.name)),
			Result{Name: name + "/cpu", Value: median(cpus), Unit: "us/indicator", N: int64(n),
				Note: fmt.Sprintf("CPU time of this process (user+system, all threads; not the PostgreSQL server) per indicator (%.1f-%.1f)",
					slices.Min(cpus), slices.Max(cpus))})
		fmt.Fprintln(progress, out[len(out)-2])
		fmt.Fprintln(progress, out[len(out)-1])
		out = append(out, Result{Name: name + "/alloc", Value: median(allocs), Unit: "B/indicator", N: int64(n),
			Note: "Go heap allocated (total) per indicator"},
			Result{Name: name + "/peak-heap", Value: median(peaks), Unit: "B/indicator", N: int64(n),
				Note: "peak heap growth over the heap before it (parsed input excluded unless parsed here)"})
		fmt.Fprintln(progress, out[len(out)-2])
		fmt.Fprintln(progress, out[len(out)-1])
	}
	return out, nil
}

func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func totalAlloc() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// startPeak samples the heap's object bytes every 2 ms until the returned
// function is called, which returns the largest value seen.
func startPeak() func() uint64 {
	var top atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > top.Load() {
				top.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(stop)
		wg.Wait()
		return top.Load()
	}
}

// ---- intel-page --------------------------------------------------------------

func runIntelPage(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	n, reads := IntelPageObjects, 400
	if cfg.Quick {
		n, reads = IntelPageObjectsQuick, 60
	}
	return eachStore(ctx, cfg, "intel-page", func(tg target) ([]Result, error) {
		return intelPageStore(ctx, tg, n, reads, progress)
	})
}

func latencyResult(name string, n, conc int, wall time.Duration, lat []time.Duration) Result {
	r := func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
	return Result{Name: name, Value: float64(pct(lat, .99).Microseconds()) / 1000, Unit: "ms p99", N: int64(n),
		Note: fmt.Sprintf("p50 %s p95 %s p99 %s max %s, %.0f pages/s, %d client(s)", r(pct(lat, .5)), r(pct(lat, .95)), r(pct(lat, .99)),
			r(slices.Max(lat)), float64(n)/wall.Seconds(), conc)}
}

func intelPageStore(ctx context.Context, tg target, n, reads int, progress io.Writer) ([]Result, error) {
	w, done, err := openWorld(ctx, tg)
	if err != nil {
		return nil, err
	}
	defer done()
	fmt.Fprintf(progress, "intel-page: filling %s with %d indicators\n", tg.name, n)
	start := time.Now()
	if err := w.FillStore(ctx, 0, n, IntelFillBatch); err != nil {
		return nil, err
	}
	fill := time.Since(start)
	var out []Result
	out = append(out, Result{Name: "intel-page/" + tg.name + "/fill", Value: float64(n) / fill.Seconds(), Unit: "objects/s", N: int64(n),
		Note: fmt.Sprintf("generated rows through store.StoreObjects (no JSON parsing or validation) in batches of %d, %v", IntelFillBatch, fill.Round(time.Second))})
	fmt.Fprintln(progress, out[len(out)-1])
	if tg.name == "postgres" {
		if err := analyze(ctx, w.DSN); err != nil {
			return out, err
		}
	}

	// Walk the whole collection as a TAXII client does, following "next";
	// keep each page's first date_added as the start points of random reads.
	var points []time.Time
	var walk []time.Duration
	seen := 0
	next := ""
	start = time.Now()
	for {
		t := time.Now()
		pg, err := w.Svc.Objects(ctx, w.Reader, share.Query{Collection: w.Coll.ID, Limit: IntelPageSize, Next: next})
		if err != nil {
			return out, err
		}
		walk = append(walk, time.Since(t))
		seen += len(pg.Records)
		for k := 0; k < len(pg.Records); k += 97 {
			points = append(points, pg.Records[k].DateAdded)
		}
		if !pg.More {
			break
		}
		next = pg.Next
	}
	out = append(out, latencyResult("intel-page/"+tg.name+"/walk-next", len(walk), 1, time.Since(start), walk))
	out[len(out)-1].Note += fmt.Sprintf(", whole collection following next: %d objects received", seen)
	fmt.Fprintln(progress, out[len(out)-1])
	// Random added_after points, leaving at least a full page after them.
	cut := max(1, len(points)-len(points)*IntelPageSize/max(seen, 1)-1)
	points = points[:cut]
	pick := picker(points, 1, 2)
	for _, conc := range []int{1, APIConcurrency} {
		wall, lat, err := Load(reads, conc, func(int) error {
			at := pick()
			pg, err := w.Svc.Objects(ctx, w.Reader, share.Query{Collection: w.Coll.ID, Limit: IntelPageSize, AddedAfter: at})
			if err == nil && len(pg.Records) != IntelPageSize {
				err = fmt.Errorf("page of %d records", len(pg.Records))
			}
			return err
		})
		if err != nil {
			return out, err
		}
		out = append(out, latencyResult(fmt.Sprintf("intel-page/%s/objects-random-c%d", tg.name, conc), reads, conc, wall, lat))
		fmt.Fprintln(progress, out[len(out)-1])
	}
	wall, lat, err := Load(reads, 1, func(int) error {
		at := pick()
		_, err := w.Svc.Manifest(ctx, w.Reader, share.Query{Collection: w.Coll.ID, Limit: IntelPageSize, AddedAfter: at})
		return err
	})
	if err != nil {
		return out, err
	}
	out = append(out, latencyResult("intel-page/"+tg.name+"/manifest-random-c1", reads, 1, wall, lat))
	fmt.Fprintln(progress, out[len(out)-1])
	rs, err := intelPageHTTP(ctx, w, points, reads)
	for _, r := range rs {
		fmt.Fprintln(progress, r)
	}
	return append(out, rs...), err
}

// intelPageHTTP reads pages of 1,000 at random added_after points as a
// TAXII 2.1 client does: over HTTP (loopback) through the real TAXII
// handler, authenticated with the reader's API token, timing each request
// until the last byte of the response has arrived.
func intelPageHTTP(ctx context.Context, w *IntelWorld, points []time.Time, reads int) ([]Result, error) {
	acc := accounts.New(w.DB, quietLog())
	secret, _, err := acc.CreateToken(ctx, w.Reader, w.Reader.User.ID, accounts.TokenRequest{Name: "bench", Scopes: []org.Scope{org.ScopeRead}})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(taxii.New(acc, w.Svc, taxii.Options{Version: "bench"}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: APIConcurrency * 2}}
	base := srv.URL + "/taxii2/api/collections/" + w.Coll.ID + "/objects/?limit=" + strconv.Itoa(IntelPageSize) + "&added_after="
	pick := picker(points, 5, 6)
	var out []Result
	for _, conc := range []int{1, APIConcurrency} {
		wall, lat, err := Load(reads, conc, func(int) error {
			at := pick()
			req, _ := http.NewRequestWithContext(ctx, "GET", base+url.QueryEscape(at.UTC().Format("2006-01-02T15:04:05.000000Z")), nil)
			req.Header.Set("Accept", taxii.MediaTAXII)
			req.Header.Set("Authorization", "Bearer "+secret)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			// Until the last byte has arrived (decoding the page is the
			// client's own cost, not the server's latency).
			n, err := io.Copy(io.Discard, resp.Body)
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("X-TAXII-Date-Added-Last") == "" || n < IntelPageSize*500 {
				return fmt.Errorf("TAXII page: HTTP %d, %d bytes: %v", resp.StatusCode, n, err)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		out = append(out, latencyResult(fmt.Sprintf("intel-page/%s/taxii-http-c%d", w.dialect(), conc), reads, conc, wall, lat))
	}
	return out, nil
}

// picker returns a function, safe for concurrent use, that picks one of
// points at random (the same sequence for the same seeds).
func picker(points []time.Time, seed1, seed2 uint64) func() time.Time {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed1, seed2))
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return points[rng.IntN(len(points))]
	}
}

// analyze updates PostgreSQL's planner statistics (autovacuum would, a
// little later, on a live server).
func analyze(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "ANALYZE")
	return err
}

// ---- intel-size --------------------------------------------------------------

func runIntelSize(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	n := IntelSizeObjects
	if cfg.Quick {
		n = IntelSizeObjectsQuick
	}
	raw := len(IntelBundle(0, n))
	return eachStore(ctx, cfg, "intel-size", func(tg target) ([]Result, error) {
		return intelSizeStore(ctx, tg, n, raw, progress)
	})
}

func intelSizeStore(ctx context.Context, tg target, n, raw int, progress io.Writer) ([]Result, error) {
	w, done, err := openWorld(ctx, tg)
	if err != nil {
		return nil, err
	}
	defer done()
	base, _, err := IntelDiskSize(ctx, w.DSN)
	if err != nil {
		return nil, err
	}
	if err := w.Fill(ctx, 0, n, 1000); err != nil {
		return nil, err
	}
	total, parts, err := IntelDiskSize(ctx, w.DSN)
	if err != nil {
		return nil, err
	}
	per := float64(total-base) / float64(n)
	var detail []string
	for _, k := range slices.Sorted(maps.Keys(parts)) {
		detail = append(detail, fmt.Sprintf("%s %.0f", k, float64(parts[k])/float64(n)))
	}
	out := []Result{{Name: "intel-size/" + tg.name + "/disk", Value: per, Unit: "B/indicator", N: int64(n),
		Note: fmt.Sprintf("raw JSON %.0f B/indicator; per table/index: %s", float64(raw)/float64(n), strings.Join(detail, ", "))}}
	fmt.Fprintln(progress, out[0])
	return out, nil
}

// IntelDiskSize returns the bytes the store at dsn takes on disk (SQLite:
// the database file after a WAL checkpoint, page_count*page_size;
// PostgreSQL: the total relation size of every table of the schema), and
// the bytes of stix_objects, stix_atoms and each of their indexes.
func IntelDiskSize(ctx context.Context, dsn string) (int64, map[string]int64, error) {
	parts := map[string]int64{}
	if isPostgresDSN(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return 0, nil, err
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			return 0, nil, err
		}
		var total int64
		if err := db.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'`).Scan(&total); err != nil {
			return 0, nil, err
		}
		rows, err := db.QueryContext(ctx, `SELECT c.relname, pg_total_relation_size(c.oid) - pg_indexes_size(c.oid) FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname IN ('stix_objects','stix_atoms')
			UNION ALL SELECT i.indexrelname, pg_relation_size(i.indexrelid) FROM pg_stat_user_indexes i
			WHERE i.schemaname = current_schema() AND i.relname IN ('stix_objects','stix_atoms')`)
		if err != nil {
			return 0, nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var v int64
			if err := rows.Scan(&k, &v); err != nil {
				return 0, nil, err
			}
			parts[k] = v
		}
		return total, parts, rows.Err()
	}
	db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, nil, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return 0, nil, err
	}
	var pages, size, free int64
	if err := db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return 0, nil, err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		return 0, nil, err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err != nil {
		return 0, nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT d.name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name
		WHERE m.tbl_name IN ('stix_objects','stix_atoms') GROUP BY d.name`)
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var k string
			var v int64
			if err := rows.Scan(&k, &v); err != nil {
				return 0, nil, err
			}
			parts[k] = v
		}
	} else {
		parts["(dbstat unavailable)"] = 0
	}
	return (pages - free) * size, parts, nil
}

func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
