UPDATE auth_tokens SET last_used = created WHERE last_used IS NULL;
ALTER TABLE auth_tokens ALTER COLUMN last_used SET NOT NULL;
