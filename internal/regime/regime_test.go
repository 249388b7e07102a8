package regime

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zone database
	"unicode"

	"sakimori/internal/apperr"
)

var (
	tokyo    = mustLoc("Asia/Tokyo")
	brussels = mustLoc("Europe/Brussels")
	newYork  = mustLoc("America/New_York")
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at parses "2006-01-02 15:04" in loc.
func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func atp(loc *time.Location, s string) *time.Time { t := at(loc, s); return &t }

func builtin(t *testing.T, id string) Regime {
	t.Helper()
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r, ok := Find(all, id)
	if !ok {
		t.Fatalf("no built-in regime %q", id)
	}
	return r
}

func stageOf(t *testing.T, ds []Due, stage string) Due {
	t.Helper()
	for _, d := range ds {
		if d.Stage == stage {
			return d
		}
	}
	t.Fatalf("no stage %q in timeline", stage)
	return Due{}
}

func fieldOf(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return "<not an apperr>"
}

func TestBuiltin(t *testing.T) {
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"eu-dora", "eu-nis2", "jp-acd", "jp-appi", "us-circia"}
	if len(all) != len(want) {
		t.Fatalf("got %d regimes, want %d", len(all), len(want))
	}
	for i, r := range all {
		if r.ID != want[i] {
			t.Errorf("regime %d = %q, want %q", i, r.ID, want[i])
		}
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
		if r.Name.JA == "" || r.Name.EN == "" || r.LegalSource.Citation == "" || r.LegalSource.URL == "" || r.Certainty == "" || r.Notes == "" {
			t.Errorf("%s: name, legal source, certainty and notes are required of shipped regimes", r.ID)
		}
		// Notes in both languages wherever there is an English note
		// (Japanese users read the Japanese one).
		if !hasJapanese(r.NotesJA) {
			t.Errorf("%s: notes_ja missing or not Japanese: %q", r.ID, r.NotesJA)
		}
		for _, s := range r.Stages {
			if s.Name.JA == "" || s.Name.EN == "" || len(s.Required) == 0 || s.Notes == "" {
				t.Errorf("%s/%s: bilingual name, required fields and notes expected", r.ID, s.ID)
			}
			if !hasJapanese(s.NotesJA) {
				t.Errorf("%s/%s: notes_ja missing or not Japanese: %q", r.ID, s.ID, s.NotesJA)
			}
			for i, c := range s.OffsetIf {
				if c.Note != "" && !hasJapanese(c.NoteJA) {
					t.Errorf("%s/%s offset_if[%d]: note_ja missing or not Japanese: %q", r.ID, s.ID, i, c.NoteJA)
				}
				if c.NoteJA != "" && c.Note == "" {
					t.Errorf("%s/%s offset_if[%d]: note_ja without an English note", r.ID, s.ID, i)
				}
			}
		}
	}
	// The Japanese notes use the terms of Japanese practice.
	for id, terms := range map[string][]string{
		"jp-acd":  {"特定侵害事象", "遅滞なく"},
		"jp-appi": {"速やかに", "個人情報保護委員会"},
		"eu-dora": {"重大なICT関連インシデント"},
	} {
		r, _ := Find(all, id)
		text := r.NotesJA
		for _, s := range r.Stages {
			text += s.NotesJA
		}
		for _, term := range terms {
			if !strings.Contains(text, term) {
				t.Errorf("%s: Japanese notes do not use %q", id, term)
			}
		}
	}
}

// hasJapanese: s contains hiragana, katakana or kanji.
func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// An organisation's regime written before notes_ja existed (a plain
// English "notes" string at every level) still loads, and reads in either
// language with the English text.
func TestNotesBilingual(t *testing.T) {
	old := strings.Replace(customOK, `"certainty": "custom",`, `"certainty": "custom", "notes": "Tell the CISO first.",`, 1)
	old = strings.Replace(old, `"required": ["event_class"]`, `"required": ["event_class"], "notes": "Phone, then e-mail.", "offset_if": [{"condition": "malicious", "offset": {"hours": 1}, "note": "Faster when malicious."}]`, 1)
	r, err := Parse([]byte(old))
	if err != nil {
		t.Fatalf("old regime with English-only notes: %v", err)
	}
	for _, lang := range []string{"ja", "en"} {
		if got := r.NotesText().In(lang); got != "Tell the CISO first." {
			t.Errorf("%s regime notes = %q", lang, got)
		}
		if got := r.Stages[0].NotesText().In(lang); got != "Phone, then e-mail." {
			t.Errorf("%s stage notes = %q", lang, got)
		}
		if got := r.Stages[0].OffsetIf[0].NoteText().In(lang); got != "Faster when malicious." {
			t.Errorf("%s offset_if note = %q", lang, got)
		}
	}
	// Both languages: each reads its own; Japanese only: English falls back.
	both := strings.Replace(old, `"notes": "Tell the CISO first.",`, `"notes": "Tell the CISO first.", "notes_ja": "まずCISOに連絡。",`, 1)
	both = strings.Replace(both, `"note": "Faster when malicious."`, `"note": "Faster when malicious.", "note_ja": "悪意ある場合は短縮。"`, 1)
	r, err = Parse([]byte(both))
	if err != nil {
		t.Fatal(err)
	}
	if ja, en := r.NotesText().In("ja"), r.NotesText().In("en"); ja != "まずCISOに連絡。" || en != "Tell the CISO first." {
		t.Errorf("notes ja %q en %q", ja, en)
	}
	if ja := r.Stages[0].OffsetIf[0].NoteText().In("ja"); ja != "悪意ある場合は短縮。" {
		t.Errorf("offset_if note ja %q", ja)
	}
	jaOnly := strings.Replace(customOK, `"certainty": "custom",`, `"certainty": "custom", "notes_ja": "まずCISOに連絡。",`, 1)
	if r, err = Parse([]byte(jaOnly)); err != nil || r.NotesText().In("en") != "まずCISOに連絡。" {
		t.Errorf("Japanese-only notes: %v, en reads %q", err, r.NotesText().In("en"))
	}
	// A round trip through JSON keeps both languages.
	b, _ := json.Marshal(r)
	if r2, err := Parse(b); err != nil || r2.NotesJA != r.NotesJA {
		t.Errorf("round trip: %v %q", err, r2.NotesJA)
	}
}

