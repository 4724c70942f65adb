//! One repository suite, run against SQLite and PostgreSQL alike.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use tokenauth_adapters_db::testing::TestDatabase;
use tokenauth_adapters_db::{
    Backend, Database, DatabaseSettings, DieselAccountKeys, DieselOutbox, DieselSecurityEvents,
    DieselTokenLookup, DieselTokenRepository, DieselUserRepository,
};
use tokenauth_application::{
    AccountKeys, EventQuery, KeyMail, Outbox, RepositoryError, RequestDecision, SaveUserError,
    SecurityEvents, TokenLookup, TokenRepository, UserRepository,
};
use tokenauth_domain::{
    AccountKey, AccountKeyId, AuthToken, Email, EmailKey, EventKind, Identity, KeyPurpose, Mail,
    MailId, NewUser, PasswordHash, PersonName, PhoneNumber, PresentedToken, RequestOrigin, Scope,
    SecurityEvent, Timestamp, TokenDigest, TokenId, TokenKey, TokenKind, TokenName, User, UserId,
};

/// The async lookups, run to their end on a runtime of the test's own (which
/// outlives the connections the lookups open on it).
struct Lookup {
    lookup: DieselTokenLookup,
    runtime: tokio::runtime::Runtime,
}

impl Lookup {
    fn new(db: &Database) -> Self {
        Self {
            lookup: DieselTokenLookup::new(db.clone()),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn find_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(PresentedToken, User)>, RepositoryError> {
        self.runtime.block_on(self.lookup.find_by_digest(digest))
    }

    fn find_identity_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(PresentedToken, Identity)>, RepositoryError> {
        self.runtime
            .block_on(self.lookup.find_identity_by_digest(digest))
    }

    fn record_use(
        &self,
        digest: &TokenDigest,
        id: TokenId,
        last_used: Timestamp,
        expires: Option<Timestamp>,
    ) -> Result<(), RepositoryError> {
        self.runtime
            .block_on(self.lookup.record_use(digest, id, last_used, expires))
    }
}

struct Fixture {
    users: DieselUserRepository,
    tokens: DieselTokenRepository,
    lookup: Lookup,
    outbox: DieselOutbox,
    keys: DieselAccountKeys,
    db: Database,
    _db: TestDatabase,
}

fn fixture(backend: Backend) -> Fixture {
    let test_db = TestDatabase::new(backend);
    let url = test_db.url().to_owned();
    fixture_on(test_db, &url, 8)
}

/// A fixture over `test_db` opened through `url` (the test database's own,
/// or it with options added).
fn fixture_on(test_db: TestDatabase, url: &str, pool_size: u32) -> Fixture {
    let db = Database::open(&DatabaseSettings {
        url: url.into(),
        pool_size,
        workers: 1,
        connect_timeout: Duration::from_secs(5),
    })
    .expect("open test database");
    Fixture {
        users: DieselUserRepository::new(db.clone()),
        tokens: DieselTokenRepository::new(db.clone()),
        lookup: Lookup::new(&db),
        outbox: DieselOutbox::new(db.clone()),
        keys: DieselAccountKeys::new(db.clone()),
        db,
        _db: test_db,
    }
}

/// A fixture on PostgreSQL whose URL carries one more `option`.
fn postgres_with_option(option: &str) -> Fixture {
    let test_db = TestDatabase::new(Backend::Postgres);
    let separator = if test_db.url().contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!("{}{separator}{option}", test_db.url());
    fixture_on(test_db, &url, 2)
}

/// A user with one login token: its id and the token's key.
fn logged_in(f: &Fixture, email: &str) -> (UserId, TokenKey) {
    let user = f.users.insert(new_user(email), &[]).unwrap();
    let key = random_key();
    f.tokens
        .issue_for_login(&token_for(user.id, &key, at(0)), one(), at(0), &[])
        .unwrap();
    (user.id, key)
}

fn at(seconds: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        + TimeDelta::microseconds(123_456)
        + TimeDelta::seconds(seconds)
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        id: UserId::new_random(),
        email: Email::parse(email).unwrap(),
        phone_number: PhoneNumber::parse("+15551234567").unwrap(),
        first_name: PersonName::parse("Ada").unwrap(),
        last_name: PersonName::default(),
        password_hash: PasswordHash::new(
            "$2b$04$notarealhashnotarealhashnotarealhashnotarealhas".into(),
        ),
        is_staff: false,
        is_superuser: false,
        email_verified: false,
        date_joined: at(0),
    }
}

fn token_for(user: UserId, key: &TokenKey, created: Timestamp) -> AuthToken {
    AuthToken {
        id: TokenId::new_random(),
        user_id: user,
        digest: key.digest(),
        created,
        kind: TokenKind::Session,
        expires: Some(created + TimeDelta::hours(10)),
        last_used: None,
        origin: RequestOrigin::default(),
    }
}

fn one() -> NonZeroU32 {
    NonZeroU32::MIN
}

fn inserted_users_read_back_identical(backend: Backend) {
    let f = fixture(backend);
    let stored = f.users.insert(new_user("Ada@Example.com"), &[]).unwrap();
    let by_key = f
        .users
        .find_by_email_key(&EmailKey::from_input("ADA@example.COM"))
        .unwrap();
    assert_eq!(by_key.as_ref(), Some(&stored));
    assert_eq!(f.users.find_by_id(stored.id).unwrap(), Some(stored));
}

fn unknown_users_are_none(backend: Backend) {
    let f = fixture(backend);
    assert_eq!(
        f.users
            .find_by_email_key(&EmailKey::from_input("x@example.com"))
            .unwrap(),
        None
    );
    assert_eq!(f.users.find_by_id(UserId::new_random()).unwrap(), None);
}

fn a_second_user_with_the_same_email_in_another_case_is_refused(backend: Backend) {
    let f = fixture(backend);
    f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    assert!(matches!(
        f.users.insert(new_user("ADA@example.com"), &[]),
        Err(SaveUserError::EmailTaken)
    ));
}

fn concurrent_inserts_of_one_email_store_exactly_one(backend: Backend) {
    let f = Arc::new(fixture(backend));
    let handles: Vec<_> = (0..10)
        .map(|_| {
            let f = Arc::clone(&f);
            std::thread::spawn(move || f.users.insert(new_user("race@example.com"), &[]))
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| matches!(r, Err(SaveUserError::EmailTaken)))
    );
}

fn issued_tokens_are_found_by_digest_with_their_user(backend: Backend) {
    let f = fixture(backend);
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let key = random_key();
    let token = token_for(user.id, &key, at(5));
    f.tokens.issue_for_login(&token, one(), at(5), &[]).unwrap();
    let (found, owner) = f.lookup.find_by_digest(&key.digest()).unwrap().unwrap();
    assert_eq!(found, PresentedToken::from(token));
    assert_eq!(owner.id, user.id);
    assert_eq!(owner.last_login, Some(at(5)));
}

fn the_gateways_lookup_reads_the_token_and_who_its_user_is(backend: Backend) {
    let f = fixture(backend);
    let user = f
        .users
        .insert(
            NewUser {
                is_staff: true,
                ..new_user("ada@example.com")
            },
            &[],
        )
        .unwrap();
    let key = random_key();
    let token = personal(user.id, &key, at(5), &[Scope::AccountRead]);
    f.tokens.issue_personal(&token, &[]).unwrap();
    let (found, identity) = f
        .lookup
        .find_identity_by_digest(&key.digest())
        .unwrap()
        .unwrap();
    assert_eq!(found, PresentedToken::from(token));
    assert_eq!(identity, Identity::from(&user));
    let unknown = random_key();
    assert!(
        f.lookup
            .find_identity_by_digest(&unknown.digest())
            .unwrap()
            .is_none()
    );
}

fn login_keeps_only_the_newest_tokens(backend: Backend) {
    let f = fixture(backend);
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let keys: Vec<TokenKey> = (0..4).map(|_| random_key()).collect();
    for (i, key) in keys.iter().enumerate() {
        let token = token_for(user.id, key, at(i as i64));
        f.tokens
            .issue_for_login(&token, NonZeroU32::new(2).unwrap(), at(i as i64), &[])
            .unwrap();
    }
    let alive: Vec<bool> = keys
        .iter()
        .map(|k| f.lookup.find_by_digest(&k.digest()).unwrap().is_some())
        .collect();
    assert_eq!(alive, vec![false, false, true, true]);
}

fn personal(user: UserId, key: &TokenKey, created: Timestamp, scopes: &[Scope]) -> AuthToken {
    AuthToken {
        kind: TokenKind::Personal {
            name: TokenName::parse("deploy script").unwrap(),
            scopes: scopes.iter().copied().collect(),
        },
        expires: Some(created + TimeDelta::days(30)),
        ..token_for(user, key, created)
    }
}

fn personal_tokens_read_back_with_their_name_and_scopes(backend: Backend) {
    let f = fixture(backend);
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let key = random_key();
    let token = personal(
        user.id,
        &key,
        at(0),
        &[Scope::UsersRead, Scope::AccountRead],
    );
    f.tokens.issue_personal(&token, &[]).unwrap();
    let (found, _) = f.lookup.find_by_digest(&key.digest()).unwrap().unwrap();
    assert_eq!(found, PresentedToken::from(token));
    assert_eq!(found.scopes().to_string(), "account:read users:read");
    let session_key = random_key();
    f.tokens
        .issue_for_login(&token_for(user.id, &session_key, at(1)), one(), at(1), &[])
        .unwrap();
    let (session, _) = f
        .lookup
        .find_by_digest(&session_key.digest())
        .unwrap()
        .unwrap();
    assert_eq!(session.kind, TokenKind::Session);
}

fn login_rotation_leaves_personal_tokens_alone(backend: Backend) {
    let f = fixture(backend);
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let personal_keys: Vec<TokenKey> = (0..3).map(|_| random_key()).collect();
    for (i, key) in personal_keys.iter().enumerate() {
        f.tokens
            .issue_personal(
                &personal(user.id, key, at(i as i64), &[Scope::AccountRead]),
                &[],
            )
            .unwrap();
    }
    let session_keys: Vec<TokenKey> = (0..3).map(|_| random_key()).collect();
    for (i, key) in session_keys.iter().enumerate() {
        let at_login = at(10 + i as i64);
        f.tokens
            .issue_for_login(&token_for(user.id, key, at_login), one(), at_login, &[])
            .unwrap();
    }
    let alive = |keys: &[TokenKey]| -> Vec<bool> {
        keys.iter()
            .map(|k| f.lookup.find_by_digest(&k.digest()).unwrap().is_some())
            .collect()
    };
    assert_eq!(alive(&personal_keys), vec![true, true, true]);
    assert_eq!(alive(&session_keys), vec![false, false, true]);
}

fn rotation_deletes_every_stale_session_at_once(backend: Backend) {
    let f = fixture(backend);
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    // Sessions that share one instant are ordered by id, as the listing orders them.
    for _ in 0..50 {
        f.tokens
            .issue_for_login(
                &token_for(user.id, &random_key(), at(0)),
                NonZeroU32::new(100).unwrap(),
                at(0),
                &[],
            )
            .unwrap();
    }
    let key = random_key();
    f.tokens
        .issue_for_login(
            &token_for(user.id, &key, at(0)),
            NonZeroU32::new(3).unwrap(),
            at(0),
            &[],
        )
        .unwrap();
    let left = f.tokens.list_active(user.id, at(0)).unwrap();
    assert_eq!(left.len(), 3);
    assert!(left.iter().any(|t| t.digest == key.digest()));
}

fn personal_tokens_for_a_deleted_user_are_not_found(backend: Backend) {
    let f = fixture(backend);
    let key = random_key();
    let token = personal(UserId::new_random(), &key, at(0), &[Scope::AccountRead]);
    assert!(matches!(
        f.tokens.issue_personal(&token, &[]),
        Err(RepositoryError::NotFound)
    ));
}

fn mail(to: &str) -> Mail {
    Mail {
        to: Email::parse(to).unwrap(),
        subject: "Reset your password".into(),
        body: "Follow this link:\nhttp://x/reset-password?token=abc\n".into(),
    }
}

fn bodies_kept(f: &Fixture) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    f.db.with_connection(|conn| {
        diesel::sql_query("SELECT COUNT(*) AS n FROM mail_outbox WHERE body IS NOT NULL")
            .get_result::<Count>(conn)
    })
    .unwrap()
    .n
}

