//! How the request types' fields are described in the OpenAPI document: as
//! DRF's fields read them, with the limits the domain enforces (taken from
//! the domain's own constants, so the document cannot drift from the rules).

use tokenauth_domain::{Email, Label, PasswordPolicy, PersonName, PhoneNumber, Scope, TokenDays};
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};

/// A text field as DRF's `CharField` reads it: a string, or a number taken
/// as its text.
fn text(constrain: impl FnOnce(ObjectBuilder) -> ObjectBuilder) -> Schema {
    OneOfBuilder::new()
        .item(constrain(ObjectBuilder::new().schema_type(Type::String)))
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .into()
}

/// An email address: trimmed, valid, unique in any case.
pub(crate) fn email() -> Schema {
    text(|s| {
        s.format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .max_length(Some(Email::MAX_CHARS))
    })
}

/// A phone number: an optional `+`, then digits.
pub(crate) fn phone_number() -> Schema {
    let digits = PhoneNumber::MAX_CHARS;
    OneOfBuilder::new()
        // At most MAX_CHARS characters once surrounding whitespace is trimmed.
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!(
                    r"^\s*(\+[0-9]{{1,{}}}|[0-9]{{1,{digits}}})\s*$",
                    digits - 1
                ))),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(largest_number_of(digits))),
        )
        .into()
}

/// The largest whole number written with `digits` digits.
fn largest_number_of(digits: usize) -> i64 {
    u32::try_from(digits)
        .ok()
        .and_then(|digits| 10_i64.checked_pow(digits))
        .map_or(i64::MAX, |power| power - 1)
}

/// A password that the password policy will judge.
pub(crate) fn new_password() -> Schema {
    text(|s| {
        s.format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .min_length(Some(PasswordPolicy::MIN_CHARS))
    })
}

/// A first or last name.
pub(crate) fn name() -> Schema {
    text(|s| s.max_length(Some(PersonName::MAX_CHARS)))
}

/// A name a user gives something: a personal token, a passkey.
pub(crate) fn label() -> Schema {
    text(|s| s.min_length(Some(1)).max_length(Some(Label::MAX_CHARS)))
}

/// A list of scope names, at least one (the names are the domain's);
/// a repeated name counts once, as DRF's `MultipleChoiceField` reads it.
pub(crate) fn scopes() -> Schema {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(Scope::ALL.map(Scope::as_str))),
        )
        .min_items(Some(1))
        .into()
}

/// A personal token's lifetime in days; null for one that never expires.
pub(crate) fn token_days() -> Schema {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(TokenDays::MIN))
                .maximum(Some(TokenDays::MAX))
                .default(Some(30.into())),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

/// Any text (a password to check, an email to look up).
pub(crate) fn any_text() -> Schema {
    text(|s| s)
}

/// A WebAuthn response as the browser's `credential.toJSON()` writes it.
pub(crate) fn webauthn_response() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "The browser's PublicKeyCredential.toJSON() (WebAuthn Level 3 JSON).",
        ))
        .into()
}

/// A boolean as DRF's `BooleanField` reads it.
pub(crate) fn boolean() -> Schema {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["true", "false", "yes", "no", "on", "off", "1", "0"])),
        )
        .into()
}
