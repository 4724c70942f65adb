-- A token's last use is unknown until a request after the one that issued it
-- authenticates with it (login and making a personal token are not uses).
ALTER TABLE auth_tokens ALTER COLUMN last_used DROP NOT NULL;
UPDATE auth_tokens SET last_used = NULL WHERE last_used = created;
