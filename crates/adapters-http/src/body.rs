//! Request bodies read as DRF's default parsers read them: JSON or
//! form-encoded, into one map of field values.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::StreamExt;
use serde_json::Value;
use tokenauth_application::FieldValue;

use crate::ApiError;

/// The largest request body accepted, in bytes (`http.max_body_bytes`).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The fields of a request body, whichever parser read them.
#[derive(Debug, Default)]
pub struct RequestFields {
    values: HashMap<String, FieldValue>,
}

impl RequestFields {
    /// Takes one field out; [`FieldValue::Missing`] when it was not sent.
    pub fn take(&mut self, name: &str) -> FieldValue {
        self.values.remove(name).unwrap_or_default()
    }

    /// Reads a body of `media_type` (`None` when no `Content-Type` was sent).
    pub fn parse(media_type: Option<&str>, body: &[u8]) -> Result<Self, ApiError> {
        // DRF reads an empty body, or one without a content type, as no data.
        let Some(media_type) = media_type.filter(|_| !body.is_empty()) else {
            return Ok(Self::default());
        };
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case("application/json") {
            Self::from_json(body)
        } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            Ok(Self::from_form(body))
        } else {
            Err(ApiError::UnsupportedMediaType(media_type.to_owned()))
        }
    }

    fn from_json(body: &[u8]) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|error| ApiError::MalformedJson(error.to_string()))?;
        let Value::Object(object) = value else {
            return Err(ApiError::NotAnObject(python_type_name(&value)));
        };
        let values = object
            .into_iter()
            .map(|(name, value)| (name, field_value(value)))
            .collect();
        Ok(Self { values })
    }

    fn from_form(body: &[u8]) -> Self {
        // Repeated keys: the last wins, as Django's QueryDict gives it.
        let values = form_urlencoded_pairs(body)
            .map(|(name, value)| (name, FieldValue::Text(value)))
            .collect();
        Self { values }
    }
}

fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
}

/// DRF's `CharField` takes strings and numbers as text and refuses the rest.
fn field_value(value: Value) -> FieldValue {
    match value {
        Value::String(text) => FieldValue::Text(text),
        Value::Number(number) => FieldValue::Text(number.to_string()),
        Value::Null => FieldValue::Null,
        Value::Bool(value) => FieldValue::Bool(value),
        Value::Array(_) | Value::Object(_) => FieldValue::NotText,
    }
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

impl RequestFields {
    /// Reads the body of `req` from `payload`: 413 past the configured limit
    /// (before reading a byte when `Content-Length` says so), 415 for a media
    /// type other than JSON or form-encoded.
    ///
    /// Protected handlers call this after authentication, so a client without
    /// a valid token learns nothing about what its body would have done.
    pub fn read(
        req: &HttpRequest,
        payload: Payload,
    ) -> impl Future<Output = Result<Self, ApiError>> + 'static {
        let limit = BodyLimit::of(req);
        let declared = declared_length(req);
        let media_type = req
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        async move {
            let body = read_limited(payload, declared, limit).await?;
            Self::parse(media_type.as_deref(), &body)
        }
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

impl FromRequest for RequestFields {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        Box::pin(Self::read(req, payload.take()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn json(body: &str) -> Result<RequestFields, ApiError> {
        RequestFields::parse(Some("application/json"), body.as_bytes())
    }

    #[test]
    fn strings_and_numbers_are_text() {
        let mut fields = json(r#"{"a": "x", "b": 5, "c": 1.5}"#).unwrap();
        assert_eq!(fields.take("a"), FieldValue::text("x"));
        assert_eq!(fields.take("b"), FieldValue::text("5"));
        assert_eq!(fields.take("c"), FieldValue::text("1.5"));
        assert_eq!(fields.take("d"), FieldValue::Missing);
    }

    #[test]
    fn null_and_structures_are_not_text() {
        let mut fields = json(r#"{"a": null, "b": true, "c": [], "d": {}}"#).unwrap();
        assert_eq!(fields.take("a"), FieldValue::Null);
        assert_eq!(fields.take("b"), FieldValue::Bool(true));
        for name in ["c", "d"] {
            assert_eq!(fields.take(name), FieldValue::NotText);
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
        let mut fields = json(r#"{"a": "1", "a": "2"}"#).unwrap();
        assert_eq!(fields.take("a"), FieldValue::text("2"));
    }

    #[test]
    fn form_bodies_are_read_with_charset_parameters_ignored() {
        let mut fields = RequestFields::parse(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"email=a%40b.com&name=x+y",
        )
        .unwrap();
        assert_eq!(fields.take("email"), FieldValue::text("a@b.com"));
        assert_eq!(fields.take("name"), FieldValue::text("x y"));
    }

    #[test]
    fn other_media_types_are_unsupported() {
        assert!(matches!(
            RequestFields::parse(Some("text/plain"), b"x"),
            Err(ApiError::UnsupportedMediaType(t)) if t == "text/plain"
        ));
    }

    #[test]
    fn no_content_type_or_no_body_is_no_data() {
        assert!(RequestFields::parse(None, b"{}").unwrap().values.is_empty());
        assert!(
            RequestFields::parse(Some("text/plain"), b"")
                .unwrap()
                .values
                .is_empty()
        );
    }

    proptest! {
        #[test]
        fn json_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = RequestFields::parse(Some("application/json"), &body);
        }

        #[test]
        fn form_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = RequestFields::parse(Some("application/x-www-form-urlencoded"), &body);
        }
    }
}
