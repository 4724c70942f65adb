//! Request bodies read as DRF's default parsers read them: JSON or
//! form-encoded, into the request type a handler declares. Request types hold
//! [`tokenauth_application::FieldValue`]s, so every judgement of a field's
//! value is the use case's; this module only refuses what is not a body.

use std::future::Future;

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{HttpRequest, dev::Payload};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::ApiError;

/// The largest request body accepted, in bytes (`http.max_body_bytes`).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Reads a body of `media_type` (`None` when no `Content-Type` was sent)
/// into `T`.
pub fn parse_body<T: DeserializeOwned>(
    media_type: Option<&str>,
    body: &[u8],
) -> Result<T, ApiError> {
    let fields = fields(media_type, body)?;
    serde_json::from_value(Value::Object(fields)).map_err(|error| {
        // Request types take any value in every field: this is a bug.
        tracing::error!(%error, "a request type refused a parsed body");
        ApiError::Internal
    })
}

/// The body's fields by name, the last of a repeated name winning.
fn fields(media_type: Option<&str>, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    // DRF reads an empty body, or one without a content type, as no data.
    let Some(media_type) = media_type.filter(|_| !body.is_empty()) else {
        return Ok(Map::new());
    };
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/json") {
        from_json(body)
    } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Ok(from_form(body))
    } else {
        Err(ApiError::UnsupportedMediaType(media_type.to_owned()))
    }
}

fn from_json(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| ApiError::MalformedJson(error.to_string()))?;
    let Value::Object(object) = value else {
        return Err(ApiError::NotAnObject(python_type_name(&value)));
    };
    Ok(object)
}

/// Fields that take a list: a form sends one of them as the same name
/// repeated, which DRF reads with `QueryDict.getlist`.
const LIST_FIELDS: [&str; 1] = ["scopes"];

fn from_form(body: &[u8]) -> Map<String, Value> {
    let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default();
    let mut fields = Map::new();
    for (name, value) in pairs {
        if LIST_FIELDS.contains(&name.as_str()) {
            let items = fields
                .entry(name)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = items {
                items.push(Value::String(value));
            }
        } else {
            // Any other repeated name: the last wins, as Django's QueryDict gives it.
            fields.insert(name, Value::String(value));
        }
    }
    fields
}

/// The Python type name DRF puts in "Expected a dictionary, but got <type>."
fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "list",
        Value::String(_) => "str",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Bool(_) => "bool",
        Value::Null => "NoneType",
        Value::Object(_) => "dict",
    }
}

/// Reads the body of `req` from `payload` into `T`: 413 past the configured
/// limit (before reading a byte when `Content-Length` says so), 415 for a
/// media type other than JSON or form-encoded.
///
/// Protected handlers call this after authentication, so a client without a
/// valid token learns nothing about what its body would have done.
pub(crate) fn read_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: Payload,
) -> impl Future<Output = Result<T, ApiError>> + 'static {
    let limit = BodyLimit::of(req);
    let declared = declared_length(req);
    let media_type = req
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    async move {
        let body = read_limited(payload, declared, limit).await?;
        parse_body(media_type.as_deref(), &body)
    }
}

impl BodyLimit {
    /// The limit of the app serving `req` (64 KiB where none is configured).
    pub(crate) fn of(req: &HttpRequest) -> usize {
        req.app_data::<Data<BodyLimit>>()
            .map_or(64 * 1024, |limit| limit.0)
    }
}

/// The body length the client declared in `Content-Length`, if any.
pub(crate) fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Reads a whole body of at most `limit` bytes: 413 past it, and before
/// reading a byte when the declared length already says so.
pub(crate) async fn read_limited(
    mut payload: Payload,
    declared: Option<usize>,
    limit: usize,
) -> Result<Bytes, ApiError> {
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| ApiError::MalformedJson(error.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use proptest::prelude::*;
    use tokenauth_application::FieldValue;

    type Fields = HashMap<String, FieldValue>;

    fn json(body: &str) -> Result<Fields, ApiError> {
        parse_body(Some("application/json"), body.as_bytes())
    }

    fn field(fields: &Fields, name: &str) -> FieldValue {
        fields.get(name).cloned().unwrap_or_default()
    }

    #[test]
    fn strings_and_numbers_are_text() {
        let fields = json(r#"{"a": "x", "b": 5, "c": 1.5, "d": 1.0}"#).unwrap();
        assert_eq!(field(&fields, "a"), FieldValue::text("x"));
        assert_eq!(field(&fields, "b"), FieldValue::text("5"));
        assert_eq!(field(&fields, "c"), FieldValue::text("1.5"));
        assert_eq!(field(&fields, "d"), FieldValue::text("1.0"));
        assert_eq!(field(&fields, "e"), FieldValue::Missing);
    }

    #[test]
    fn null_and_structures_are_not_text() {
        let fields = json(r#"{"a": null, "b": true, "c": [1, [2]], "d": {"e": {}}}"#).unwrap();
        assert_eq!(field(&fields, "a"), FieldValue::Null);
        assert_eq!(field(&fields, "b"), FieldValue::Bool(true));
        for name in ["c", "d"] {
            assert_eq!(field(&fields, name), FieldValue::NotText);
        }
    }

    #[test]
    fn a_body_that_is_not_an_object_names_its_python_type() {
        for (body, name) in [
            ("[]", "list"),
            (r#""x""#, "str"),
            ("1", "int"),
            ("1.5", "float"),
            ("true", "bool"),
            ("null", "NoneType"),
        ] {
            assert!(
                matches!(json(body), Err(ApiError::NotAnObject(n)) if n == name),
                "{body}"
            );
        }
    }

    #[test]
    fn malformed_json_is_a_parse_error() {
        assert!(matches!(json("{"), Err(ApiError::MalformedJson(_))));
    }

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let fields = json(r#"{"a": "1", "a": "2"}"#).unwrap();
        assert_eq!(field(&fields, "a"), FieldValue::text("2"));
    }

    #[test]
    fn form_bodies_are_read_with_charset_parameters_ignored() {
        let fields: Fields = parse_body(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"email=a%40b.com&name=x+y&name=z",
        )
        .unwrap();
        assert_eq!(field(&fields, "email"), FieldValue::text("a@b.com"));
        assert_eq!(field(&fields, "name"), FieldValue::text("z"));
    }

    #[test]
    fn other_media_types_are_unsupported() {
        assert!(matches!(
            parse_body::<Fields>(Some("text/plain"), b"x"),
            Err(ApiError::UnsupportedMediaType(t)) if t == "text/plain"
        ));
    }

    #[test]
    fn no_content_type_or_no_body_is_no_data() {
        assert!(parse_body::<Fields>(None, b"{}").unwrap().is_empty());
        assert!(
            parse_body::<Fields>(Some("text/plain"), b"")
                .unwrap()
                .is_empty()
        );
    }

    proptest! {
        #[test]
        fn json_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_body::<Fields>(Some("application/json"), &body);
        }

        #[test]
        fn form_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_body::<Fields>(Some("application/x-www-form-urlencoded"), &body);
        }
    }
}