fn queued_mail_is_claimed_once_and_hidden_for_its_lease(backend: Backend) {
    let f = fixture(backend);
    let id = MailId::new_random();
    f.outbox
        .enqueue(id, &mail("ada@example.com"), at(0))
        .unwrap();
    assert_eq!(f.outbox.pending().unwrap(), 1);
    let claimed = f.outbox.claim_due(at(1), at(61), 10, None).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].id, &claimed[0].mail),
        (id, &mail("ada@example.com"))
    );
    assert_eq!(claimed[0].failures, 0);
    assert!(
        f.outbox
            .claim_due(at(2), at(62), 10, None)
            .unwrap()
            .is_empty(),
        "leased"
    );
    assert_eq!(
        f.outbox.claim_due(at(61), at(121), 10, None).unwrap().len(),
        1,
        "lease over"
    );
}

fn a_delivered_message_is_done_and_its_body_gone(backend: Backend) {
    let f = fixture(backend);
    let id = MailId::new_random();
    f.outbox
        .enqueue(id, &mail("ada@example.com"), at(0))
        .unwrap();
    f.outbox.claim_due(at(0), at(60), 10, None).unwrap();
    f.outbox.mark_sent(id, at(1)).unwrap();
    assert_eq!(f.outbox.pending().unwrap(), 0);
    assert_eq!(bodies_kept(&f), 0, "the key it carried is gone");
    assert!(
        f.outbox
            .claim_due(at(1000), at(1060), 10, None)
            .unwrap()
            .is_empty()
    );
}

