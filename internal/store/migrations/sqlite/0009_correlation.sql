-- Correlation (issue #7). Every value an organisation contributed (from a
-- submitted incident report, a sighting or a shared object) is one
-- observation row; correlation is counted per value (how many independent
-- organisations saw it), never stored pairwise, so the tables grow with the
-- observations and not with their square (MISP's pairwise correlation table
-- reached 291 GB for 10M attributes). Values seen by too many organisations
-- or on a warninglist are capped: flagged, kept as evidence, never used to
-- join or merge clusters.

CREATE TABLE corr_observations (
    kind        TEXT NOT NULL,        -- ipv4 | ipv6 | cidr | domain | url | md5 | sha1 | sha256 | sha512 | email | technique | malware | cve
    value       TEXT NOT NULL,        -- normalised (lower-case domains, T1190, CVE-2024-3400, ...)
    org_id      TEXT NOT NULL,        -- the observing organisation
    sector      TEXT NOT NULL,        -- its sector ('' for none)
    source_kind TEXT NOT NULL,        -- report | sighting | object
    source_ref  TEXT NOT NULL,        -- incident id | sighted object's STIX id | shared object's STIX id
    first_seen  TIMESTAMP NOT NULL,
    last_seen   TIMESTAMP NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (kind, value, org_id, source_kind, source_ref)
) WITHOUT ROWID;
-- (what a source contributed: withdrawal, feedback, co-observed values;
-- no index by organisation: the observations are the largest table, and
-- what concerns an organisation is read from cluster_orgs)
CREATE INDEX corr_observations_source ON corr_observations(source_kind, source_ref);

CREATE TABLE corr_values (
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    orgs       INTEGER NOT NULL,      -- distinct observing organisations
    first_seen TIMESTAMP NOT NULL,
    last_seen  TIMESTAMP NOT NULL,
    capped     INTEGER NOT NULL,      -- over-correlating: evidence only, never joins clusters
    cap_reason TEXT NOT NULL,         -- too_many_orgs | warninglist:<name> | manual
    cluster_id TEXT NOT NULL,         -- the cluster it is evidence of, '' for none
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE INDEX corr_values_cluster ON corr_values(cluster_id);

CREATE TABLE clusters (
    id          TEXT PRIMARY KEY,
    ref         TEXT NOT NULL UNIQUE, -- CL-2026-0001
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,        -- open | confirmed | dismissed | merged
    merged_into TEXT NOT NULL,        -- the surviving cluster when merged, else ''
    strength    INTEGER NOT NULL,     -- 0..100 (docs/analysis.md)
    orgs        INTEGER NOT NULL,     -- distinct organisations involved
    first_seen  TIMESTAMP NOT NULL,
    last_seen   TIMESTAMP NOT NULL,
    note        TEXT NOT NULL,        -- the analysts' note
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX clusters_status ON clusters(status, last_seen);

-- The organisations a cluster involves: visible to the government only.
CREATE TABLE cluster_orgs (
    cluster_id TEXT NOT NULL REFERENCES clusters(id),
    org_id     TEXT NOT NULL,
    sector     TEXT NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen  TIMESTAMP NOT NULL,
    PRIMARY KEY (cluster_id, org_id)
);
CREATE INDEX cluster_orgs_org ON cluster_orgs(org_id, last_seen);

-- The values a cluster's evidence lists (added by the correlation engine):
-- corr_values.cluster_id is the one cluster a joining value belongs to
-- (it drives extension and merging); evidence also lists the weak values
-- (ATT&CK techniques) and capped values that came with the joining ones,
-- which may be evidence of several clusters.
CREATE TABLE cluster_evidence (
    cluster_id TEXT NOT NULL REFERENCES clusters(id),
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (cluster_id, kind, value)
);
CREATE INDEX cluster_evidence_value ON cluster_evidence(kind, value);
