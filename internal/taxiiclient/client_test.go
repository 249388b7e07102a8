package taxiiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fake is a small spec-shaped TAXII 2.1 server: one API root "/api1/",
// one collection "c1" with n objects added a second apart, pagination by
// next (when useNext) or by X-TAXII-Date-Added-Last alone.
type fake struct {
	t       *testing.T
	objects []fakeObj
	useNext bool
	mu      sync.Mutex
	adds    [][]json.RawMessage
	polls   int
	queries []string
}

type fakeObj struct {
	id    string
	added time.Time
}

var base = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func newFake(t *testing.T, n int, useNext bool) (*fake, *httptest.Server) {
	f := &fake{t: t, useNext: useNext}
	for i := range n {
		f.objects = append(f.objects, fakeObj{id: fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", i), added: base.Add(time.Duration(i) * time.Second)})
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func taxiiErr(w http.ResponseWriter, code int, title string) {
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"title": title, "http_status": strconv.Itoa(code)})
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.Header.Get("Accept"), "application/taxii+json;version=2.1") {
		taxiiErr(w, http.StatusNotAcceptable, "Not Acceptable")
		return
	}
	user, pass, basic := r.BasicAuth()
	if !(basic && user == "alice" && pass == "s3cret") && r.Header.Get("Authorization") != "Bearer tok-1" {
		taxiiErr(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, r.URL.RawQuery)
	w.Header().Set("Content-Type", MediaType)
	enc := json.NewEncoder(w)
	switch {
	case r.URL.Path == "/taxii2/":
		enc.Encode(map[string]any{"title": "fake", "default": "/api1/", "api_roots": []string{"/api1/", "https://other.example/api2/"}})
	case r.URL.Path == "/api1/":
		enc.Encode(map[string]any{"title": "root", "versions": []string{MediaType}, "max_content_length": 1 << 20})
	case r.URL.Path == "/api1/collections/":
		enc.Encode(map[string]any{"collections": []map[string]any{{"id": "c1", "title": "one", "can_read": true, "can_write": true}}})
	case r.URL.Path == "/api1/collections/c1/objects/" && r.Method == http.MethodGet:
		f.getObjects(w, r)
	case r.URL.Path == "/api1/collections/c1/manifest/":
		enc.Encode(map[string]any{"objects": []map[string]string{{"id": f.objects[0].id, "date_added": FormatTimestamp(f.objects[0].added), "version": "2026-11-01T00:00:00Z"}}})
	case r.URL.Path == "/api1/collections/c1/objects/" && r.Method == http.MethodPost:
		if r.Header.Get("Content-Type") != MediaType {
			taxiiErr(w, http.StatusUnsupportedMediaType, "Unsupported Media Type")
			return
		}
		var env struct{ Objects []json.RawMessage }
		json.NewDecoder(r.Body).Decode(&env)
		f.adds = append(f.adds, env.Objects)
		w.WriteHeader(http.StatusAccepted)
		enc.Encode(map[string]any{"id": "st1", "status": "pending", "total_count": len(env.Objects), "pending_count": len(env.Objects)})
	case r.URL.Path == "/api1/status/st1/":
		f.polls++
		if f.polls < 2 {
			enc.Encode(map[string]any{"id": "st1", "status": "pending", "total_count": 1, "pending_count": 1})
			return
		}
		enc.Encode(map[string]any{"id": "st1", "status": "complete", "total_count": 1, "success_count": 1})
	case strings.HasPrefix(r.URL.Path, "/api1/collections/c1/objects/") && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusOK)
	case r.URL.Path == "/api1/collections/huge/objects/":
		w.Write([]byte(`{"objects":[` + strings.Repeat(`{"a":1},`, 1000) + `{}]}`))
	default:
		taxiiErr(w, http.StatusNotFound, "Collection not found")
	}
}

func (f *fake) getObjects(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 2
	}
	var after time.Time
	if s := q.Get("added_after"); s != "" {
		var err error
		if after, err = ParseTimestamp(s); err != nil {
			taxiiErr(w, http.StatusBadRequest, "bad added_after")
			return
		}
	}
	start := 0
	if n := q.Get("next"); n != "" {
		start, _ = strconv.Atoi(n)
	}
	var sel []fakeObj
	for _, o := range f.objects {
		if o.added.After(after) {
			sel = append(sel, o)
		}
	}
	if start > len(sel) {
		start = len(sel)
	}
	end := min(start+limit, len(sel))
	page := sel[start:end]
	out := map[string]any{}
	objs := []json.RawMessage{}
	for _, o := range page {
		objs = append(objs, json.RawMessage(fmt.Sprintf(`{"type":"indicator","id":%q}`, o.id)))
	}
	if len(objs) > 0 {
		out["objects"] = objs
		w.Header().Set(HeaderDateAddedFirst, FormatTimestamp(page[0].added))
		w.Header().Set(HeaderDateAddedLast, FormatTimestamp(page[len(page)-1].added))
	}
	if end < len(sel) {
		out["more"] = true
		if f.useNext {
			out["next"] = strconv.Itoa(end)
		}
	}
	json.NewEncoder(w).Encode(out)
}