// deadlineCase: one stage of one shipped regime for given facts.
type deadlineCase struct {
	name   string
	regime string
	stage  string
	facts  Facts
	loc    *time.Location
	hol    Holidays
	want   time.Time // compared as an instant
	basis  string    // substring of Basis, if set
}

func TestDeadlines(t *testing.T) {
	sub := func(kv ...any) map[string]time.Time {
		m := map[string]time.Time{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(time.Time)
		}
		return m
	}
	xmasHolidays, _ := NewHolidays("2026-12-25", "2026-12-26")
	mondayHoliday, _ := NewHolidays("2026-12-07")
	cases := []deadlineCase{
		// Japan Active Cyber Defense: computed in Japan time whatever loc.
		{name: "acd prompt 72h", regime: "jp-acd", stage: "prompt", loc: tokyo,
			facts: Facts{Aware: atp(tokyo, "2026-11-30 10:00")}, want: at(tokyo, "2026-12-03 10:00"),
			basis: "72 h after awareness 2026-11-30 10:00 JST"},
		{name: "acd written 30 days end of day", regime: "jp-acd", stage: "written", loc: tokyo,
			facts: Facts{Aware: atp(tokyo, "2026-11-30 10:00")}, want: at(tokyo, "2026-12-30 23:59").Add(59 * time.Second)},
		{name: "acd written counted in JST even with a UTC loc", regime: "jp-acd", stage: "written", loc: time.UTC,
			facts: Facts{Aware: atp(time.UTC, "2026-11-30 20:00")}, // 2026-12-01 05:00 JST
			want:  at(tokyo, "2026-12-31 23:59").Add(59 * time.Second)},
		// APPI.
		{name: "appi preliminary 5 days", regime: "jp-appi", stage: "preliminary", loc: tokyo,
			facts: Facts{Aware: atp(tokyo, "2026-11-30 10:00")}, want: at(tokyo, "2026-12-05 23:59").Add(59 * time.Second)},
		{name: "appi confirmed 30 days", regime: "jp-appi", stage: "confirmed", loc: tokyo,
			facts: Facts{Aware: atp(tokyo, "2026-11-30 10:00")}, want: at(tokyo, "2026-12-30 23:59").Add(59 * time.Second)},
		{name: "appi confirmed 60 days when malicious", regime: "jp-appi", stage: "confirmed", loc: tokyo,
			facts: Facts{Aware: atp(tokyo, "2026-11-30 10:00"), Conditions: map[string]bool{"malicious": true}},
			want:  at(tokyo, "2027-01-29 23:59").Add(59 * time.Second), basis: `(condition "malicious")`},
		{name: "appi other conditions keep 30 days", regime: "jp-appi", stage: "confirmed", loc: tokyo,
			facts: Facts{Aware: atp(tokyo, "2026-11-30 10:00"), Conditions: map[string]bool{"malicious": false, "other": true}},
			want:  at(tokyo, "2026-12-30 23:59").Add(59 * time.Second)},
		// NIS2.
		{name: "nis2 early warning", regime: "eu-nis2", stage: "early_warning", loc: brussels,
			facts: Facts{Aware: atp(brussels, "2026-11-30 10:00")}, want: at(brussels, "2026-12-01 10:00"),
			basis: "24 h after awareness 2026-11-30 10:00 CET"},
		{name: "nis2 notification", regime: "eu-nis2", stage: "notification", loc: brussels,
			facts: Facts{Aware: atp(brussels, "2026-11-30 10:00")}, want: at(brussels, "2026-12-03 10:00")},
		{name: "nis2 early warning across DST: 24 elapsed hours", regime: "eu-nis2", stage: "early_warning", loc: brussels,
			facts: Facts{Aware: atp(brussels, "2026-03-28 23:30")}, want: at(brussels, "2026-03-30 00:30"),
			basis: "2026-03-28 23:30 CET"},
		{name: "nis2 final one month after notification", regime: "eu-nis2", stage: "final", loc: brussels,
			facts: Facts{Aware: atp(brussels, "2026-11-30 10:00"), Submissions: sub("notification", at(brussels, "2026-12-02 15:00"))},
			want:  at(brussels, "2027-01-02 15:00"), basis: "1 month after notification notification 2026-12-02 15:00 CET"},
		{name: "nis2 final month end clamps to Feb 28", regime: "eu-nis2", stage: "final", loc: brussels,
			facts: Facts{Submissions: sub("notification", at(brussels, "2027-01-31 09:00"))}, want: at(brussels, "2027-02-28 09:00")},
		{name: "nis2 final month end leap year Feb 29", regime: "eu-nis2", stage: "final", loc: brussels,
			facts: Facts{Submissions: sub("notification", at(brussels, "2028-01-31 09:00"))}, want: at(brussels, "2028-02-29 09:00")},
		{name: "nis2 final month across DST keeps wall clock", regime: "eu-nis2", stage: "final", loc: brussels,
			facts: Facts{Submissions: sub("notification", at(brussels, "2026-03-10 10:00"))}, want: at(brussels, "2026-04-10 10:00")},
		// CIRCIA.
		{name: "circia 72h across US DST", regime: "us-circia", stage: "covered_incident", loc: newYork,
			facts: Facts{ReasonableBelief: atp(newYork, "2026-03-06 12:00")}, want: at(newYork, "2026-03-09 13:00"),
			basis: "72 h after reasonable belief 2026-03-06 12:00 EST"},
		{name: "circia ransom 24h across US DST", regime: "us-circia", stage: "ransom_payment", loc: newYork,
			facts: Facts{RansomPaid: atp(newYork, "2026-03-07 09:00")}, want: at(newYork, "2026-03-08 10:00")},
		{name: "circia first supplemental after the covered report", regime: "us-circia", stage: "supplemental", loc: newYork,
			facts: Facts{Submissions: sub("covered_incident", at(newYork, "2026-03-09 10:00"))}, want: at(newYork, "2026-03-16 10:00")},
		{name: "circia next supplemental after the latest one", regime: "us-circia", stage: "supplemental", loc: newYork,
			facts: Facts{Submissions: sub("covered_incident", at(newYork, "2026-03-09 10:00"), "supplemental", at(newYork, "2026-03-20 08:00"))},
			want:  at(newYork, "2026-03-27 08:00"), basis: "after the latest supplemental"},
		// DORA.
		{name: "dora initial 4h after classification", regime: "eu-dora", stage: "initial", loc: brussels,
			facts: Facts{Aware: atp(brussels, "2026-11-30 09:00"), Classified: atp(brussels, "2026-11-30 11:00")},
			want:  at(brussels, "2026-11-30 15:00"), basis: "at most 24 h after awareness"},
		{name: "dora initial capped at 24h after awareness (earlier of)", regime: "eu-dora", stage: "initial", loc: brussels,
			facts: Facts{Aware: atp(brussels, "2026-11-30 09:00"), Classified: atp(brussels, "2026-12-01 07:00")},
			want:  at(brussels, "2026-12-01 09:00"), basis: "24 h after awareness 2026-11-30 09:00 CET, earlier than 4 h after classification"},
		{name: "dora initial on Saturday moves to Monday noon", regime: "eu-dora", stage: "initial", loc: brussels,
			facts: Facts{Aware: atp(brussels, "2026-12-04 20:00"), Classified: atp(brussels, "2026-12-04 22:00")},
			want:  at(brussels, "2026-12-07 12:00"), basis: "falls on Saturday (2026-12-05)"},
		{name: "dora initial weekend rule exempt", regime: "eu-dora", stage: "initial", loc: brussels,
			facts: Facts{Aware: atp(brussels, "2026-12-04 20:00"), Classified: atp(brussels, "2026-12-04 22:00"), Conditions: map[string]bool{"dora_weekend_exempt": true}},
			want:  at(brussels, "2026-12-05 02:00")},
		{name: "dora initial on a holiday moves past holiday and weekend", regime: "eu-dora", stage: "initial", loc: brussels, hol: xmasHolidays,
			facts: Facts{Aware: atp(brussels, "2026-12-24 10:00"), Classified: atp(brussels, "2026-12-24 22:00")},
			want:  at(brussels, "2026-12-28 12:00"), basis: "falls on a holiday (2026-12-25)"},
		{name: "dora intermediate on a working day stays", regime: "eu-dora", stage: "intermediate", loc: brussels,
			facts: Facts{Submissions: sub("initial", at(brussels, "2026-12-01 10:00"))}, want: at(brussels, "2026-12-04 10:00")},
		{name: "dora intermediate on Saturday moves to Monday noon", regime: "eu-dora", stage: "intermediate", loc: brussels,
			facts: Facts{Submissions: sub("initial", at(brussels, "2026-12-02 10:00"))}, want: at(brussels, "2026-12-07 12:00")},
		{name: "dora intermediate Saturday, Monday holiday: Tuesday noon", regime: "eu-dora", stage: "intermediate", loc: brussels, hol: mondayHoliday,
			facts: Facts{Submissions: sub("initial", at(brussels, "2026-12-02 10:00"))}, want: at(brussels, "2026-12-08 12:00")},
		{name: "dora final one month after latest intermediate, Sunday moves", regime: "eu-dora", stage: "final", loc: brussels,
			facts: Facts{Submissions: sub("initial", at(brussels, "2026-12-01 10:00"), "intermediate", at(brussels, "2026-12-31 10:00"))},
			want:  at(brussels, "2027-02-01 12:00"), basis: "falls on Sunday (2027-01-31)"},
		{name: "dora final weekend rule is not exempt", regime: "eu-dora", stage: "final", loc: brussels,
			facts: Facts{Conditions: map[string]bool{"dora_weekend_exempt": true}, Submissions: sub("intermediate", at(brussels, "2026-12-31 10:00"))},
			want:  at(brussels, "2027-02-01 12:00")},
		{name: "dora weekend judged in the entity's location", regime: "eu-dora", stage: "intermediate", loc: tokyo,
			// Friday 2026-12-04 23:00 in Brussels is Saturday 07:00 in Tokyo.
			facts: Facts{Submissions: sub("initial", at(brussels, "2026-12-01 23:00"))}, want: at(tokyo, "2026-12-07 12:00")},
	}
	now := at(time.UTC, "2026-01-01 00:00")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := builtin(t, c.regime)
			d := stageOf(t, r.Timeline(c.facts, c.loc, c.hol, now), c.stage)
			if d.Due == nil {
				t.Fatalf("due = nil (status %s, basis %q)", d.Status, d.Basis)
			}
			if !d.Due.Equal(c.want) {
				t.Errorf("due = %s, want %s (basis %q)", d.Due.In(c.loc).Format(time.RFC3339), c.want.In(c.loc).Format(time.RFC3339), d.Basis)
			}
			if c.basis != "" && !strings.Contains(d.Basis, c.basis) {
				t.Errorf("basis %q does not contain %q", d.Basis, c.basis)
			}
			if d.Regime != c.regime || d.Trigger == "" || d.Start == nil {
				t.Errorf("due %+v: regime, trigger and start expected", d)
			}
		})
	}
}

