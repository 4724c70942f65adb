DROP INDEX auth_tokens_user_kind_created;
DELETE FROM auth_tokens WHERE kind <> 'session';
ALTER TABLE auth_tokens DROP COLUMN scopes;
ALTER TABLE auth_tokens DROP COLUMN name;
ALTER TABLE auth_tokens DROP COLUMN kind;