fn a_failed_message_is_due_again_at_its_retry_or_given_up(backend: Backend) {
    let f = fixture(backend);
    let (retried, abandoned) = (MailId::new_random(), MailId::new_random());
    f.outbox
        .enqueue(retried, &mail("ada@example.com"), at(0))
        .unwrap();
    f.outbox
        .enqueue(abandoned, &mail("bob@example.com"), at(0))
        .unwrap();
    f.outbox.claim_due(at(0), at(60), 10, None).unwrap();
    f.outbox
        .mark_failed(retried, 1, Some(at(5)), at(1))
        .unwrap();
    f.outbox.mark_failed(abandoned, 10, None, at(1)).unwrap();
    assert_eq!(f.outbox.pending().unwrap(), 1);
    assert_eq!(bodies_kept(&f), 1, "only the message still to be tried");
    assert!(
        f.outbox
            .claim_due(at(4), at(64), 10, None)
            .unwrap()
            .is_empty()
    );
    let again = f.outbox.claim_due(at(5), at(65), 10, None).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].failures), (retried, 1));
}

fn one_message_can_be_claimed_by_its_id(backend: Backend) {
    let f = fixture(backend);
    let (first, second) = (MailId::new_random(), MailId::new_random());
    f.outbox
        .enqueue(first, &mail("ada@example.com"), at(0))
        .unwrap();
    f.outbox
        .enqueue(second, &mail("bob@example.com"), at(0))
        .unwrap();
    let claimed = f.outbox.claim_due(at(0), at(60), 10, Some(second)).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, second);
    assert_eq!(
        f.outbox.claim_due(at(0), at(60), 10, None).unwrap()[0].id,
        first
    );
}

