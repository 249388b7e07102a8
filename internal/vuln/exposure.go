package vuln

import (
	"slices"
	"time"

	"sakimori/internal/marking"
)

// ExposureState is what the operator says about an exposure.
type ExposureState string

const (
	ExposureOpen        ExposureState = "open"         // exposed, nothing done yet
	ExposureMitigated   ExposureState = "mitigated"    // workaround applied, not patched
	ExposurePatched     ExposureState = "patched"      // updated to a fixed version
	ExposureNotAffected ExposureState = "not_affected" // the operator's analysis: not exploitable here
	// ExposureResolved is set by sakimori when a new match no longer finds
	// the computer affected (its version changed, the record changed).
	ExposureResolved ExposureState = "resolved"
)

// ExposureStates lists the states in display order.
var ExposureStates = []ExposureState{ExposureOpen, ExposureMitigated, ExposurePatched, ExposureNotAffected, ExposureResolved}

// Valid reports whether s is known.
func (s ExposureState) Valid() bool { return slices.Contains(ExposureStates, s) }

// Unpatched reports whether the computer is still vulnerable.
func (s ExposureState) Unpatched() bool { return s == ExposureOpen || s == ExposureMitigated }

// Exposure is one critical computer found affected by one vulnerability.
type Exposure struct {
	ComputerID      string        `json:"computer_id"`
	VulnID          string        `json:"vuln_id"`
	OrgID           string        `json:"org_id"`
	ComputerVersion int           `json:"computer_version"` // the notification it was matched against
	VulnVersion     int           `json:"vuln_version"`
	Evidence        Evidence      `json:"evidence"`
	State           ExposureState `json:"state"`
	StateNote       string        `json:"state_note,omitempty"`
	StateAt         time.Time     `json:"state_at"`
	StateBy         string        `json:"state_by,omitempty"`
	MatchedAt       time.Time     `json:"matched_at"`
	AdvisedAt       *time.Time    `json:"advised_at,omitempty"` // first advisory sent about it
	// Filled on reads for display.
	ComputerName string  `json:"computer_name,omitempty"`
	Product      string  `json:"product,omitempty"`
	Installed    string  `json:"installed_version,omitempty"`
	Sector       string  `json:"sector,omitempty"`
	CVSS         float64 `json:"cvss,omitempty"`
	Exploited    bool    `json:"exploited,omitempty"`
}

// Evidence says why a computer matched: which affected entry, which CPE
// and version range, against which registered name and version.
type Evidence struct {
	AffectedIndex int    `json:"affected_index"`
	VulnCPE       string `json:"vuln_cpe"`
	Range         string `json:"range"` // human form, "any" when every version
	ComputerCPE   string `json:"computer_cpe"`
	Installed     string `json:"installed_version"`
	Scheme        string `json:"scheme"`
}

// NoticeKind is why a notice was sent.
type NoticeKind string

const (
	NoticeExposure NoticeKind = "exposure" // your computers are affected (from matching)
	NoticeAdvisory NoticeKind = "advisory" // the government's advisory (e.g. from a vendor answer)
)

// Notice is a targeted notification to one organisation about one
// vulnerability, with the evidence for its computers.
type Notice struct {
	ID             string      `json:"id"`
	OrgID          string      `json:"org_id"`
	VulnID         string      `json:"vuln_id"`
	Kind           NoticeKind  `json:"kind"`
	TLP            marking.TLP `json:"tlp"`
	Title          string      `json:"title"`
	Body           string      `json:"body"`
	ComputerIDs    []string    `json:"computer_ids"`
	Evidence       []Evidence  `json:"evidence"`
	RequestID      string      `json:"request_id,omitempty"` // the vendor request an advisory came from
	CreatedAt      time.Time   `json:"created_at"`
	CreatedBy      string      `json:"created_by,omitempty"` // user id; empty for matching
	AcknowledgedAt *time.Time  `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string      `json:"acknowledged_by,omitempty"`
}
