package regime

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"sakimori/internal/apperr"
)

// Facts are what is known about one incident that starts clocks.
type Facts struct {
	Occurred, Detected, Aware, Classified, ReasonableBelief, RansomPaid *time.Time
	// Conditions of the incident that select conditional offsets or
	// exemptions, e.g. "malicious" (APPI 60 days), "dora_weekend_exempt".
	Conditions map[string]bool
	// Submissions: stage id -> when that stage was (last) submitted. For a
	// stage submitted several times (DORA updated intermediate reports,
	// CIRCIA supplemental reports) it holds the latest submission.
	Submissions map[string]time.Time
	// Concluded: the incident is concluded (ends recurring stages).
	Concluded bool
	// Filled reports whether a report field is filled; nil means none is.
	Filled func(field string) bool
}

// Status of one stage on the timeline.
type Status string

const (
	StatusWaiting       Status = "waiting"        // the trigger has not happened
	StatusOpen          Status = "open"           // running, not yet due soon
	StatusDueSoon       Status = "due_soon"       // within 25% of the window or 6 h of the deadline
	StatusOverdue       Status = "overdue"        // deadline passed, not submitted
	StatusSubmitted     Status = "submitted"      // submitted on time
	StatusSubmittedLate Status = "submitted_late" // submitted after the deadline
	StatusNotRequired   Status = "not_required"   // recurring stage never needed: the incident concluded
)

// DueSoonFraction and DueSoonWindow decide "due soon": the remaining time is
// at most this fraction of the stage's window or at most this duration.
const (
	DueSoonFraction = 0.25
	DueSoonWindow   = 6 * time.Hour
)

// Due is one stage of one regime on an incident's timeline.
type Due struct {
	Regime string `json:"regime"`
	Stage  string `json:"stage"`
	// Start is when the stage's clock started (nil while waiting).
	Start *time.Time `json:"start,omitempty"`
	// Due is the deadline, an absolute instant (nil while waiting).
	Due     *time.Time `json:"due,omitempty"`
	Trigger string     `json:"trigger"`
	// Basis explains the deadline, e.g. "72 h after awareness 2026-11-30
	// 10:00 JST".
	Basis  string `json:"basis"`
	Status Status `json:"status"`
	// Submitted is when this stage was submitted (for recurring stages,
	// the occurrence shown; nil for the next, open one).
	Submitted *time.Time `json:"submitted,omitempty"`
	Recurring bool       `json:"recurring,omitempty"`
	// Missing lists required fields not yet filled (empty once submitted).
	Missing []string `json:"missing,omitempty"`
}

// Holidays is a set of non-working dates ("2006-01-02") in the location the
// deadline is computed in. Weekends (Saturday, Sunday) are always
// non-working; no holiday calendar is shipped.
type Holidays map[string]bool

// NewHolidays builds a set from "2006-01-02" dates; a malformed date is an
// error naming its index.
func NewHolidays(dates ...string) (Holidays, error) {
	h := Holidays{}
	for i, d := range dates {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, apperr.Invalid(fmt.Sprintf("holidays[%d]", i), "must be a date YYYY-MM-DD")
		}
		h[d] = true
	}
	return h, nil
}

// Working reports whether t's calendar day in loc is a working day.
func (h Holidays) Working(t time.Time, loc *time.Location) bool {
	t = t.In(loc)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !h[t.Format(time.DateOnly)]
}

// CheckFacts checks the order of an incident's times; errors name the field:
// detection before occurrence, awareness before detection (or occurrence),
// classification before awareness, reasonable belief before detection,
// ransom payment before occurrence, a submission before occurrence, and
// zero times are rejected.
func CheckFacts(f Facts) error {
	fields := []struct {
		name string
		t    *time.Time
	}{
		{"occurred", f.Occurred}, {"detected", f.Detected}, {"aware", f.Aware},
		{"classified", f.Classified}, {"reasonable_belief", f.ReasonableBelief}, {"ransom_paid", f.RansomPaid},
	}
	for _, x := range fields {
		if x.t != nil && x.t.IsZero() {
			return apperr.Invalid(x.name, "time is zero")
		}
	}
	before := func(field string, a, b *time.Time, what string) error {
		if a != nil && b != nil && a.Before(*b) {
			return apperr.Invalid(field, "%s (%s) is before %s (%s)", field, a.Format(time.RFC3339), what, b.Format(time.RFC3339))
		}
		return nil
	}
	checks := []error{
		before("detected", f.Detected, f.Occurred, "occurred"),
		before("aware", f.Aware, f.Detected, "detected"),
		before("aware", f.Aware, f.Occurred, "occurred"),
		before("classified", f.Classified, f.Aware, "aware"),
		before("classified", f.Classified, f.Detected, "detected"),
		before("reasonable_belief", f.ReasonableBelief, f.Detected, "detected"),
		before("reasonable_belief", f.ReasonableBelief, f.Occurred, "occurred"),
		before("ransom_paid", f.RansomPaid, f.Occurred, "occurred"),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(f.Submissions))
	for id := range f.Submissions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t := f.Submissions[id]
		field := "submissions." + id
		if t.IsZero() {
			return apperr.Invalid(field, "time is zero")
		}
		if err := before(field, &t, f.Occurred, "occurred"); err != nil {
			return err
		}
	}
	return nil
}

