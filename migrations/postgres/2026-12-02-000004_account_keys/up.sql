-- Single-use keys sent by mail (password reset, email verification), stored
-- as the SHA-256 of the key. `used` is set when one is consumed.
CREATE TABLE account_keys (
    id       TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest   TEXT NOT NULL,
    purpose  TEXT NOT NULL,
    created  TIMESTAMP NOT NULL,
    expires  TIMESTAMP NOT NULL,
    used     TIMESTAMP
);
CREATE UNIQUE INDEX account_keys_digest_unique ON account_keys (digest);
CREATE INDEX account_keys_user_purpose ON account_keys (user_id, purpose);

-- Requests for account mail (a reset, a verification resend) by the address
-- as typed. The request only records this, whether or not an account has
-- that address, so its answer and timing cannot tell; the mail worker looks
-- the account up, issues the key and queues the message in one transaction.
CREATE TABLE account_requests (
    id        TEXT PRIMARY KEY,
    purpose   TEXT NOT NULL,
    email_key TEXT NOT NULL,
    created   TIMESTAMP NOT NULL
);
CREATE INDEX account_requests_created ON account_requests (created);
