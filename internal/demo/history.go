package demo

// The demo's history (issue #8): twelve weeks of the past, so that the
// charts (状況図) have something to draw: about sixty incident reports of
// the five operators, with ATT&CK techniques and jp-acd deadlines met,
// late and missed; indicators of several types and attack patterns shared
// week by week by the NCO; and sightings of them by the operators.
//
// The past is written with the store's clock (store.DB.Now) set back to
// each moment, as if the platform had been running then: reports are
// created and submitted then, sightings recorded then, indicators added
// then. That clock must only move forward for shared objects (their
// date_added is strictly increasing: TAXII clients page by it), so
// SeedHistory runs before SeedIntel on a new store; on a store that
// already has shared objects it adds no indicators.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/store"
)

// HistoryCollection is the alias of the collection of past advisories.
const HistoryCollection = "past-advisories"

// HistoryWeeks is how far back the history goes.
const HistoryWeeks = 12

// historyOrgs are the operators that report, with their weight (how
// often) and their receivers besides the NCO.
var historyOrgs = []struct {
	slug   string
	weight int
	meti   bool
}{
	{"toto-electric", 5, true}, {"kanto-chuo-railway", 3, false}, {"towa-mirai-bank", 4, false},
	{"hokusei-telecom", 3, false}, {"wangan-gas", 2, true},
}

// historyKinds are the kinds of incident in the history: a title, the
// event class and the ATT&CK techniques it names.
var historyKinds = []struct {
	ja, en     string
	class      report.EventClass
	techniques []string
}{
	{"標的型メールによるマルウェア感染", "Malware infection from a spear-phishing e-mail", report.ClassMalwareInfection, []string{"T1566", "T1204", "T1059"}},
	{"VPN装置の脆弱性を悪用した不正アクセス", "Unauthorised access exploiting a VPN appliance", report.ClassUnauthorisedAccess, []string{"T1190", "T1078"}},
	{"ランサムウェアによるファイル暗号化", "Files encrypted by ransomware", report.ClassMalwareInfection, []string{"T1486", "T1021", "T1078"}},
	{"DDoS 攻撃によるサービス停止", "Service outage from a DDoS attack", report.ClassDDoS, []string{"T1498"}},
	{"リモートデスクトップへの総当たり攻撃", "Brute force against remote desktop", report.ClassUnauthorisedAccess, []string{"T1110", "T1133"}},
	{"保守用アカウントの不正利用", "Misuse of a maintenance account", report.ClassStolenAdminCredentials, []string{"T1078", "T1133"}},
	{"C2 サーバへの不審な通信", "Suspicious traffic to a C2 server", report.ClassSuspiciousCommunication, []string{"T1071", "T1566"}},
	{"クラウドストレージへの情報持ち出し", "Data taken out to cloud storage", report.ClassOtherIntrusion, []string{"T1567", "T1078"}},
}

// rng is a small deterministic generator (the history is the same on
// every new store).
type rng uint64

func (r *rng) next(n int) int {
	*r = *r*6364136223846793005 + 1442695040888963407
	return int(uint64(*r>>33) % uint64(n))
}