// zone returns the location calendar arithmetic is done in.
func (r Regime) zone(loc *time.Location) *time.Location {
	if r.TimeZone != "" {
		if z, err := loadZone(r.TimeZone); err == nil {
			return z
		}
	}
	if loc == nil {
		return time.UTC
	}
	return loc
}

// factTime returns the instant a trigger happened, or nil.
func factTime(t Trigger, f Facts) *time.Time {
	switch t.Kind {
	case TriggerAwareness:
		return f.Aware
	case TriggerDetection:
		return f.Detected
	case TriggerOccurrence:
		return f.Occurred
	case TriggerClassification:
		return f.Classified
	case TriggerReasonableBelief:
		return f.ReasonableBelief
	case TriggerRansomPayment:
		return f.RansomPaid
	case TriggerPreviousSubmission, TriggerNotification:
		if s, ok := f.Submissions[t.AfterStage]; ok {
			return &s
		}
	}
	return nil
}

// describe names a trigger in a basis text.
func describe(t Trigger) string {
	switch t.Kind {
	case TriggerReasonableBelief:
		return "reasonable belief"
	case TriggerRansomPayment:
		return "ransom payment"
	case TriggerClassification:
		return "classification as major"
	case TriggerPreviousSubmission:
		return "submission of " + t.AfterStage
	case TriggerNotification:
		return "notification " + t.AfterStage
	}
	return string(t.Kind)
}

func stamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// AddMonths adds calendar months keeping the wall-clock time; when the day
// does not exist in the target month it is clamped to the month's last day
// (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year).
func AddMonths(t time.Time, months int, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, loc)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

