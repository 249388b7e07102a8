package api

// Threat weather and report feedback (issue #7): the daily level of an
// organisation and its sector with the reasons and the trend, the
// government's overview of every sector and organisation, and what the
// government did with one incident report.

import (
	"strconv"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
	"sakimori/internal/weather"
)

// weatherRoutes are the routes of threat weather and report feedback (issue #7).
func (a *API) weatherRoutes() []route {
	const tag = "weather"
	days := param{Name: "days", Type: "integer", Desc: "the trend's length in days, 1 to " + strconv.Itoa(weather.MaxDays) + " (default 7)"}
	rs := []route{
		{Method: "GET", Path: "/api/v1/weather", ID: "getWeather", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "WeatherReport",
			Summary: "Threat weather (脅威予報): today's level (clear, cloudy, rain, storm) with its reasons and the daily trend, for your organisation and its sector " +
				"(a sector's weather seen by an organisation outside the government follows the small-count rule: counts of 1 and 2 are banded, no points). " +
				"The government may ask for any organisation (org) or sector (sector). docs/weather.md gives the formula",
			Query: []param{
				{Name: "org", Type: "string", Desc: "an organisation's id or slug (the government; others only their own)"},
				{Name: "sector", Type: "string", Enum: strs(org.Sectors), Desc: "a sector (the government; others only their own)"},
				days,
			}, h: a.getWeather},
		{Method: "GET", Path: "/api/v1/weather/overview", ID: "getWeatherOverview", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "WeatherOverview",
			Summary: "Every sector's and organisation's weather, day by day (the government)", Query: []param{days}, h: a.getWeatherOverview},
		{Method: "GET", Path: "/api/v1/incidents/{id}/feedback", ID: "getIncidentFeedback", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "IncidentFeedback",
			Summary: "What the government did with a report: the correlation clusters its values belong to with the anonymised count of other organisations and sectors " +
				"that reported or sighted them, the published alerts linked to it that you may see, and the receivers' advice (the reporting organisation and the " +
				"government organisations it was submitted to)", h: a.getIncidentFeedback},
	}
	for i := range rs {
		h := rs[i].h
		rs[i].h = func(c *call) (int, any, error) {
			if c.api.opt.Weather == nil {
				return 0, nil, apperr.New(apperr.CodeUnavailable, "threat weather is not enabled on this server")
			}
			return h(c)
		}
	}
	return rs
}

// days reads ?days= (0 when absent: the service's default).
func (c *call) days() (int, error) {
	s := strings.TrimSpace(c.r.URL.Query().Get("days"))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > weather.MaxDays {
		return 0, apperr.Invalid("days", "must be a whole number from 1 to %d", weather.MaxDays)
	}
	return n, nil
}

func (a *API) getWeather(c *call) (int, any, error) {
	n, err := c.days()
	if err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	r, err := c.api.opt.Weather.Weather(c.r.Context(), c.p, weather.Query{Org: strings.TrimSpace(q.Get("org")),
		Sector: org.Sector(strings.TrimSpace(q.Get("sector"))), Days: n})
	return 200, r, err
}

func (a *API) getWeatherOverview(c *call) (int, any, error) {
	n, err := c.days()
	if err != nil {
		return 0, nil, err
	}
	o, err := c.api.opt.Weather.Overview(c.r.Context(), c.p, n)
	return 200, o, err
}

func (a *API) getIncidentFeedback(c *call) (int, any, error) {
	f, err := c.api.opt.Weather.Feedback(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, f, err
}
