package intel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/jsonfast"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/stix/pattern"
	"sakimori/internal/store"
	"sakimori/internal/warninglist"
)

// Source names where objects came from (provenance, kept per version).
const (
	SourceTAXII = "taxii"
	SourceAPI   = "api"
	SourceCLI   = "cli"
	SourceWeb   = "web"
)

// MaxSuccesses and MaxFailures bound the items a job lists (its counts
// are always exact). A job is saved after every batch, so the lists are
// rewritten each time: the first thousand successes tell a submitter what
// happened, and every rejection up to ten thousand keeps its reason.
const (
	MaxSuccesses = 1000
	MaxFailures  = 10000
)

// ParseObjects reads STIX content (a bundle, a TAXII envelope or a single
// object, see SplitObjects) and parses each element on all cores. Elements
// that are not STIX objects (not a JSON object, or a nested bundle) become
// nil entries, reported as rejected at ingest.
func ParseObjects(data []byte) ([]*stix.Object, error) {
	raws, err := SplitObjects(data)
	if err != nil {
		return nil, err
	}
	return parseEach(raws), nil
}

// SplitObjects reads the frame of STIX content (a bundle, a TAXII envelope
// or a single object) and returns its elements unparsed: IngestRaw and the
// asynchronous worker parse and validate them on all cores while earlier
// batches are being stored. Malformed JSON and a frame of the wrong shape
// are refused here, naming the field; problems of single elements are
// reported per object at ingest.
func SplitObjects(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, apperr.Invalid("", "STIX content must be a JSON object: a bundle, a TAXII envelope or one object")
	}
	if out, ok := splitFast(data); ok {
		return out, nil
	}
	return splitSlow(data)
}

// splitSlow is SplitObjects by encoding/json, for whatever splitFast leaves.
func splitSlow(data []byte) ([]json.RawMessage, error) {
	var head struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field == "objects" {
			return nil, apperr.Invalid("objects", "must be an array of STIX objects")
		}
		return nil, apperr.Invalid("", "not valid JSON: %v", err)
	}
	if head.Type == "bundle" || head.Type == "" && head.Objects != nil {
		if head.Objects == nil {
			head.Objects = []json.RawMessage{}
		}
		return head.Objects, nil
	}
	return []json.RawMessage{data}, nil
}

// splitFast is SplitObjects for the common frames, with elements sliced
// from data instead of copied. ok is false for invalid JSON and for
// anything unusual (keys matching "type" or "objects" only by
// encoding/json's case folding, duplicates, a non-string type, a
// non-array objects), which SplitObjects then reads with encoding/json
// for the same result and messages as ever.
func splitFast(data []byte) ([]json.RawMessage, bool) {
	keys, vals, ok := jsonfast.Members(data)
	if !ok {
		return nil, false
	}
	var typ string
	var objs []json.RawMessage
	for i, k := range keys {
		switch {
		case strings.EqualFold(k, "type"):
			v, _ := jsonfast.Value(vals[i])
			t, isStr := v.(string)
			if k != "type" || typ != "" || !isStr {
				return nil, false
			}
			typ = t
		case strings.EqualFold(k, "objects"):
			elems, isArr := jsonfast.Elements(vals[i])
			if k != "objects" || objs != nil || !isArr {
				return nil, false
			}
			objs = make([]json.RawMessage, len(elems))
			for j, e := range elems {
				objs[j] = e
			}
		}
	}
	if typ == "bundle" || typ == "" && objs != nil {
		if objs == nil {
			objs = []json.RawMessage{}
		}
		return objs, true
	}
	return []json.RawMessage{data}, true
}

// parseEach parses each raw element with stix.Parse, on all cores; an
// element that does not parse is nil.
func parseEach(raws []json.RawMessage) []*stix.Object {
	out := make([]*stix.Object, len(raws))
	const chunk = 64
	workers := min(runtime.GOMAXPROCS(0), (len(raws)+chunk-1)/chunk)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(raws) {
					return
				}
				for i := lo; i < min(lo+chunk, len(raws)); i++ {
					if o, err := stix.Parse(raws[i]); err == nil {
						out[i] = o
					}
				}
			}
		})
	}
	wg.Wait()
	return out
}

