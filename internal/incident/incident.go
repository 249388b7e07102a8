// Package incident is incident reporting (issue #5): an operator's report
// of a specified intrusion event or a precursor, from a peacetime template
// through its organisation's approval flow to immutable submissions to the
// government (the NCO and the competent sector ministry) and to linked
// partners, against every applicable regime's deadlines on one timeline;
// versioned updates with field-level diffs; the government's triage,
// information requests and feedback; refutation and reopening; and
// sanitised STIX derived from a report behind a preview the reporter
// reviews. The report's content is package report; regimes and deadlines
// are package regime; the text sanitiser is package sanitize.
package incident

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/report"
)

// State is where an incident is in its lifecycle.
type State string

const (
	Draft         State = "draft"          // being written, never submitted
	InApproval    State = "in_approval"    // the current version awaits approvals
	Approved      State = "approved"       // the current version may be submitted
	Submitted     State = "submitted"      // the first report went out
	Acknowledged  State = "acknowledged"   // a receiver acknowledged receipt (its reference recorded)
	InfoRequested State = "info_requested" // a receiver asked for more information
	Updated       State = "updated"        // a later version was submitted
	Final         State = "final"          // the final report went out
	Closed        State = "closed"         // nothing more to report
	Refuted       State = "refuted"        // a false positive: retracted
	Reopened      State = "reopened"       // new facts after closing or refuting
)

// States lists the states in lifecycle order.
var States = []State{Draft, InApproval, Approved, Submitted, Acknowledged, InfoRequested, Updated, Final, Closed, Refuted, Reopened}

// Editable reports whether the content may be changed in state s (a change
// after submission becomes the next version to submit).
func (s State) Editable() bool {
	switch s {
	case Draft, Approved, Submitted, Acknowledged, InfoRequested, Updated, Final, Reopened:
		return true
	}
	return false
}

// Open reports whether the incident still runs (not closed or refuted).
func (s State) Open() bool { return s != Closed && s != Refuted }

// ApprovalKind is one kind of approval an organisation requires.
type ApprovalKind string

const (
	ApproveLegal ApprovalKind = "legal"
	ApprovePR    ApprovalKind = "pr"
	ApproveExec  ApprovalKind = "exec"
)

// ApprovalKinds lists the kinds.
var ApprovalKinds = []ApprovalKind{ApproveLegal, ApprovePR, ApproveExec}

// Role is the role that decides an approval of kind k.
func (k ApprovalKind) Role() org.Role {
	switch k {
	case ApproveLegal:
		return org.RoleApproverLegal
	case ApprovePR:
		return org.RoleApproverPR
	case ApproveExec:
		return org.RoleApproverExec
	}
	return ""
}

// Flow is an organisation's approval chain: which kinds approve, and
// whether in parallel or in the listed order. No steps: reports are
// submitted without approval.
type Flow struct {
	Mode  string         `json:"mode"` // parallel | sequential
	Steps []ApprovalKind `json:"steps"`
}

// Validate checks the flow.
func (f *Flow) Validate(field string) error {
	if f.Mode == "" {
		f.Mode = "parallel"
	}
	if f.Mode != "parallel" && f.Mode != "sequential" {
		return apperr.Invalid(field+".mode", "must be parallel or sequential")
	}
	seen := map[ApprovalKind]bool{}
	for i, k := range f.Steps {
		if !slices.Contains(ApprovalKinds, k) {
			return apperr.Invalid(field+".steps["+itoa(i)+"]", "must be legal, pr or exec")
		}
		if seen[k] {
			return apperr.Invalid(field+".steps["+itoa(i)+"]", "%s is listed twice", k)
		}
		seen[k] = true
	}
	if f.Steps == nil {
		f.Steps = []ApprovalKind{}
	}
	return nil
}

// Decision of one approval step.
type Decision string

const (
	Pending  Decision = "pending"
	Approve  Decision = "approved"
	Reject   Decision = "rejected"
	Withdraw Decision = "withdrawn"
)

