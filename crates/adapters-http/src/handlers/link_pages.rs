//! The pages mailed links open: `GET /reset-password?token=`,
//! `GET /verify-email?token=` and `GET /confirm-email?token=`. Each is a form that carries the key to its API
//! endpoint; opening one changes nothing, because mail scanners open links.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};

use crate::extract::QueryParams;
use crate::pages::{self, CONFIRM_EMAIL, EndpointPage, Heading, RESET_CONFIRM, VERIFY_EMAIL};

/// The page of a password reset link: a new-password form.
pub(crate) async fn reset_password(req: HttpRequest) -> HttpResponse {
    link_page(
        &req,
        Heading {
            title: "Reset your password",
            path: "/api/password/reset/confirm",
            allow: Method::POST.as_str(),
            description: "Set a new password with the key from your mail.",
            form: &RESET_CONFIRM,
        },
    )
}

/// The page of a verification link: one button that confirms the address.
pub(crate) async fn verify_email(req: HttpRequest) -> HttpResponse {
    link_page(
        &req,
        Heading {
            title: "Verify your email address",
            path: "/api/verify-email",
            allow: Method::POST.as_str(),
            description: "Confirm that this address is yours.",
            form: &VERIFY_EMAIL,
        },
    )
}

/// The page of an email change link: one button that moves the account.
pub(crate) async fn confirm_email(req: HttpRequest) -> HttpResponse {
    link_page(
        &req,
        Heading {
            title: "Confirm your new email address",
            path: "/api/me/email/confirm",
            allow: Method::POST.as_str(),
            description: "Move your account to the address this link was sent to.",
            form: &CONFIRM_EMAIL,
        },
    )
}

fn link_page(req: &HttpRequest, heading: Heading<'_>) -> HttpResponse {
    let token = QueryParams::of(req)
        .get("token")
        .unwrap_or_default()
        .to_owned();
    let origin = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let values = [("token".to_owned(), token)];
    let html = pages::endpoint(&EndpointPage {
        endpoint: heading,
        values: &values,
        outcome: None,
        origin: &origin,
    });
    pages::page(StatusCode::OK, html)
}
