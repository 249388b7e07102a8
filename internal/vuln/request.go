package vuln

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
)

// RequestState is where a vendor request stands. Overdue is not a state: a
// request is overdue when it is still requested or acknowledged after its
// due date (Request.Overdue).
type RequestState string

const (
	RequestRequested    RequestState = "requested"
	RequestAcknowledged RequestState = "acknowledged"
	RequestAnswered     RequestState = "answered"
	RequestDeclined     RequestState = "declined"
	RequestWithdrawn    RequestState = "withdrawn" // by the government
)

// RequestStates lists the states in display order.
var RequestStates = []RequestState{RequestRequested, RequestAcknowledged, RequestAnswered, RequestDeclined, RequestWithdrawn}

// Valid reports whether s is known.
func (s RequestState) Valid() bool { return slices.Contains(RequestStates, s) }

// Open reports whether the vendor still owes an answer.
func (s RequestState) Open() bool { return s == RequestRequested || s == RequestAcknowledged }

// Request is the government's request to a vendor for information and
// measures about a vulnerability in its product (a best-effort obligation
// of the vendor: the record shows whether and when it answered).
type Request struct {
	ID             string       `json:"id"`
	VulnID         string       `json:"vuln_id"`
	VendorOrgID    string       `json:"vendor_org_id"`
	FromOrgID      string       `json:"from_org_id"` // the requesting government organisation
	RequestedBy    string       `json:"requested_by"`
	Questions      string       `json:"questions"` // what the government asks
	DueAt          time.Time    `json:"due_at"`
	State          RequestState `json:"state"`
	CreatedAt      time.Time    `json:"created_at"`
	AcknowledgedAt *time.Time   `json:"acknowledged_at,omitempty"`
	AnsweredAt     *time.Time   `json:"answered_at,omitempty"`
	DeclinedAt     *time.Time   `json:"declined_at,omitempty"`
	WithdrawnAt    *time.Time   `json:"withdrawn_at,omitempty"`
	DeclineReason  string       `json:"decline_reason,omitempty"`
	Answer         *Answer      `json:"answer,omitempty"`
	// AdvisedAt is when the answer was turned into an advisory to the
	// exposed operators.
	AdvisedAt *time.Time     `json:"advised_at,omitempty"`
	Events    []RequestEvent `json:"events"`
}

// Overdue reports whether the vendor has not answered by the due date.
func (r *Request) Overdue(now time.Time) bool { return r.State.Open() && now.After(r.DueAt) }

// Answer is the vendor's answer.
type Answer struct {
	AffectedVersions string `json:"affected_versions"`
	FixedVersions    string `json:"fixed_versions"`
	FixTimeline      string `json:"fix_timeline"` // e.g. "fixed in 7.2.5, released 2026-11-20"
	Mitigations      string `json:"mitigations"`
	AdvisoryURL      string `json:"advisory_url,omitempty"`
	AdvisoryText     string `json:"advisory_text,omitempty"`
}

// RequestEvent is one step in a request's history.
type RequestEvent struct {
	At     time.Time `json:"at"`
	UserID string    `json:"user_id"`
	OrgID  string    `json:"org_id"`
	Kind   string    `json:"kind"` // requested | acknowledged | answered | declined | withdrawn | advised | comment
	Text   string    `json:"text,omitempty"`
}

// Validate checks a new request.
func (r *Request) Validate() error {
	r.Questions = strings.TrimSpace(r.Questions)
	switch {
	case r.VulnID == "":
		return apperr.Invalid("vuln_id", "is required")
	case r.VendorOrgID == "":
		return apperr.Invalid("vendor_org_id", "is required")
	case r.Questions == "" || utf8.RuneCountInString(r.Questions) > 10000:
		return apperr.Invalid("questions", "is required, at most 10000 characters")
	case r.DueAt.IsZero():
		return apperr.Invalid("due_at", "is required")
	}
	return nil
}

// Validate checks an answer: at least the fix timeline or mitigations.
func (a *Answer) Validate() error {
	for _, p := range []*string{&a.AffectedVersions, &a.FixedVersions, &a.FixTimeline, &a.Mitigations, &a.AdvisoryURL, &a.AdvisoryText} {
		*p = strings.TrimSpace(*p)
	}
	if a.FixTimeline == "" && a.Mitigations == "" {
		return apperr.Invalid("fix_timeline", "say when a fix is (or will be) available, or which mitigations apply")
	}
	for _, f := range []struct{ name, v string }{{"affected_versions", a.AffectedVersions}, {"fixed_versions", a.FixedVersions},
		{"fix_timeline", a.FixTimeline}, {"mitigations", a.Mitigations}, {"advisory_text", a.AdvisoryText}} {
		if utf8.RuneCountInString(f.v) > 20000 || !utf8.ValidString(f.v) {
			return apperr.Invalid(f.name, "must be valid text of at most 20000 characters")
		}
	}
	if a.AdvisoryURL != "" && !strings.HasPrefix(a.AdvisoryURL, "https://") && !strings.HasPrefix(a.AdvisoryURL, "http://") {
		return apperr.Invalid("advisory_url", "must be an http(s) URL")
	}
	return nil
}
