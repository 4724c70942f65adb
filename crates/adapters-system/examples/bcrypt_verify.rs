//! Times one bcrypt verification at a cost (default 12): the unit of work of
//! every login and signup, and so the bound on their throughput. With a
//! second argument N, N threads verify at once and the time of one of them is
//! reported: the server hashes on every core at once under load, and a core
//! may run slower when its neighbours are busy too. A third argument sets the
//! verifies each thread times (default 7): more for a sustained load.
//!
//!     cargo run --release -p tokenauth-adapters-system --example bcrypt_verify -- 12 [N [COUNT]]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use tokenauth_adapters_system::BcryptHasher;
use tokenauth_application::PasswordHasher;
use tokenauth_domain::{Password, PasswordHash, PasswordPolicy, UserAttributes};

const PASSWORD: &str = "bench-Password-77";

fn main() {
    let mut args = std::env::args().skip(1);
    let cost: u32 = args.next().and_then(|c| c.parse().ok()).unwrap_or(12);
    let threads: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(7);
    let hash = BcryptHasher::new(cost).hash(&accepted()).unwrap();
    let mut samples: Vec<f64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| scope.spawn(|| time_verifies(cost, &hash, count)))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap())
            .collect()
    });
    samples.sort_by(f64::total_cmp);
    println!("{:.3}", samples[samples.len() / 2]);
}

fn accepted() -> tokenauth_domain::NewPassword {
    PasswordPolicy::default()
        .check(Password::new(PASSWORD.into()), UserAttributes::default())
        .unwrap()
}

fn time_verifies(cost: u32, hash: &PasswordHash, count: usize) -> Vec<f64> {
    let hasher = BcryptHasher::new(cost);
    let password = accepted();
    (0..count.max(1))
        .map(|_| {
            let started = Instant::now();
            assert!(hasher.verify(password.as_password(), hash));
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect()
}
