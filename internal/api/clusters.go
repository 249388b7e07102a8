package api

// Correlation clusters (issue #7, docs/correlation.md): candidate
// campaigns built from what two or more independent organisations
// reported, sighted or shared, for government analysts only (a cluster
// names the organisations involved). Every route answers 403 to anyone
// else; the correlation service decides.

import (
	"strconv"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/correlate"
	"sakimori/internal/org"
)

// ClusterUpdateInput is the body of PATCH /api/v1/clusters/{ref}.
type ClusterUpdateInput = correlate.Update

// clusterRoutes are the routes of correlation clusters (government analysts) (issue #7).
func (a *API) clusterRoutes() []route {
	const tag = "clusters"
	rs := []route{
		{Method: "GET", Path: "/api/v1/clusters", ID: "listClusters", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ClusterList",
			Summary: "Correlation clusters, the most recently seen first (government only). Merged clusters only with status=merged",
			Query: []param{
				{Name: "status", Type: "string", Enum: []string{"open", "confirmed", "dismissed", "merged"}, Desc: "only clusters in this status (default: all but merged)"},
				{Name: "min_strength", Type: "integer", Desc: "only clusters at least this strong, 0 to 100"},
				{Name: "since", Type: "string", Desc: "only clusters last seen at or after this time (RFC 3339) or date (2026-11-01)"},
				{Name: "limit", Type: "integer", Desc: "at most this many, 1 to 1000 (default 100)"},
			}, h: a.listClusters},
		{Method: "GET", Path: "/api/v1/clusters/{ref}", ID: "getCluster", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ClusterDetail",
			Summary: "A cluster (by id or CL-YYYY-NNNN) with its evidence values (kind, organisations count, first and last seen, capped and why) and the organisations involved with their sectors (government only)",
			h:       a.getCluster},
		{Method: "PATCH", Path: "/api/v1/clusters/{ref}", ID: "updateCluster", Tag: tag, Scope: org.ScopeWrite, Body: "ClusterUpdateInput", Status: 200, Resp: "Cluster",
			Summary: "Confirm, dismiss or reopen a cluster, retitle it or annotate it (government analysts); absent fields stay. Audited; publishes cluster.updated",
			h:       a.updateCluster},
		{Method: "GET", Path: "/api/v1/incidents/{id}/clusters", ID: "listIncidentClusters", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "ClusterList",
			Summary: "The clusters a report's values are evidence of (government only; the reporter's view is the anonymised feedback)",
			h:       a.listIncidentClusters},
	}
	for i := range rs {
		h := rs[i].h
		rs[i].h = func(c *call) (int, any, error) {
			if c.api.opt.Correlate == nil {
				return 0, nil, apperr.New(apperr.CodeUnavailable, "correlation is not enabled on this server")
			}
			return h(c)
		}
	}
	return rs
}

func (c *call) corr() *correlate.Service { return c.api.opt.Correlate }

// parseSince reads an RFC 3339 time or a date.
func parseSince(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, apperr.Invalid(field, "must be an RFC 3339 time or a date (2026-11-01)")
}

func (a *API) listClusters(c *call) (int, any, error) {
	v := c.r.URL.Query()
	q := correlate.Query{Status: v.Get("status")}
	var err error
	if s := v.Get("min_strength"); s != "" {
		if q.MinStrength, err = strconv.Atoi(s); err != nil {
			return 0, nil, apperr.Invalid("min_strength", "must be a whole number from 0 to 100")
		}
	}
	if q.Since, err = parseSince("since", v.Get("since")); err != nil {
		return 0, nil, err
	}
	if q.Limit, err = c.limit(100); err != nil {
		return 0, nil, err
	}
	cs, err := c.corr().List(c.r.Context(), c.p, q)
	return 200, listOf(cs), err
}

func (a *API) getCluster(c *call) (int, any, error) {
	d, err := c.corr().Get(c.r.Context(), c.p, c.r.PathValue("ref"))
	return 200, d, err
}

func (a *API) updateCluster(c *call) (int, any, error) {
	var in ClusterUpdateInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	cl, err := c.corr().Change(c.r.Context(), c.p, c.r.PathValue("ref"), in)
	return 200, cl, err
}

func (a *API) listIncidentClusters(c *call) (int, any, error) {
	cs, err := c.corr().ClustersForIncident(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, listOf(cs), err
}
