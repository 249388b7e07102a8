package cli

import "sakimori/internal/weather"

// wireWeather creates the threat-weather and feedback service.
func (e *env) wireWeather() {
	e.weather = weather.New(e.db, e.log)
}
