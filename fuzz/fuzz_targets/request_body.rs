#![no_main]
//! Any bytes as a JSON or form body: no panic, only the contract's errors.

use libfuzzer_sys::fuzz_target;
use tokenauth_adapters_http::{ApiError, RequestFields};

fuzz_target!(|input: (bool, &[u8])| {
    let (json, body) = input;
    let media_type = if json { "application/json" } else { "application/x-www-form-urlencoded" };
    match RequestFields::parse(Some(media_type), body) {
        Ok(mut fields) => {
            let _ = fields.take("email");
        }
        Err(ApiError::MalformedJson(_) | ApiError::NotAnObject(_)) => {}
        Err(other) => panic!("unexpected error for a {media_type} body: {other:?}"),
    }
});
