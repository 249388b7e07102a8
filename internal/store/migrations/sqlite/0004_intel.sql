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
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
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
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE stix_objects (
    pk            INTEGER PRIMARY KEY,
    collection_id TEXT NOT NULL REFERENCES collections(id),
    stix_id       TEXT NOT NULL,
    type          TEXT NOT NULL,
    spec_version  TEXT NOT NULL,
    version       INTEGER NOT NULL,     -- unix ns of modified (else created, else date_added)
    version_text  TEXT NOT NULL,        -- that timestamp as TAXII reports it
    date_added    INTEGER NOT NULL,     -- unix us, strictly increasing over the store
    is_latest     INTEGER NOT NULL,
    is_first      INTEGER NOT NULL,
    owner_org     TEXT NOT NULL,
    added_by      TEXT NOT NULL,
    source        TEXT NOT NULL,
    tlp           INTEGER NOT NULL,
    revoked       INTEGER NOT NULL,
    valid_until   INTEGER,              -- unix ns (indicators)
    confidence    INTEGER,
    name          TEXT NOT NULL,        -- name, value or pattern, for lists and search
    flags         TEXT NOT NULL,        -- JSON: warninglist hits
    raw           TEXT NOT NULL,
    UNIQUE (collection_id, stix_id, version)
);
CREATE INDEX stix_objects_added ON stix_objects(collection_id, date_added);
CREATE INDEX stix_objects_latest ON stix_objects(collection_id, is_latest, date_added);
CREATE INDEX stix_objects_dadded ON stix_objects(date_added);

-- Clustered by value (no rowid): the table is its own value index, one
-- B-tree fewer to write per atom at ingest.
CREATE TABLE stix_atoms (
    value     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    object_pk INTEGER NOT NULL REFERENCES stix_objects(pk) ON DELETE CASCADE,
    PRIMARY KEY (value, kind, object_pk)
) WITHOUT ROWID;
CREATE INDEX stix_atoms_object ON stix_atoms(object_pk);

CREATE TABLE stix_deletions (
    seq           INTEGER PRIMARY KEY,
    collection_id TEXT NOT NULL,
    stix_id       TEXT NOT NULL,
    version       INTEGER NOT NULL,
    version_text  TEXT NOT NULL,
    owner_org     TEXT NOT NULL,
    tlp           INTEGER NOT NULL,
    deleted_at    INTEGER NOT NULL,     -- unix us
    deleted_by    TEXT NOT NULL
);
CREATE INDEX stix_deletions_coll ON stix_deletions(collection_id, deleted_at);

CREATE TABLE intel_clock (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_added INTEGER NOT NULL
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
    payload       BLOB,                 -- kept until the job completes, so a restart resumes it
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX ingest_jobs_org ON ingest_jobs(org_id, created_at);

CREATE TABLE sightings (
    id             TEXT PRIMARY KEY,
    stix_id        TEXT NOT NULL,       -- what was sighted (indicator, malware, ...)
    reporter_org   TEXT NOT NULL,
    reporter_user  TEXT NOT NULL,
    anonymous      INTEGER NOT NULL,
    sector         TEXT NOT NULL,
    count          INTEGER NOT NULL,
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL,
    false_positive INTEGER NOT NULL,
    note           TEXT NOT NULL,
    sighting_ref   TEXT NOT NULL,       -- the STIX sighting object, when it came as one
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX sightings_stix ON sightings(stix_id, created_at);

CREATE TABLE warninglists (
    name       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,           -- the MISP JSON as loaded
    enabled    INTEGER NOT NULL,
    loaded_at  TIMESTAMP NOT NULL
);

CREATE TABLE warninglist_overrides (
    stix_id    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    org_id     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
