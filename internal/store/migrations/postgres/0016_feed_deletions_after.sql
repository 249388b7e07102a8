-- A sakimori peer's deletions list pages with opaque cursors since
-- 2026-12-01 (internal/opaque): tombstone sequence numbers counted the
-- deletions of every collection. A feed keeps the peer's cursor as text.
-- The numeric cursors kept so far mean nothing to a peer of this version,
-- so mirroring starts again from the start of the peer's list (deleting
-- what is already gone is a no-op).
ALTER TABLE feeds ADD COLUMN deletions_after TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds DROP COLUMN deletions_cursor;
