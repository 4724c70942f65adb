-- JWTs issued to a user before this instant are ended: the user's last
-- "log out everywhere", password change or reset, or deactivation.
ALTER TABLE users ADD COLUMN jwts_valid_after TIMESTAMP;

-- Refresh JWTs, kept until they expire: `state` is 'active' (buys one new
-- pair), 'used' (exchanged; presenting it again ends its family) or
-- 'ended' (blacklisted, or its family ended). `family` is the jti of the
-- refresh JWT the login issued; every rotation keeps it.
CREATE TABLE refresh_jwts (
    jti     TEXT PRIMARY KEY,
    family  TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires TIMESTAMP NOT NULL,
    state   TEXT NOT NULL
);
CREATE INDEX refresh_jwts_family ON refresh_jwts (family);
CREATE INDEX refresh_jwts_user ON refresh_jwts (user_id);
CREATE INDEX refresh_jwts_expires ON refresh_jwts (expires);

-- Access JWTs logged out, kept until they expire.
CREATE TABLE ended_jwts (
    jti     TEXT PRIMARY KEY,
    expires TIMESTAMP NOT NULL
);
CREATE INDEX ended_jwts_expires ON ended_jwts (expires);