fn concurrent_claims_never_share_a_message(backend: Backend) {
    let f = Arc::new(fixture(backend));
    for i in 0..40 {
        f.outbox
            .enqueue(
                MailId::new_random(),
                &mail(&format!("u{i}@example.com")),
                at(0),
            )
            .unwrap();
    }
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let f = f.clone();
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let claimed = f.outbox.claim_due(at(1), at(600), 3, None).unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|q| q.id));
                }
            })
        })
        .collect();
    let mut all: Vec<MailId> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let claimed = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(
        (claimed, all.len()),
        (40, 40),
        "each message claimed exactly once"
    );
}

/// Records a reset request for `email` and lets the worker's step issue a
/// key expiring at `expires`; returns the key.
fn issue_reset_key(f: &Fixture, email: &str, expires: Timestamp) -> TokenKey {
    let key = random_key();
    f.keys
        .request(
            KeyPurpose::PasswordReset,
            &EmailKey::from_input(email),
            &RequestOrigin::default(),
            at(0),
        )
        .unwrap();
    let digest = key.digest();
    let mut decide = |_: &tokenauth_application::AccountRequest,
                      user: Option<&tokenauth_domain::User>| {
        let Some(user) = user else {
            return RequestDecision::default();
        };
        let mail = Some(KeyMail {
            key: AccountKey {
                id: AccountKeyId::new_random(),
                user_id: user.id,
                digest,
                purpose: KeyPurpose::PasswordReset,
                created: at(0),
                expires,
            },
            mail_id: MailId::new_random(),
            mail: mail(email),
        });
        RequestDecision {
            mail,
            events: Vec::new(),
        }
    };
    assert!(f.keys.process_request(&mut decide, at(0)).unwrap());
    key
}