// Step is one approval of a round.
type Step struct {
	Kind     ApprovalKind `json:"kind"`
	Decision Decision     `json:"decision"`
	By       string       `json:"by,omitempty"` // user id
	ByName   string       `json:"by_name,omitempty"`
	At       *time.Time   `json:"at,omitempty"`
	Comment  string       `json:"comment,omitempty"`
}

// Approval is one round of approvals of one version.
type Approval struct {
	Version     int       `json:"version"`
	Mode        string    `json:"mode"`
	Steps       []Step    `json:"steps"`
	Outcome     Decision  `json:"outcome"` // pending, approved, rejected, withdrawn
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
}

// Next returns the index of the step that may decide now: in a sequential
// flow the first pending one; in a parallel flow any pending step may
// (returns -1 when kind k has no pending step it may decide).
func (a *Approval) Next(k ApprovalKind) int {
	for i, s := range a.Steps {
		if s.Decision != Pending {
			continue
		}
		if s.Kind == k {
			return i
		}
		if a.Mode == "sequential" {
			return -1
		}
	}
	return -1
}

// Reportable is an organisation's decision whether a regime applies to an
// incident.
type Reportable string

const (
	ReportableYes       Reportable = "yes"
	ReportableNo        Reportable = "no"
	ReportableUndecided Reportable = "undecided"
)

