-- The Ed25519 keys JWTs are signed with, shared by every process. `secret`
-- is the 32-byte seed in hex. One key at a time is not retired: it signs.
-- A retired key stays while JWTs it signed may still be checked.
CREATE TABLE signing_keys (
    id      TEXT PRIMARY KEY,
    secret  TEXT NOT NULL,
    created TIMESTAMP NOT NULL,
    retired TIMESTAMP
);
-- At most one signing key: processes racing to make the first agree on one.
CREATE UNIQUE INDEX signing_keys_one_signing ON signing_keys ((retired IS NULL)) WHERE retired IS NULL;
