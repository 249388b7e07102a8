// Package regime holds regulatory incident-reporting regimes as data and
// computes, for one incident, every stage's deadline on one timeline.
//
// A Regime (Japan's Active Cyber Defense reporting, APPI breach reporting,
// NIS2, CIRCIA, DORA, or an organisation's own) is a list of stages; each
// stage has a clock trigger (awareness, classification, a previous
// submission, ...), an offset, the report fields it requires and, for DORA,
// the weekend/holiday rule. The shipped definitions are embedded JSON files
// (regimes/*.json); organisations add their own with Parse. The rules and
// our interpretation of each law are documented in docs/regimes.md.
package regime

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
)

// Text is a bilingual label.
type Text struct {
	JA string `json:"ja,omitempty"`
	EN string `json:"en,omitempty"`
}

// LegalSource cites the law, regulation or guidance a regime comes from.
type LegalSource struct {
	Citation string `json:"citation"`
	URL      string `json:"url,omitempty"`
}

// Certainty says how settled a regime's rules are.
type Certainty string

const (
	CertaintyEnacted          Certainty = "enacted"           // in force, the clock is in the legal text
	CertaintyOrdinancePending Certainty = "ordinance-pending" // act passed, the ordinance fixing the details is not final
	CertaintyRulePending      Certainty = "rule-pending"      // statute passed, the implementing rule is not final
	CertaintyGuidance         Certainty = "guidance"          // regulator guidance or our interpretation, not binding text
	CertaintyCustom           Certainty = "custom"            // an organisation's own regime
)

var certainties = map[Certainty]bool{
	CertaintyEnacted: true, CertaintyOrdinancePending: true, CertaintyRulePending: true,
	CertaintyGuidance: true, CertaintyCustom: true,
}

// TriggerKind is what starts a stage's clock.
type TriggerKind string

const (
	TriggerAwareness          TriggerKind = "awareness"           // the entity became aware of the incident
	TriggerDetection          TriggerKind = "detection"           // the incident was detected
	TriggerOccurrence         TriggerKind = "occurrence"          // the incident occurred
	TriggerClassification     TriggerKind = "classification"      // classified as major/significant
	TriggerReasonableBelief   TriggerKind = "reasonable_belief"   // reasonable belief that a covered incident occurred
	TriggerRansomPayment      TriggerKind = "ransom_payment"      // a ransom was paid
	TriggerPreviousSubmission TriggerKind = "previous_submission" // the (latest) submission of stage AfterStage
	TriggerNotification       TriggerKind = "notification"        // the submission of the notification stage AfterStage
)

var triggerKinds = map[TriggerKind]bool{
	TriggerAwareness: true, TriggerDetection: true, TriggerOccurrence: true,
	TriggerClassification: true, TriggerReasonableBelief: true, TriggerRansomPayment: true,
	TriggerPreviousSubmission: true, TriggerNotification: true,
}

// Trigger starts a stage's clock. AfterStage names the stage whose
// submission starts it, for previous_submission and notification.
type Trigger struct {
	Kind       TriggerKind `json:"kind"`
	AfterStage string      `json:"after_stage,omitempty"`
}

// needsStage reports whether the trigger refers to another stage.
func (t Trigger) needsStage() bool {
	return t.Kind == TriggerPreviousSubmission || t.Kind == TriggerNotification
}

// String is the trigger as shown in Due.Trigger: "awareness",
// "notification:initial".
func (t Trigger) String() string {
	if t.needsStage() {
		return string(t.Kind) + ":" + t.AfterStage
	}
	return string(t.Kind)
}

// Offset is the time allowed after the trigger. Components are applied in
// this order: Months (calendar months, clamped to the month's end), Days
// (calendar days, same wall-clock time), Hours (elapsed hours: an absolute
// duration, unaffected by DST), BusinessDays (days skipping weekends and
// holidays, same wall-clock time).
type Offset struct {
	Months       int `json:"months,omitempty"`
	Days         int `json:"days,omitempty"`
	Hours        int `json:"hours,omitempty"`
	BusinessDays int `json:"business_days,omitempty"`
}

// Limits keep offsets sane (ten years at most).
const (
	maxMonths       = 120
	maxDays         = 3660
	maxHours        = 3660 * 24
	maxBusinessDays = 2610
	maxList         = 10  // conditional offsets, at_most clocks per stage
	maxRequired     = 200 // required fields per stage
	maxStages       = 50
)

// IsZero reports whether the offset is empty (due at the trigger).
func (o Offset) IsZero() bool { return o == Offset{} }

