-- The random handle WebAuthn knows a user by (base64url), made at its
-- first passkey ceremony and the same ever after.
CREATE TABLE webauthn_users (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    handle  TEXT NOT NULL UNIQUE
);

-- Registered passkeys. `credential_id` (base64url) is unique across users:
-- a login names its passkey by it. `credential` is the relying party's
-- record of the public key and flags; `counter` the last signature counter.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    credential    TEXT NOT NULL,
    counter       BIGINT NOT NULL,
    created       TIMESTAMP NOT NULL,
    last_used     TIMESTAMP
);
CREATE INDEX passkeys_user_created ON passkeys (user_id, created);

-- Ceremonies waiting for the browser's answer: single use (taken by any
-- answer), five minutes. A login's names no user.
CREATE TABLE webauthn_ceremonies (
    challenge TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    user_id   TEXT REFERENCES users (id) ON DELETE CASCADE,
    state     TEXT NOT NULL,
    expires   TIMESTAMP NOT NULL
);
CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies (expires);