// IngestOptions tune an ingest.
type IngestOptions struct {
	Kind   string // stix (default) | misp | iocs: what the user imported
	Source string // provenance, e.g. SourceAPI or "feed:<name>"
	// Progress, if set, is called after each stored batch.
	Progress func(j *share.Job)
}

// writableCollection loads collection ref for a write by p.
func (s *Service) writableCollection(ctx context.Context, p *auth.Principal, ref string) (*share.Collection, error) {
	c, v, err := s.collectionFor(ctx, p, ref)
	if err != nil {
		return nil, err
	}
	if !canWrite(p, v, c) {
		err := auth.Authorize(p, auth.ActIntelWrite, auth.Target{})
		if err == nil {
			err = apperr.Forbidden("collection %q does not accept objects from your organisation (write policy %s)", c.Alias, c.WritePolicy)
		}
		_ = s.authorizeAuditedErr(ctx, p, auth.ActIntelWrite, err, "collection", c.ID)
		return nil, err
	}
	return c, nil
}

// input is one element to ingest: parsed already, or raw JSON that the
// pipeline parses.
type input struct {
	obj *stix.Object
	raw json.RawMessage
}

// Ingest stores objs in a collection now and returns the completed job
// (also kept, so imports are listed with their outcome). Bad objects are
// rejected one by one with the reason; the rest are stored.
func (s *Service) Ingest(ctx context.Context, p *auth.Principal, collRef string, objs []*stix.Object, opt IngestOptions) (*share.Job, error) {
	in := make([]input, len(objs))
	for i, o := range objs {
		in[i].obj = o
	}
	return s.ingest(ctx, p, collRef, in, opt)
}

// IngestRaw is Ingest of unparsed elements (from SplitObjects): each is
// parsed and validated on all cores while the batch before it is stored.
func (s *Service) IngestRaw(ctx context.Context, p *auth.Principal, collRef string, raws []json.RawMessage, opt IngestOptions) (*share.Job, error) {
	in := make([]input, len(raws))
	for i, r := range raws {
		in[i].raw = r
	}
	return s.ingest(ctx, p, collRef, in, opt)
}

func (s *Service) ingest(ctx context.Context, p *auth.Principal, collRef string, in []input, opt IngestOptions) (*share.Job, error) {
	c, err := s.writableCollection(ctx, p, collRef)
	if err != nil {
		return nil, err
	}
	if err := s.ensureLists(ctx); err != nil {
		return nil, err
	}
	j := s.newJob(p, c, len(in), opt)
	if err := s.DB.CreateJob(ctx, p.Actor(), j, nil); err != nil {
		return nil, err
	}
	if err := s.process(ctx, p, c, j, in, opt.Progress); err != nil {
		return j, err
	}
	return j, nil
}

// Submit queues STIX content (a bundle, envelope or object) for
// asynchronous ingest and returns the pending job: the TAXII status
// resource. The content is parsed first, so malformed JSON is refused at
// once; object-level problems are reported in the job's failures.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, collRef string, payload []byte, opt IngestOptions) (*share.Job, error) {
	c, err := s.writableCollection(ctx, p, collRef)
	if err != nil {
		return nil, err
	}
	raws, err := SplitObjects(payload)
	if err != nil {
		return nil, err
	}
	j := s.newJob(p, c, len(raws), opt)
	if err := s.DB.CreateJob(ctx, p.Actor(), j, payload); err != nil {
		return nil, err
	}
	s.kick()
	return j, nil
}

func (s *Service) newJob(p *auth.Principal, c *share.Collection, total int, opt IngestOptions) *share.Job {
	kind := opt.Kind
	if kind == "" {
		kind = "stix"
	}
	src := opt.Source
	if src == "" {
		src = SourceAPI
	}
	userID := p.System
	if p.User != nil {
		userID = p.User.ID
	}
	return &share.Job{CollectionID: c.ID, UserID: userID, OrgID: p.Org.ID, Kind: kind, Source: src, Status: share.JobPending, Total: total}
}