// String renders the offset: "72 h", "1 month", "30 days", "2 business days".
func (o Offset) String() string {
	var parts []string
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	if o.Months != 0 {
		parts = append(parts, plural(o.Months, "month", "months"))
	}
	if o.Days != 0 {
		parts = append(parts, plural(o.Days, "day", "days"))
	}
	if o.Hours != 0 {
		parts = append(parts, fmt.Sprintf("%d h", o.Hours))
	}
	if o.BusinessDays != 0 {
		parts = append(parts, plural(o.BusinessDays, "business day", "business days"))
	}
	if len(parts) == 0 {
		return "0 h"
	}
	return strings.Join(parts, " ")
}

// Validate checks the offset; errors name the component.
func (o Offset) Validate() error {
	check := func(field string, v, max int) error {
		if v < 0 {
			return apperr.Invalid(field, "must not be negative")
		}
		if v > max {
			return apperr.Invalid(field, "must be at most %d", max)
		}
		return nil
	}
	if err := check("months", o.Months, maxMonths); err != nil {
		return err
	}
	if err := check("days", o.Days, maxDays); err != nil {
		return err
	}
	if err := check("hours", o.Hours, maxHours); err != nil {
		return err
	}
	return check("business_days", o.BusinessDays, maxBusinessDays)
}

// Clock is a trigger plus an offset; used for "at most" limits.
type Clock struct {
	Trigger Trigger `json:"trigger"`
	Offset  Offset  `json:"offset"`
}

// ConditionalOffset replaces a stage's offset when a condition of the
// incident holds (Facts.Conditions[Condition] is true).
type ConditionalOffset struct {
	Condition string `json:"condition"`
	Offset    Offset `json:"offset"`
	Note      string `json:"note,omitempty"`
	NoteJA    string `json:"note_ja,omitempty"` // the note in Japanese
}

// NoteText is the conditional offset's note in both languages.
func (c ConditionalOffset) NoteText() Text { return Text{JA: c.NoteJA, EN: c.Note} }

// Stage is one report a regime requires.
type Stage struct {
	ID      string  `json:"id"`
	Name    Text    `json:"name"`
	Trigger Trigger `json:"trigger"`
	Offset  Offset  `json:"offset"`
	// OffsetIf: the first entry whose condition holds replaces Offset
	// (APPI: 60 days instead of 30 when the breach is malicious).
	OffsetIf []ConditionalOffset `json:"offset_if,omitempty"`
	// AtMost: further clocks; the deadline is the earliest of the main
	// clock and every AtMost clock whose trigger has happened (DORA: 4 h
	// after classification but at most 24 h after awareness). The stage
	// itself still starts only with its own trigger.
	AtMost []Clock `json:"at_most,omitempty"`
	// Required lists the report fields that must be filled at this stage.
	Required []string `json:"required,omitempty"`
	// Recurring stages repeat: after each submission the next one is due
	// Offset after it, until the incident is concluded (CIRCIA supplemental
	// reports).
	Recurring bool `json:"recurring,omitempty"`
	// EndOfDay moves the deadline to the end (23:59:59) of its calendar day
	// in the regime's time zone (day-counted periods, Japanese practice).
	EndOfDay bool `json:"end_of_day,omitempty"`
	// DORAWeekendRule: a deadline on a weekend day or holiday moves to
	// 12:00 noon of the next working day.
	DORAWeekendRule bool `json:"dora_weekend_rule,omitempty"`
	// WeekendRuleExemptIf names a condition under which the weekend rule
	// does not apply (DORA: significant credit institutions and others for
	// the initial and intermediate reports).
	WeekendRuleExemptIf string `json:"weekend_rule_exempt_if,omitempty"`
	// Editable stages may have their offset changed by an organisation
	// (WithStageOffset), e.g. while the ordinance is pending.
	Editable bool `json:"editable,omitempty"`
	// Notes explains the stage in English, NotesJA in Japanese (older
	// definitions have only notes; readers fall back to it).
	Notes   string `json:"notes,omitempty"`
	NotesJA string `json:"notes_ja,omitempty"`
}

// NotesText is the stage's notes in both languages.
func (s Stage) NotesText() Text { return Text{JA: s.NotesJA, EN: s.Notes} }

