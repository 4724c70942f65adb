-- Personal access tokens live beside login ("session") tokens: a kind, the
-- name their user gave them, and their scopes (names separated by spaces;
-- empty for sessions, which hold every scope). A personal token's expiry is
-- fixed when it is made; a session's slides with use, as before.
ALTER TABLE auth_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'session';
ALTER TABLE auth_tokens ADD COLUMN name TEXT;
ALTER TABLE auth_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';

-- Login keeps a user's newest sessions: it reads the cutoff from this index
-- (newest first, at most tokens_per_user entries) and deletes below it, so
-- its cost does not grow with the user's personal tokens or stale sessions.
CREATE INDEX auth_tokens_user_kind_created ON auth_tokens (user_id, kind, created, id);
