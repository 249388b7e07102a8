// Package taxiiclient is a TAXII 2.1 client: server discovery, API roots,
// collections, objects and manifests with the spec's filters and
// pagination (more/next and the X-TAXII-Date-Added-* headers), adding
// objects (an envelope POSTed, then the status resource polled until it is
// complete) and deleting them. It authenticates with HTTP Basic or a
// Bearer token, negotiates application/taxii+json;version=2.1, bounds every
// response body it reads, and reports failures naming the URL, the HTTP
// status and the title of the TAXII error body.
package taxiiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MediaType is the TAXII 2.1 media type, sent in Accept and Content-Type.
const MediaType = "application/taxii+json;version=2.1"

// Header names of TAXII 2.1 pagination.
const (
	HeaderDateAddedFirst = "X-TAXII-Date-Added-First"
	HeaderDateAddedLast  = "X-TAXII-Date-Added-Last"
)

// DefaultMaxBody bounds a response body (TAXII pages of 1000 objects are
// well under it).
const DefaultMaxBody = 64 << 20

// Client talks to one TAXII 2.1 server. The zero value is not usable; call New.
type Client struct {
	// HTTP is the transport (default: a client with a 60 s timeout).
	HTTP *http.Client
	// Username and Password, when Username is set, are sent as HTTP Basic
	// credentials; otherwise Token, when set, as a Bearer token.
	Username, Password, Token string
	// MaxBody bounds every response body read (default DefaultMaxBody).
	MaxBody int64
	// UserAgent is sent with every request.
	UserAgent string
	// PollInterval is the wait between status polls in AddObjects (default 1 s).
	PollInterval time.Duration
}

// New returns a client with the default transport.
func New() *Client {
	return &Client{HTTP: &http.Client{Timeout: 60 * time.Second}, MaxBody: DefaultMaxBody, UserAgent: "sakimori-taxii-client/2.1",
		PollInterval: time.Second}
}

// Error is a failed TAXII request: the URL, the HTTP status and, when the
// server sent one, its TAXII error message.
type Error struct {
	Method     string
	URL        string
	StatusCode int
	Status     string
	// Body is the TAXII error message the server sent (zero if none).
	Body ErrorMessage
}

// ErrorMessage is a TAXII 2.1 error message (section 3.6.1).
type ErrorMessage struct {
	Title           string            `json:"title"`
	Description     string            `json:"description,omitempty"`
	ErrorID         string            `json:"error_id,omitempty"`
	ErrorCode       string            `json:"error_code,omitempty"`
	HTTPStatus      string            `json:"http_status,omitempty"`
	ExternalDetails string            `json:"external_details,omitempty"`
	Details         map[string]string `json:"details,omitempty"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("taxii: %s %s: HTTP %s", e.Method, e.URL, e.Status)
	if e.Body.Title != "" {
		msg += ": " + e.Body.Title
		if e.Body.Description != "" {
			msg += " (" + e.Body.Description + ")"
		}
	}
	return msg
}

// IsStatus reports whether err is a TAXII error with HTTP status code.
func IsStatus(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == code
}

// ---- resources -----------------------------------------------------------------

// Discovery is the server's discovery resource.
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
}

// APIRoot is an API root's information resource.
type APIRoot struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// Collection is a collection resource.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

// Envelope is a page of objects.
type Envelope struct {
	More    bool              `json:"more,omitempty"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
	// DateAddedFirst and DateAddedLast are the X-TAXII-Date-Added-First and
	// -Last headers of the response (zero if absent or unparsable).
	DateAddedFirst time.Time `json:"-"`
	DateAddedLast  time.Time `json:"-"`
}

// ManifestRecord is one entry of a manifest.
type ManifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type,omitempty"`
}

// Manifest is a page of a manifest.
type Manifest struct {
	More           bool             `json:"more,omitempty"`
	Next           string           `json:"next,omitempty"`
	Objects        []ManifestRecord `json:"objects,omitempty"`
	DateAddedFirst time.Time        `json:"-"`
	DateAddedLast  time.Time        `json:"-"`
}