// Job returns an ingest job visible to p: its submitter, or anyone of the
// submitting organisation.
func (s *Service) Job(ctx context.Context, p *auth.Principal, id string) (*share.Job, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	j, err := s.DB.GetJob(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.IsSystem() && (p.Org == nil || j.OrgID != p.Org.ID) {
		return nil, apperr.NotFound("status", id)
	}
	return j, nil
}

// Jobs lists p's organisation's newest jobs.
func (s *Service) Jobs(ctx context.Context, p *auth.Principal, limit int) ([]share.Job, error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, err
	}
	if p.Org == nil {
		return nil, apperr.Invalid("org", "choose the organisation to act for")
	}
	js, err := s.DB.ListJobs(ctx, p.Org.ID, limit)
	if js == nil {
		js = []share.Job{}
	}
	return js, err
}

// prepared is one object ready to store, or rejected.
type prepared struct {
	obj    store.NewObject
	reject string
	id     string
}

// process stores objs (from index j.Done() on) in batches, updating j.
func (s *Service) process(ctx context.Context, p *auth.Principal, c *share.Collection, j *share.Job, objs []input, progress func(*share.Job)) error {
	batch := s.BatchSize
	if batch <= 0 {
		batch = 1000
	}
	owner := p.Org.ID
	addedBy := p.Actor().Name
	source, start := j.Source, j.Done()
	// The next batch is validated (on all cores) while this one is stored.
	type batchPreps struct {
		hi    int
		preps []prepared
	}
	ahead := make(chan batchPreps, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(ahead)
		for lo := start; lo < len(objs); lo += batch {
			hi := min(lo+batch, len(objs))
			select {
			case ahead <- batchPreps{hi, s.prepareAll(objs[lo:hi], c, owner, addedBy, source)}:
			case <-stop:
				return
			}
		}
	}()
	for bp := range ahead {
		hi, preps := bp.hi, bp.preps
		news := make([]store.NewObject, 0, len(preps))
		for i := range preps {
			if preps[i].reject == "" {
				news = append(news, preps[i].obj)
			}
		}
		fold := func(stored []store.Stored) {
			k := 0
			for i := range preps {
				pr := &preps[i]
				if pr.reject != "" {
					j.Rejected++
					addItem(&j.Failures, share.Item{ID: pr.id, Message: pr.reject}, MaxFailures)
					continue
				}
				st := stored[k]
				k++
				item := share.Item{ID: pr.id, Version: st.VersionText, Message: st.Message}
				switch st.Outcome {
				case share.OutcomeAccepted:
					j.Accepted++
					addItem(&j.Successes, item, MaxSuccesses)
				case share.OutcomeUpdated:
					j.Updated++
					addItem(&j.Successes, item, MaxSuccesses)
				case share.OutcomeDuplicate:
					j.Duplicates++
					addItem(&j.Successes, item, MaxSuccesses)
				default:
					j.Rejected++
					addItem(&j.Failures, item, MaxFailures)
				}
			}
			if hi == len(objs) {
				j.Status = share.JobComplete
			}
		}
		before := *j
		before.Successes = append([]share.Item(nil), j.Successes...)
		before.Failures = append([]share.Item(nil), j.Failures...)
		stored, err := s.DB.StoreObjects(ctx, p.Actor(), c.ID, news, j, fold)
		if err != nil {
			*j = before // the batch rolled back
			return err
		}
		s.afterStore(ctx, p, c, news, stored)
		s.notifyStored(ctx, p, c, news, stored)
		if progress != nil {
			progress(j)
		}
		if s.afterBatch != nil {
			s.afterBatch()
		}
	}
	if j.Status != share.JobComplete {
		j.Status = share.JobComplete
	}
	return s.DB.SaveJob(ctx, j)
}

