#![no_main]
//! Any bytes as an `Authorization` header: no panic, and a key that comes out
//! is one word of printable ASCII.

use libfuzzer_sys::fuzz_target;
use tokenauth_adapters_http::parse_authorization;

fuzz_target!(|header: &[u8]| {
    if let Ok(key) = parse_authorization(Some(header)) {
        assert!(!key.is_empty());
        assert!(key.bytes().all(|b| b.is_ascii_graphic()));
    }
});
