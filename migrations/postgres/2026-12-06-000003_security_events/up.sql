-- The security event log. An event outlives its account (the audit trail of
-- a deleted user stays): no foreign key. `data` is the event as clients and
-- webhook receivers see it (JSON), written once when it is recorded; the
-- other columns are what lists filter and order by.
CREATE TABLE security_events (
    id      TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    created TIMESTAMP NOT NULL,
    user_id TEXT,
    data    TEXT NOT NULL
);
-- A user's own events, newest first; every event by time; by type and time.
CREATE INDEX security_events_user_created ON security_events (user_id, created, id);
CREATE INDEX security_events_created ON security_events (created, id);
CREATE INDEX security_events_kind_created ON security_events (kind, created, id);

-- Webhook deliveries waiting or done, one per event sent, queued in the
-- event's transaction and delivered by the outbox worker.
CREATE TABLE webhook_deliveries (
    event_id     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    -- When it is next due; NULL once it is done. A worker that claims a
    -- delivery moves this forward (its lease), hiding it from the others.
    next_attempt TIMESTAMP,
    finished     TIMESTAMP,
    -- 'sent' or 'given_up' once done.
    outcome      TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt);

-- Where a token was made from, and where a mailed request came from.
ALTER TABLE auth_tokens ADD COLUMN ip TEXT;
ALTER TABLE auth_tokens ADD COLUMN user_agent TEXT;
ALTER TABLE account_requests ADD COLUMN ip TEXT;
ALTER TABLE account_requests ADD COLUMN user_agent TEXT;