func TestDSTElapsedHours(t *testing.T) {
	// 2026-03-28 23:30 CET + 24 h is 2026-03-30 00:30 CEST: 24 elapsed
	// hours, although the wall clock moved by 25 h.
	aware := at(brussels, "2026-03-28 23:30")
	d := stageOf(t, builtin(t, "eu-nis2").Timeline(Facts{Aware: &aware}, brussels, nil, aware), "early_warning")
	if got := d.Due.Sub(aware); got != 24*time.Hour {
		t.Errorf("elapsed = %s, want 24h", got)
	}
	if _, off := d.Due.In(brussels).Zone(); off != 2*3600 {
		t.Errorf("due should be in CEST, offset %d", off)
	}
	rb := at(newYork, "2026-03-06 12:00")
	d = stageOf(t, builtin(t, "us-circia").Timeline(Facts{ReasonableBelief: &rb}, newYork, nil, rb), "covered_incident")
	if got := d.Due.Sub(rb); got != 72*time.Hour {
		t.Errorf("elapsed = %s, want 72h", got)
	}
}

func TestAddMonths(t *testing.T) {
	cases := []struct {
		from, want string
		n          int
	}{
		{"2026-01-31 10:00", "2026-02-28 10:00", 1},
		{"2028-01-31 10:00", "2028-02-29 10:00", 1},
		{"2026-03-31 10:00", "2026-04-30 10:00", 1},
		{"2026-08-31 10:00", "2026-09-30 10:00", 1},
		{"2026-12-31 10:00", "2027-02-28 10:00", 2},
		{"2026-11-30 10:00", "2026-12-30 10:00", 1},
		{"2026-02-28 10:00", "2026-03-28 10:00", 1},
		{"2026-05-15 10:00", "2027-05-15 10:00", 12},
	}
	for _, c := range cases {
		got := AddMonths(at(tokyo, c.from), c.n, tokyo)
		if !got.Equal(at(tokyo, c.want)) {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.n, got.Format(time.RFC3339), c.want)
		}
	}
}

