//! Times one bcrypt verification at a cost (default 12): the unit of work of
//! every login and signup, and so the bound on their throughput.
//!
//!     cargo run --release -p tokenauth-application --example bcrypt_verify -- 12
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use tokenauth_application::PasswordHasher;
use tokenauth_application::system::BcryptHasher;
use tokenauth_domain::{Password, PasswordPolicy, UserAttributes};

fn main() {
    let cost: u32 = std::env::args()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    let hasher = BcryptHasher::new(cost);
    let accepted = PasswordPolicy::default()
        .check(
            Password::new("bench-Password-77".into()),
            UserAttributes::default(),
        )
        .unwrap();
    let hash = hasher.hash(&accepted).unwrap();
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let started = Instant::now();
            assert!(hasher.verify(accepted.as_password(), &hash));
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    println!("{:.3}", samples[samples.len() / 2]);
}
