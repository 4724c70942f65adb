-- A token's last use is unknown until a request after the one that issued it
-- authenticates with it (login and making a personal token are not uses).
-- SQLite cannot drop NOT NULL from a column: the table is rebuilt.
CREATE TABLE auth_tokens_rebuilt (
    id        TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest    TEXT NOT NULL,
    created   TIMESTAMP NOT NULL,
    expires   TIMESTAMP,
    last_used TIMESTAMP,
    kind      TEXT NOT NULL DEFAULT 'session',
    name      TEXT,
    scopes    TEXT NOT NULL DEFAULT ''
);
INSERT INTO auth_tokens_rebuilt (id, user_id, digest, created, expires, last_used, kind, name, scopes)
SELECT id, user_id, digest, created, expires,
       CASE WHEN last_used = created THEN NULL ELSE last_used END,
       kind, name, scopes
FROM auth_tokens;
DROP TABLE auth_tokens;
ALTER TABLE auth_tokens_rebuilt RENAME TO auth_tokens;
CREATE UNIQUE INDEX auth_tokens_digest_unique ON auth_tokens (digest);
CREATE INDEX auth_tokens_user_created ON auth_tokens (user_id, created);
CREATE INDEX auth_tokens_expires ON auth_tokens (expires);
CREATE INDEX auth_tokens_user_kind_created ON auth_tokens (user_id, kind, created, id);