fn pruning_deletes_spent_keys_and_finished_mail_only(backend: Backend) {
    let f = fixture(backend);
    f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let live = issue_reset_key(&f, "ada@example.com", at(3600));
    let expired = issue_reset_key(&f, "ada@example.com", at(10));
    let used = issue_reset_key(&f, "ada@example.com", at(3600));
    let (stored, _) = f
        .keys
        .find_unused(&used.digest(), KeyPurpose::PasswordReset)
        .unwrap()
        .unwrap();
    f.keys
        .complete_verification(&stored, at(20), &[])
        .unwrap()
        .unwrap();
    assert_eq!(f.keys.delete_spent(at(100)).unwrap(), 2);
    assert!(
        f.keys
            .find_unused(&live.digest(), KeyPurpose::PasswordReset)
            .unwrap()
            .is_some()
    );
    assert!(
        f.keys
            .find_unused(&expired.digest(), KeyPurpose::PasswordReset)
            .unwrap()
            .is_none()
    );

    let claimed = f.outbox.claim_due(at(0), at(60), 10, None).unwrap();
    assert_eq!(claimed.len(), 3, "each key came with its message");
    f.outbox.mark_sent(claimed[0].id, at(1)).unwrap();
    f.outbox
        .mark_failed(claimed[1].id, 10, None, at(1))
        .unwrap();
    assert_eq!(f.outbox.delete_finished().unwrap(), 2);
    assert_eq!(
        f.outbox.pending().unwrap(),
        1,
        "the message still to send stays"
    );
}

fn issuing_for_a_deleted_user_is_not_found(backend: Backend) {
    let f = fixture(backend);
    let key = random_key();
    let token = token_for(UserId::new_random(), &key, at(0));
    assert!(matches!(
        f.tokens.issue_for_login(&token, one(), at(0), &[]),
        Err(tokenauth_application::RepositoryError::NotFound)
    ));
}

fn concurrent_logins_leave_exactly_one_token(backend: Backend) {
    let f = Arc::new(fixture(backend));
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let f = Arc::clone(&f);
            std::thread::spawn(move || {
                let key = random_key();
                f.tokens
                    .issue_for_login(&token_for(user.id, &key, at(i)), one(), at(i), &[])
                    .map(|()| key)
            })
        })
        .collect();
    let keys: Vec<TokenKey> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    let alive = keys
        .iter()
        .filter(|k| f.lookup.find_by_digest(&k.digest()).unwrap().is_some())
        .count();
    assert_eq!(alive, 1);
}

fn record_use_moves_last_used_and_expiry(backend: Backend) {
    let f = fixture(backend);
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let key = random_key();
    let token = token_for(user.id, &key, at(0));
    f.tokens.issue_for_login(&token, one(), at(0), &[]).unwrap();
    f.lookup
        .record_use(&key.digest(), token.id, at(90), None)
        .unwrap();
    let (found, _) = f.lookup.find_by_digest(&key.digest()).unwrap().unwrap();
    assert_eq!((found.last_used, found.expires), (Some(at(90)), None));
}

fn a_login_that_began_before_its_user_logged_out_everywhere_stores_nothing(backend: Backend) {
    let f = fixture(backend);
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let began = Utc::now();
    f.tokens.revoke_all(user.id, &[]).unwrap();
    let late = token_for(user.id, &random_key(), began);
    assert!(matches!(
        f.tokens.issue_for_login(&late, one(), began, &[]),
        Err(RepositoryError::NotFound)
    ));
    assert!(f.tokens.list_active(user.id, began).unwrap().is_empty());
    let after = Utc::now() + TimeDelta::seconds(1);
    let fresh = token_for(user.id, &random_key(), after);
    f.tokens.issue_for_login(&fresh, one(), after, &[]).unwrap();
}

fn revoke_deletes_one_token_and_revoke_all_the_rest(backend: Backend) {
    let f = fixture(backend);
    let user = f.users.insert(new_user("ada@example.com"), &[]).unwrap();
    let keys: Vec<TokenKey> = (0..3).map(|_| random_key()).collect();
    let mut ids = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let token = token_for(user.id, key, at(i as i64));
        ids.push(token.id);
        f.tokens
            .issue_for_login(&token, NonZeroU32::new(5).unwrap(), at(i as i64), &[])
            .unwrap();
    }
    f.tokens.revoke(ids[0], &[]).unwrap();
    f.tokens.revoke(ids[0], &[]).unwrap();
    assert!(
        f.lookup
            .find_by_digest(&keys[0].digest())
            .unwrap()
            .is_none()
    );
    assert_eq!(f.tokens.revoke_all(user.id, &[]).unwrap(), 2);
    assert!(
        f.lookup
            .find_by_digest(&keys[2].digest())
            .unwrap()
            .is_none()
    );
}