// RegimeChoice is one regime considered for an incident: whether it is
// reportable (and why), and the conditions that select its offsets
// ("malicious" for APPI's 60 days, DORA's weekend exemption).
type RegimeChoice struct {
	Regime     string     `json:"regime"`
	Reportable Reportable `json:"reportable"`
	Reason     string     `json:"reason,omitempty"`
	Conditions []string   `json:"conditions,omitempty"`
	DecidedBy  string     `json:"decided_by,omitempty"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
}

// Clocks are the trigger times a regime may need beyond the content's
// occurrence, detection and awareness.
type Clocks struct {
	Classified       *time.Time `json:"classified,omitempty"`        // classified as major (DORA) or significant
	ReasonableBelief *time.Time `json:"reasonable_belief,omitempty"` // reasonable belief of a covered incident (CIRCIA)
	RansomPaid       *time.Time `json:"ransom_paid,omitempty"`       // ransom payment (CIRCIA 24 h)
}

// Triage is the government's handling of a received report. It is never
// shown to the reporting organisation.
type Triage struct {
	Severity     string     `json:"severity,omitempty"` // low | medium | high | critical
	Status       string     `json:"status,omitempty"`   // new | triaged | monitoring | done
	Assignee     string     `json:"assignee,omitempty"` // a government user's id
	AssigneeName string     `json:"assignee_name,omitempty"`
	Note         string     `json:"note,omitempty"`
	UpdatedBy    string     `json:"updated_by,omitempty"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

// Severities and TriageStatuses are the values of Triage.
var (
	Severities     = []string{"low", "medium", "high", "critical"}
	TriageStatuses = []string{"new", "triaged", "monitoring", "done"}
)

// Validate checks the triage.
func (t *Triage) Validate() error {
	if t.Severity != "" && !slices.Contains(Severities, t.Severity) {
		return apperr.Invalid("severity", "must be low, medium, high or critical")
	}
	if t.Status == "" {
		t.Status = "triaged"
	}
	if !slices.Contains(TriageStatuses, t.Status) {
		return apperr.Invalid("status", "must be new, triaged, monitoring or done")
	}
	return checkText("note", t.Note, 5000)
}

// Link ties a report to the government's analysis: a correlation cluster,
// an alert, a shared object or another incident.
type Link struct {
	Kind  string    `json:"kind"` // cluster | alert | object | incident
	Ref   string    `json:"ref"`
	Note  string    `json:"note,omitempty"`
	By    string    `json:"by,omitempty"` // the government organisation
	At    time.Time `json:"at"`
	Owner string    `json:"-"`
}

// LinkKinds lists Link.Kind values.
var LinkKinds = []string{"cluster", "alert", "object", "incident"}

// InfoRequest is a receiver's request for more information: the reporter
// sees it as a task with a due date; the next submission answers it.
type InfoRequest struct {
	ID            string     `json:"id"`
	FromOrg       string     `json:"from_org"`
	Question      string     `json:"question"`
	Fields        []string   `json:"fields,omitempty"` // report fields asked about
	Due           *time.Time `json:"due,omitempty"`
	State         string     `json:"state"` // open | answered | withdrawn
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	AnswerVersion int        `json:"answer_version,omitempty"`
}

// Overdue reports whether the request is open past its due date.
func (r InfoRequest) Overdue(now time.Time) bool {
	return r.State == "open" && r.Due != nil && now.After(*r.Due)
}

// Incident is one incident report of one organisation: the current
// working content, its lifecycle state and everything around it.
// Versions, submissions and events are kept beside it (Version,
// Submission, Event).
type Incident struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	// Ref is the organisation's reference, e.g. "INC-2026-0003" (unique
	// per organisation, assigned on creation).
	Ref   string `json:"ref"`
	Title string `json:"title"`
	State State  `json:"state"`
	// Resume is the state an approval round returns to when rejected or
	// withdrawn.
	Resume State `json:"resume,omitempty"`
	// Version is the latest saved content version; SubmittedVersion the
	// latest submitted one (0: none).
	Version          int            `json:"version"`
	SubmittedVersion int            `json:"submitted_version"`
	Content          report.Content `json:"content"`
	TemplateID       string         `json:"template_id,omitempty"`
	Flow             Flow           `json:"flow"`
	Approval         *Approval      `json:"approval,omitempty"`
	Regimes          []RegimeChoice `json:"regimes"`
	Clocks           Clocks         `json:"clocks"`
	Concluded        bool           `json:"concluded"`
	// Recipients are the government organisations the report goes to (the
	// NCO and the competent ministry); Partners the linked organisations it
	// also goes to (a supplier's customers, or the supplier where an
	// operator's incident originated), with a confirmed supply-chain link.
	Recipients   []string      `json:"recipients"`
	Partners     []string      `json:"partners"`
	DefaultTLP   string        `json:"default_tlp,omitempty"` // for sanitised sharing
	Triage       Triage        `json:"triage,omitzero"`
	InfoRequests []InfoRequest `json:"info_requests"`
	Links        []Link        `json:"links"`
	Emergency    bool          `json:"emergency"` // some submission went out without full approval
	// Acknowledged is set in a receiver's view only: a submission to the
	// receiver's organisation was acknowledged.
	Acknowledged bool      `json:"acknowledged,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Rev counts changes of the row, for optimistic concurrency.
	Rev int `json:"rev"`
}

// Validate checks what a user sets directly (title, content, clocks,
// regime choices); now bounds times in the future.
func (in *Incident) Validate(now time.Time) error {
	in.Title = strings.TrimSpace(in.Title)
	if err := checkText("title", in.Title, 300); err != nil {
		return err
	}
	if in.Title == "" {
		return apperr.Invalid("title", "is required")
	}
	in.Content.Normalize()
	if err := in.Content.Validate(now); err != nil {
		return apperr.Prefix(err, "content")
	}
	for _, c := range []struct {
		name string
		t    *time.Time
	}{{"clocks.classified", in.Clocks.Classified}, {"clocks.reasonable_belief", in.Clocks.ReasonableBelief}, {"clocks.ransom_paid", in.Clocks.RansomPaid}} {
		if c.t != nil && c.t.After(now.Add(time.Minute)) {
			return apperr.Invalid(c.name, "is in the future")
		}
		if c.t != nil {
			t := c.t.UTC()
			*c.t = t
		}
	}
	seen := map[string]bool{}
	for i, r := range in.Regimes {
		p := "regimes[" + itoa(i) + "]"
		if seen[r.Regime] {
			return apperr.Invalid(p+".regime", "%s is listed twice", r.Regime)
		}
		seen[r.Regime] = true
		switch r.Reportable {
		case "":
			in.Regimes[i].Reportable = ReportableUndecided
		case ReportableYes, ReportableNo, ReportableUndecided:
		default:
			return apperr.Invalid(p+".reportable", "must be yes, no or undecided")
		}
		if r.Reportable == ReportableNo && strings.TrimSpace(r.Reason) == "" {
			return apperr.Invalid(p+".reason", "say why %s does not apply", r.Regime)
		}
		if err := checkText(p+".reason", r.Reason, 2000); err != nil {
			return err
		}
	}
	return nil
}

// Facts are the regime clocks' inputs for this incident.
func (in *Incident) Facts(choice RegimeChoice, subs []Submission) regime.Facts {
	c := &in.Content
	f := regime.Facts{
		Occurred: c.Occurred.Value, Detected: c.Detected.Value, Aware: c.Aware.Value,
		Classified: in.Clocks.Classified, ReasonableBelief: in.Clocks.ReasonableBelief, RansomPaid: in.Clocks.RansomPaid,
		Conditions: map[string]bool{}, Submissions: map[string]time.Time{}, Concluded: in.Concluded || !in.State.Open(),
		Filled: c.GivenFunc(),
	}
	for _, k := range choice.Conditions {
		f.Conditions[k] = true
	}
	for _, s := range subs {
		if s.Regime == choice.Regime && s.Stage != "" && s.Kind != KindRetraction {
			if t, ok := f.Submissions[s.Stage]; !ok || s.SubmittedAt.After(t) {
				f.Submissions[s.Stage] = s.SubmittedAt
			}
		}
	}
	return f
}

// Version is one saved state of an incident's content.
type Version struct {
	IncidentID string         `json:"incident_id"`
	N          int            `json:"version"`
	Title      string         `json:"title"`
	Content    report.Content `json:"content"`
	SavedBy    string         `json:"saved_by"`
	SavedAt    time.Time      `json:"saved_at"`
	Note       string         `json:"note,omitempty"`
}

// Submission kinds.
const (
	KindReport     = "report"     // a stage of a regime (or the report itself, to a partner)
	KindUpdate     = "update"     // a later version not tied to a stage
	KindFinal      = "final"      // the final report
	KindRetraction = "retraction" // the incident was a false positive
)

// Submission is what went to one recipient, exactly as sent: Body is the
// JSON document, SHA256 its digest. The store never changes Body; only the
// receiver's acknowledgement is recorded beside it.
type Submission struct {
	ID           string          `json:"id"`
	IncidentID   string          `json:"incident_id"`
	OrgID        string          `json:"org_id"` // the reporting organisation
	Recipient    string          `json:"recipient"`
	Partner      bool            `json:"partner"` // a linked organisation rather than a government receiver
	Regime       string          `json:"regime,omitempty"`
	Stage        string          `json:"stage,omitempty"`
	Kind         string          `json:"kind"`
	Version      int             `json:"version"`
	SubmittedAt  time.Time       `json:"submitted_at"`
	SubmittedBy  string          `json:"submitted_by"`
	Emergency    bool            `json:"emergency"`
	Body         json.RawMessage `json:"body"`
	SHA256       string          `json:"sha256"`
	AuthorityRef string          `json:"authority_ref,omitempty"`
	AckedAt      *time.Time      `json:"acked_at,omitempty"`
	AckedBy      string          `json:"acked_by,omitempty"`
}

// Event is one entry of an incident's history. Shared events are seen by
// the receivers too (submissions, acknowledgements, information requests,
// feedback); the others only by the reporting organisation (approvals,
// drafts) or only by the government (GovOnly: triage, links).
type Event struct {
	IncidentID string    `json:"incident_id"`
	Seq        int       `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id,omitempty"`
	ActorName  string    `json:"actor_name"`
	OrgID      string    `json:"org_id,omitempty"`
	Kind       string    `json:"kind"`
	Shared     bool      `json:"shared"`
	GovOnly    bool      `json:"gov_only,omitempty"`
	Text       string    `json:"text,omitempty"`
}