// SeedHistory adds the history once (a store whose operators already have
// history reports is left alone) and says what it added.
func SeedHistory(ctx context.Context, svc *reporting.Service, in *intel.Service) (string, error) {
	db := svc.DB
	nco, err := db.GetOrg(ctx, "nco")
	if err != nil {
		return "", fmt.Errorf("demo: history: %w", err)
	}
	meti, err := db.GetOrg(ctx, "meti")
	if err != nil {
		return "", fmt.Errorf("demo: history: %w", err)
	}
	type reporter struct {
		o    *org.Organisation
		meti bool
	}
	var pool []reporter
	for _, h := range historyOrgs {
		o, err := db.GetOrg(ctx, h.slug)
		if err != nil {
			return "", fmt.Errorf("demo: history: %w", err)
		}
		for range h.weight {
			pool = append(pool, reporter{o, h.meti})
		}
		ins, err := db.ListIncidents(ctx, store.IncidentQuery{OrgID: o.ID, Q: "-H0", Limit: 1})
		if err != nil {
			return "", err
		}
		if len(ins) > 0 {
			return "already there", nil
		}
	}

	realNow := db.Now
	defer func() { db.Now = realNow }()
	now := realNow().UTC().Truncate(time.Minute)
	at := func(t time.Time) { db.Now = func() time.Time { return t } }
	start := now.Add(-HistoryWeeks * 7 * 24 * time.Hour)
	span := now.Sub(start)

	// ---- events, in time order -------------------------------------------------
	// Every write happens at its own moment, oldest first: reports created,
	// submissions, indicators, sightings.
	type event struct {
		t  time.Time
		fn func() error
	}
	var events []event
	add := func(t time.Time, fn func() error) {
		if t.Before(now) {
			events = append(events, event{t, fn})
		}
	}
	r := rng(20261130)
	act := audit.Actor{Name: Actor}
	reports, subs := 0, 0

	for i := range 60 {
		rp := pool[r.next(len(pool))]
		k := historyKinds[r.next(len(historyKinds))]
		aware := start.Add(time.Duration(int64(span) * int64(i) / 60)).Add(time.Duration(r.next(36)) * time.Hour).Truncate(time.Minute)
		detected, occurred := aware.Add(-time.Duration(1+r.next(6))*time.Hour), aware.Add(-time.Duration(6+r.next(48))*time.Hour)
		techniques := k.techniques[:1+r.next(len(k.techniques))]
		recipients := []string{nco.ID}
		if rp.meti {
			recipients = append(recipients, meti.ID)
		}
		// The prompt report (72 h): mostly on time, some late, a few never.
		var prompt *time.Time
		switch x := r.next(10); {
		case x < 7:
			t := aware.Add(time.Duration(4+r.next(60)) * time.Hour)
			prompt = &t
		case x < 9:
			t := aware.Add(time.Duration(76+r.next(50)) * time.Hour)
			prompt = &t
		}
		// The written report (30 days), for reports that went out.
		var written *time.Time
		if prompt != nil {
			switch x := r.next(10); {
			case x < 6:
				t := aware.Add(time.Duration(18+r.next(11)) * 24 * time.Hour)
				written = &t
			case x < 8:
				t := aware.Add(time.Duration(31+r.next(8)) * 24 * time.Hour)
				written = &t
			}
		}
		n := i + 1
		known := func(src string) report.Meta {
			t := aware
			return report.Meta{State: report.StateKnown, Confidence: report.Confirmed, AsOf: &t, Source: src}
		}
		c := report.Content{
			Class:      report.Field[report.EventClass]{Value: k.class, Meta: known("SOC")},
			Summary:    report.Field[string]{Value: k.ja + " / " + k.en, Meta: known("SOC")},
			Occurred:   report.Field[*time.Time]{Value: &occurred, Meta: known("ログ / logs")},
			Detected:   report.Field[*time.Time]{Value: &detected, Meta: known("SOC")},
			Aware:      report.Field[*time.Time]{Value: &aware, Meta: known("CSIRT")},
			Techniques: report.Field[[]string]{Value: techniques, Meta: known("CSIRT")},
		}
		title := fmt.Sprintf("%s（%s）", k.ja, aware.In(report.JST).Format("1/2"))
		ref := fmt.Sprintf("INC-%d-H%03d", aware.In(report.JST).Year(), n)
		var id string
		add(aware.Add(30*time.Minute), func() error {
			x := &incident.Incident{OrgID: rp.o.ID, Ref: ref, Title: title, Content: c, Recipients: recipients, Partners: []string{},
				Regimes:      []incident.RegimeChoice{{Regime: "jp-acd", Reportable: incident.ReportableYes}},
				InfoRequests: []incident.InfoRequest{}, Links: []incident.Link{}, DefaultTLP: "amber", CreatedBy: Actor,
				Triage: historyTriage(aware, now, techniques)}
			v := &incident.Version{Title: title, Content: c, SavedBy: Actor, Note: "履歴 / history"}
			if err := db.CreateIncident(ctx, act, x, v, []incident.Event{{ActorName: Actor, OrgID: rp.o.ID, Kind: "created"}}); err != nil {
				return fmt.Errorf("demo: history report %s: %w", ref, err)
			}
			id = x.ID
			reports++
			return nil
		})
		for _, s := range []struct {
			stage, kind string
			t           *time.Time
		}{{"prompt", incident.KindReport, prompt}, {"written", incident.KindReport, written}} {
			if s.t == nil {
				continue
			}
			add(*s.t, func() error {
				var out []*incident.Submission
				for _, to := range recipients {
					b, err := json.Marshal(reporting.Body{Format: reporting.BodyFormat, Incident: id, Ref: ref, Title: title,
						Reporter:  reporting.Reporter{ID: rp.o.ID, Slug: rp.o.Slug, Name: rp.o.Name, Kind: rp.o.Kind, Sector: rp.o.Sector, Contact: rp.o.Contact},
						Recipient: to, Regime: "jp-acd", Stage: s.stage, Kind: s.kind, Version: 1, Submitted: *s.t, By: Actor, Content: c})
					if err != nil {
						return err
					}
					out = append(out, &incident.Submission{Recipient: to, Regime: "jp-acd", Stage: s.stage, Kind: s.kind, Version: 1,
						SubmittedAt: *s.t, SubmittedBy: Actor, Body: b})
				}
				_, err := db.UpdateIncident(ctx, id, func(x *incident.Incident) (*store.IncidentChange, error) {
					x.State, x.SubmittedVersion = incident.Submitted, 1
					if s.stage == "written" {
						x.State = incident.Final
					}
					return &store.IncidentChange{Submissions: out, Events: []incident.Event{{ActorName: Actor, OrgID: rp.o.ID, Kind: "submitted", Shared: true,
						Text: "jp-acd " + s.stage}}}, nil
				})
				if err != nil {
					return fmt.Errorf("demo: history report %s: %w", ref, err)
				}
				subs += len(out)
				return nil
			})
		}
		// Three days after the written report the organisation closes the
		// report: nothing more to say (those without one stay open).
		if written != nil {
			add(written.Add(72*time.Hour), func() error {
				_, err := db.UpdateIncident(ctx, id, func(x *incident.Incident) (*store.IncidentChange, error) {
					x.State, x.Concluded = incident.Closed, true
					return &store.IncidentChange{Events: []incident.Event{{ActorName: Actor, OrgID: rp.o.ID, Kind: "closed", Shared: true}}}, nil
				})
				if err != nil {
					return fmt.Errorf("demo: history report %s: %w", ref, err)
				}
				return nil
			})
		}
	}

	// ---- indicators: the NCO shares some each week (a new store only) ----
	objs, err := db.CountObjects(ctx, store.ObjectQuery{OwnerOrg: nco.ID})
	if err != nil {
		return "", err
	}
	indicators, sightings := 0, 0
	var sighted []string
	if objs == 0 {
		ncoP := &auth.Principal{System: Actor, Org: nco}
		coll := &share.Collection{Alias: HistoryCollection, Title: org.Names{JA: "過去の注意喚起指標", EN: "Past advisory indicators"},
			Description: "デモの履歴：過去12週間に共有された指標 / Demo history: indicators shared over the past twelve weeks",
			OwnerOrgID:  nco.ID, TLP: marking.TLPGreen, WritePolicy: share.WriteOwner}
		add(start, func() error {
			return in.CreateCollection(ctx, ncoP, coll)
		})
		types := []func(n int) string{
			func(n int) string { return fmt.Sprintf("[ipv4-addr:value = '203.0.113.%d']", 100+n%150) },
			func(n int) string { return fmt.Sprintf("[ipv4-addr:value = '198.51.100.%d']", 100+n%150) },
			func(n int) string { return fmt.Sprintf("[domain-name:value = 'cdn-update%d.example.net']", n) },
			func(n int) string { return fmt.Sprintf("[url:value = 'https://login-portal%d.example.org/auth']", n) },
			func(n int) string { return fmt.Sprintf("[file:hashes.'SHA-256' = '%064x']", 0xdead0000+n) },
			func(n int) string { return fmt.Sprintf("[email-addr:value = 'notice%d@mail.example.com']", n) },
		}
		n := 0
		for w := range HistoryWeeks {
			week := start.Add(time.Duration(w) * 7 * 24 * time.Hour)
			count := 4 + r.next(8)
			var batch []string
			for range count {
				n++
				pat := types[r.next(len(types))](n)
				id := fmt.Sprintf("indicator--%08x-4d1e-4a11-9c00-%012x", 0x51570000+n, n)
				batch = append(batch, id)
				created := week.Add(time.Duration(r.next(5*24)) * time.Hour)
				ts := created.Format("2006-01-02T15:04:05.000Z")
				raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"%s","created":"%s","modified":"%s","name":"%s",`+
					`"pattern":"%s","pattern_type":"stix","valid_from":"%s","confidence":%d}`,
					id, ts, ts, strings.ReplaceAll(pat, "'", ""), strings.ReplaceAll(pat, `'`, `\u0027`), ts, 50+r.next(50))
				raw = strings.ReplaceAll(raw, `\u0027`, `'`)
				add(created.Add(time.Minute), func() error {
					o, err := stix.Parse([]byte(raw))
					if err != nil {
						return fmt.Errorf("demo: history indicator: %w", err)
					}
					j, err := in.Ingest(ctx, ncoP, HistoryCollection, []*stix.Object{o}, intel.IngestOptions{Source: "demo-history"})
					if err != nil {
						return fmt.Errorf("demo: history indicator: %w", err)
					}
					indicators += j.Accepted
					return nil
				})
			}
			sighted = append(sighted, batch...)
			// And an attack pattern the week's advisory describes.
			k := historyKinds[r.next(len(historyKinds))]
			tech := k.techniques[r.next(len(k.techniques))]
			created := week.Add(time.Duration(2+r.next(4*24)) * time.Hour)
			ts := created.Format("2006-01-02T15:04:05.000Z")
			ap := fmt.Sprintf(`{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--%08x-4d1e-4a11-9c00-%012x","created":"%s","modified":"%s",`+
				`"name":"%s","external_references":[{"source_name":"mitre-attack","external_id":"%s"}]}`, 0x5a770000+w, w, ts, ts, k.en, tech)
			add(created.Add(time.Minute), func() error {
				o, err := stix.Parse([]byte(ap))
				if err != nil {
					return fmt.Errorf("demo: history attack pattern: %w", err)
				}
				if _, err := in.Ingest(ctx, ncoP, HistoryCollection, []*stix.Object{o}, intel.IngestOptions{Source: "demo-history"}); err != nil {
					return fmt.Errorf("demo: history attack pattern: %w", err)
				}
				return nil
			})
		}
		// Sightings of them, by the operators, growing towards the present.
		for w := range HistoryWeeks {
			week := start.Add(time.Duration(w) * 7 * 24 * time.Hour)
			for range 3 + w + r.next(6) {
				rp := pool[r.next(len(pool))]
				sid := sighted[r.next(min(len(sighted), 4*(w+1)+4))]
				t := week.Add(time.Duration(24+r.next(6*24)) * time.Hour)
				add(t, func() error {
					s := &share.Sighting{StixID: sid, ReporterOrgID: rp.o.ID, ReporterUser: Actor, Sector: rp.o.Sector, Count: 1 + r.next(20),
						FirstSeen: t.Add(-2 * time.Hour), LastSeen: t}
					if err := db.AddSighting(ctx, act, s); err != nil {
						return fmt.Errorf("demo: history sighting: %w", err)
					}
					sightings++
					return nil
				})
			}
		}
	}

	// Play the history in time order.
	sortEvents := func() {
		for i := 1; i < len(events); i++ {
			for j := i; j > 0 && events[j].t.Before(events[j-1].t); j-- {
				events[j], events[j-1] = events[j-1], events[j]
			}
		}
	}
	sortEvents()
	for _, e := range events {
		at(e.t)
		if err := e.fn(); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d past reports (%d submissions), %d indicators and %d sightings over %d weeks", reports, subs, indicators, sightings, HistoryWeeks), nil
}

// historyTriage is the NCO's triage of a past report as of now: reports
// of the last five days still wait for it (the triage queue is the
// present's work), older ones were triaged a day after they came in, and
// those older than three weeks are done.
func historyTriage(aware, now time.Time, techniques []string) incident.Triage {
	age := now.Sub(aware)
	if age < 5*24*time.Hour {
		return incident.Triage{}
	}
	at := aware.Add(24 * time.Hour)
	t := incident.Triage{Severity: "medium", Status: "triaged", UpdatedBy: "国家サイバー統括室 / NCO", UpdatedAt: &at}
	if len(techniques) > 2 {
		t.Severity = "high"
	}
	if age > 21*24*time.Hour {
		t.Status = "done"
	}
	return t
}