fn deleting_a_user_deletes_its_tokens(backend: Backend) {
    use diesel::connection::SimpleConnection;
    let f = fixture(backend);
    let (user, key) = logged_in(&f, "ada@example.com");
    let db = &f.db;
    db.with_connection(|conn| {
        conn.batch_execute(&format!("DELETE FROM users WHERE id = '{user}'"))
    })
    .unwrap();
    assert!(f.lookup.find_by_digest(&key.digest()).unwrap().is_none());
    let remaining: i64 = db
        .with_connection(|conn| {
            use diesel::prelude::*;
            diesel::sql_query("SELECT COUNT(*) AS n FROM auth_tokens")
                .get_result::<Count>(conn)
                .map(|c| c.n)
        })
        .unwrap();
    assert_eq!(remaining, 0);
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn migrations_are_idempotent(backend: Backend) {
    let test_db = TestDatabase::empty(backend);
    let settings = DatabaseSettings {
        url: test_db.url().into(),
        pool_size: 1,
        workers: 1,
        connect_timeout: Duration::from_secs(5),
    };
    assert_eq!(Database::migrate(&settings).unwrap().len(), 13);
    assert!(Database::migrate(&settings).unwrap().is_empty());
}

/// The suite's PostgreSQL URL is one the async client takes: the tests above
/// exercise the request path's async lookups, not libpq's fallback.
#[test]
fn postgres_lookups_are_async_queries_on_the_worker() {
    let f = fixture(Backend::Postgres);
    assert!(f.db.awaits_lookups_on_workers());
    assert!(!fixture(Backend::Sqlite).db.awaits_lookups_on_workers());
}

/// A URL the async client cannot take (here an option only libpq knows)
/// keeps the lookups on libpq and the blocking threads, and they work.
#[test]
fn postgres_urls_the_async_client_cannot_take_keep_libpq() {
    let f = postgres_with_option("fallback_application_name=tokenauth-test");
    assert!(!f.db.awaits_lookups_on_workers());
    let (user, key) = logged_in(&f, "ada@example.com");
    let (token, owner) = f.lookup.find_by_digest(&key.digest()).unwrap().unwrap();
    assert_eq!(owner.id, user);
    f.lookup
        .record_use(&key.digest(), token.id, at(90), None)
        .unwrap();
}

/// Options in the URL reach PostgreSQL from the async client as written
/// (a space in `options` stays a space).
#[test]
fn postgres_url_options_reach_the_async_connections() {
    let f = postgres_with_option("options=-c%20statement_timeout%3D5000");
    assert!(f.db.awaits_lookups_on_workers());
    let (user, key) = logged_in(&f, "ada@example.com");
    let (_, owner) = f.lookup.find_by_digest(&key.digest()).unwrap().unwrap();
    assert_eq!(owner.id, user);
}

/// Lookups made at once on one worker share its connections, their queries
/// pipelined: each still gets its own token's user.
#[test]
fn concurrent_lookups_on_one_worker_each_get_their_own_user() {
    let f = fixture(Backend::Postgres);
    let issued: Vec<(UserId, TokenKey)> = (0..64)
        .map(|n| logged_in(&f, &format!("user{n}@example.com")))
        .collect();
    let digests: Vec<TokenDigest> = issued.iter().map(|(_, key)| key.digest()).collect();
    let found = f.lookup.runtime.block_on(futures_util::future::join_all(
        digests
            .iter()
            .map(|digest| f.lookup.lookup.find_by_digest(digest)),
    ));
    for ((user, _), found) in issued.iter().zip(found) {
        let (_, owner) = found.unwrap().unwrap();
        assert_eq!(owner.id, *user);
    }
}

/// A connection the server ended costs at most one failed lookup (503), and
/// the next opens a new connection by itself.
#[test]
fn postgres_lookups_reconnect_after_the_server_ends_their_connection() {
    use diesel::connection::SimpleConnection;
    let f = fixture(Backend::Postgres);
    let (_, key) = logged_in(&f, "ada@example.com");
    assert!(f.lookup.find_by_digest(&key.digest()).unwrap().is_some());
    f.db.with_connection(|conn| {
        conn.batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
    })
    .unwrap();
    match f.lookup.find_by_digest(&key.digest()) {
        Ok(found) => assert!(found.is_some()),
        Err(error) => assert!(
            matches!(error, RepositoryError::Unavailable(_)),
            "{error:?}"
        ),
    }
    assert!(f.lookup.find_by_digest(&key.digest()).unwrap().is_some());
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(super::Backend::Postgres) } )*
        }
    };
}

fn event(kind: EventKind, user: Option<UserId>, created: Timestamp) -> SecurityEvent {
    SecurityEvent::new(kind, user, &RequestOrigin::default(), created)
}