// Template is a report prepared in peacetime: pre-filled content
// (contacts, systems, logs kept), the approval chain, the regimes that
// usually apply and default sharing decisions.
type Template struct {
	ID          string         `json:"id"`
	OrgID       string         `json:"org_id"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Title       string         `json:"title,omitempty"` // the new incident's title prefix
	Content     report.Content `json:"content"`
	// Flow, when it has steps or Override is set, replaces the
	// organisation's default approval flow.
	Flow       Flow      `json:"flow"`
	OwnFlow    bool      `json:"own_flow"`
	Regimes    []string  `json:"regimes,omitempty"` // regime ids that apply by default
	DefaultTLP string    `json:"default_tlp,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate checks the template.
func (t *Template) Validate(now time.Time) error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return apperr.Invalid("name", "is required")
	}
	if err := checkText("name", t.Name, 200); err != nil {
		return err
	}
	if err := checkText("description", t.Description, 2000); err != nil {
		return err
	}
	if err := checkText("title", t.Title, 300); err != nil {
		return err
	}
	if err := t.Flow.Validate("flow"); err != nil {
		return err
	}
	if err := checkTLP("default_tlp", t.DefaultTLP); err != nil {
		return err
	}
	t.Content.Normalize()
	if err := t.Content.Validate(now); err != nil {
		return apperr.Prefix(err, "content")
	}
	return nil
}

