-- The indicators chart (internal/stats) counts first versions of
-- indicators per week and observable family. Joining a year of them with
-- their atoms took seconds on a large platform; each version now carries
-- the families of its atoms as a bit set (1 IPv4, 2 IPv6, 4 domain, 8 URL,
-- 16 e-mail, 32 hash: store.AtomFamilies), written when it is stored, and
-- the chart reads one partial index (the first versions of indicators, in
-- date order, with the columns of the entitlement and the families)
-- without touching the table's rows (their raw JSON) or the atoms.
ALTER TABLE stix_objects ADD COLUMN families INTEGER NOT NULL DEFAULT 0;

UPDATE stix_objects SET families = (
    SELECT COALESCE(SUM(DISTINCT CASE
        WHEN a.kind IN ('ipv4', 'cidr4') THEN 1
        WHEN a.kind IN ('ipv6', 'cidr6') THEN 2
        WHEN a.kind = 'domain' THEN 4
        WHEN a.kind = 'url' THEN 8
        WHEN a.kind = 'email' THEN 16
        ELSE 32 END), 0)
    FROM stix_atoms a WHERE a.object_pk = stix_objects.pk)
WHERE pk IN (SELECT object_pk FROM stix_atoms);

CREATE INDEX stix_indicators_first ON stix_objects(date_added, collection_id, tlp, owner_org, families)
    WHERE type = 'indicator' AND is_first;
