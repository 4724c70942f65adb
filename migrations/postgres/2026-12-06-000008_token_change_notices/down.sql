DROP TRIGGER users_changed ON users;
DROP TRIGGER auth_tokens_changed ON auth_tokens;
DROP TRIGGER auth_tokens_deleted ON auth_tokens;
DROP FUNCTION tokenauth_user_changed();
DROP FUNCTION tokenauth_token_changed();
