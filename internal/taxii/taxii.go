// Package taxii serves sakimori's shared threat information over TAXII 2.1
// (OASIS Standard, 10 June 2021) under /taxii2/: discovery, one API root
// (/taxii2/api/), its collections (sakimori collections, as the caller's
// entitlements show them), objects with every filter of the standard,
// manifests, versions, deletion and the asynchronous add with its status
// resource.
//
// The package translates HTTP into calls of the intel service and back; it
// decides nothing about who sees what. Authentication is an API token, sent
// as the password of HTTP Basic (any user name) or as a Bearer token;
// there is no anonymous access.
package taxii

import (
	"log/slog"
	"net/http"
	"strings"

	"sakimori/internal/accounts"
	"sakimori/internal/intel"
)

// Media types of TAXII 2.1 and of the STIX content it carries.
const (
	MediaTAXII = "application/taxii+json;version=2.1"
	MediaSTIX  = "application/stix+json;version=2.1"
)

// DefaultMaxBody is the request body limit when Options.MaxBodyBytes is
// not set: bulk adds of whole feeds are larger than the JSON API's bodies.
const DefaultMaxBody = 64 << 20

// Realm is the HTTP Basic realm of the challenge sent with 401 answers.
const Realm = "sakimori TAXII"

// Options configure the server.
type Options struct {
	// MaxBodyBytes bounds request bodies (POST objects) and is advertised
	// as the API root's max_content_length (default DefaultMaxBody).
	MaxBodyBytes int64
	Log          *slog.Logger
	Version      string
	// Title, Description and Contact are the discovery resource's
	// (defaults: "sakimori", a short description, none).
	Title, Description, Contact string
	// BaseURL, if set (e.g. "https://cti.example.jp"), makes the URLs of the
	// discovery resource; otherwise they are built from the request's Host.
	BaseURL string
}

// Server is the /taxii2/ handler.
type Server struct {
	acc    *accounts.Service
	intel  *intel.Service
	opt    Options
	mux    *http.ServeMux
	routes []route
}

type route struct {
	method, path string // path as registered, with {x} segments
}

// Paths.
const (
	prefix  = "/taxii2/"
	apiRoot = "/taxii2/api/"
)

// New returns the TAXII server. Mount it at "/taxii2/".
func New(acc *accounts.Service, svc *intel.Service, opt Options) *Server {
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = DefaultMaxBody
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Title == "" {
		opt.Title = "sakimori"
	}
	if opt.Description == "" {
		opt.Description = "sakimori threat-information sharing (Active Cyber Defense): TAXII 2.1"
	}
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	s := &Server{acc: acc, intel: svc, opt: opt, mux: http.NewServeMux()}
	coll := apiRoot + "collections/{id}/"
	s.handle("GET", prefix, s.discovery)
	s.handle("GET", apiRoot, s.apiRoot)
	s.handle("GET", apiRoot+"status/{status}/", s.status)
	s.handle("GET", apiRoot+"collections/", s.collections)
	s.handle("GET", coll, s.collection)
	s.handle("GET", coll+"objects/", s.getObjects)
	s.handle("POST", coll+"objects/", s.addObjects)
	s.handle("GET", coll+"objects/{object}/", s.getObject)
	s.handle("DELETE", coll+"objects/{object}/", s.deleteObject)
	s.handle("GET", coll+"objects/{object}/versions/", s.versions)
	s.handle("GET", coll+"manifest/", s.manifest)
	s.mux.HandleFunc(prefix, s.fallback)
	return s
}

// handle registers an exact method pattern ("GET /taxii2/api/{$}"), so that
// r.Pattern, the metrics' route label, names the endpoint.
func (s *Server) handle(method, path string, h handlerFunc) {
	s.routes = append(s.routes, route{method, path})
	s.mux.Handle(method+" "+path+"{$}", s.wrap(h))
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// fallback answers what no route matched: 405 with Allow when the path
// exists for other methods, 404 otherwise, as TAXII error messages.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, rt := range s.routes {
		if pathMatches(rt.path, r.URL.Path) && !contains(allow, rt.method) {
			allow = append(allow, rt.method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, &taxiiError{status: http.StatusMethodNotAllowed, title: "Method not allowed",
			description: r.Method + " is not allowed here; use " + strings.Join(allow, ", ")})
		return
	}
	s.writeError(w, r, &taxiiError{status: http.StatusNotFound, title: "Not found",
		description: "no TAXII endpoint " + r.URL.Path + " (TAXII URLs end with a slash)"})
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// pathMatches reports whether path matches pattern segment by segment.
func pathMatches(pattern, path string) bool {
	ps := strings.Split(pattern, "/")
	xs := strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}
