//! The authenticated user's own account: profile, password, address, deletion, tokens.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use tokenauth_domain::Scope;

use super::THE_USER;
use crate::handlers::{account, email_change, link_pages};
use crate::pages;
use crate::representation::{PersonalTokenBody, SessionBody};

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/me",
        name: "Me",
        link: Some("me"),
        description: "The user the token belongs to.",
        permission: Permission::Authenticated,
        form: Some(&pages::ME),
        operations: &[
            Operation {
                method: Method::GET,
                handler: || web::to(account::me),
                token: TokenRule::Scope(Scope::AccountRead),
                doc: Doc::new("account", "The authenticated user.", &[THE_USER]),
            },
            Operation {
                method: Method::PATCH,
                handler: || web::to(account::update_me),
                token: TokenRule::Scope(Scope::AccountWrite),
                doc: Doc::new(
                    "account",
                    "Change names or phone number; other fields are read-only here.",
                    &[THE_USER],
                )
                .body(doc::schema::<account::ProfileRequest>),
            },
        ],
    },
    Endpoint {
        path: "/api/me/password",
        name: "Password",
        link: Some("password"),
        description: "Change the password; every other token of the user is revoked.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(account::change_password),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "account",
                "Change the password; every other token of the user is revoked.",
                &[Response::empty(204, "Changed.")],
            )
            .body(doc::schema::<account::PasswordChangeRequest>),
        }],
    },
    Endpoint {
        path: "/api/me/email",
        name: "Email Change",
        link: Some("email-change"),
        description: "Move the account to a new address, confirmed by a link mailed there.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(email_change::request_change),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "account",
                "Ask to move the account to new_email: a link goes there, a notice (no link) to the current address. The same answer when an account has the new address (which gets no link).",
                &[Response::json(
                    202,
                    "Verification e-mail sent.",
                    doc::detail,
                )],
            )
            .body(doc::schema::<email_change::EmailChangeRequest>),
        }],
    },
    Endpoint {
        path: "/api/me/email/confirm",
        name: "Email Change Confirm",
        link: Some("email-change-confirm"),
        description: "Move the account to its new address with the key from the mailed link.",
        permission: Permission::Anyone,
        form: Some(&pages::CONFIRM_EMAIL),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(email_change::confirm_change),
            token: TokenRule::None,
            doc: Doc::new(
                "account",
                "Move the account to the address the key was mailed to (single use); the address is verified, every token keeps working.",
                &[THE_USER],
            )
            .body(doc::schema::<email_change::EmailChangeConfirmRequest>),
        }],
    },
    Endpoint {
        path: "/confirm-email",
        name: "Confirm Email Page",
        link: None,
        description: "The page an email change link opens: a button that confirms. Opening it changes nothing.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(link_pages::confirm_email),
            token: TokenRule::None,
            doc: Doc::new(
                "account",
                "An HTML page (text/html) whose button posts the key to /api/me/email/confirm.",
                &[Response::empty(200, "The page.")],
            )
            .query(&[("token", "The key from the mailed link.")]),
        }],
    },
    Endpoint {
        path: "/api/me/delete",
        name: "Delete Account",
        link: Some("delete-account"),
        description: "Delete the account and everything it holds.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(account::delete_me),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "account",
                "Delete the account with its tokens; its security events stay. The last active superuser is refused.",
                &[
                    Response::empty(204, "The account is gone."),
                    Response::json(
                        400,
                        "A missing, blank or wrong password, or the last superuser.",
                        doc::bad_request,
                    ),
                ],
            )
            .body(doc::schema::<account::AccountDeletionRequest>),
        }],
    },
    Endpoint {
        path: "/api/me/tokens",
        name: "Tokens",
        link: Some("tokens"),
        description: "The user's unexpired tokens, newest first; make a personal token for a script.",
        permission: Permission::Authenticated,
        form: Some(&pages::TOKENS),
        operations: &[
            Operation {
                method: Method::GET,
                handler: || web::to(account::list_tokens),
                token: TokenRule::Scope(Scope::AccountRead),
                doc: Doc::new(
                    "account",
                    "The user's unexpired tokens (sessions and personal tokens), newest first; never a key.",
                    &[Response::json(
                        200,
                        "The tokens.",
                        doc::list::<SessionBody>,
                    )],
                ),
            },
            Operation {
                method: Method::POST,
                handler: || web::to(account::create_token),
                token: TokenRule::SessionOnly,
                doc: Doc::new(
                    "account",
                    "Make a personal token limited to some scopes; its key is shown this once.",
                    &[Response::json(
                        201,
                        "The token, with its key.",
                        doc::schema::<PersonalTokenBody>,
                    )],
                )
                .body(doc::schema::<account::PersonalTokenRequest>),
            },
        ],
    },
    Endpoint {
        path: "/api/me/tokens/{id}",
        name: "Token",
        link: None,
        description: "One of the user's tokens.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::DELETE,
            handler: || web::to(account::delete_token),
            token: TokenRule::Scope(Scope::AccountWrite),
            doc: Doc::new(
                "account",
                "End one of the user's tokens.",
                &[
                    Response::empty(204, "That token is revoked."),
                    Response::json(404, "Not one of the user's tokens.", doc::detail),
                ],
            ),
        }],
    },
];
