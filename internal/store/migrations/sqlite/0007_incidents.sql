-- Incident reporting (issue #5): incident reports with their saved content
-- versions, the immutable submissions to receivers, the history of events,
-- peacetime templates, per-organisation reporting settings and deadline
-- reminders. The incident itself is a JSON document (incident.Incident);
-- the columns beside it are what queries filter and sort on.

CREATE TABLE incidents (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    ref               TEXT NOT NULL,   -- INC-2026-0003, unique per organisation
    title             TEXT NOT NULL,
    state             TEXT NOT NULL,
    version           INTEGER NOT NULL,
    submitted_version INTEGER NOT NULL,
    rev               INTEGER NOT NULL,
    doc               TEXT NOT NULL,   -- incident.Incident as JSON
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (org_id, ref)
);
CREATE INDEX incidents_org_updated ON incidents(org_id, updated_at);

CREATE TABLE incident_versions (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at    TIMESTAMP NOT NULL,
    note        TEXT NOT NULL,
    content     TEXT NOT NULL,         -- report.Content as JSON
    PRIMARY KEY (incident_id, version)
);

-- What went to each receiver, exactly as sent: body and its sha256 never
-- change, and no row is ever deleted (enforced by the trigger below). Only
-- the receiver's acknowledgement (authority_ref, acked_at, acked_by) is
-- recorded beside it, once.
CREATE TABLE incident_submissions (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents(id),
    org_id        TEXT NOT NULL,       -- the reporting organisation
    recipient     TEXT NOT NULL,       -- the receiving organisation
    partner       INTEGER NOT NULL,
    regime        TEXT NOT NULL,
    stage         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    submitted_at  TIMESTAMP NOT NULL,
    submitted_by  TEXT NOT NULL,
    emergency     INTEGER NOT NULL,
    body          TEXT NOT NULL,       -- the JSON document sent
    sha256        TEXT NOT NULL,       -- hex digest of body
    authority_ref TEXT NOT NULL,
    acked_at      TIMESTAMP,
    acked_by      TEXT NOT NULL
);
CREATE INDEX incident_submissions_recipient ON incident_submissions(recipient, submitted_at);
CREATE INDEX incident_submissions_incident ON incident_submissions(incident_id);

CREATE TABLE incident_events (
    incident_id TEXT NOT NULL REFERENCES incidents(id),
    seq         INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    shared      INTEGER NOT NULL,
    gov_only    INTEGER NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

CREATE TABLE incident_templates (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    name       TEXT NOT NULL,
    doc        TEXT NOT NULL,          -- incident.Template as JSON
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_templates_org ON incident_templates(org_id, name);

CREATE TABLE reporting_settings (
    org_id     TEXT PRIMARY KEY REFERENCES orgs(id),
    doc        TEXT NOT NULL,          -- incident.Settings as JSON
    updated_at TIMESTAMP NOT NULL
);

-- A reminder per stage deadline and kind (due_soon | overdue): the key
-- makes sending one idempotent.
CREATE TABLE incident_reminders (
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    regime       TEXT NOT NULL,
    stage        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    due          TIMESTAMP NOT NULL,
    org_id       TEXT NOT NULL REFERENCES orgs(id),
    created_at   TIMESTAMP NOT NULL,
    webhook      TEXT NOT NULL,        -- delivered | failed: <why> | ''
    dismissed_at TIMESTAMP,
    PRIMARY KEY (incident_id, regime, stage, kind, due)
);
CREATE INDEX incident_reminders_org ON incident_reminders(org_id, created_at);

-- Submissions are immutable: only an acknowledgement may be recorded, once.
CREATE TRIGGER incident_submissions_no_update BEFORE UPDATE ON incident_submissions
WHEN NEW.id IS NOT OLD.id OR NEW.incident_id IS NOT OLD.incident_id OR NEW.org_id IS NOT OLD.org_id
  OR NEW.recipient IS NOT OLD.recipient OR NEW.partner IS NOT OLD.partner OR NEW.regime IS NOT OLD.regime
  OR NEW.stage IS NOT OLD.stage OR NEW.kind IS NOT OLD.kind OR NEW.version IS NOT OLD.version
  OR NEW.submitted_at IS NOT OLD.submitted_at OR NEW.submitted_by IS NOT OLD.submitted_by
  OR NEW.emergency IS NOT OLD.emergency OR NEW.body IS NOT OLD.body OR NEW.sha256 IS NOT OLD.sha256
  OR (OLD.acked_at IS NOT NULL AND (NEW.authority_ref IS NOT OLD.authority_ref
      OR NEW.acked_at IS NOT OLD.acked_at OR NEW.acked_by IS NOT OLD.acked_by))
BEGIN
    SELECT RAISE(ABORT, 'incident submissions are immutable: only an acknowledgement may be recorded, once');
END;

CREATE TRIGGER incident_submissions_no_delete BEFORE DELETE ON incident_submissions
BEGIN
    SELECT RAISE(ABORT, 'incident submissions are never deleted');
END;
