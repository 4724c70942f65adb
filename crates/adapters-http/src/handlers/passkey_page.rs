//! The passkeys page, `GET /passkeys`, and its script: WebAuthn needs the
//! browser's JavaScript API, which no plain form reaches.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};

use crate::pages::{self, PASSKEYS_SCRIPT, SCRIPT_PAGE_POLICY};

/// `GET /passkeys`: the page, allowed its own script and calls to the API.
pub(crate) async fn page() -> HttpResponse {
    let mut response = pages::page(StatusCode::OK, pages::passkeys());
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SCRIPT_PAGE_POLICY),
    );
    response
}

/// `GET /passkeys.js`.
pub(crate) async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .body(PASSKEYS_SCRIPT)
}
