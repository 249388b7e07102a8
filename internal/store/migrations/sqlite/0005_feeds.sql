-- Feeds: subscriptions to remote TAXII 2.1 collections and MISP feeds that
-- the poller fetches on a schedule into a local collection. The secret is a
-- credential sakimori presents to the remote (a password or bearer token),
-- so it cannot be hashed: it is kept here in clear, and never logged nor
-- shown back in full (see docs/feeds.md).
CREATE TABLE feeds (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,            -- taxii | misp
    url               TEXT NOT NULL,            -- TAXII API root, or the MISP feed's base URL
    remote_collection TEXT NOT NULL DEFAULT '', -- TAXII collection id on the remote
    username          TEXT NOT NULL DEFAULT '',
    secret            TEXT NOT NULL DEFAULT '',
    collection_id     TEXT NOT NULL REFERENCES collections(id),
    owner_org         TEXT NOT NULL REFERENCES orgs(id),
    interval_seconds  INTEGER NOT NULL,
    enabled           INTEGER NOT NULL DEFAULT 1,
    cursor            TEXT NOT NULL DEFAULT '', -- TAXII: last X-TAXII-Date-Added-Last; MISP: JSON {event uuid: timestamp}
    deletions_cursor  INTEGER NOT NULL DEFAULT 0, -- TAXII from a sakimori peer: last tombstone seq (next_after) mirrored
    last_run_at       TIMESTAMP,
    last_ok_at        TIMESTAMP,
    last_error        TEXT NOT NULL DEFAULT '',
    accepted          INTEGER NOT NULL DEFAULT 0,
    updated           INTEGER NOT NULL DEFAULT 0,
    duplicates        INTEGER NOT NULL DEFAULT 0,
    rejected          INTEGER NOT NULL DEFAULT 0,
    deleted           INTEGER NOT NULL DEFAULT 0, -- versions deleted because the peer deleted them
    runs              INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX feeds_collection ON feeds(collection_id);