// Regime is one regulatory (or organisational) reporting regime.
type Regime struct {
	ID           string      `json:"id"`
	Name         Text        `json:"name"`
	Jurisdiction string      `json:"jurisdiction"`
	LegalSource  LegalSource `json:"legal_source"`
	Certainty    Certainty   `json:"certainty"`
	// TimeZone, when set, is the IANA zone in which calendar arithmetic
	// (days, months, end of day, weekends) is done; otherwise the location
	// passed to Timeline (the incident's / reporting entity's) is used.
	TimeZone string `json:"time_zone,omitempty"`
	// Notes explains the regime in English, NotesJA in Japanese (older
	// definitions have only notes; readers fall back to it).
	Notes   string  `json:"notes,omitempty"`
	NotesJA string  `json:"notes_ja,omitempty"`
	Stages  []Stage `json:"stages"`
}

// NotesText is the regime's notes in both languages.
func (r Regime) NotesText() Text { return Text{JA: r.NotesJA, EN: r.Notes} }

// In returns the text in lang ("en" or "ja"), falling back to the other
// language when it is missing (an organisation's regime may have only one).
func (t Text) In(lang string) string {
	if lang == "en" {
		if t.EN != "" {
			return t.EN
		}
		return t.JA
	}
	if t.JA != "" {
		return t.JA
	}
	return t.EN
}

// Limits of the free-text notes (characters).
const (
	MaxNotes = 4000 // regime and stage notes, per language
	MaxNote  = 1000 // a conditional offset's note, per language
)

