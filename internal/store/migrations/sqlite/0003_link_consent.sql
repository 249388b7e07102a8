-- A supply-chain link proposed by one organisation stays pending until the
-- other confirms it: only confirmed links make emergency contacts visible.
-- Links that existed before were made by administrators and count as confirmed.
ALTER TABLE org_links ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE org_links ADD COLUMN confirmed_at TIMESTAMP;
UPDATE org_links SET confirmed_at = created_at;