func TestOffsetApply(t *testing.T) {
	mon, _ := NewHolidays("2026-12-07")
	cases := []struct {
		name string
		o    Offset
		from string
		hol  Holidays
		want string
	}{
		{"business day over weekend", Offset{BusinessDays: 1}, "2026-12-04 10:00", nil, "2026-12-07 10:00"},
		{"business day over weekend and holiday", Offset{BusinessDays: 1}, "2026-12-04 10:00", mon, "2026-12-08 10:00"},
		{"five business days", Offset{BusinessDays: 5}, "2026-12-01 09:00", nil, "2026-12-08 09:00"},
		{"calendar days across DST keep wall clock", Offset{Days: 1}, "2026-03-28 23:30", nil, "2026-03-29 23:30"},
		{"months then days then hours", Offset{Months: 1, Days: 1, Hours: 2}, "2026-01-31 10:00", nil, "2026-03-01 12:00"},
	}
	for _, c := range cases {
		got := c.o.Apply(at(brussels, c.from), brussels, c.hol)
		if !got.Equal(at(brussels, c.want)) {
			t.Errorf("%s: got %s, want %s", c.name, got.In(brussels).Format(time.RFC3339), c.want)
		}
	}
	if _, err := NewHolidays("2026-13-01"); fieldOf(err) != "holidays[0]" {
		t.Errorf("bad holiday: %v", err)
	}
}

