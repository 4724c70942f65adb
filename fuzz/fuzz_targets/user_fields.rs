#![no_main]
//! Any text through the user-field parsers: no panic, and what is accepted
//! obeys the contract's limits.

use libfuzzer_sys::fuzz_target;
use tokenauth_domain::{Email, Password, PasswordPolicy, PersonName, PhoneNumber, TokenKey, UserAttributes};

fuzz_target!(|text: &str| {
    if let Ok(email) = Email::parse(text) {
        assert!(email.as_str().chars().count() <= Email::MAX_CHARS);
    }
    if let Ok(phone) = PhoneNumber::parse(text) {
        assert!(phone.as_str().chars().count() <= PhoneNumber::MAX_CHARS);
    }
    if let Ok(name) = PersonName::parse(text) {
        assert!(name.as_str().chars().count() <= PersonName::MAX_CHARS);
    }
    if let Ok(accepted) = PasswordPolicy::default().check(Password::new(text.to_owned()), UserAttributes::default()) {
        assert!(accepted.as_password().expose().len() <= PasswordPolicy::MAX_BYTES);
    }
    if let Some(key) = TokenKey::parse(text) {
        assert_eq!(key.expose(), text);
    }
});
