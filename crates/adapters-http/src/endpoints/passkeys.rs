//! Passkeys: the signed-in user's, and passwordless login with one.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use crate::handlers::passkey_page;
use crate::handlers::passkeys::{
    self, PasskeyBody, PasskeyLoginRequest, PasskeyRequest, RegistrationOptionsRequest,
};
use crate::representation::{LoginBody, LoginErrorBody};
use tokenauth_domain::Scope;

const OPTIONS: Response = Response::json(
    200,
    "`{\"publicKey\": {...}}`, WebAuthn Level 3 JSON for the browser's PublicKeyCredential.parse…OptionsFromJSON.",
    doc::object,
);

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/login/passkey/options",
        name: "Passkey Login Options",
        link: None,
        description: "Options for a passwordless login with a discoverable passkey.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(passkeys::login_options),
            token: TokenRule::None,
            doc: Doc::new(
                "passkeys",
                "Request options: a fresh challenge (single use, 5 minutes), user verification required, any discoverable credential. Throttled per IP at throttle.login's rate, in a window of its own.",
                &[OPTIONS],
            )
            .throttled(),
        }],
    },
    Endpoint {
        path: "/api/login/passkey",
        name: "Passkey Login",
        link: Some("login-passkey"),
        description: "Log in with a passkey; the answer carries a new token.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(passkeys::login),
            token: TokenRule::None,
            doc: Doc::new(
                "passkeys",
                "Log in with the browser's authentication response; no password, no second step.",
                &[
                    Response::json(200, "Logged in.", doc::schema::<LoginBody>),
                    Response::json(
                        401,
                        "Invalid passkey, or the login rules (inactive, unverified).",
                        doc::schema::<LoginErrorBody>,
                    ),
                ],
            )
            .body(doc::schema::<PasskeyLoginRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/api/me/passkeys/options",
        name: "Passkey Registration Options",
        link: None,
        description: "Options to register a passkey, once the password matched.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(passkeys::registration_options),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "passkeys",
                "Creation options: a discoverable credential with user verification, the user's passkeys excluded, a fresh challenge (single use, 5 minutes).",
                &[OPTIONS],
            )
            .body(doc::schema::<RegistrationOptionsRequest>),
        }],
    },
    Endpoint {
        path: "/api/me/passkeys",
        name: "Passkeys",
        link: Some("passkeys"),
        description: "The user's passkeys.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[
            Operation {
                method: Method::GET,
                handler: || web::to(passkeys::list),
                token: TokenRule::Scope(Scope::AccountRead),
                doc: Doc::new(
                    "passkeys",
                    "The user's passkeys, newest first.",
                    &[Response::json(
                        200,
                        "The passkeys.",
                        doc::list::<PasskeyBody>,
                    )],
                ),
            },
            Operation {
                method: Method::POST,
                handler: || web::to(passkeys::register),
                token: TokenRule::SessionOnly,
                doc: Doc::new(
                    "passkeys",
                    "Register the passkey of the browser's registration response.",
                    &[
                        Response::json(201, "Registered.", doc::schema::<PasskeyBody>),
                        Response::json(
                            400,
                            "Field errors, or a response that does not verify.",
                            doc::object,
                        ),
                    ],
                )
                .body(doc::schema::<PasskeyRequest>),
            },
        ],
    },
    Endpoint {
        path: "/api/me/passkeys/{id}",
        name: "Passkey",
        link: None,
        description: "One of the user's passkeys.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::DELETE,
            handler: || web::to(passkeys::delete),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "passkeys",
                "Delete the passkey.",
                &[
                    Response::empty(204, "Deleted."),
                    Response::json(404, "Not one of the user's passkeys.", doc::detail),
                ],
            ),
        }],
    },
    Endpoint {
        path: "/passkeys",
        name: "Passkeys Page",
        link: None,
        description: "A page that adds a passkey or logs in with one, through the browser's WebAuthn API.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(passkey_page::page),
            token: TokenRule::None,
            doc: Doc::new(
                "passkeys",
                "An HTML page (text/html) whose script calls the passkey endpoints.",
                &[Response::empty(200, "The page.")],
            )
            .no_database(),
        }],
    },
    Endpoint {
        path: "/passkeys.js",
        name: "Passkeys Script",
        link: None,
        description: "The passkeys page's script.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(passkey_page::script),
            token: TokenRule::None,
            doc: Doc::new(
                "passkeys",
                "JavaScript (text/javascript).",
                &[Response::empty(200, "The script.")],
            )
            .no_database(),
        }],
    },
];
