//! The flows that go through mail: password reset and email verification, with the pages their links open.

use actix_web::http::Method;
use actix_web::web;

use super::THE_USER;
use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use crate::handlers::{link_pages, recovery, verification};
use crate::pages;

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/password/reset",
        name: "Password Reset",
        link: Some("password-reset"),
        description: "Mail a password reset link to an account's address.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(recovery::request_reset),
            token: TokenRule::None,
            doc: Doc::new(
                "recovery",
                "Ask for a reset link by mail; the answer is the same whether or not an account has the address.",
                &[Response::empty(
                    204,
                    "Recorded. An active account with this address gets a link, valid once, for auth.password_reset_ttl_seconds.",
                )],
            )
            .body(doc::schema::<recovery::AddressRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/api/password/reset/confirm",
        name: "Password Reset Confirm",
        link: Some("password-reset-confirm"),
        description: "Set a new password with the key from a reset link.",
        permission: Permission::Anyone,
        form: Some(&pages::RESET_CONFIRM),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(recovery::confirm_reset),
            token: TokenRule::None,
            doc: Doc::new(
                "recovery",
                "Set a new password with a mailed key; every token of the user is revoked.",
                &[Response::empty(
                    204,
                    "The password is set; every session and personal token of the user is revoked.",
                )],
            )
            .body(doc::schema::<recovery::PasswordResetConfirmRequest>),
        }],
    },
    Endpoint {
        path: "/reset-password",
        name: "Reset Password Page",
        link: None,
        description: "The page a reset link opens: a form for the new password. Opening it changes nothing.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(link_pages::reset_password),
            token: TokenRule::None,
            doc: Doc::new(
                "recovery",
                "An HTML page (text/html) whose form posts the key and a new password to /api/password/reset/confirm.",
                &[Response::empty(200, "The page.")],
            )
            .query(&[("token", "The key from the mailed link.")]),
        }],
    },
    Endpoint {
        path: "/api/verify-email",
        name: "Verify Email",
        link: Some("verify-email"),
        description: "Confirm an address with the key from a verification link.",
        permission: Permission::Anyone,
        form: Some(&pages::VERIFY_EMAIL),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(verification::verify),
            token: TokenRule::None,
            doc: Doc::new(
                "verification",
                "Mark the address verified with a mailed key (single use).",
                &[THE_USER],
            )
            .body(doc::schema::<verification::VerifyEmailRequest>),
        }],
    },
    Endpoint {
        path: "/api/verify-email/resend",
        name: "Verify Email Resend",
        link: Some("verify-email-resend"),
        description: "Mail another verification link.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(verification::resend),
            token: TokenRule::None,
            doc: Doc::new(
                "verification",
                "Ask for another verification link; the answer is the same whatever the address.",
                &[Response::empty(
                    204,
                    "Recorded. An active, unverified account with this address gets a link (not in mode none).",
                )],
            )
            .body(doc::schema::<recovery::AddressRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/verify-email",
        name: "Verify Email Page",
        link: None,
        description: "The page a verification link opens: a button that confirms. Opening it changes nothing.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(link_pages::verify_email),
            token: TokenRule::None,
            doc: Doc::new(
                "verification",
                "An HTML page (text/html) whose button posts the key to /api/verify-email.",
                &[Response::empty(200, "The page.")],
            )
            .query(&[("token", "The key from the mailed link.")]),
        }],
    },
];