func addItem(l *[]share.Item, it share.Item, limit int) {
	if len(*l) < limit {
		*l = append(*l, it)
	}
}

// prepareAll validates and classifies a batch on all cores.
func (s *Service) prepareAll(objs []input, c *share.Collection, owner, addedBy, source string) []prepared {
	out := make([]prepared, len(objs))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(objs)/64))
	var wg sync.WaitGroup
	next := make(chan int, len(objs))
	for i := range objs {
		next <- i
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = s.prepareInput(objs[i], c, owner, addedBy, source)
			}
		}()
	}
	wg.Wait()
	return out
}

// prepareInput parses a raw element (a JSON value that is not an object,
// or an object stix.Parse refuses, is rejected with the reason) and
// prepares it.
func (s *Service) prepareInput(in input, c *share.Collection, owner, addedBy, source string) prepared {
	if in.obj == nil && in.raw != nil {
		t := bytes.TrimSpace(in.raw)
		if len(t) == 0 || t[0] != '{' {
			return prepared{reject: "not a JSON object"}
		}
		o, err := stix.Parse(in.raw)
		if err != nil {
			return prepared{reject: err.Error()}
		}
		in.obj = o
	}
	return s.prepare(in.obj, c, owner, addedBy, source)
}

// prepare validates one object and computes what the store keeps of it.
func (s *Service) prepare(o *stix.Object, c *share.Collection, owner, addedBy, source string) prepared {
	if o == nil {
		return prepared{reject: "not a JSON object"}
	}
	pr := prepared{id: o.ID}
	if err := stix.Validate(o); err != nil {
		pr.reject = err.Error()
		if len(pr.reject) > 2000 {
			pr.reject = pr.reject[:2000] + "…"
		}
		return pr
	}
	n := store.NewObject{StixID: o.ID, Type: o.Type, SpecVersion: o.SpecVersion, OwnerOrg: owner, AddedBy: addedBy, Source: source,
		Revoked: o.Revoked, Confidence: o.Confidence, Raw: o.Raw}
	if n.SpecVersion == "" {
		n.SpecVersion = stix.SpecVersion
	}
	switch {
	case !o.Modified.IsZero():
		n.Version, n.VersionText = o.Modified, propString(o, "modified")
	case !o.Created.IsZero():
		n.Version, n.VersionText = o.Created, propString(o, "created")
	}
	// TLP: the most restrictive TLP marking the object carries, else the
	// collection's label.
	var tlps []marking.TLP
	for _, ref := range o.ObjectMarkingRefs {
		if t, ok := marking.FromStixID(ref); ok {
			tlps = append(tlps, t)
		}
	}
	if t, ok := marking.MostRestrictive(tlps...); ok && len(tlps) > 0 {
		n.TLP = t
	} else {
		n.TLP = c.TLP
	}
	if vu := propString(o, "valid_until"); vu != "" {
		if t, err := time.Parse(time.RFC3339Nano, vu); err == nil {
			t = t.UTC()
			n.ValidUntil = &t
		}
	}
	n.Name = displayName(o)
	n.Atoms = objectAtoms(o)
	n.Flags = s.flags(n.Atoms)
	pr.obj = n
	return pr
}

func propString(o *stix.Object, name string) string {
	v, _ := o.Property(name)
	s, _ := v.(string)
	return s
}