// StatusDetail is one object's entry in a status resource.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// Status is a status resource (the outcome of an add).
type Status struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"` // pending | complete
	RequestTimestamp string         `json:"request_timestamp,omitempty"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []StatusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []StatusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []StatusDetail `json:"pendings,omitempty"`
}

// Filter is the query of a get objects, get manifest or delete request.
type Filter struct {
	AddedAfter time.Time // exclusive
	Limit      int       // 0: the server's default
	Next       string    // from the previous page
	IDs        []string  // match[id]
	Types      []string  // match[type]
	// Versions is match[version]: "last", "first", "all" or timestamps.
	Versions     []string
	SpecVersions []string // match[spec_version]
}

func (f Filter) values() url.Values {
	q := url.Values{}
	if !f.AddedAfter.IsZero() {
		q.Set("added_after", FormatTimestamp(f.AddedAfter))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Next != "" {
		q.Set("next", f.Next)
	}
	for k, l := range map[string][]string{"match[id]": f.IDs, "match[type]": f.Types, "match[version]": f.Versions,
		"match[spec_version]": f.SpecVersions} {
		if len(l) > 0 {
			q.Set(k, strings.Join(l, ","))
		}
	}
	return q
}

// FormatTimestamp formats t as a STIX/TAXII timestamp in UTC, with the
// fraction the value needs (up to nanoseconds, so a cursor loses nothing).
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999999Z")
}

// ParseTimestamp parses a TAXII timestamp (RFC 3339 in UTC).
func ParseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("not a TAXII timestamp: %q", s)
	}
	return t.UTC(), nil
}

// ---- requests ------------------------------------------------------------------

// dir makes sure a resource URL ends in "/" as TAXII's URLs do.
func dir(u string) string {
	if strings.HasSuffix(u, "/") {
		return u
	}
	return u + "/"
}

func join(base string, parts ...string) string {
	out := dir(base)
	for _, p := range parts {
		out += url.PathEscape(p) + "/"
	}
	return out
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) maxBody() int64 {
	if c.MaxBody > 0 {
		return c.MaxBody
	}
	return DefaultMaxBody
}

// do sends a request and decodes a 2xx JSON answer into out (if not nil).
// It returns the response headers.
func (c *Client) do(ctx context.Context, method, u string, q url.Values, body []byte, out any, want ...int) (http.Header, error) {
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("taxii: %s %s: %w", method, u, err)
	}
	req.Header.Set("Accept", MediaType)
	if body != nil {
		req.Header.Set("Content-Type", MediaType)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	switch {
	case c.Username != "":
		req.SetBasicAuth(c.Username, c.Password)
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("taxii: %s %s: %w", method, redactURL(u), err)
	}
	defer resp.Body.Close()
	limit := c.maxBody()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp.Header, fmt.Errorf("taxii: %s %s: reading the answer: %w", method, redactURL(u), err)
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if len(want) > 0 {
		ok = false
		for _, w := range want {
			ok = ok || resp.StatusCode == w
		}
	}
	if !ok {
		e := &Error{Method: method, URL: redactURL(u), StatusCode: resp.StatusCode, Status: resp.Status}
		if e.Status == "" {
			e.Status = strconv.Itoa(resp.StatusCode)
		}
		if len(data) <= int(limit) {
			_ = json.Unmarshal(data, &e.Body)
		}
		return resp.Header, e
	}
	if int64(len(data)) > limit {
		return resp.Header, fmt.Errorf("taxii: %s %s: answer larger than %d bytes", method, redactURL(u), limit)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return resp.Header, nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !taxiiType(ct) {
		return resp.Header, fmt.Errorf("taxii: %s %s: answer is %q, not %s", method, redactURL(u), ct, MediaType)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.Header, fmt.Errorf("taxii: %s %s: malformed answer: %v", method, redactURL(u), err)
	}
	return resp.Header, nil
}

// taxiiType accepts the TAXII media type (with any version parameter, or
// none) and plain JSON, which some servers send.
func taxiiType(ct string) bool {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	return mt == "application/taxii+json" || mt == "application/json"
}

// redactURL drops user information from a URL for messages.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	p.User = nil
	return p.String()
}

func headerTime(h http.Header, name string) time.Time {
	t, err := ParseTimestamp(h.Get(name))
	if err != nil {
		return time.Time{}
	}
	return t
}

// Discover reads the discovery resource at u (e.g. https://host/taxii2/).
func (c *Client) Discover(ctx context.Context, u string) (*Discovery, error) {
	var d Discovery
	if _, err := c.do(ctx, http.MethodGet, dir(u), nil, nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// ResolveAPIRoots returns the absolute URLs of the discovery resource's API
// roots (they may be given relative to it).
func ResolveAPIRoots(discoveryURL string, d *Discovery) []string {
	base, err := url.Parse(dir(discoveryURL))
	var out []string
	for _, r := range d.APIRoots {
		if err == nil {
			if ref, err := url.Parse(r); err == nil {
				out = append(out, dir(base.ResolveReference(ref).String()))
				continue
			}
		}
		out = append(out, dir(r))
	}
	return out
}

// APIRoot reads an API root's information.
func (c *Client) APIRoot(ctx context.Context, root string) (*APIRoot, error) {
	var a APIRoot
	if _, err := c.do(ctx, http.MethodGet, dir(root), nil, nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Collections lists the collections of an API root.
func (c *Client) Collections(ctx context.Context, root string) ([]Collection, error) {
	var out struct {
		Collections []Collection `json:"collections"`
	}
	if _, err := c.do(ctx, http.MethodGet, join(root, "collections"), nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Collections, nil
}

// Collection reads one collection.
func (c *Client) Collection(ctx context.Context, root, id string) (*Collection, error) {
	var out Collection
	if _, err := c.do(ctx, http.MethodGet, join(root, "collections", id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetObjects reads one page of a collection's objects.
func (c *Client) GetObjects(ctx context.Context, root, collection string, f Filter) (*Envelope, error) {
	var env Envelope
	h, err := c.do(ctx, http.MethodGet, join(root, "collections", collection, "objects"), f.values(), nil, &env)
	if err != nil {
		return nil, err
	}
	env.DateAddedFirst, env.DateAddedLast = headerTime(h, HeaderDateAddedFirst), headerTime(h, HeaderDateAddedLast)
	return &env, nil
}

// GetObject reads the versions of one object that f selects.
func (c *Client) GetObject(ctx context.Context, root, collection, id string, f Filter) (*Envelope, error) {
	var env Envelope
	h, err := c.do(ctx, http.MethodGet, join(root, "collections", collection, "objects", id), f.values(), nil, &env)
	if err != nil {
		return nil, err
	}
	env.DateAddedFirst, env.DateAddedLast = headerTime(h, HeaderDateAddedFirst), headerTime(h, HeaderDateAddedLast)
	return &env, nil
}

// GetManifest reads one page of a collection's manifest.
func (c *Client) GetManifest(ctx context.Context, root, collection string, f Filter) (*Manifest, error) {
	var m Manifest
	h, err := c.do(ctx, http.MethodGet, join(root, "collections", collection, "manifest"), f.values(), nil, &m)
	if err != nil {
		return nil, err
	}
	m.DateAddedFirst, m.DateAddedLast = headerTime(h, HeaderDateAddedFirst), headerTime(h, HeaderDateAddedLast)
	return &m, nil
}

// PageFunc receives each page of PollObjects. Returning an error stops the
// walk with that error.
type PageFunc func(env *Envelope) error

// PollObjects walks the objects added after f.AddedAfter page by page,
// calling fn with each, until a page says there is no more. It follows
// "next" when the server gives one and otherwise moves added_after to the
// page's X-TAXII-Date-Added-Last (the spec's two ways of paging). It
// returns the number of pages and the date_added of the last object seen
// (f.AddedAfter if none).
func (c *Client) PollObjects(ctx context.Context, root, collection string, f Filter, fn PageFunc) (pages int, last time.Time, err error) {
	last = f.AddedAfter
	for {
		env, err := c.GetObjects(ctx, root, collection, f)
		if err != nil {
			return pages, last, err
		}
		pages++
		if err := fn(env); err != nil {
			return pages, last, err
		}
		if !env.DateAddedLast.IsZero() && env.DateAddedLast.After(last) {
			last = env.DateAddedLast
		}
		if !env.More || len(env.Objects) == 0 {
			return pages, last, nil
		}
		switch {
		case env.Next != "":
			f.Next = env.Next
		case !env.DateAddedLast.IsZero() && env.DateAddedLast.After(f.AddedAfter):
			f.Next, f.AddedAfter = "", env.DateAddedLast
		default:
			return pages, last, fmt.Errorf("taxii: %s: the server says there is more but gives neither next nor %s",
				join(root, "collections", collection, "objects"), HeaderDateAddedLast)
		}
		if pages >= 100000 {
			return pages, last, errors.New("taxii: more than 100000 pages; giving up")
		}
	}
}

// AddObjects POSTs objects in an envelope and, if the server answers with a
// pending status, polls the status resource until it is complete or ctx
// ends.
func (c *Client) AddObjects(ctx context.Context, root, collection string, objects []json.RawMessage) (*Status, error) {
	body, err := json.Marshal(struct {
		Objects []json.RawMessage `json:"objects"`
	}{objects})
	if err != nil {
		return nil, err
	}
	var st Status
	if _, err := c.do(ctx, http.MethodPost, join(root, "collections", collection, "objects"), nil, body, &st); err != nil {
		return nil, err
	}
	wait := c.PollInterval
	if wait <= 0 {
		wait = time.Second
	}
	for st.Status != "complete" {
		if st.ID == "" {
			return &st, fmt.Errorf("taxii: the status of the add has no id")
		}
		select {
		case <-ctx.Done():
			return &st, ctx.Err()
		case <-time.After(wait):
		}
		next, err := c.GetStatus(ctx, root, st.ID)
		if err != nil {
			return &st, err
		}
		st = *next
	}
	return &st, nil
}

// GetStatus reads a status resource.
func (c *Client) GetStatus(ctx context.Context, root, id string) (*Status, error) {
	var st Status
	if _, err := c.do(ctx, http.MethodGet, join(root, "status", id), nil, nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// DeleteObject deletes the versions of an object that f selects (its
// Versions and SpecVersions; other fields are ignored).
func (c *Client) DeleteObject(ctx context.Context, root, collection, id string, f Filter) error {
	g := Filter{Versions: f.Versions, SpecVersions: f.SpecVersions}
	_, err := c.do(ctx, http.MethodDelete, join(root, "collections", collection, "objects", id), g.values(), nil, nil)
	return err
}
