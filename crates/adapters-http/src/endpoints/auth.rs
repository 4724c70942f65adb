//! Signing up, logging in and out.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use crate::handlers::auth;
use crate::pages;
use crate::representation::{LoginBody, LoginErrorBody, UserBody};

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/signup",
        name: "Signup",
        link: Some("signup"),
        description: "Create an account. Only the password's bcrypt hash is stored.",
        permission: Permission::Anyone,
        form: Some(&pages::SIGNUP),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(auth::signup),
            token: TokenRule::None,
            doc: Doc::new(
                "auth",
                "Create an account; every failing field is reported at once.",
                &[Response::json(201, "Created.", doc::schema::<UserBody>)],
            )
            .body(doc::schema::<auth::SignupRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/api/login",
        name: "Login",
        link: Some("login"),
        description: "Log in with email and password; the answer carries a new token.",
        permission: Permission::Anyone,
        form: Some(&pages::LOGIN),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(auth::login),
            token: TokenRule::None,
            doc: Doc::new(
                "auth",
                "Log in; the user's oldest token beyond the limit is rotated out.",
                &[
                    Response::json(200, "Logged in.", doc::schema::<LoginBody>),
                    Response::json(
                        401,
                        "Blank email or password, or invalid credentials.",
                        doc::schema::<LoginErrorBody>,
                    ),
                ],
            )
            .body(doc::schema::<auth::LoginRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/api/logout",
        name: "Logout",
        link: Some("logout"),
        description: "Revoke the token used.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(auth::logout),
            token: TokenRule::AnyToken,
            doc: Doc::new(
                "auth",
                "Revoke the token used.",
                &[Response::empty(204, "The token used is revoked.")],
            ),
        }],
    },
    Endpoint {
        path: "/api/logoutall",
        name: "Logout All",
        link: Some("logoutall"),
        description: "Revoke every token of the user.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(auth::logout_all),
            token: TokenRule::SessionOnly,
            doc: Doc::new(
                "auth",
                "Revoke every token of the user.",
                &[Response::empty(204, "Every token of the user is revoked.")],
            ),
        }],
    },
];
