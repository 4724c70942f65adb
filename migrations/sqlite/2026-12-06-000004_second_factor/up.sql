-- A user's TOTP factor: pending (enabled false) from setup until a code
-- confirms it. The secret is stored as computed codes need it (base32);
-- `last_step` is the last time step accepted, so no code is taken twice.
CREATE TABLE totp_factors (
    user_id   TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret    TEXT NOT NULL,
    enabled   BOOLEAN NOT NULL DEFAULT FALSE,
    last_step BIGINT,
    created   TIMESTAMP NOT NULL
);

-- Recovery codes not yet spent, as SHA-256 digests; spending one deletes it.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest  TEXT NOT NULL,
    PRIMARY KEY (user_id, digest)
);

-- Logins whose password matched, waiting for their second step: the
-- digest of the `mfa_token`, and the wrong codes it has seen.
CREATE TABLE mfa_challenges (
    digest   TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires  TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mfa_challenges_expires ON mfa_challenges (expires);
