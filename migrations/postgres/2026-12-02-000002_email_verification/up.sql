-- Whether the user has shown the address is theirs (or staff said so).
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
