-- Ids are UUIDs in text form: one diesel codebase serves PostgreSQL and SQLite,
-- and diesel's MultiConnection has no Uuid type.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    -- Unicode-lowercased email: the unique index below makes A@x.com and a@x.com one account.
    email_key     TEXT NOT NULL,
    phonenumber   TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    is_staff      BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser  BOOLEAN NOT NULL DEFAULT FALSE,
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    date_joined   TIMESTAMP NOT NULL,
    last_login    TIMESTAMP,
    -- "email first_name last_name" in Unicode lowercase, kept by the application:
    -- search must be case-insensitive on both backends, and SQLite's lower() folds ASCII only.
    search_key    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX users_email_key_unique ON users (email_key);
CREATE INDEX users_date_joined ON users (date_joined);

-- Tokens are stored as the SHA-256 of their key, never the key itself.
CREATE TABLE auth_tokens (
    id        TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest    TEXT NOT NULL,
    created   TIMESTAMP NOT NULL,
    expires   TIMESTAMP,
    last_used TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX auth_tokens_digest_unique ON auth_tokens (digest);
CREATE INDEX auth_tokens_user_created ON auth_tokens (user_id, created);
CREATE INDEX auth_tokens_expires ON auth_tokens (expires);