// displayName is what lists show for an object: its name, else its value or
// pattern, else its id.
func displayName(o *stix.Object) string {
	for _, k := range []string{"name", "value", "pattern", "path", "key", "body", "abstract", "opinion", "number", "user_id"} {
		if s := propString(o, k); s != "" {
			return clip(s, 300)
		}
	}
	if o.Type == "file" {
		if v, ok := o.Property("hashes"); ok {
			if m, ok := v.(map[string]any); ok {
				for _, alg := range []string{"SHA-256", "SHA-1", "MD5"} {
					if h, ok := m[alg].(string); ok {
						return alg + " " + clip(h, 200)
					}
				}
			}
		}
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// objectAtoms returns the matchable values of an indicator's STIX pattern,
// or of a cyber-observable's value.
func objectAtoms(o *stix.Object) []store.Atom {
	var out []store.Atom
	add := func(k pattern.Kind, v string) {
		for _, a := range out {
			if a.Kind == string(k) && a.Value == v {
				return
			}
		}
		out = append(out, store.Atom{Kind: string(k), Value: v})
	}
	switch o.Type {
	case "indicator":
		if pt := propString(o, "pattern_type"); pt != "stix" {
			return nil
		}
		p, err := o.Pattern() // parsed once, by stix.Validate
		if err != nil {
			return nil
		}
		for _, a := range p.Atoms().Atoms {
			add(a.Kind, a.Value)
		}
	case "ipv4-addr", "ipv6-addr":
		if k, v, err := pattern.NormalizeIP(propString(o, "value")); err == nil {
			add(k, v)
		}
	case "domain-name":
		if v, err := pattern.NormalizeDomain(propString(o, "value")); err == nil {
			add(pattern.KindDomain, v)
		}
	case "url":
		if v, err := pattern.NormalizeURL(propString(o, "value")); err == nil {
			add(pattern.KindURL, v)
		}
	case "email-addr":
		if v, err := pattern.NormalizeEmail(propString(o, "value")); err == nil {
			add(pattern.KindEmail, v)
		}
	case "file":
		if v, ok := o.Property("hashes"); ok {
			if m, ok := v.(map[string]any); ok {
				for alg, h := range m {
					if hs, ok := h.(string); ok {
						if k, hv, err := pattern.NormalizeHash(alg, hs); err == nil {
							add(k, hv)
						}
					}
				}
			}
		}
	}
	return out
}

// flags checks atoms against the enabled warninglists.
func (s *Service) flags(atoms []store.Atom) []share.Flag {
	set := s.ListSet()
	if len(atoms) == 0 || set.Len() == 0 {
		return nil
	}
	var out []share.Flag
	for _, a := range atoms {
		k, ok := warninglist.AtomKind(a.Kind)
		if !ok {
			continue
		}
		for _, h := range set.Check(k, a.Value) {
			out = append(out, share.Flag{List: h.List, Kind: a.Kind, Value: a.Value})
		}
	}
	return out
}

// afterStore records the sightings that arrived as STIX sighting objects.
func (s *Service) afterStore(ctx context.Context, p *auth.Principal, c *share.Collection, news []store.NewObject, stored []store.Stored) {
	for i := range news {
		n := &news[i]
		if n.Type != "sighting" || stored[i].Outcome != share.OutcomeAccepted {
			continue
		}
		sg, err := sightingFromSTIX(n.Raw, p)
		if err != nil {
			s.Log.Debug("sighting object not counted", "id", n.StixID, "err", err)
			continue
		}
		if err := s.DB.AddSighting(ctx, p.Actor(), sg); err != nil {
			s.Log.Warn("sighting object not counted", "id", n.StixID, "err", err)
			continue
		}
		s.notifySighting(ctx, sg)
	}
}

// sightingFromSTIX turns a STIX sighting into a sighting record: count
// (default 1), first_seen/last_seen (default: created), and a false
// positive when x_sakimori_false_positive or OpenCTI's x_opencti_negative
// is true.
func sightingFromSTIX(raw []byte, p *auth.Principal) (*share.Sighting, error) {
	var v struct {
		ID         string `json:"id"`
		SightingOf string `json:"sighting_of_ref"`
		Count      *int   `json:"count"`
		Created    string `json:"created"`
		FirstSeen  string `json:"first_seen"`
		LastSeen   string `json:"last_seen"`
		FP         bool   `json:"x_sakimori_false_positive"`
		Negative   bool   `json:"x_opencti_negative"`
		Anonymous  bool   `json:"x_sakimori_anonymous"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	created, err := time.Parse(time.RFC3339Nano, v.Created)
	if err != nil {
		return nil, err
	}
	first, last := created, created
	if t, err := time.Parse(time.RFC3339Nano, v.FirstSeen); err == nil {
		first = t
		if last.Before(first) {
			last = first
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, v.LastSeen); err == nil {
		last = t
	}
	n := 1
	if v.Count != nil {
		n = *v.Count
	}
	if n < 1 {
		return nil, fmt.Errorf("count %d", n)
	}
	sg := &share.Sighting{StixID: v.SightingOf, ReporterOrgID: p.Org.ID, Count: n, FirstSeen: first.UTC(), LastSeen: last.UTC(),
		FalsePositive: v.FP || v.Negative, Anonymous: v.Anonymous, SightingRef: v.ID}
	if p.User != nil {
		sg.ReporterUser = p.User.ID
	}
	if p.Org.Sector != org.SectorNone {
		sg.Sector = p.Org.Sector
	}
	return sg, nil
}

// ---- the asynchronous worker -------------------------------------------------

// Start runs the worker (Run) in a new goroutine.
func (s *Service) Start(ctx context.Context) { go s.Run(ctx) }

// Run processes submitted jobs until ctx ends, and returns then; jobs left
// pending by an earlier run are resumed where their last stored batch
// ended. A second concurrent Run returns at once.
func (s *Service) Run(ctx context.Context) {
	s.startMu.Lock()
	if s.started {
		s.startMu.Unlock()
		return
	}
	s.started = true
	s.startMu.Unlock()
	defer func() {
		s.startMu.Lock()
		s.started = false
		s.startMu.Unlock()
	}()
	for {
		s.runPending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(30 * time.Second):
		}
	}
}

func (s *Service) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Wait blocks until no job is pending or being processed, or ctx ends (for
// tests and orderly shutdown).
func (s *Service) Wait(ctx context.Context) error {
	for {
		jobs, _, err := s.DB.PendingJobs(ctx)
		if err != nil {
			return err
		}
		if len(jobs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Service) runPending(ctx context.Context) {
	jobs, payloads, err := s.DB.PendingJobs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.Log.Error("ingest jobs: cannot list pending jobs", "err", err)
		}
		return
	}
	for i, j := range jobs {
		if ctx.Err() != nil {
			return
		}
		if err := s.runJob(ctx, j, payloads[i]); err != nil && ctx.Err() == nil {
			s.Log.Error("ingest job failed", "job", j.ID, "err", err)
		}
	}
}

// runJob processes one pending job as its submitter.
func (s *Service) runJob(ctx context.Context, j *share.Job, payload []byte) error {
	fail := func(msg string) error {
		j.Rejected += j.Pending()
		addItem(&j.Failures, share.Item{Message: msg}, MaxFailures)
		j.Status = share.JobComplete
		return s.DB.SaveJob(ctx, j)
	}
	p, err := s.jobPrincipal(ctx, j)
	if err != nil {
		return fail("the submitter can no longer act: " + err.Error())
	}
	c, err := s.DB.GetCollection(ctx, j.CollectionID)
	if err != nil {
		return fail("the collection is gone")
	}
	raws, err := SplitObjects(payload)
	if err != nil {
		return fail(err.Error())
	}
	if err := s.ensureLists(ctx); err != nil {
		return err
	}
	if len(raws) != j.Total {
		return fail("the stored payload does not match the job")
	}
	in := make([]input, len(raws))
	for i, r := range raws {
		in[i].raw = r
	}
	return s.process(ctx, p, c, j, in, nil)
}

func (s *Service) jobPrincipal(ctx context.Context, j *share.Job) (*auth.Principal, error) {
	o, err := s.DB.GetOrg(ctx, j.OrgID)
	if err != nil {
		return nil, err
	}
	if strings.Contains(j.UserID, "-") {
		u, err := s.DB.GetUser(ctx, j.UserID)
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, apperr.New(apperr.CodeUnauthenticated, "account disabled")
		}
		return &auth.Principal{User: u, Org: o}, nil
	}
	return &auth.Principal{System: j.UserID, Org: o}, nil
}