func TestStatuses(t *testing.T) {
	r := builtin(t, "eu-nis2")
	aware := at(brussels, "2026-11-30 10:00")
	cases := []struct {
		name   string
		now    time.Time
		subs   map[string]time.Time
		stage  string
		want   Status
		hasDue bool
	}{
		{"open", aware.Add(10 * time.Hour), nil, "early_warning", StatusOpen, true},
		{"due soon within 6h", aware.Add(20 * time.Hour), nil, "early_warning", StatusDueSoon, true},
		{"due soon within 25% of 72h (18h)", aware.Add(55 * time.Hour), nil, "notification", StatusDueSoon, true},
		{"not yet due soon", aware.Add(53 * time.Hour), nil, "notification", StatusOpen, true},
		{"overdue", aware.Add(25 * time.Hour), nil, "early_warning", StatusOverdue, true},
		{"submitted", aware.Add(25 * time.Hour), map[string]time.Time{"early_warning": aware.Add(23 * time.Hour)}, "early_warning", StatusSubmitted, true},
		{"submitted late", aware.Add(40 * time.Hour), map[string]time.Time{"early_warning": aware.Add(30 * time.Hour)}, "early_warning", StatusSubmittedLate, true},
		{"waiting for the notification", aware.Add(10 * time.Hour), nil, "final", StatusWaiting, false},
		{"final open after notification", aware.Add(80 * time.Hour), map[string]time.Time{"notification": aware.Add(70 * time.Hour)}, "final", StatusOpen, true},
		{"final due soon by fraction (7 days of a month left)", aware.Add(70*time.Hour + 24*24*time.Hour), map[string]time.Time{"notification": aware.Add(70 * time.Hour)}, "final", StatusDueSoon, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := stageOf(t, r.Timeline(Facts{Aware: &aware, Submissions: c.subs}, brussels, nil, c.now), c.stage)
			if d.Status != c.want {
				t.Errorf("status = %s, want %s (due %v, basis %q)", d.Status, c.want, d.Due, d.Basis)
			}
			if (d.Due != nil) != c.hasDue {
				t.Errorf("due = %v, want present=%v", d.Due, c.hasDue)
			}
		})
	}
	// DORA before classification: waiting, but the basis says what the
	// 24 h limit from awareness already allows.
	dora := builtin(t, "eu-dora")
	d := stageOf(t, dora.Timeline(Facts{Aware: &aware}, brussels, nil, aware), "initial")
	if d.Status != StatusWaiting || d.Due != nil || !strings.Contains(d.Basis, "at most 24 h after awareness 2026-11-30 10:00 CET = 2026-12-01 10:00 CET") {
		t.Errorf("dora initial before classification: %s %v %q", d.Status, d.Due, d.Basis)
	}
	// Nothing known yet: every stage waits.
	for _, d := range r.Timeline(Facts{}, brussels, nil, aware) {
		if d.Status != StatusWaiting || d.Due != nil {
			t.Errorf("%s: %s %v, want waiting without due", d.Stage, d.Status, d.Due)
		}
	}
}

func TestRecurringSupplemental(t *testing.T) {
	r := builtin(t, "us-circia")
	covered := at(newYork, "2026-03-09 10:00")
	supp := at(newYork, "2026-03-20 08:00")
	now := at(newYork, "2026-03-21 08:00")
	cases := []struct {
		name      string
		f         Facts
		status    Status
		due       *time.Time
		submitted bool
	}{
		{"waiting before the covered report", Facts{}, StatusWaiting, nil, false},
		{"first one overdue", Facts{Submissions: map[string]time.Time{"covered_incident": covered}}, StatusOverdue, ptr(at(newYork, "2026-03-16 10:00")), false},
		{"next one open after the latest", Facts{Submissions: map[string]time.Time{"covered_incident": covered, "supplemental": supp}}, StatusOpen, ptr(at(newYork, "2026-03-27 08:00")), false},
		{"concluded after a supplemental", Facts{Concluded: true, Submissions: map[string]time.Time{"covered_incident": covered, "supplemental": supp}}, StatusSubmitted, nil, true},
		{"concluded without any", Facts{Concluded: true, Submissions: map[string]time.Time{"covered_incident": covered}}, StatusNotRequired, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := stageOf(t, r.Timeline(c.f, newYork, nil, now), "supplemental")
			if d.Status != c.status || !d.Recurring {
				t.Errorf("status = %s recurring=%v, want %s", d.Status, d.Recurring, c.status)
			}
			if (c.due == nil) != (d.Due == nil) || (c.due != nil && !c.due.Equal(*d.Due)) {
				t.Errorf("due = %v, want %v", d.Due, c.due)
			}
			if c.name == "next one open after the latest" && d.Trigger != "previous_submission:supplemental" {
				t.Errorf("trigger = %q", d.Trigger)
			}
			if (d.Submitted != nil) != c.submitted {
				t.Errorf("submitted = %v", d.Submitted)
			}
		})
	}
}

func ptr(t time.Time) *time.Time { return &t }

