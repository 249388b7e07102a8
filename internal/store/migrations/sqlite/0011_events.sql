-- Live push (issue #7): the event log and webhook subscriptions.
--
-- event_head holds the last sequence number handed out. Publishers take
-- its row lock (UPDATE ... RETURNING) in the transaction that stores their
-- events, so sequence numbers commit in order and without holes: a reader
-- that has seen seq N has seen every event up to N (pruning aside).
CREATE TABLE event_head (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO event_head (id, seq) VALUES (1, 0);

-- One row per event: seq is the SSE id, the resume point (Last-Event-ID)
-- and the webhook delivery id.
CREATE TABLE events (
    seq      INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    at       TIMESTAMP NOT NULL,
    subject  TEXT NOT NULL,
    audience TEXT NOT NULL, -- event.Audience as JSON
    data     TEXT NOT NULL  -- the payload, JSON
);
CREATE INDEX events_at ON events(at);

-- Webhook subscriptions of organisations. cursor_seq is the seq of the last
-- event delivered (or skipped as not for this subscription); the node that
-- holds the lease (lease_owner until lease_until) delivers.
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL, -- the HMAC signing key (as reporting settings keep theirs)
    kinds           TEXT NOT NULL, -- JSON array of kinds or families; [] = every kind
    description     TEXT NOT NULL,
    state           TEXT NOT NULL, -- active | disabled
    cursor_seq      INTEGER NOT NULL,
    failures        INTEGER NOT NULL, -- consecutive failed deliveries
    last_error      TEXT NOT NULL,
    last_attempt_at TIMESTAMP,
    last_success_at TIMESTAMP,
    lease_owner     TEXT NOT NULL,
    lease_until     TIMESTAMP,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_org ON webhooks(org_id);
CREATE INDEX webhooks_state ON webhooks(state);

-- Names this deployment's events on NATS (stream SAKIMORI_EVENTS_<id>,
-- subject sakimori.events.<id>), so deployments sharing a NATS server
-- never see each other's events.
INSERT INTO meta (key, value) VALUES ('push.deployment', lower(hex(randomblob(8))));
