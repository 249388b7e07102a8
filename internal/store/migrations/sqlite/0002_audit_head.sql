-- The chain head, as on PostgreSQL: every append updates it in the same
-- transaction, so a cut tail or an entry appended by hand shows at
-- verification even without an external anchor.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
SELECT 1, COALESCE((SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1), 0),
       COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), zeroblob(32));
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END;
