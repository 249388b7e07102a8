-- Threat information sharing: sharing groups, collections (TAXII), every
-- version of every STIX object, their matchable atoms, deletions
-- (tombstones), ingest jobs (TAXII status), sightings, warninglists and
-- analysts' overrides of warninglist hits.
CREATE TABLE sharing_groups (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    name_ja     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_org   TEXT NOT NULL REFERENCES orgs(id),
    org_ids     TEXT NOT NULL,          -- JSON array
    user_ids    TEXT NOT NULL,          -- JSON array
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE collections (
    id           TEXT PRIMARY KEY,      -- the TAXII collection id (UUID)
    alias        TEXT NOT NULL UNIQUE,
    title_ja     TEXT NOT NULL,
    title_en     TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    owner_org    TEXT NOT NULL REFERENCES orgs(id),
    tlp          INTEGER NOT NULL,      -- label for objects that carry none
    share_groups TEXT NOT NULL,         -- JSON arrays: the audience of AMBER and stricter
    share_orgs   TEXT NOT NULL,
    share_users  TEXT NOT NULL,
    write_policy TEXT NOT NULL,         -- owner | audience | members
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE stix_objects (
    pk            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id TEXT NOT NULL REFERENCES collections(id),
    stix_id       TEXT NOT NULL,
    type          TEXT NOT NULL,
    spec_version  TEXT NOT NULL,
    version       BIGINT NOT NULL,     -- unix ns of modified (else created, else date_added)
    version_text  TEXT NOT NULL,        -- that timestamp as TAXII reports it
    date_added    BIGINT NOT NULL,     -- unix us, strictly increasing over the store
    is_latest     BOOLEAN NOT NULL,
    is_first      BOOLEAN NOT NULL,
    owner_org     TEXT NOT NULL,
    added_by      TEXT NOT NULL,
    source        TEXT NOT NULL,
    tlp           INTEGER NOT NULL,
    revoked       BOOLEAN NOT NULL,
    valid_until   BIGINT,              -- unix ns (indicators)
    confidence    INTEGER,
    name          TEXT NOT NULL,        -- name, value or pattern, for lists and search
    flags         TEXT NOT NULL,        -- JSON: warninglist hits
    raw           TEXT NOT NULL,
    UNIQUE (collection_id, stix_id, version)
);
CREATE INDEX stix_objects_added ON stix_objects(collection_id, date_added);
CREATE INDEX stix_objects_latest ON stix_objects(collection_id, is_latest, date_added);
CREATE INDEX stix_objects_dadded ON stix_objects(date_added);
-- Lookups by id across collections, and the ingest's version lookup: with
-- it the planner finds ids directly even before the new table has
-- statistics (without it, a bulk ingest into a fresh store scanned the
-- whole collection for every batch). SQLite uses the unique index instead.
CREATE INDEX stix_objects_id ON stix_objects(stix_id, version);

CREATE TABLE stix_atoms (
    object_pk BIGINT NOT NULL REFERENCES stix_objects(pk) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    value     TEXT NOT NULL
);
CREATE INDEX stix_atoms_value ON stix_atoms(value, kind);
CREATE INDEX stix_atoms_object ON stix_atoms(object_pk);

CREATE TABLE stix_deletions (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id TEXT NOT NULL,
    stix_id       TEXT NOT NULL,
    version       BIGINT NOT NULL,
    version_text  TEXT NOT NULL,
    owner_org     TEXT NOT NULL,
    tlp           INTEGER NOT NULL,
    deleted_at    BIGINT NOT NULL,     -- unix us
    deleted_by    TEXT NOT NULL
);
CREATE INDEX stix_deletions_coll ON stix_deletions(collection_id, deleted_at);

CREATE TABLE intel_clock (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_added BIGINT NOT NULL
);
INSERT INTO intel_clock (id, last_added) VALUES (1, 0);

CREATE TABLE ingest_jobs (
    id            TEXT PRIMARY KEY,
    collection_id TEXT NOT NULL REFERENCES collections(id),
    user_id       TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    kind          TEXT NOT NULL,        -- stix | misp | iocs
    source        TEXT NOT NULL,
    status        TEXT NOT NULL,        -- pending | complete
    total         INTEGER NOT NULL,
    accepted      INTEGER NOT NULL,
    updated       INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    rejected      INTEGER NOT NULL,
    successes     TEXT NOT NULL,        -- JSON [{id, version, message}]
    failures      TEXT NOT NULL,
    payload       BYTEA,                 -- kept until the job completes, so a restart resumes it
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX ingest_jobs_org ON ingest_jobs(org_id, created_at);

CREATE TABLE sightings (
    id             TEXT PRIMARY KEY,
    stix_id        TEXT NOT NULL,       -- what was sighted (indicator, malware, ...)
    reporter_org   TEXT NOT NULL,
    reporter_user  TEXT NOT NULL,
    anonymous      BOOLEAN NOT NULL,
    sector         TEXT NOT NULL,
    count          INTEGER NOT NULL,
    first_seen     TIMESTAMPTZ NOT NULL,
    last_seen      TIMESTAMPTZ NOT NULL,
    false_positive BOOLEAN NOT NULL,
    note           TEXT NOT NULL,
    sighting_ref   TEXT NOT NULL,       -- the STIX sighting object, when it came as one
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX sightings_stix ON sightings(stix_id, created_at);

CREATE TABLE warninglists (
    name       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,           -- the MISP JSON as loaded
    enabled    BOOLEAN NOT NULL,
    loaded_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE warninglist_overrides (
    stix_id    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    org_id     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
