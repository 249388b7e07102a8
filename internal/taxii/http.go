package taxii

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/server/reqinfo"
)

// handlerFunc serves one endpoint for an authenticated principal.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error

// wrap adds content negotiation, authentication and error reporting.
func (s *Server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsTAXII(r.Header.Get("Accept")) {
			s.writeError(w, r, &taxiiError{status: http.StatusNotAcceptable, title: "Not acceptable",
				description: "this server answers " + MediaTAXII + " only"})
			return
		}
		p, err := s.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`"`)
			s.writeError(w, r, err)
			return
		}
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		if err := h(w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authenticate reads an API token from HTTP Basic (the password; the user
// name is not checked) or from "Authorization: Bearer <token>".
func (s *Server) authenticate(r *http.Request) (*auth.Principal, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return nil, &apperr.Error{Code: apperr.CodeUnauthenticated,
			Message: "authenticate with HTTP Basic (password: a sakimori API token) or Authorization: Bearer <token>"}
	}
	addr := reqinfo.ClientIP(r)
	if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return s.acc.Token(r.Context(), strings.TrimSpace(tok), addr)
	}
	if _, pw, ok := r.BasicAuth(); ok {
		return s.acc.Token(r.Context(), pw, addr)
	}
	return nil, &apperr.Error{Code: apperr.CodeUnauthenticated, Message: "unsupported Authorization scheme: use Basic or Bearer"}
}

// acceptsTAXII reports whether an Accept header admits TAXII 2.1: the most
// specific matching range decides (application/taxii+json with version 2.1
// or no version, then application/*, then */*); q=0 excludes. No header
// accepts anything.
func acceptsTAXII(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	best, q := 0, 0.0
	for _, part := range strings.Split(accept, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		spec := 0
		switch mt {
		case "application/taxii+json":
			if v, ok := params["version"]; ok && v != "2.1" {
				continue
			}
			spec = 3
		case "application/*":
			spec = 2
		case "*/*":
			spec = 1
		default:
			continue
		}
		w := 1.0
		if s, ok := params["q"]; ok {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			w = f
		}
		if spec > best || spec == best && w > q {
			best, q = spec, w
		}
	}
	return best > 0 && q > 0
}

// isTAXIIContent reports whether a Content-Type is TAXII 2.1 (a missing
// version parameter means the latest version, 2.1).
func isTAXIIContent(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/taxii+json" {
		return false
	}
	v, ok := params["version"]
	return !ok || v == "2.1"
}

// taxiiError is an error with an HTTP status of its own (not from an
// apperr code).
type taxiiError struct {
	status             int
	title, description string
	code               string
}

func (e *taxiiError) Error() string { return e.title + ": " + e.description }

// errorMessage is the TAXII 2.1 error message resource (section 3.6.1).
type errorMessage struct {
	Title           string            `json:"title"`
	Description     string            `json:"description,omitempty"`
	ErrorID         string            `json:"error_id,omitempty"`
	ErrorCode       string            `json:"error_code,omitempty"`
	HTTPStatus      string            `json:"http_status,omitempty"`
	ExternalDetails string            `json:"external_details,omitempty"`
	Details         map[string]string `json:"details,omitempty"`
}

// writeError writes err as a TAXII error message with its HTTP status
// (apperr codes through apperr.StatusOf).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var te *taxiiError
	m := errorMessage{ErrorID: reqinfo.ID(r.Context())}
	status := 0
	if errors.As(err, &te) {
		status, m.Title, m.Description, m.ErrorCode = te.status, te.title, te.description, te.code
		if m.ErrorCode == "" {
			m.ErrorCode = codeOfStatus(status)
		}
	} else {
		e := apperr.As(err)
		status = apperr.StatusOf(e.Code)
		m.Title, m.Description, m.ErrorCode = http.StatusText(status), e.Message, string(e.Code)
		if e.Field != "" {
			m.Details = map[string]string{"field": e.Field}
		}
		if e.Code == apperr.CodeInternal {
			s.opt.Log.Error("taxii: internal error", "path", r.URL.Path, "err", err, "request_id", m.ErrorID)
		}
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`"`)
	}
	m.HTTPStatus = strconv.Itoa(status)
	writeJSON(w, status, m)
}

func codeOfStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return string(apperr.CodeNotFound)
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusNotAcceptable:
		return string(apperr.CodeNotAcceptable)
	case http.StatusUnsupportedMediaType:
		return string(apperr.CodeUnsupportedType)
	case http.StatusRequestEntityTooLarge:
		return string(apperr.CodeTooLarge)
	case http.StatusUnprocessableEntity:
		return "unprocessable"
	case http.StatusBadRequest:
		return string(apperr.CodeInvalid)
	}
	return ""
}

// writeJSON writes a TAXII resource.
func writeJSON(w http.ResponseWriter, status int, body any) {
	h := w.Header()
	h.Set("Content-Type", MediaTAXII)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}
