package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/share"
)

// ---- resources (TAXII 2.1, sections 4 and 5) ---------------------------------

type discoveryResource struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots"`
}

type apiRootResource struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

type collectionResource struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types"`
}

type collectionsResource struct {
	Collections []collectionResource `json:"collections,omitempty"`
}

type envelope struct {
	More    *bool             `json:"more,omitempty"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

type manifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type,omitempty"`
}

type manifestResource struct {
	More    *bool            `json:"more,omitempty"`
	Next    string           `json:"next,omitempty"`
	Objects []manifestRecord `json:"objects,omitempty"`
}

type versionsResource struct {
	More     *bool    `json:"more,omitempty"`
	Next     string   `json:"next,omitempty"`
	Versions []string `json:"versions,omitempty"`
}

type statusDetails struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

type statusResource struct {
	ID               string          `json:"id"`
	Status           string          `json:"status"`
	RequestTimestamp string          `json:"request_timestamp,omitempty"`
	TotalCount       int             `json:"total_count"`
	SuccessCount     int             `json:"success_count"`
	Successes        []statusDetails `json:"successes,omitempty"`
	FailureCount     int             `json:"failure_count"`
	Failures         []statusDetails `json:"failures,omitempty"`
	PendingCount     int             `json:"pending_count"`
	Pendings         []statusDetails `json:"pendings,omitempty"`
}

// ---- discovery and API root ----------------------------------------------------

func (s *Server) base(r *http.Request) string {
	if s.opt.BaseURL != "" {
		return s.opt.BaseURL
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	root := s.base(r) + apiRoot
	writeJSON(w, http.StatusOK, discoveryResource{Title: s.opt.Title, Description: s.opt.Description, Contact: s.opt.Contact,
		Default: root, APIRoots: []string{root}})
	return nil
}

func (s *Server) apiRoot(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	writeJSON(w, http.StatusOK, apiRootResource{Title: s.opt.Title, Description: "sakimori collections",
		Versions: []string{MediaTAXII}, MaxContentLength: s.opt.MaxBodyBytes})
	return nil
}

// ---- collections -----------------------------------------------------------------

func collectionOf(cv *share.CollectionView) collectionResource {
	title := cv.Title.EN
	if title == "" {
		title = cv.Title.JA
	}
	return collectionResource{ID: cv.ID, Title: title, Description: cv.Description, Alias: cv.Alias,
		CanRead: cv.CanRead, CanWrite: cv.CanWrite, MediaTypes: []string{MediaSTIX}}
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	cs, err := s.intel.Collections(r.Context(), p)
	if err != nil {
		return err
	}
	var out collectionsResource
	for i := range cs {
		out.Collections = append(out.Collections, collectionOf(&cs[i]))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// coll loads the collection of the path ({id}: id or alias) for p.
func (s *Server) coll(r *http.Request, p *auth.Principal) (*share.CollectionView, error) {
	return s.intel.Collection(r.Context(), p, r.PathValue("id"))
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	cv, err := s.coll(r, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, collectionOf(cv))
	return nil
}

// readable loads the collection and checks can_read (403 otherwise).
func (s *Server) readable(r *http.Request, p *auth.Principal) (*share.CollectionView, error) {
	cv, err := s.coll(r, p)
	if err != nil {
		return nil, err
	}
	if !cv.CanRead {
		return nil, apperr.Forbidden("you may not read collection %q", cv.Alias)
	}
	return cv, nil
}

// ---- pages -----------------------------------------------------------------------------

// pageHeaders sets X-TAXII-Date-Added-First and -Last (section 3.3.1).
func pageHeaders(w http.ResponseWriter, pg *share.Page) {
	if len(pg.Records) == 0 {
		return
	}
	w.Header().Set("X-TAXII-Date-Added-First", formatTimestamp(pg.Records[0].DateAdded))
	w.Header().Set("X-TAXII-Date-Added-Last", formatTimestamp(pg.Records[len(pg.Records)-1].DateAdded))
}

// more is the envelope's "more" and "next": both absent on an empty last
// page (the empty envelope, {}), more always present otherwise.
func more(pg *share.Page) (*bool, string) {
	if len(pg.Records) == 0 && !pg.More {
		return nil, ""
	}
	m := pg.More
	if !m {
		return &m, ""
	}
	return &m, pg.Next
}

func (s *Server) getObjects(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg, err := s.page(r, p, objectsFilters, s.intel.Objects)
	if err != nil {
		return err
	}
	writeEnvelope(w, pg)
	return nil
}

// page reads one page of the request's collection with the query's
// filters (those the endpoint admits).
func (s *Server) page(r *http.Request, p *auth.Principal, f filters,
	fetch func(context.Context, *auth.Principal, share.Query) (*share.Page, error)) (*share.Page, error) {
	cv, err := s.readable(r, p)
	if err != nil {
		return nil, err
	}
	q, err := parseQuery(r.URL.Query(), f)
	if err != nil {
		return nil, err
	}
	q.Collection = cv.ID
	return fetch(r.Context(), p, q)
}

// objectVersions and objectHistory bind the path's object id for page.
func (s *Server) objectVersions(r *http.Request) func(context.Context, *auth.Principal, share.Query) (*share.Page, error) {
	return func(ctx context.Context, p *auth.Principal, q share.Query) (*share.Page, error) {
		return s.intel.ObjectVersions(ctx, p, r.PathValue("object"), q)
	}
}

func (s *Server) objectHistory(r *http.Request) func(context.Context, *auth.Principal, share.Query) (*share.Page, error) {
	return func(ctx context.Context, p *auth.Principal, q share.Query) (*share.Page, error) {
		return s.intel.Versions(ctx, p, r.PathValue("object"), q)
	}
}

// writeEnvelope writes the envelope with the objects' stored JSON copied
// as it is: they are valid JSON objects already (stored after validation),
// and encoding/json would scan and compact every byte of them again.
func writeEnvelope(w http.ResponseWriter, pg *share.Page) {
	var env envelope
	env.More, env.Next = more(pg)
	pageHeaders(w, pg)
	if len(pg.Records) == 0 {
		writeJSON(w, http.StatusOK, env)
		return
	}
	head, _ := json.Marshal(env) // {"more":...[,"next":...]}
	size := len(head) + 16
	for i := range pg.Records {
		size += len(pg.Records[i].Raw) + 1
	}
	buf := make([]byte, 0, size)
	buf = append(buf, head[:len(head)-1]...)
	buf = append(buf, `,"objects":[`...)
	for i := range pg.Records {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, bytes.TrimSpace(pg.Records[i].Raw)...)
	}
	buf = append(buf, "]}\n"...)
	h := w.Header()
	h.Set("Content-Type", MediaTAXII)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg, err := s.page(r, p, objectFilters, s.objectVersions(r))
	if err != nil {
		return err
	}
	writeEnvelope(w, pg)
	return nil
}

func (s *Server) manifest(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg, err := s.page(r, p, objectsFilters, s.intel.Manifest)
	if err != nil {
		return err
	}
	var out manifestResource
	out.More, out.Next = more(pg)
	for _, rec := range pg.Records {
		mt := MediaSTIX
		if rec.SpecVersion != "" {
			mt = "application/stix+json;version=" + rec.SpecVersion
		}
		out.Objects = append(out.Objects, manifestRecord{ID: rec.ID, DateAdded: formatTimestamp(rec.DateAdded), Version: rec.VersionText, MediaType: mt})
	}
	pageHeaders(w, pg)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg, err := s.page(r, p, versionsFilters, s.objectHistory(r))
	if err != nil {
		return err
	}
	var out versionsResource
	out.More, out.Next = more(pg)
	for _, rec := range pg.Records {
		out.Versions = append(out.Versions, rec.VersionText)
	}
	pageHeaders(w, pg)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ---- writes -----------------------------------------------------------------------------

func (s *Server) addObjects(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !isTAXIIContent(r.Header.Get("Content-Type")) {
		return &taxiiError{status: http.StatusUnsupportedMediaType, title: "Unsupported media type",
			description: "send a TAXII envelope as " + MediaTAXII}
	}
	cv, err := s.coll(r, p)
	if err != nil {
		return err
	}
	if !cv.CanWrite {
		// Answer before reading a large body: Submit refuses (and audits
		// the denial) before it looks at the payload.
		if _, err := s.intel.Submit(r.Context(), p, cv.ID, []byte("{}"), intel.IngestOptions{Source: intel.SourceTAXII}); err != nil {
			return err
		}
		return apperr.Forbidden("collection %q does not accept objects from you", cv.Alias)
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if err := checkEnvelope(body); err != nil {
		return err
	}
	j, err := s.intel.Submit(r.Context(), p, cv.ID, body, intel.IngestOptions{Source: intel.SourceTAXII})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, statusOf(j))
	return nil
}

// readBody reads at most MaxBodyBytes (413 beyond).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	tooLarge := &taxiiError{status: http.StatusRequestEntityTooLarge, title: "Request entity too large",
		description: "the body exceeds max_content_length of the API root"}
	if r.ContentLength > s.opt.MaxBodyBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opt.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, apperr.Invalid("", "cannot read the request body")
	}
	return body, nil
}