func TestMissing(t *testing.T) {
	r := builtin(t, "eu-nis2")
	aware := at(brussels, "2026-11-30 10:00")
	filled := map[string]bool{"aware": true, "class": true, "contacts": true}
	f := Facts{Aware: &aware, Filled: func(s string) bool { return filled[s] }}
	ds := r.Timeline(f, brussels, nil, aware)
	ew := stageOf(t, ds, "early_warning")
	if strings.Join(ew.Missing, ",") != "cross_border" {
		t.Errorf("early warning missing %v, want [cross_border]", ew.Missing)
	}
	if got := ew.MissingText(); got != `regime "eu-nis2" stage "early_warning": missing cross_border` {
		t.Errorf("MissingText = %q", got)
	}
	n := stageOf(t, ds, "notification")
	if strings.Join(n.Missing, ",") != "impact,iocs,cross_border" {
		t.Errorf("notification missing %v", n.Missing)
	}
	// A waiting stage already says what it will need.
	if fin := stageOf(t, ds, "final"); len(fin.Missing) != 5 {
		t.Errorf("final missing %v, want all 5", fin.Missing)
	}
	// Nil Filled: everything is missing.
	if d := stageOf(t, r.Timeline(Facts{Aware: &aware}, brussels, nil, aware), "early_warning"); len(d.Missing) != 4 {
		t.Errorf("missing %v, want all 4", d.Missing)
	}
	// Submitted: nothing is reported missing.
	f.Submissions = map[string]time.Time{"early_warning": aware.Add(time.Hour)}
	if d := stageOf(t, r.Timeline(f, brussels, nil, aware), "early_warning"); d.Missing != nil || d.MissingText() != "" {
		t.Errorf("submitted stage missing %v", d.Missing)
	}
}

func TestCheckFacts(t *testing.T) {
	occ := at(tokyo, "2026-11-30 08:00")
	det := at(tokyo, "2026-11-30 09:00")
	aw := at(tokyo, "2026-11-30 10:00")
	early := at(tokyo, "2026-11-29 10:00")
	var zero time.Time
	cases := []struct {
		name  string
		f     Facts
		field string
	}{
		{"valid", Facts{Occurred: &occ, Detected: &det, Aware: &aw, Classified: &aw, ReasonableBelief: &aw, RansomPaid: &aw,
			Submissions: map[string]time.Time{"prompt": aw}}, ""},
		{"empty is valid", Facts{}, ""},
		{"detection before occurrence", Facts{Occurred: &occ, Detected: &early}, "detected"},
		{"awareness before detection", Facts{Detected: &det, Aware: &occ}, "aware"},
		{"awareness before occurrence", Facts{Occurred: &det, Aware: &occ}, "aware"},
		{"classification before awareness", Facts{Aware: &aw, Classified: &det}, "classified"},
		{"reasonable belief before detection", Facts{Detected: &det, ReasonableBelief: &occ}, "reasonable_belief"},
		{"ransom before occurrence", Facts{Occurred: &occ, RansomPaid: &early}, "ransom_paid"},
		{"submission before occurrence", Facts{Occurred: &occ, Submissions: map[string]time.Time{"prompt": early}}, "submissions.prompt"},
		{"zero time", Facts{Aware: &zero}, "aware"},
		{"zero submission", Facts{Submissions: map[string]time.Time{"x": zero}}, "submissions.x"},
	}
	for _, c := range cases {
		err := CheckFacts(c.f)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, apperr.ErrInvalid) || fieldOf(err) != c.field {
			t.Errorf("%s: err %v (field %q), want invalid %q", c.name, err, fieldOf(err), c.field)
		}
	}
}

const customOK = `{
  "id": "acme-internal",
  "name": {"ja": "社内報告", "en": "Internal reporting"},
  "jurisdiction": "ACME",
  "legal_source": {"citation": "ACME security policy 4.2", "url": "https://example.com/policy"},
  "certainty": "custom",
  "stages": [
    {"id": "ciso", "name": {"en": "CISO notice"}, "trigger": {"kind": "detection"}, "offset": {"hours": 2}, "required": ["event_class"]},
    {"id": "board", "name": {"en": "Board report"}, "trigger": {"kind": "previous_submission", "after_stage": "ciso"}, "offset": {"business_days": 2}}
  ]
}`

func TestParse(t *testing.T) {
	r, err := Parse([]byte(customOK))
	if err != nil {
		t.Fatal(err)
	}
	det := at(tokyo, "2026-12-04 09:00") // a Friday
	ds := r.Timeline(Facts{Detected: &det, Submissions: map[string]time.Time{"ciso": det.Add(time.Hour)}}, tokyo, nil, det)
	if d := stageOf(t, ds, "board"); !d.Due.Equal(at(tokyo, "2026-12-08 10:00")) {
		t.Errorf("board due %v", d.Due)
	}
}