// Apply adds an offset to an instant: months (clamped), calendar days and
// business days at the same wall-clock time in loc, hours as elapsed time.
func (o Offset) Apply(t time.Time, loc *time.Location, h Holidays) time.Time {
	if o.Months != 0 {
		t = AddMonths(t, o.Months, loc)
	}
	if o.Days != 0 {
		l := t.In(loc)
		t = time.Date(l.Year(), l.Month(), l.Day()+o.Days, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
	}
	if o.Hours != 0 {
		t = t.Add(time.Duration(o.Hours) * time.Hour)
	}
	for n := o.BusinessDays; n > 0; {
		l := t.In(loc)
		t = time.Date(l.Year(), l.Month(), l.Day()+1, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
		if h.Working(t, loc) {
			n--
		}
	}
	return t
}

// offsetFor picks the stage's offset for the facts.
func (s Stage) offsetFor(f Facts) (Offset, string) {
	for _, c := range s.OffsetIf {
		if f.Conditions[c.Condition] {
			return c.Offset, c.Condition
		}
	}
	return s.Offset, ""
}

// Timeline computes every stage's deadline and status for an incident at
// time now. loc is the incident's (reporting entity's) location, used for
// calendar arithmetic unless the regime fixes its own time zone, for the
// weekend/holiday rule and for basis texts; deadlines are absolute instants.
// Callers should run CheckFacts first.
func (r Regime) Timeline(f Facts, loc *time.Location, holidays Holidays, now time.Time) []Due {
	z := r.zone(loc)
	out := make([]Due, 0, len(r.Stages))
	for _, s := range r.Stages {
		out = append(out, r.stageDue(s, f, z, holidays, now))
	}
	return out
}

func (r Regime) stageDue(s Stage, f Facts, z *time.Location, holidays Holidays, now time.Time) Due {
	d := Due{Regime: r.ID, Stage: s.ID, Trigger: s.Trigger.String(), Recurring: s.Recurring}
	start := factTime(s.Trigger, f)
	basisStart := describe(s.Trigger)
	var submitted *time.Time
	if t, ok := f.Submissions[s.ID]; ok {
		submitted = &t
	}
	if s.Recurring && submitted != nil {
		if f.Concluded {
			// The last occurrence was submitted and nothing more is due.
			d.Submitted = submitted
			d.Status = StatusSubmitted
			d.Basis = fmt.Sprintf("recurring; last submitted %s; incident concluded", stamp(*submitted, z))
			return d
		}
		// The next occurrence runs from the latest submission.
		start = submitted
		basisStart = "the latest " + s.ID
		d.Trigger = string(TriggerPreviousSubmission) + ":" + s.ID
		submitted = nil
	} else if s.Recurring && f.Concluded {
		d.Status = StatusNotRequired
		d.Basis = "recurring; incident concluded before any was due"
		return d
	}
	if start == nil {
		d.Status = StatusWaiting
		d.Basis = fmt.Sprintf("%s after %s (not yet)", s.Offset, basisStart)
		// Say what the "at most" clocks that already run would allow.
		for _, c := range s.AtMost {
			if t := factTime(c.Trigger, f); t != nil {
				d.Basis += fmt.Sprintf("; at most %s after %s %s = %s", c.Offset, describe(c.Trigger), stamp(*t, z), stamp(c.Offset.Apply(*t, z, holidays), z))
			}
		}
		if submitted != nil {
			d.Submitted = submitted
			d.Status = StatusSubmitted
		} else {
			d.Missing = missing(s, f)
		}
		return d
	}
	off, cond := s.offsetFor(f)
	due := off.Apply(*start, z, holidays)
	basis := fmt.Sprintf("%s after %s %s", off, basisStart, stamp(*start, z))
	if cond != "" {
		basis += fmt.Sprintf(" (condition %q)", cond)
	}
	for _, c := range s.AtMost {
		t := factTime(c.Trigger, f)
		if t == nil {
			continue
		}
		limit := c.Offset.Apply(*t, z, holidays)
		lb := fmt.Sprintf("%s after %s %s", c.Offset, describe(c.Trigger), stamp(*t, z))
		if limit.Before(due) {
			basis = fmt.Sprintf("%s, earlier than %s", lb, basis)
			due = limit
		} else {
			basis += fmt.Sprintf(" (at most %s)", lb)
		}
	}
	if s.EndOfDay {
		l := due.In(z)
		due = time.Date(l.Year(), l.Month(), l.Day(), 23, 59, 59, 0, z)
		basis += ", end of that day"
	}
	if s.DORAWeekendRule && !(s.WeekendRuleExemptIf != "" && f.Conditions[s.WeekendRuleExemptIf]) && !holidays.Working(due, z) {
		l := due.In(z)
		next := time.Date(l.Year(), l.Month(), l.Day()+1, 12, 0, 0, 0, z)
		for !holidays.Working(next, z) {
			l := next.In(z)
			next = time.Date(l.Year(), l.Month(), l.Day()+1, 12, 0, 0, 0, z)
		}
		what := l.Weekday().String()
		if holidays[l.Format(time.DateOnly)] {
			what = "a holiday"
		}
		basis += fmt.Sprintf("; falls on %s (%s), moved to 12:00 of the next working day %s", what, l.Format(time.DateOnly), stamp(next, z))
		due = next
	}
	d.Start = start
	d.Due = &due
	d.Basis = basis
	switch {
	case submitted != nil:
		d.Submitted = submitted
		if submitted.After(due) {
			d.Status = StatusSubmittedLate
		} else {
			d.Status = StatusSubmitted
		}
		return d
	case now.After(due):
		d.Status = StatusOverdue
	default:
		remaining := due.Sub(now)
		window := due.Sub(*start)
		if remaining <= DueSoonWindow || float64(remaining) <= DueSoonFraction*float64(window) {
			d.Status = StatusDueSoon
		} else {
			d.Status = StatusOpen
		}
	}
	d.Missing = missing(s, f)
	return d
}

func missing(s Stage, f Facts) []string {
	var out []string
	for _, field := range s.Required {
		if f.Filled == nil || !f.Filled(field) {
			out = append(out, field)
		}
	}
	return out
}

// MissingText names what is missing for a stage, with the stage and regime:
// `regime "eu-nis2" stage "notification": missing impact, iocs`.
func (d Due) MissingText() string {
	if len(d.Missing) == 0 {
		return ""
	}
	return fmt.Sprintf("regime %q stage %q: missing %s", d.Regime, d.Stage, strings.Join(d.Missing, ", "))
}

// Timelines computes the timelines of several regimes for one incident,
// sorted by deadline (waiting and undated stages last, in regime order).
func Timelines(regimes []Regime, f Facts, loc *time.Location, holidays Holidays, now time.Time) []Due {
	var all []Due
	for _, r := range regimes {
		all = append(all, r.Timeline(f, loc, holidays, now)...)
	}
	SortDues(all)
	return all
}

// SortDues orders stages by deadline, waiting and undated ones last, the
// order among equals kept.
func SortDues(ds []Due) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Due, ds[j].Due
		switch {
		case a == nil:
			return false
		case b == nil:
			return true
		}
		return a.Before(*b)
	})
}
