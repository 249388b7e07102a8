-- Threat weather (issue #7): the daily level of a sector or an
-- organisation is computed from time windows over reports, sightings,
-- alerts, clusters and exposures (docs/weather.md); nothing is stored.
-- These indexes let the windows be read without walking every row.
CREATE INDEX sightings_sector_time ON sightings(sector, created_at);
CREATE INDEX sightings_reporter_time ON sightings(reporter_org, created_at);
CREATE INDEX alerts_weather ON alerts(state, updated_at);
