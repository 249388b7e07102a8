-- Threat weather (issue #7): the daily level of a sector or an
-- organisation is computed from time windows over reports, sightings,
-- alerts, clusters and exposures (docs/weather.md); nothing is stored.
-- These indexes let the windows be read without walking every row.
CREATE INDEX incident_submissions_time ON incident_submissions(submitted_at);
CREATE INDEX sightings_sector_time ON sightings(sector, created_at);
CREATE INDEX sightings_reporter_time ON sightings(reporter_org, created_at);
