//! The CPU work of every protected request before the database: reading the
//! `Authorization` header, parsing the key, hashing it to its digest.
//!
//!     cargo bench -p tokenauth-adapters-http
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tokenauth_adapters_http::parse_authorization;
use tokenauth_domain::TokenKey;

fn hot_path(c: &mut Criterion) {
    let key = random_key().expose();
    let header = format!("Token {key}");
    c.bench_function("parse Authorization header", |b| {
        b.iter(|| {
            parse_authorization(Some(black_box(header.as_bytes())))
                .unwrap()
                .len()
        })
    });
    c.bench_function("parse key and compute its SHA-256 digest", |b| {
        b.iter(|| TokenKey::parse(black_box(&key)).unwrap().digest())
    });
    c.bench_function("header to digest", |b| {
        b.iter(|| {
            let presented = parse_authorization(Some(black_box(header.as_bytes()))).unwrap();
            TokenKey::parse(presented).unwrap().digest().to_hex()
        })
    });
}

criterion_group!(benches, hot_path);
criterion_main!(benches);

/// A key from the operating system's random source, as the service draws them.
fn random_key() -> TokenKey {
    let mut bytes = [0; TokenKey::BYTES];
    getrandom::fill(&mut bytes).unwrap();
    TokenKey::from_bytes(bytes)
}