fn events_list_newest_first_and_filter_by_user_type_and_time(backend: Backend) {
    let f = fixture(backend);
    let log = DieselSecurityEvents::new(f.db.clone());
    let (ada, bob) = (UserId::new_random(), UserId::new_random());
    for (n, (kind, user)) in [
        (EventKind::UserSignedUp, Some(ada)),
        (EventKind::Logout, Some(ada)),
        (EventKind::Logout, Some(bob)),
        (EventKind::PasswordResetRequested, None),
    ]
    .into_iter()
    .enumerate()
    {
        log.record(&event(kind, user, at(i64::try_from(n).unwrap() * 10)))
            .unwrap();
    }
    let types = |query: EventQuery| -> Vec<String> {
        let page = log.list(&EventQuery { limit: 50, ..query }).unwrap();
        page.events
            .iter()
            .map(|json| {
                serde_json::from_str::<serde_json::Value>(json).unwrap()["type"].to_string()
            })
            .collect()
    };
    assert_eq!(
        types(EventQuery {
            user_id: Some(ada),
            ..EventQuery::default()
        }),
        ["\"logout\"", "\"user.signed_up\""]
    );
    assert_eq!(
        types(EventQuery {
            kind: Some("logout".into()),
            ..EventQuery::default()
        })
        .len(),
        2
    );
    assert_eq!(
        types(EventQuery {
            since: Some(at(10)),
            until: Some(at(30)),
            ..EventQuery::default()
        })
        .len(),
        2,
        "since inclusive, until exclusive"
    );
}

fn events_past_the_cutoff_are_pruned(backend: Backend) {
    let f = fixture(backend);
    let log = DieselSecurityEvents::new(f.db.clone());
    for seconds in [0, 100, 200] {
        log.record(&event(EventKind::Logout, None, at(seconds)))
            .unwrap();
    }
    assert_eq!(log.delete_older_than(at(150)).unwrap(), 2);
    let left = log
        .list(&EventQuery {
            limit: 50,
            ..EventQuery::default()
        })
        .unwrap();
    assert_eq!(left.count, 1);
}

on_both_backends!(
    events_list_newest_first_and_filter_by_user_type_and_time,
    events_past_the_cutoff_are_pruned,
    inserted_users_read_back_identical,
    unknown_users_are_none,
    a_second_user_with_the_same_email_in_another_case_is_refused,
    concurrent_inserts_of_one_email_store_exactly_one,
    issued_tokens_are_found_by_digest_with_their_user,
    the_gateways_lookup_reads_the_token_and_who_its_user_is,
    login_keeps_only_the_newest_tokens,
    issuing_for_a_deleted_user_is_not_found,
    personal_tokens_read_back_with_their_name_and_scopes,
    login_rotation_leaves_personal_tokens_alone,
    rotation_deletes_every_stale_session_at_once,
    personal_tokens_for_a_deleted_user_are_not_found,
    queued_mail_is_claimed_once_and_hidden_for_its_lease,
    a_delivered_message_is_done_and_its_body_gone,
    a_failed_message_is_due_again_at_its_retry_or_given_up,
    one_message_can_be_claimed_by_its_id,
    concurrent_claims_never_share_a_message,
    pruning_deletes_spent_keys_and_finished_mail_only,
    concurrent_logins_leave_exactly_one_token,
    record_use_moves_last_used_and_expiry,
    revoke_deletes_one_token_and_revoke_all_the_rest,
    a_login_that_began_before_its_user_logged_out_everywhere_stores_nothing,
    deleting_a_user_deletes_its_tokens,
    migrations_are_idempotent,
);

/// A key from the operating system's random source, as the service draws them.
/// A process's handle on `test_db` (PostgreSQL) that keeps verified tokens
/// and gathers their uses, as `serve` opens it.
fn keeping_tokens(test_db: &TestDatabase) -> Database {
    let url = secrecy::SecretString::from(test_db.url());
    Database::open(&DatabaseSettings {
        url: url.clone(),
        pool_size: 2,
        workers: 1,
        connect_timeout: Duration::from_secs(5),
    })
    .unwrap()
    .with_verified_tokens(100, &url)
}

