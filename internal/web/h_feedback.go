package web

// Feedback on an incident report (issue #7 part 3): what the government
// did with it. /incidents/{id}/feedback shows the section on a page of its
// own; feedbackSection renders the same section for the incident page.

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"sakimori/internal/weather"
)

// feedbackRoutes registers the feedback page (called by weatherRoutes).
func (s *server) feedbackRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	mux.Handle("GET /incidents/{id}/feedback", s.user(s.feedbackPage))
}

type fbCluster struct {
	Ref, Title, Status string
	Strength           int
}

type fbValue struct{ Kind, Value, Others string }

type fbAlert struct {
	Ref, Severity, Title string
	Published            time.Time
}

type fbAdvice struct {
	At                time.Time
	Kind, Actor, Text string
}

// fbData is the feedback section's data.
type fbData struct {
	IncidentID, Ref, Title, Back string
	Correlation                  bool
	Summary                      string
	Clusters                     []fbCluster
	Values                       []fbValue
	Alerts                       []fbAlert
	Advice                       []fbAdvice
}

func (s *server) feedbackData(rq *req, fb *weather.Feedback) fbData {
	others := func(o weather.Others) string {
		if o.Suppressed && o.FewerThan > 0 {
			return rq.T("fb.fewer_than", o.FewerThan)
		}
		return rq.T("fb.others", o.Orgs, o.Sectors)
	}
	d := fbData{IncidentID: fb.IncidentID, Ref: fb.Ref, Title: fb.Title, Back: "/incidents/" + url.PathEscape(fb.IncidentID)}
	if c := fb.Correlation; c != nil {
		d.Correlation, d.Summary = true, c.Text.In(rq.lang)
		for _, x := range c.Clusters {
			st := x.Status
			if k, ok := clusterStatusKeys[st]; ok {
				st = rq.T(k)
			}
			d.Clusters = append(d.Clusters, fbCluster{Ref: x.Ref, Title: x.Title, Status: st, Strength: x.Strength})
		}
		for _, v := range c.Values {
			d.Values = append(d.Values, fbValue{Kind: v.Kind, Value: v.Value, Others: others(v.Others)})
		}
	}
	for _, a := range fb.Alerts {
		title := a.Title.In(rq.lang)
		if title == "" {
			title = a.Title.JA
		}
		d.Alerts = append(d.Alerts, fbAlert{Ref: a.Ref, Severity: rq.T(alertKey("al.sev.", a.Severity)), Title: title, Published: a.PublishedAt})
	}
	for _, a := range fb.Advice {
		d.Advice = append(d.Advice, fbAdvice{At: a.At, Kind: rq.T("inc.comment." + a.Kind), Actor: a.ActorName, Text: a.Text})
	}
	return d
}

func (s *server) feedbackPage(w http.ResponseWriter, rq *req) {
	fb, err := s.opt.Weather.Feedback(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "feedback", s.feedbackData(rq, fb))
}

// feedbackSection renders the feedback section of incident id for the
// incident page ("" when the reader may not see it or weather is off).
func (s *server) feedbackSection(rq *req, id string) template.HTML {
	if s.opt.Weather == nil {
		return ""
	}
	fb, err := s.opt.Weather.Feedback(rq.Context(), rq.P, id)
	if err != nil {
		return ""
	}
	t := s.pages[rq.lang]["feedback"]
	if t == nil {
		return ""
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "feedback_section", s.feedbackData(rq, fb)); err != nil {
		s.log.Error("web: feedback section", "err", err)
		return ""
	}
	return template.HTML(b.String())
}