// checkEnvelope: malformed JSON is a 400; JSON that is not an envelope
// (an object with an "objects" list) is a 422.
func checkEnvelope(body []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return &taxiiError{status: http.StatusUnprocessableEntity, title: "Not an envelope",
				description: "the body must be a TAXII envelope: a JSON object with an objects list"}
		}
		return apperr.Invalid("", "the body is not valid JSON: %v", err)
	}
	objs, ok := m["objects"]
	if t := bytes.TrimSpace(objs); !ok || len(t) == 0 || t[0] != '[' {
		return &taxiiError{status: http.StatusUnprocessableEntity, title: "Not an envelope",
			description: `the envelope must have an "objects" list`}
	}
	return nil
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	cv, err := s.coll(r, p)
	if err != nil {
		return err
	}
	q, err := parseQuery(r.URL.Query(), objectFilters)
	if err != nil {
		return err
	}
	ts, err := s.intel.Delete(r.Context(), p, cv.ID, r.PathValue("object"), q.Versions, q.SpecVersions)
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return apperr.NotFound("object version", r.PathValue("object"))
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return nil
}

// ---- status --------------------------------------------------------------------------

func (s *Server) status(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	j, err := s.intel.Job(r.Context(), p, r.PathValue("status"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, statusOf(j))
	return nil
}

func details(items []share.Item) []statusDetails {
	var out []statusDetails
	for _, it := range items {
		out = append(out, statusDetails{ID: it.ID, Version: it.Version, Message: it.Message})
	}
	return out
}

// statusOf maps an ingest job to the status resource (section 4.3.1).
func statusOf(j *share.Job) statusResource {
	st := "pending"
	if j.Status == share.JobComplete {
		st = "complete"
	}
	return statusResource{ID: j.ID, Status: st, RequestTimestamp: formatTimestamp(j.CreatedAt), TotalCount: j.Total,
		SuccessCount: j.Accepted + j.Updated + j.Duplicates, Successes: details(j.Successes),
		FailureCount: j.Rejected, Failures: details(j.Failures), PendingCount: j.Pending()}
}
