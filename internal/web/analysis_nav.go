package web

// analysisNav adds the government-analysis sections (issue #7) to the
// navigation: each feature's file adds its own entries.
func (s *server) analysisNav(rq *req, items []navItem) []navItem {
	items = s.weatherNav(rq, items)
	items = s.alertNav(rq, items)
	items = s.clusterNav(rq, items)
	items = s.pushNav(rq, items)
	items = s.chartsNav(rq, items)
	return items
}
