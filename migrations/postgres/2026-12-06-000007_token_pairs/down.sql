DROP TABLE ended_jwts;
DROP TABLE refresh_jwts;
ALTER TABLE users DROP COLUMN jwts_valid_after;