func TestParseErrors(t *testing.T) {
	repl := func(old, new string) string {
		if !strings.Contains(customOK, old) {
			panic("test fixture: " + old)
		}
		return strings.Replace(customOK, old, new, 1)
	}
	cases := []struct {
		name, doc, field string
	}{
		{"missing id", repl(`"id": "acme-internal",`, ``), "id"},
		{"bad id", repl(`"acme-internal"`, `"ACME internal"`), "id"},
		{"no name", repl(`{"ja": "社内報告", "en": "Internal reporting"}`, `{}`), "name.en"},
		{"no jurisdiction", repl(`"ACME"`, `" "`), "jurisdiction"},
		{"no citation", repl(`"ACME security policy 4.2"`, `""`), "legal_source.citation"},
		{"bad url", repl(`https://example.com/policy`, `ftp:/x`), "legal_source.url"},
		{"unknown certainty", repl(`"custom"`, `"maybe"`), "certainty"},
		{"unknown time zone", repl(`"certainty": "custom",`, `"certainty": "custom", "time_zone": "Mars/Olympus",`), "time_zone"},
		{"unknown trigger kind", repl(`"kind": "detection"`, `"kind": "rumour"`), "stages[0].trigger.kind"},
		{"after_stage missing", repl(`, "after_stage": "ciso"`, ``), "stages[1].trigger.after_stage"},
		{"after_stage unknown", repl(`"after_stage": "ciso"`, `"after_stage": "cfo"`), "stages[1].trigger.after_stage"},
		{"after_stage on awareness", repl(`{"kind": "detection"}`, `{"kind": "detection", "after_stage": "board"}`), "stages[0].trigger.after_stage"},
		{"cycle", repl(`{"kind": "detection"}`, `{"kind": "notification", "after_stage": "board"}`), "stages[0].trigger.after_stage"},
		{"negative offset", repl(`{"hours": 2}`, `{"hours": -2}`), "stages[0].offset.hours"},
		{"huge offset", repl(`{"business_days": 2}`, `{"business_days": 1000000}`), "stages[1].offset.business_days"},
		{"duplicate stage", repl(`"id": "board"`, `"id": "ciso"`), "stages[1].id"},
		{"bad required field", repl(`["event_class"]`, `["Event Class"]`), "stages[0].required[0]"},
		{"duplicate required field", repl(`["event_class"]`, `["event_class", "event_class"]`), "stages[0].required[1]"},
		{"stage without name", repl(`"name": {"en": "CISO notice"}`, `"name": {}`), "stages[0].name.en"},
		{"recurring from awareness", repl(`"offset": {"hours": 2}`, `"offset": {"hours": 2}, "recurring": true`), "stages[0].recurring"},
		{"exemption without weekend rule", repl(`"offset": {"hours": 2}`, `"offset": {"hours": 2}, "weekend_rule_exempt_if": "x"`), "stages[0].weekend_rule_exempt_if"},
		{"bad conditional offset", repl(`"offset": {"hours": 2}`, `"offset": {"hours": 2}, "offset_if": [{"condition": "malicious", "offset": {"days": -1}}]`), "stages[0].offset_if[0].offset.days"},
		{"bad at_most", repl(`"offset": {"hours": 2}`, `"offset": {"hours": 2}, "at_most": [{"trigger": {"kind": "x"}, "offset": {}}]`), "stages[0].at_most[0].trigger.kind"},
		{"no stages", repl(customOK[strings.Index(customOK, `"stages"`):strings.LastIndex(customOK, "]")+1], `"stages": []`), "stages"},
		{"notes too long", repl(`"certainty": "custom",`, `"certainty": "custom", "notes": "`+strings.Repeat("x", MaxNotes+1)+`",`), "notes"},
		{"notes_ja too long", repl(`"certainty": "custom",`, `"certainty": "custom", "notes_ja": "`+strings.Repeat("注", MaxNotes+1)+`",`), "notes_ja"},
		{"stage notes_ja too long", repl(`"offset": {"hours": 2}`, `"offset": {"hours": 2}, "notes_ja": "`+strings.Repeat("注", MaxNotes+1)+`"`), "stages[0].notes_ja"},
		{"stage notes too long", repl(`"offset": {"hours": 2}`, `"offset": {"hours": 2}, "notes": "`+strings.Repeat("x", MaxNotes+1)+`"`), "stages[0].notes"},
		{"conditional note_ja too long", repl(`"offset": {"hours": 2}`, `"offset": {"hours": 2}, "offset_if": [{"condition": "malicious", "offset": {"days": 1}, "note_ja": "`+strings.Repeat("注", MaxNote+1)+`"}]`), "stages[0].offset_if[0].note_ja"},
		{"conditional note too long", repl(`"offset": {"hours": 2}`, `"offset": {"hours": 2}, "offset_if": [{"condition": "malicious", "offset": {"days": 1}, "note": "`+strings.Repeat("x", MaxNote+1)+`"}]`), "stages[0].offset_if[0].note"},
		{"unknown field", repl(`"jurisdiction"`, `"bogus": 1, "jurisdiction"`), "bogus"},
		{"wrong type", repl(`{"hours": 2}`, `{"hours": "2"}`), "stages.offset.hours"},
		{"trailing data", customOK + `{}`, ""},
		{"malformed", `{"id": `, ""},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc))
		if !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: err = %v, want invalid", c.name, err)
			continue
		}
		if fieldOf(err) != c.field {
			t.Errorf("%s: field = %q, want %q (%v)", c.name, fieldOf(err), c.field, err)
		}
	}
}

