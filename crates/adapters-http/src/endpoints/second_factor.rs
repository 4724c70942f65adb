//! The second factor: TOTP, recovery codes, a login's second step, and the
//! staff's reset.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use crate::handlers::second_factor::{
    self, DisableRequest, MfaStatusBody, PasswordConfirmation, RecoveryCodesBody,
    SecondStepRequest, TotpConfirmRequest, TotpSetupBody,
};
use crate::pages;
use crate::representation::LoginBody;
use tokenauth_domain::Scope;

const NEW_CODES: Response = Response::json(
    200,
    "Ten recovery codes, shown once.",
    doc::schema::<RecoveryCodesBody>,
);
const NOT_NOW: Response = Response::json(
    400,
    "Field errors, or the account's state (detail).",
    doc::bad_request,
);

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/login/mfa",
        name: "Login Second Step",
        link: Some("login-mfa"),
        description: "The second step of a login with TOTP on: the mfa_token and a code.",
        permission: Permission::Anyone,
        form: Some(&pages::LOGIN_MFA),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(second_factor::second_step),
            token: TokenRule::None,
            doc: Doc::new(
                "auth",
                "Finish a login that answered `Second factor required.` with a TOTP or recovery code; the mfa_token dies after 5 wrong codes.",
                &[
                    Response::json(200, "Logged in.", doc::schema::<LoginBody>),
                    Response::json(
                        400,
                        "A wrong code, or an unknown, used or expired mfa_token.",
                        doc::object,
                    ),
                ],
            )
            .body(doc::schema::<SecondStepRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/api/me/mfa",
        name: "Second Factor",
        link: Some("mfa"),
        description: "What protects the account beyond its password.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(second_factor::status),
            token: TokenRule::Scope(Scope::AccountRead),
            doc: Doc::new(
                "second factor",
                "Whether TOTP is on, the recovery codes left, the passkeys registered.",
                &[Response::json(
                    200,
                    "The factors.",
                    doc::schema::<MfaStatusBody>,
                )],
            ),
        }],
    },
    Endpoint {
        path: "/api/me/mfa/totp",
        name: "TOTP Setup",
        link: None,
        description: "Start TOTP setup: a secret for the authenticator app, pending until confirmed.",
        permission: Permission::Authenticated,
        form: Some(&pages::TOTP_SETUP),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(second_factor::begin_totp),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "second factor",
                "A fresh secret (replacing a pending one) and its otpauth:// URL.",
                &[
                    Response::json(
                        200,
                        "The pending secret.",
                        doc::schema::<TotpSetupBody>,
                    ),
                    NOT_NOW,
                ],
            )
            .body(doc::schema::<PasswordConfirmation>),
        }],
    },
    Endpoint {
        path: "/api/me/mfa/totp/confirm",
        name: "TOTP Confirmation",
        link: None,
        description: "Turn TOTP on with a code from the app.",
        permission: Permission::Authenticated,
        form: Some(&pages::TOTP_CONFIRM),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(second_factor::confirm_totp),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "second factor",
                "Confirm the pending secret with its current code: TOTP is on.",
                &[NEW_CODES, NOT_NOW],
            )
            .body(doc::schema::<TotpConfirmRequest>),
        }],
    },
    Endpoint {
        path: "/api/me/mfa/recovery-codes",
        name: "Recovery Codes",
        link: None,
        description: "A new set of recovery codes; the old ones stop working.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(second_factor::regenerate_codes),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "second factor",
                "Replace the recovery codes.",
                &[NEW_CODES, NOT_NOW],
            )
            .body(doc::schema::<PasswordConfirmation>),
        }],
    },
    Endpoint {
        path: "/api/me/mfa/disable",
        name: "Disable Second Factor",
        link: None,
        description: "Turn TOTP off with the password and a code; tokens stay valid.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(second_factor::disable),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "second factor",
                "Remove TOTP and the recovery codes.",
                &[Response::empty(204, "TOTP is off."), NOT_NOW],
            )
            .body(doc::schema::<DisableRequest>),
        }],
    },
    Endpoint {
        path: "/api/users/{id}/mfa",
        name: "User Second Factor",
        link: None,
        description: "Remove a user's TOTP and recovery codes (staff only).",
        permission: Permission::Staff,
        form: None,
        operations: &[Operation {
            method: Method::DELETE,
            handler: || web::to(second_factor::reset),
            token: TokenRule::Scope(Scope::UsersWrite),
            doc: Doc::new(
                "administration",
                "Remove the user's TOTP and recovery codes; its tokens stay valid.",
                &[
                    Response::empty(204, "Removed (or there was none)."),
                    Response::json(404, "No such user.", doc::detail),
                ],
            ),
        }],
    },
];
