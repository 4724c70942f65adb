//! The browsable API's HTML: compile-time templates, every value escaped.

mod templates;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};

pub(crate) use templates::{
    CONFIRM_EMAIL, EndpointPage, Form, Heading, LOGIN, LOGIN_MFA, ME, Outcome, PASSKEYS_SCRIPT,
    RESET_CONFIRM, RootEntry, SIGNUP, Submit, TOKENS, TOTP_CONFIRM, TOTP_SETUP, VERIFY_EMAIL,
    endpoint, passkeys, plain, root,
};

/// Headers every page carries: no script, no framing, no sniffing, no referrer.
const PAGE_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
];

/// The one page that runs a script: the passkeys page, whose script (served
/// by the service) calls the API with `fetch`.
pub(crate) const SCRIPT_PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// An HTML page as the answer, with the headers every page carries.
pub(crate) fn page(status: StatusCode, html: String) -> HttpResponse {
    let mut response = HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .body(html);
    for (name, value) in PAGE_HEADERS {
        response.headers_mut().insert(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}