// validateNotes checks notes in both languages; errors name field
// (English) or field+"_ja" (Japanese).
func validateNotes(field string, t Text, max int) error {
	for _, x := range []struct{ name, v string }{{field, t.EN}, {field + "_ja", t.JA}} {
		if !utf8.ValidString(x.v) {
			return apperr.Invalid(x.name, "is not valid UTF-8")
		}
		if n := utf8.RuneCountInString(x.v); n > max {
			return apperr.Invalid(x.name, "is too long (%d characters, at most %d)", n, max)
		}
	}
	return nil
}

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
	fieldPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.]{0,63}$`)
)

// Validate checks a clock; errors name the field.
func (t Trigger) Validate() error {
	if t.Kind == "" {
		return apperr.Invalid("kind", "is required")
	}
	if !triggerKinds[t.Kind] {
		return apperr.Invalid("kind", "unknown trigger kind %q", t.Kind)
	}
	if t.needsStage() {
		if t.AfterStage == "" {
			return apperr.Invalid("after_stage", "is required for trigger %q", t.Kind)
		}
		if !idPattern.MatchString(t.AfterStage) {
			return apperr.Invalid("after_stage", "is not a valid stage id")
		}
	} else if t.AfterStage != "" {
		return apperr.Invalid("after_stage", "is only allowed for previous_submission and notification triggers")
	}
	return nil
}

func (c Clock) validate() error {
	if err := c.Trigger.Validate(); err != nil {
		return apperr.Prefix(err, "trigger")
	}
	if err := c.Offset.Validate(); err != nil {
		return apperr.Prefix(err, "offset")
	}
	return nil
}

// Validate checks a stage on its own (references to other stages are
// checked by Regime.Validate); errors name the field.
func (s Stage) Validate() error {
	if s.ID == "" {
		return apperr.Invalid("id", "is required")
	}
	if !idPattern.MatchString(s.ID) {
		return apperr.Invalid("id", "must be lower-case letters, digits, '_', '.', '-' (at most 64)")
	}
	if err := validateText(s.Name); err != nil {
		return apperr.Prefix(err, "name")
	}
	if err := s.Trigger.Validate(); err != nil {
		return apperr.Prefix(err, "trigger")
	}
	if err := s.Offset.Validate(); err != nil {
		return apperr.Prefix(err, "offset")
	}
	if len(s.OffsetIf) > maxList {
		return apperr.Invalid("offset_if", "at most %d conditional offsets", maxList)
	}
	if len(s.AtMost) > maxList {
		return apperr.Invalid("at_most", "at most %d clocks", maxList)
	}
	if len(s.Required) > maxRequired {
		return apperr.Invalid("required", "at most %d fields", maxRequired)
	}
	for i, c := range s.OffsetIf {
		p := fmt.Sprintf("offset_if[%d]", i)
		if !fieldPattern.MatchString(c.Condition) {
			return apperr.Invalid(p+".condition", "must be a condition key (lower-case letters, digits, '_', '.')")
		}
		if err := c.Offset.Validate(); err != nil {
			return apperr.Prefix(err, p+".offset")
		}
		if err := validateNotes(p+".note", c.NoteText(), MaxNote); err != nil {
			return err
		}
	}
	for i, c := range s.AtMost {
		if err := c.validate(); err != nil {
			return apperr.Prefix(err, fmt.Sprintf("at_most[%d]", i))
		}
	}
	seen := map[string]bool{}
	for i, f := range s.Required {
		p := fmt.Sprintf("required[%d]", i)
		if !fieldPattern.MatchString(f) {
			return apperr.Invalid(p, "must be a report field name (lower-case letters, digits, '_', '.')")
		}
		if seen[f] {
			return apperr.Invalid(p, "duplicate field %q", f)
		}
		seen[f] = true
	}
	if s.WeekendRuleExemptIf != "" {
		if !s.DORAWeekendRule {
			return apperr.Invalid("weekend_rule_exempt_if", "requires dora_weekend_rule")
		}
		if !fieldPattern.MatchString(s.WeekendRuleExemptIf) {
			return apperr.Invalid("weekend_rule_exempt_if", "must be a condition key")
		}
	}
	if err := validateNotes("notes", s.NotesText(), MaxNotes); err != nil {
		return err
	}
	if s.Recurring && !s.Trigger.needsStage() {
		// A recurring stage must start from a submission, otherwise every
		// occurrence would be due at once.
		return apperr.Invalid("recurring", "requires a previous_submission or notification trigger")
	}
	return nil
}

func validateText(t Text) error {
	if strings.TrimSpace(t.JA) == "" && strings.TrimSpace(t.EN) == "" {
		return apperr.Invalid("en", "a Japanese or English name is required")
	}
	if len(t.JA) > 200 {
		return apperr.Invalid("ja", "is too long")
	}
	if len(t.EN) > 200 {
		return apperr.Invalid("en", "is too long")
	}
	return nil
}

// Validate checks the whole regime, including references between stages
// (no unknown stage, no cycles); errors name the field as a JSON path, e.g.
// "stages[2].trigger.after_stage".
func (r Regime) Validate() error {
	if r.ID == "" {
		return apperr.Invalid("id", "is required")
	}
	if !idPattern.MatchString(r.ID) {
		return apperr.Invalid("id", "must be lower-case letters, digits, '_', '.', '-' (at most 64)")
	}
	if err := validateText(r.Name); err != nil {
		return apperr.Prefix(err, "name")
	}
	if strings.TrimSpace(r.Jurisdiction) == "" {
		return apperr.Invalid("jurisdiction", "is required")
	}
	if strings.TrimSpace(r.LegalSource.Citation) == "" {
		return apperr.Invalid("legal_source.citation", "is required")
	}
	if r.LegalSource.URL != "" {
		u, err := url.Parse(r.LegalSource.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return apperr.Invalid("legal_source.url", "must be an absolute http(s) URL")
		}
	}
	if r.Certainty == "" {
		return apperr.Invalid("certainty", "is required")
	}
	if !certainties[r.Certainty] {
		return apperr.Invalid("certainty", "unknown certainty %q", r.Certainty)
	}
	if r.TimeZone != "" {
		if _, err := loadZone(r.TimeZone); err != nil {
			return apperr.Invalid("time_zone", "unknown time zone %q", r.TimeZone)
		}
	}
	if err := validateNotes("notes", r.NotesText(), MaxNotes); err != nil {
		return err
	}
	if len(r.Stages) == 0 {
		return apperr.Invalid("stages", "at least one stage is required")
	}
	if len(r.Stages) > maxStages {
		return apperr.Invalid("stages", "at most %d stages", maxStages)
	}
	index := map[string]int{}
	for i, s := range r.Stages {
		p := fmt.Sprintf("stages[%d]", i)
		if err := s.Validate(); err != nil {
			return apperr.Prefix(err, p)
		}
		if _, dup := index[s.ID]; dup {
			return apperr.Invalid(p+".id", "duplicate stage id %q", s.ID)
		}
		index[s.ID] = i
	}
	for i, s := range r.Stages {
		p := fmt.Sprintf("stages[%d]", i)
		check := func(t Trigger, field string) error {
			if !t.needsStage() {
				return nil
			}
			if t.AfterStage == s.ID {
				return apperr.Invalid(field, "a stage cannot follow itself (use recurring)")
			}
			if _, ok := index[t.AfterStage]; !ok {
				return apperr.Invalid(field, "unknown stage %q", t.AfterStage)
			}
			return nil
		}
		if err := check(s.Trigger, p+".trigger.after_stage"); err != nil {
			return err
		}
		for j, c := range s.AtMost {
			if err := check(c.Trigger, fmt.Sprintf("%s.at_most[%d].trigger.after_stage", p, j)); err != nil {
				return err
			}
		}
	}
	// Cycles through after_stage (main triggers and at_most clocks).
	state := make([]int, len(r.Stages)) // 0 new, 1 visiting, 2 done
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return apperr.Invalid(fmt.Sprintf("stages[%d].trigger.after_stage", i), "stages form a cycle through %q", r.Stages[i].ID)
		case 2:
			return nil
		}
		state[i] = 1
		s := r.Stages[i]
		deps := []Trigger{s.Trigger}
		for _, c := range s.AtMost {
			deps = append(deps, c.Trigger)
		}
		for _, t := range deps {
			if t.needsStage() {
				if err := visit(index[t.AfterStage]); err != nil {
					return err
				}
			}
		}
		state[i] = 2
		return nil
	}
	for i := range r.Stages {
		if err := visit(i); err != nil {
			return err
		}
	}
	return nil
}

// Stage returns the stage with the id.
func (r Regime) Stage(id string) (Stage, bool) {
	for _, s := range r.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return Stage{}, false
}

// WithStageOffset returns a copy of the regime with the stage's offset
// replaced, for stages marked editable (Japan's Active Cyber Defense
// reporting while the ordinance is pending). Conditional offsets are kept.
func (r Regime) WithStageOffset(stageID string, o Offset) (Regime, error) {
	if err := o.Validate(); err != nil {
		return r, apperr.Prefix(err, "offset")
	}
	c := r
	c.Stages = append([]Stage(nil), r.Stages...)
	for i, s := range c.Stages {
		if s.ID != stageID {
			continue
		}
		if !s.Editable {
			return r, apperr.Invalid("stage", "stage %q of regime %q is not editable", stageID, r.ID)
		}
		c.Stages[i].Offset = o
		return c, nil
	}
	return r, apperr.Invalid("stage", "regime %q has no stage %q", r.ID, stageID)
}

// loadZone loads an IANA zone; Asia/Tokyo falls back to a fixed +09:00
// zone (Japan has no DST) when the system has no zone database.
func loadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil && name == "Asia/Tokyo" {
		loc, err = time.FixedZone("JST", 9*3600), nil
	}
	if err != nil {
		return nil, err
	}
	if zoneCount.Add(1) <= maxCachedZones {
		zones.Store(name, loc)
	}
	return loc, nil
}

// zones caches loaded locations (bounded: names come from custom regimes).
var (
	zones     sync.Map
	zoneCount atomic.Int64
)

const maxCachedZones = 1000

// MaxSize is the largest regime definition Parse accepts.
const MaxSize = 1 << 20

// Parse decodes and validates a regime definition (JSON, the format of
// regimes/*.json; see docs/regimes.md). Unknown fields are rejected. Errors
// are apperr Invalid errors naming the field.
func Parse(data []byte) (Regime, error) {
	var r Regime
	if len(data) > MaxSize {
		return r, apperr.Invalid("", "regime definition larger than %d bytes", MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Regime{}, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Regime{}, apperr.Invalid("", "unexpected data after the regime definition")
	}
	if err := r.Validate(); err != nil {
		return Regime{}, err
	}
	return r, nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return apperr.Invalid(te.Field, "wrong JSON type: expected %s", te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return apperr.Invalid("", "malformed JSON at offset %d: %v", se.Offset, err)
	}
	msg := err.Error()
	if i := strings.Index(msg, "unknown field "); i >= 0 {
		name := strings.Trim(msg[i+len("unknown field "):], `"`)
		return apperr.Invalid(name, "unknown field")
	}
	return apperr.Invalid("", "malformed regime definition: %v", err)
}

//go:embed regimes/*.json
var builtinFS embed.FS

// Builtin returns the shipped regimes, sorted by id.
func Builtin() ([]Regime, error) {
	entries, err := builtinFS.ReadDir("regimes")
	if err != nil {
		return nil, err
	}
	var out []Regime
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".json" {
			continue
		}
		data, err := builtinFS.ReadFile("regimes/" + e.Name())
		if err != nil {
			return nil, err
		}
		r, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("regime: built-in %s: %w", e.Name(), err)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Find returns the regime with the id from a list.
func Find(regimes []Regime, id string) (Regime, bool) {
	for _, r := range regimes {
		if r.ID == id {
			return r, true
		}
	}
	return Regime{}, false
}
