-- Alerts (注意喚起, issue #7): drafted by government analysts (often from a
-- correlation cluster), reviewed, published to recipients resolved from the
-- targeting (everyone, sectors, organisations whose critical computers are
-- affected, organisations that sighted the indicators, supply chains), and
-- acknowledged by each recipient with the actions it took. The alert itself
-- is a JSON document (alert.Alert); the columns are what queries need.

CREATE TABLE alerts (
    id           TEXT PRIMARY KEY,
    ref          TEXT NOT NULL UNIQUE, -- ALR-2026-0001
    org_id       TEXT NOT NULL REFERENCES orgs(id), -- the issuing government organisation
    cluster_id   TEXT NOT NULL,        -- the cluster it was drafted from, or ''
    state        TEXT NOT NULL,        -- draft | in_review | published | withdrawn
    severity     TEXT NOT NULL,        -- info | low | medium | high | critical
    tlp          INTEGER NOT NULL,
    title        TEXT NOT NULL,        -- the Japanese title (both languages are in doc)
    rev          INTEGER NOT NULL,
    doc          TEXT NOT NULL,        -- alert.Alert as JSON
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ
);
CREATE INDEX alerts_state ON alerts(state, published_at);
CREATE INDEX alerts_cluster ON alerts(cluster_id);

-- One row per recipient organisation of a published alert, with why it was
-- targeted and what it answered.
CREATE TABLE alert_recipients (
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    org_id   TEXT NOT NULL,
    sector   TEXT NOT NULL,
    reasons  TEXT NOT NULL,           -- JSON array: everyone | sector:<s> | exposed:<computer id> | sighted:<stix id> | supply_chain:<org id> | org
    state    TEXT NOT NULL,           -- pending | acknowledged | actioned | not_affected
    actions  TEXT NOT NULL,           -- the actions the recipient recorded
    acked_at TIMESTAMPTZ,
    acked_by TEXT NOT NULL,
    PRIMARY KEY (alert_id, org_id)
);
CREATE INDEX alert_recipients_org ON alert_recipients(org_id, alert_id);

-- Added by the alerts service: when each recipient was added and by which
-- publication (recipients are only ever added), and when acknowledgements
-- are due (for the overdue view).
ALTER TABLE alert_recipients ADD COLUMN added_at TIMESTAMPTZ;
ALTER TABLE alert_recipients ADD COLUMN added_in INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN due_at TIMESTAMPTZ;
