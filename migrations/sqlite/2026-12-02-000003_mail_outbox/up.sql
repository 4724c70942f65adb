-- Messages waiting for delivery. A request writes here and never waits for
-- the mail server; each process's worker delivers what is due. The body
-- (which may hold a key) is deleted once the message is sent or given up.
CREATE TABLE mail_outbox (
    id           TEXT PRIMARY KEY,
    recipient    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT,
    created      TIMESTAMP NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    -- When it is next due; NULL once it is done. A worker that claims a
    -- message moves this forward (its lease), hiding it from the others.
    next_attempt TIMESTAMP,
    finished     TIMESTAMP,
    -- 'sent' or 'given_up' once done.
    outcome      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt);