func TestDiscoveryRootsCollections(t *testing.T) {
	_, srv := newFake(t, 1, true)
	c := New()
	c.Username, c.Password = "alice", "s3cret"
	ctx := context.Background()
	d, err := c.Discover(ctx, srv.URL+"/taxii2")
	if err != nil {
		t.Fatal(err)
	}
	roots := ResolveAPIRoots(srv.URL+"/taxii2/", d)
	if len(roots) != 2 || roots[0] != srv.URL+"/api1/" || roots[1] != "https://other.example/api2/" {
		t.Fatalf("roots = %v", roots)
	}
	a, err := c.APIRoot(ctx, roots[0])
	if err != nil || a.MaxContentLength != 1<<20 {
		t.Fatalf("api root %+v %v", a, err)
	}
	cs, err := c.Collections(ctx, roots[0])
	if err != nil || len(cs) != 1 || cs[0].ID != "c1" || !cs[0].CanRead {
		t.Fatalf("collections %+v %v", cs, err)
	}
	m, err := c.GetManifest(ctx, roots[0], "c1", Filter{})
	if err != nil || len(m.Objects) != 1 {
		t.Fatalf("manifest %+v %v", m, err)
	}
}

func TestPollObjectsPaginates(t *testing.T) {
	for _, useNext := range []bool{true, false} {
		t.Run(fmt.Sprintf("next=%v", useNext), func(t *testing.T) {
			f, srv := newFake(t, 5, useNext)
			c := New()
			c.Token = "tok-1"
			var ids []string
			pages, last, err := c.PollObjects(context.Background(), srv.URL+"/api1", "c1", Filter{Limit: 2, Types: []string{"indicator"}}, func(env *Envelope) error {
				for _, o := range env.Objects {
					var v struct{ ID string }
					json.Unmarshal(o, &v)
					ids = append(ids, v.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if pages != 3 || len(ids) != 5 || !last.Equal(base.Add(4*time.Second)) {
				t.Fatalf("pages %d ids %d last %v", pages, len(ids), last)
			}
			if !strings.Contains(f.queries[0], "match%5Btype%5D=indicator") || !strings.Contains(f.queries[0], "limit=2") {
				t.Errorf("query %q lacks filters", f.queries[0])
			}
			// From the cursor: nothing new.
			n := 0
			pages, last2, err := c.PollObjects(context.Background(), srv.URL+"/api1/", "c1", Filter{AddedAfter: last}, func(env *Envelope) error {
				n += len(env.Objects)
				return nil
			})
			if err != nil || n != 0 || pages != 1 || !last2.Equal(last) {
				t.Fatalf("second poll: %d objects, %d pages, %v, %v", n, pages, last2, err)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	_, srv := newFake(t, 1, true)
	ctx := context.Background()
	c := New()
	_, err := c.Collections(ctx, srv.URL+"/api1/")
	if !IsStatus(err, 401) || !strings.Contains(err.Error(), srv.URL+"/api1/collections/") || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("401: %v", err)
	}
	c.Username, c.Password = "alice", "wrong"
	if _, err := c.Collections(ctx, srv.URL+"/api1/"); !IsStatus(err, 401) {
		t.Fatalf("bad password: %v", err)
	}
	c.Password = "s3cret"
	_, err = c.GetObjects(ctx, srv.URL+"/api1/", "nope", Filter{})
	if !IsStatus(err, 404) || !strings.Contains(err.Error(), "Collection not found") || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404: %v", err)
	}
	// 406: a client that asks for something else.
	req, _ := http.NewRequest("GET", srv.URL+"/api1/", nil)
	req.SetBasicAuth("alice", "s3cret")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 406 {
		t.Fatalf("fake does not refuse plain JSON: %v %v", resp, err)
	}
	resp.Body.Close()
	c.MaxBody = 1000
	_, err = c.GetObjects(ctx, srv.URL+"/api1/", "huge", Filter{})
	if err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Fatalf("bounded body: %v", err)
	}
}

func TestNotAcceptableNamesURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		taxiiErr(w, http.StatusNotAcceptable, "Not Acceptable")
	}))
	defer srv.Close()
	_, err := New().Discover(context.Background(), srv.URL+"/taxii2/")
	if !IsStatus(err, 406) || !strings.Contains(err.Error(), srv.URL+"/taxii2/") || !strings.Contains(err.Error(), "406 Not Acceptable: Not Acceptable") {
		t.Fatalf("406: %v", err)
	}
}

func TestAddObjectsPollsStatusAndDelete(t *testing.T) {
	f, srv := newFake(t, 1, true)
	c := New()
	c.Token = "tok-1"
	c.PollInterval = time.Millisecond
	st, err := c.AddObjects(context.Background(), srv.URL+"/api1/", "c1", []json.RawMessage{json.RawMessage(`{"type":"indicator","id":"indicator--1"}`)})
	if err != nil || st.Status != "complete" || st.SuccessCount != 1 || f.polls != 2 || len(f.adds) != 1 || len(f.adds[0]) != 1 {
		t.Fatalf("add: %+v %v polls=%d", st, err, f.polls)
	}
	if err := c.DeleteObject(context.Background(), srv.URL+"/api1/", "c1", "indicator--1", Filter{Versions: []string{"all"}}); err != nil {
		t.Fatal(err)
	}
	if q := f.queries[len(f.queries)-1]; q != "match%5Bversion%5D=all" {
		t.Errorf("delete query %q", q)
	}
}