// Settings are an organisation's reporting settings.
type Settings struct {
	OrgID string `json:"org_id"`
	// Flow is the default approval chain.
	Flow Flow `json:"flow"`
	// Regimes are the regimes that apply to the organisation's incidents
	// by default (built-in ids and its own).
	Regimes []string `json:"regimes"`
	// Offsets change editable stages' offsets: "jp-acd/prompt" -> offset.
	Offsets map[string]regime.Offset `json:"offsets,omitempty"`
	// Custom are the organisation's own regimes.
	Custom []regime.Regime `json:"custom,omitempty"`
	// Recipients are the government organisations reports go to; empty:
	// every government organisation (the NCO) and the sector ministries.
	Recipients []string `json:"recipients,omitempty"`
	// InternalDomains are the organisation's internal DNS domains: names
	// under them are masked in sanitised sharing.
	InternalDomains []string `json:"internal_domains,omitempty"`
	// Holidays are extra non-working days (YYYY-MM-DD) for business-day
	// and weekend rules.
	Holidays []string `json:"holidays,omitempty"`
	// WebhookURL receives deadline reminders and report events as signed
	// JSON POSTs; WebhookSecret signs them (HMAC-SHA256). The secret is a
	// signing key shown to the organisation's administrators, not a
	// credential for sakimori.
	WebhookURL    string `json:"webhook_url,omitempty"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
	// RemindBefore is how long before a deadline the reminder goes out
	// (default 6 h).
	RemindBeforeHours int       `json:"remind_before_hours,omitempty"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Reminder is a reminder of a stage's deadline (in-app, and sent to the
// organisation's webhook).
type Reminder struct {
	IncidentID string     `json:"incident_id"`
	OrgID      string     `json:"org_id"`
	Regime     string     `json:"regime"`
	Stage      string     `json:"stage"`
	Kind       string     `json:"kind"` // due_soon | overdue
	Due        time.Time  `json:"due"`
	CreatedAt  time.Time  `json:"created_at"`
	Webhook    string     `json:"webhook,omitempty"` // delivered | failed: <why> | "" (none configured)
	Dismissed  *time.Time `json:"dismissed,omitempty"`
}

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return apperr.Invalid(field, "not valid UTF-8")
	}
	if utf8.RuneCountInString(s) > max {
		return apperr.Invalid(field, "at most %d characters", max)
	}
	return nil
}

func checkTLP(field, s string) error {
	switch s {
	case "", "clear", "green", "amber", "amber+strict", "red":
		return nil
	}
	return apperr.Invalid(field, "must be clear, green, amber, amber+strict or red")
}

func itoa(i int) string { return strconv.Itoa(i) }
