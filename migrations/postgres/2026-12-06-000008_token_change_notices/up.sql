-- Every change that can make a token unusable, or its user's answer stale,
-- notifies the channel tokenauth processes listen on, in the changing
-- transaction (so the notice leaves when it commits, and only then), with
-- the token's digest: each process forgets that token. A trigger, not the
-- application, so that no write path is missed (an edit by hand included).

CREATE FUNCTION tokenauth_token_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tokenauth_tokens', OLD.digest);
    RETURN NULL;
END
$$;

CREATE FUNCTION tokenauth_user_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tokenauth_tokens', digest) FROM auth_tokens WHERE user_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER auth_tokens_deleted AFTER DELETE ON auth_tokens
    FOR EACH ROW EXECUTE FUNCTION tokenauth_token_changed();

-- A use (the sliding write) moves last_used forward and never brings the
-- expiry closer, and keeps the token usable: the one update that says
-- nothing. Anything else (a later expiry moved earlier, new scopes, an edit
-- by hand) is a change.
CREATE TRIGGER auth_tokens_changed AFTER UPDATE ON auth_tokens
    FOR EACH ROW
    WHEN (NOT (
        COALESCE(NEW.last_used > OLD.last_used, OLD.last_used IS NULL AND NEW.last_used IS NOT NULL)
        AND COALESCE(NEW.expires >= OLD.expires, OLD.expires IS NULL AND NEW.expires IS NULL)
        AND (OLD.id, OLD.user_id, OLD.digest, OLD.created, OLD.kind, OLD.name, OLD.scopes)
            IS NOT DISTINCT FROM (NEW.id, NEW.user_id, NEW.digest, NEW.created, NEW.kind, NEW.name, NEW.scopes)
    ))
    EXECUTE FUNCTION tokenauth_token_changed();

CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION tokenauth_user_changed();
