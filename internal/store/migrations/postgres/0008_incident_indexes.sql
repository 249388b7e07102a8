-- A receiver's view reads the submissions of one incident to one
-- recipient in order: with only (incident_id) the planner preferred the
-- recipient index and walked every submission the NCO ever received. The
-- receivers' list walks incidents newest first and stops at its limit.
DROP INDEX incident_submissions_incident;
CREATE INDEX incident_submissions_incident ON incident_submissions(incident_id, recipient, submitted_at);
CREATE INDEX incidents_updated ON incidents(updated_at);
