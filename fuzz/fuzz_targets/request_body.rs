#![no_main]
//! Any bytes as a JSON or form body: no panic, only the contract's errors.

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use tokenauth_adapters_http::{ApiError, parse_body};
use tokenauth_application::FieldValue;

fuzz_target!(|input: (bool, &[u8])| {
    let (json, body) = input;
    let media_type = if json { "application/json" } else { "application/x-www-form-urlencoded" };
    match parse_body::<HashMap<String, FieldValue>>(Some(media_type), body) {
        Ok(fields) => {
            let _ = fields.get("email");
        }
        Err(ApiError::MalformedJson(_) | ApiError::NotAnObject(_)) => {}
        Err(other) => panic!("unexpected error for a {media_type} body: {other:?}"),
    }
});
