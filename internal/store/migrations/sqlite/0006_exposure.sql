-- Critical computers and vulnerabilities (issue #4): the notification
-- registry, vulnerabilities with their affected products, exposures found
-- by matching, targeted notices, and requests to vendors. Nested data
-- (a computer's components, a vulnerability's affected ranges, a request's
-- history) is kept as JSON documents; the columns beside them are what
-- queries filter and sort on.

-- The current state of each notified critical computer (the latest
-- notification); every notified version is in computer_notifications.
CREATE TABLE computers (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    ref             TEXT NOT NULL,   -- the operator's asset id
    version         INTEGER NOT NULL,
    name            TEXT NOT NULL,
    function        TEXT NOT NULL,
    vendor          TEXT NOT NULL,
    product         TEXT NOT NULL,
    product_version TEXT NOT NULL,
    internet_facing INTEGER NOT NULL,
    excluded        INTEGER NOT NULL,
    retired         INTEGER NOT NULL,
    doc             TEXT NOT NULL,   -- registry.Computer as JSON
    notified_at     TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (org_id, ref)
);

CREATE TABLE computer_notifications (
    computer_id TEXT NOT NULL REFERENCES computers(id),
    version     INTEGER NOT NULL,
    notified_at TIMESTAMP NOT NULL,
    notified_by TEXT NOT NULL,
    change_note TEXT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (computer_id, version)
);

-- Bumped with every registry change, so every node knows when its
-- in-memory matching index is stale.
CREATE TABLE registry_clock (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO registry_clock (id, generation) VALUES (1, 0);

CREATE TABLE vulnerabilities (
    id         TEXT PRIMARY KEY,     -- CVE-2024-21762 or SKM-2026-0001
    title      TEXT NOT NULL,
    cvss       REAL,
    exploited  INTEGER NOT NULL,
    tlp        INTEGER NOT NULL,
    owner_org  TEXT NOT NULL REFERENCES orgs(id),
    source     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    published  TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    doc        TEXT NOT NULL         -- vuln.Vulnerability as JSON
);
CREATE INDEX vulnerabilities_updated ON vulnerabilities(updated_at);

-- The vendor:product keys of each vulnerability's affected CPEs, to find
-- the vulnerabilities a (new or changed) computer may be affected by.
CREATE TABLE vuln_products (
    product_key TEXT NOT NULL,       -- cpe vendor + ":" + product
    vuln_id     TEXT NOT NULL REFERENCES vulnerabilities(id) ON DELETE CASCADE,
    PRIMARY KEY (product_key, vuln_id)
);
CREATE INDEX vuln_products_vuln ON vuln_products(vuln_id);

CREATE TABLE exposures (
    computer_id      TEXT NOT NULL REFERENCES computers(id),
    vuln_id          TEXT NOT NULL REFERENCES vulnerabilities(id),
    org_id           TEXT NOT NULL REFERENCES orgs(id),
    computer_version INTEGER NOT NULL,
    vuln_version     INTEGER NOT NULL,
    evidence         TEXT NOT NULL,  -- vuln.Evidence as JSON
    state            TEXT NOT NULL,  -- open | mitigated | patched | not_affected | resolved
    state_note       TEXT NOT NULL,
    state_at         TIMESTAMP NOT NULL,
    state_by         TEXT NOT NULL,
    matched_at       TIMESTAMP NOT NULL,
    advised_at       TIMESTAMP,
    PRIMARY KEY (vuln_id, computer_id)
);
CREATE INDEX exposures_computer ON exposures(computer_id);
CREATE INDEX exposures_org ON exposures(org_id, state);

CREATE TABLE vuln_notices (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    vuln_id         TEXT NOT NULL REFERENCES vulnerabilities(id),
    kind            TEXT NOT NULL,   -- exposure | advisory
    tlp             INTEGER NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    computer_ids    TEXT NOT NULL,   -- JSON array
    evidence        TEXT NOT NULL,   -- JSON array of vuln.Evidence
    request_id      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    created_by      TEXT NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledged_by TEXT NOT NULL
);
CREATE INDEX vuln_notices_org ON vuln_notices(org_id, created_at);
CREATE INDEX vuln_notices_vuln ON vuln_notices(vuln_id);

CREATE TABLE vendor_requests (
    id          TEXT PRIMARY KEY,
    vuln_id     TEXT NOT NULL REFERENCES vulnerabilities(id),
    vendor_org  TEXT NOT NULL REFERENCES orgs(id),
    from_org    TEXT NOT NULL REFERENCES orgs(id),
    state       TEXT NOT NULL,
    due_at      TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    doc         TEXT NOT NULL        -- vuln.Request as JSON (answer, events)
);
CREATE INDEX vendor_requests_vendor ON vendor_requests(vendor_org, created_at);
CREATE INDEX vendor_requests_vuln ON vendor_requests(vuln_id);
