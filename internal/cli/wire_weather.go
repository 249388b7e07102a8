package cli

import "sakimori/internal/weather"

// wireWeather creates the threat-weather and feedback service: feedback
// reads the reporter's view of a report through the reporting service and
// the correlation part from the correlation engine.
func (e *env) wireWeather() {
	e.weather = weather.New(e.db, e.log)
	e.weather.Reporting = e.reporting
	e.weather.Clusters = e.correlate
}