func TestWithStageOffset(t *testing.T) {
	acd := builtin(t, "jp-acd")
	r, err := acd.WithStageOffset("prompt", Offset{Hours: 24})
	if err != nil {
		t.Fatal(err)
	}
	aw := at(tokyo, "2026-11-30 10:00")
	if d := stageOf(t, r.Timeline(Facts{Aware: &aw}, tokyo, nil, aw), "prompt"); !d.Due.Equal(aw.Add(24 * time.Hour)) {
		t.Errorf("edited prompt due %v", d.Due)
	}
	if s, _ := acd.Stage("prompt"); s.Offset.Hours != 72 {
		t.Errorf("original regime changed: %+v", s.Offset)
	}
	if _, err := builtin(t, "jp-appi").WithStageOffset("confirmed", Offset{Days: 10}); fieldOf(err) != "stage" {
		t.Errorf("non-editable stage: %v", err)
	}
	if _, err := acd.WithStageOffset("nope", Offset{Days: 10}); fieldOf(err) != "stage" {
		t.Errorf("unknown stage: %v", err)
	}
	if _, err := acd.WithStageOffset("prompt", Offset{Days: -1}); fieldOf(err) != "offset.days" {
		t.Errorf("bad offset: %v", err)
	}
}

func TestTimelinesSorted(t *testing.T) {
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	aw := at(tokyo, "2026-11-30 10:00")
	ds := Timelines(all, Facts{Aware: &aw, Detected: &aw, Occurred: &aw}, tokyo, nil, aw)
	seenNil := false
	for i, d := range ds {
		if d.Due == nil {
			seenNil = true
			continue
		}
		if seenNil {
			t.Fatalf("dated stage after a waiting one at %d", i)
		}
		if i > 0 && ds[i-1].Due != nil && ds[i-1].Due.After(*d.Due) {
			t.Fatalf("not sorted at %d", i)
		}
	}
	if ds[0].Regime != "eu-nis2" || ds[0].Stage != "early_warning" {
		t.Errorf("first = %s/%s, want eu-nis2/early_warning", ds[0].Regime, ds[0].Stage)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("regimes/*.json")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(customOK))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"stages":[{"trigger":{"kind":"notification","after_stage":"a"}}]}`))
	aw := at(brussels, "2026-03-28 23:30")
	facts := Facts{Occurred: &aw, Detected: &aw, Aware: &aw, Classified: &aw, ReasonableBelief: &aw, RansomPaid: &aw,
		Conditions: map[string]bool{"malicious": true}}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("non-invalid error %v", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted regime does not validate: %v", err)
		}
		subs := map[string]time.Time{}
		for _, s := range r.Stages {
			subs[s.ID] = aw.Add(time.Hour)
		}
		facts.Submissions = subs
		if ds := r.Timeline(facts, brussels, nil, aw); len(ds) != len(r.Stages) {
			t.Fatalf("timeline has %d entries for %d stages", len(ds), len(r.Stages))
		}
	})
}

func TestParseLimits(t *testing.T) {
	clocks := strings.Repeat(`{"trigger": {"kind": "awareness"}, "offset": {"business_days": 2610}},`, 11)
	doc := strings.Replace(customOK, `"offset": {"hours": 2}`, `"offset": {"hours": 2}, "at_most": [`+strings.TrimSuffix(clocks, ",")+`]`, 1)
	if _, err := Parse([]byte(doc)); fieldOf(err) != "stages[0].at_most" {
		t.Errorf("too many at_most clocks: %v", err)
	}
	if _, err := Parse(make([]byte, MaxSize+1)); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("oversized: %v", err)
	}
	// The slowest accepted stage still computes quickly.
	slow := strings.Replace(customOK, `"offset": {"hours": 2}`, `"offset": {"months": 120, "days": 3660, "hours": 87840, "business_days": 2610}, "at_most": [`+strings.TrimSuffix(strings.Repeat(`{"trigger": {"kind": "detection"}, "offset": {"business_days": 2610}},`, 10), ",")+`]`, 1)
	r, err := Parse([]byte(slow))
	if err != nil {
		t.Fatal(err)
	}
	det := at(tokyo, "2026-12-04 09:00")
	start := time.Now()
	r.Timeline(Facts{Detected: &det}, tokyo, nil, det)
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("timeline took %s", el)
	}
}

// The example in docs/regimes.md parses.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/regimes.md")
	if err != nil {
		t.Skip("docs not present:", err)
	}
	s := string(doc)
	i := strings.Index(s, "```json\n")
	j := strings.Index(s[i+8:], "```")
	if i < 0 || j < 0 {
		t.Fatal("no JSON example in docs/regimes.md")
	}
	r, err := Parse([]byte(s[i+8 : i+8+j]))
	if err != nil {
		t.Fatal(err)
	}
	det := at(tokyo, "2026-12-04 09:00") // Friday
	ds := r.Timeline(Facts{Detected: &det, Conditions: map[string]bool{"malicious": true},
		Submissions: map[string]time.Time{"ciso": det.Add(time.Hour)}}, time.UTC, nil, det)
	if d := stageOf(t, ds, "board"); !d.Due.Equal(at(tokyo, "2026-12-07 10:00")) {
		t.Errorf("board due %v (%s)", d.Due, d.Basis)
	}
}
