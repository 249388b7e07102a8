package api

// Charts (issue #8): the numbers behind each chart of the dashboard's
// /charts page, counted within the caller's entitlement.

import (
	"strconv"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
	"sakimori/internal/stats"
)

// statsRoutes are the routes of the charts' numbers.
func (a *API) statsRoutes() []route {
	return []route{
		{Method: "GET", Path: "/api/v1/stats/{chart}", ID: "getStats", Tag: "stats", Scope: org.ScopeRead, Status: 200, Resp: "Stats",
			Summary: "A chart's numbers per JST week (docs/charts.md): reports (incident reports first submitted each week, by the reporter's sector: " +
				"those submitted to your organisation for the government, your own otherwise), techniques (the top ATT&CK techniques of those reports), " +
				"indicators (indicators you may read first shared each week, by observable type), deadlines (reporting deadlines that fell due each week " +
				"per regime: met, late, missed) or sightings (your organisation's and your sector's each week, weeks seen by fewer than 2 organisations " +
				"of the sector withheld; everyone's for the government)",
			Query: []param{{Name: "weeks", Type: "integer", Desc: "the window in weeks, 1 to " + strconv.Itoa(stats.MaxWeeks) + " (default " + strconv.Itoa(stats.DefaultWeeks) + ")"}},
			h:     a.getStats},
	}
}

func (a *API) getStats(c *call) (int, any, error) {
	if c.api.opt.Stats == nil {
		return 0, nil, apperr.New(apperr.CodeUnavailable, "charts are not enabled on this server")
	}
	n := 0
	if s := strings.TrimSpace(c.r.URL.Query().Get("weeks")); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > stats.MaxWeeks {
			return 0, nil, apperr.Invalid("weeks", "must be a whole number from 1 to %d", stats.MaxWeeks)
		}
	}
	st, err := c.api.opt.Stats.Get(c.r.Context(), c.p, c.r.PathValue("chart"), n)
	return 200, st, err
}
