package web

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sakimori/internal/i18n"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/weather"
	"sakimori/internal/weather/weathertest"
)

// TestFeedbackSection: the section the incident page embeds is the
// feedback page's, in the reader's language, and empty for anyone the
// report's feedback is not for.
func TestFeedbackSection(t *testing.T) {
	db, dsn := weathertest.Open(t, store.SQLite)
	w := reportingtest.New(t, db)
	seed := weathertest.Seed(t, dsn, w)
	rep := reporting.New(db, inteltest.Quiet)
	rep.Now = func() time.Time { return weathertest.Now }
	ws := weather.New(db, inteltest.Quiet)
	ws.Reporting, ws.Now = rep, rep.Now
	s := &server{opt: Options{Weather: ws, Reporting: rep}, log: slog.New(slog.DiscardHandler)}
	if err := s.parseTemplates(); err != nil {
		t.Fatal(err)
	}
	rq := func(user, lang string) *req {
		return &req{Request: httptest.NewRequest("GET", "/incidents/x", nil), P: w.P(user), lang: lang, tr: i18n.For(lang)}
	}
	id := seed.Incidents[0]
	if got := string(s.feedbackSection(rq("op-a-analyst", "ja"), id)); !strings.Contains(got, `id="feedback"`) || !strings.Contains(got, "この報告へのフィードバック") {
		t.Errorf("ja: %s", got)
	}
	if got := string(s.feedbackSection(rq("nco-analyst", "en"), id)); !strings.Contains(got, "Feedback on this report") {
		t.Errorf("en: %s", got)
	}
	for _, who := range []string{"op-b-admin", "npa-analyst"} {
		if got := s.feedbackSection(rq(who, "en"), id); got != "" {
			t.Errorf("%s: %s", who, got)
		}
	}
	s.opt.Weather = nil
	if got := s.feedbackSection(rq("op-a-analyst", "en"), id); got != "" {
		t.Errorf("without weather: %s", got)
	}
}

// TestFeedbackLabels: cluster states and alert severities are shown in
// the reader's language, not as their identifiers.
func TestFeedbackLabels(t *testing.T) {
	s := &server{}
	rq := &req{Request: httptest.NewRequest("GET", "/", nil), lang: "ja", tr: i18n.For("ja")}
	fb := &weather.Feedback{IncidentID: "i", Alerts: []weather.AlertRef{{Ref: "ALR-2026-0001", Severity: "high"}}}
	fb.Correlation = &weather.Correlation{}
	fb.Correlation.Clusters = append(fb.Correlation.Clusters, weather.ClusterRef{Ref: "CL-2026-0001", Status: "open"})
	d := s.feedbackData(rq, fb)
	if len(d.Clusters) != 1 || d.Clusters[0].Status != "未確認" || len(d.Alerts) != 1 || d.Alerts[0].Severity != "高" {
		t.Errorf("labels: %+v %+v", d.Clusters, d.Alerts)
	}
}
