//! The one indexed read of every protected request: a token and its user by
//! digest, on SQLite and on PostgreSQL (TEST_DATABASE_URL or the local one),
//! among 2000 users with a token each.
//!
//!     cargo bench -p tokenauth-adapters-db
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::num::NonZeroU32;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use tokenauth_adapters_db::testing::TestDatabase;
use tokenauth_adapters_db::{
    Backend, Database, DatabaseSettings, DieselTokenLookup, DieselTokenRepository,
    DieselUserRepository,
};
use tokenauth_application::{TokenLookup, TokenRepository, UserRepository};
use tokenauth_domain::{
    AuthToken, Email, NewUser, PasswordHash, PersonName, PhoneNumber, RequestOrigin, TokenId,
    TokenKey, TokenKind, UserId, truncate_to_micros,
};

fn seeded(backend: Backend) -> (TestDatabase, DieselTokenLookup, Vec<TokenKey>) {
    let test_db = TestDatabase::new(backend);
    let db = Database::open(&DatabaseSettings {
        url: test_db.url().into(),
        pool_size: 4,
        workers: 1,
        connect_timeout: Duration::from_secs(5),
    })
    .unwrap();
    let users = DieselUserRepository::new(db.clone());
    let tokens = DieselTokenRepository::new(db.clone());
    let now = truncate_to_micros(Utc::now());
    let keys: Vec<TokenKey> = (0..2000)
        .map(|i| {
            let user = users
                .insert(
                    NewUser {
                        id: UserId::new_random(),
                        email: Email::parse(&format!("user{i}@bench.example.com")).unwrap(),
                        phone_number: PhoneNumber::parse("+15550000000").unwrap(),
                        first_name: PersonName::default(),
                        last_name: PersonName::default(),
                        password_hash: PasswordHash::new("$2b$12$0123456789012345678901".into()),
                        is_staff: false,
                        is_superuser: false,
                        email_verified: false,
                        date_joined: now,
                    },
                    &[],
                )
                .unwrap();
            let key = random_key();
            let token = AuthToken {
                id: TokenId::new_random(),
                user_id: user.id,
                digest: key.digest(),
                created: now,
                kind: TokenKind::Session,
                expires: None,
                last_used: None,
                origin: RequestOrigin::default(),
            };
            tokens
                .issue_for_login(&token, NonZeroU32::MIN, now, &[])
                .unwrap();
            key
        })
        .collect();
    (test_db, DieselTokenLookup::new(db), keys)
}

fn token_lookup(c: &mut Criterion) {
    for (name, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
        let (_db, lookup, keys) = seeded(backend);
        // As a worker runs it: awaited on a single-threaded runtime.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let digests: Vec<_> = keys.iter().map(TokenKey::digest).collect();
        let mut i = 0;
        c.bench_function(&format!("find token and user by digest ({name})"), |b| {
            b.iter(|| {
                i = (i + 1) % digests.len();
                runtime
                    .block_on(lookup.find_by_digest(&digests[i]))
                    .unwrap()
                    .unwrap()
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = token_lookup
}
criterion_main!(benches);

/// A key from the operating system's random source, as the service draws them.
fn random_key() -> TokenKey {
    let mut bytes = [0; TokenKey::BYTES];
    getrandom::fill(&mut bytes).unwrap();
    TokenKey::from_bytes(bytes)
}
