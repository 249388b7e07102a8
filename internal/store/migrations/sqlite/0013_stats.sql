-- Charts (issue #8): reports are counted per week from their first
-- submission, and sightings per week over everyone's (the government's
-- view); these indexes let an organisation's own reports and the whole
-- platform's sightings be read by time without walking every row (the
-- sightings index covers what the weekly count reads).
CREATE INDEX incident_submissions_org_time ON incident_submissions(org_id, submitted_at);
CREATE INDEX sightings_time ON sightings(created_at, false_positive, reporter_org);