/// Two processes that saw the same tokens write their gathered uses at the
/// same moment: neither write is lost (one was, to a deadlock, while each
/// locked the rows in the order of its own map).
#[test]
fn postgres_gathered_uses_of_two_processes_at_once_are_all_written() {
    let test_db = TestDatabase::new(Backend::Postgres);
    let (a, b) = (keeping_tokens(&test_db), keeping_tokens(&test_db));
    let tokens: Vec<TokenId> = (0..1000).map(|_| TokenId::new_random()).collect();
    let users = tokens.iter().enumerate().map(|(i, _)| {
        format!(
            "('{}', 'u{i}@example.com', 'u{i}@example.com', '+15550000000', 'x', now(), '')",
            UserId::new_random()
        )
    });
    let users: Vec<String> = users.collect();
    let rows: Vec<String> = tokens
        .iter()
        .zip(&users)
        .map(|(token, user)| {
            let user_id = &user[2..38];
            format!(
                "('{token}', '{user_id}', '{}', now(), NULL, NULL)",
                random_key().digest().to_hex()
            )
        })
        .collect();
    let seed = format!(
        "INSERT INTO users (id, email, email_key, phonenumber, password_hash, date_joined, search_key) VALUES {}; \
         INSERT INTO auth_tokens (id, user_id, digest, created, expires, last_used) VALUES {};",
        users.join(", "),
        rows.join(", ")
    );
    a.with_connection(|conn| {
        use diesel::connection::SimpleConnection;
        match conn {
            tokenauth_adapters_db::DbConnection::Postgresql(pg) => pg.batch_execute(&seed),
            tokenauth_adapters_db::DbConnection::Sqlite(_) => unreachable!(),
        }
    })
    .unwrap();
    let (lookup_a, lookup_b) = (Lookup::new(&a), Lookup::new(&b));
    let digest = random_key().digest();
    for round in 0..10 {
        let (earlier, later) = (at(round * 10 + 1), at(round * 10 + 2));
        for token in &tokens {
            lookup_a.record_use(&digest, *token, earlier, None).unwrap();
            lookup_b.record_use(&digest, *token, later, None).unwrap();
        }
        let barrier = std::sync::Barrier::new(2);
        std::thread::scope(|scope| {
            for db in [&a, &b] {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    // Writes what was gathered, first of all.
                    db.with_connection(|_| Ok(())).unwrap();
                });
            }
        });
        let written: i64 = a
            .with_connection(|conn| {
                use diesel::prelude::*;
                use diesel::sql_types::{BigInt, Timestamp as SqlTimestamp};
                #[derive(QueryableByName)]
                struct Count {
                    #[diesel(sql_type = BigInt)]
                    n: i64,
                }
                let count: Count =
                    diesel::sql_query("SELECT count(*) AS n FROM auth_tokens WHERE last_used = $1")
                        .bind::<SqlTimestamp, _>(later.naive_utc())
                        .get_result(conn)?;
                Ok(count.n)
            })
            .unwrap();
        assert_eq!(
            written, 1000,
            "round {round}: every token has the later use"
        );
    }
}

/// A token's row held by another transaction (a logout in progress, say):
/// the gathered write gives up within its lock wait rather than queue
/// behind it, so it can never hold a request in a lock cycle.
#[test]
fn postgres_gathered_uses_wait_for_a_held_row_half_a_second_at_most() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};
    let test_db = TestDatabase::new(Backend::Postgres);
    let db = keeping_tokens(&test_db);
    let users = DieselUserRepository::new(db.clone());
    let tokens = DieselTokenRepository::new(db.clone());
    let user = users.insert(new_user("held@example.com"), &[]).unwrap();
    let key = random_key();
    let token = token_for(user.id, &key, at(0));
    tokens.issue_for_login(&token, one(), at(0), &[]).unwrap();
    let (held, release) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
    let holder = {
        let (url, id) = (test_db.url().to_owned(), token.id);
        std::thread::spawn(move || {
            let mut conn = PgConnection::establish(&url).unwrap();
            conn.batch_execute(&format!(
                "BEGIN; SELECT id FROM auth_tokens WHERE id = '{id}' FOR UPDATE;"
            ))
            .unwrap();
            held.0.send(()).unwrap();
            // Three seconds, or until the write is done.
            let _ = release.1.recv_timeout(Duration::from_secs(3));
            conn.batch_execute("COMMIT").unwrap();
        })
    };
    held.1.recv().unwrap();
    Lookup::new(&db)
        .record_use(&key.digest(), token.id, at(60), None)
        .unwrap();
    let started = std::time::Instant::now();
    // Writes what was gathered, first of all.
    db.with_connection(|_| Ok(())).unwrap();
    let waited = started.elapsed();
    release.0.send(()).unwrap();
    holder.join().unwrap();
    assert!(
        waited < Duration::from_millis(1500),
        "the gathered write waited {waited:?} for a held row"
    );
}

fn random_key() -> TokenKey {
    let mut bytes = [0; TokenKey::BYTES];
    getrandom::fill(&mut bytes).unwrap();
    TokenKey::from_bytes(bytes)
}
