// The one schema both backends share (see migrations/postgres and migrations/sqlite).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_key -> Text,
        phonenumber -> Text,
        password_hash -> Text,
        first_name -> Text,
        last_name -> Text,
        is_staff -> Bool,
        is_superuser -> Bool,
        is_active -> Bool,
        email_verified -> Bool,
        date_joined -> Timestamp,
        last_login -> Nullable<Timestamp>,
        search_key -> Text,
        jwts_valid_after -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_jwts (jti) {
        jti -> Text,
        family -> Text,
        user_id -> Text,
        expires -> Timestamp,
        state -> Text,
    }
}

diesel::table! {
    ended_jwts (jti) {
        jti -> Text,
        expires -> Timestamp,
    }
}

diesel::table! {
    auth_tokens (id) {
        id -> Text,
        user_id -> Text,
        digest -> Text,
        created -> Timestamp,
        expires -> Nullable<Timestamp>,
        last_used -> Nullable<Timestamp>,
        kind -> Text,
        name -> Nullable<Text>,
        scopes -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Nullable<Text>,
        created -> Timestamp,
        failures -> Integer,
        next_attempt -> Nullable<Timestamp>,
        finished -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    account_keys (id) {
        id -> Text,
        user_id -> Text,
        digest -> Text,
        purpose -> Text,
        created -> Timestamp,
        expires -> Timestamp,
        used -> Nullable<Timestamp>,
        new_email -> Nullable<Text>,
    }
}

diesel::table! {
    account_requests (id) {
        id -> Text,
        purpose -> Text,
        email_key -> Text,
        created -> Timestamp,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    security_events (id) {
        id -> Text,
        kind -> Text,
        created -> Timestamp,
        user_id -> Nullable<Text>,
        data -> Text,
    }
}

diesel::table! {
    webhook_deliveries (event_id) {
        event_id -> Text,
        failures -> Integer,
        next_attempt -> Nullable<Timestamp>,
        finished -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    totp_factors (user_id) {
        user_id -> Text,
        secret -> Text,
        enabled -> Bool,
        last_step -> Nullable<BigInt>,
        created -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (user_id, digest) {
        user_id -> Text,
        digest -> Text,
    }
}

diesel::table! {
    mfa_challenges (digest) {
        digest -> Text,
        user_id -> Text,
        expires -> Timestamp,
        failures -> Integer,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> Text,
        secret -> Text,
        created -> Timestamp,
        retired -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webauthn_users (user_id) {
        user_id -> Text,
        handle -> Text,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        credential_id -> Text,
        credential -> Text,
        counter -> BigInt,
        created -> Timestamp,
        last_used -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webauthn_ceremonies (challenge) {
        challenge -> Text,
        kind -> Text,
        user_id -> Nullable<Text>,
        state -> Text,
        expires -> Timestamp,
    }
}

diesel::joinable!(auth_tokens -> users (user_id));
diesel::joinable!(passkeys -> webauthn_users (user_id));
diesel::allow_tables_to_appear_in_same_query!(passkeys, webauthn_users);
diesel::joinable!(account_keys -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, auth_tokens, account_keys, ended_jwts);
diesel::joinable!(refresh_jwts -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, refresh_jwts);
diesel::allow_tables_to_appear_in_same_query!(security_events, webhook_deliveries);
