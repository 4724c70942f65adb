//! Administration of every user (staff only).

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use tokenauth_domain::Scope;

use super::THE_USER;
use crate::handlers::admin;
use crate::representation::UserPageBody;

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/users",
        name: "Users",
        link: Some("users"),
        description: "Every user, a page at a time (staff only).",
        permission: Permission::Staff,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(admin::list_users),
            token: TokenRule::Scope(Scope::UsersRead),
            doc: Doc::new(
                "administration",
                "A page of users, in order of joining.",
                &[Response::json(
                    200,
                    "A page of users.",
                    doc::schema::<UserPageBody>,
                )],
            )
            .query(&[
                (
                    "limit",
                    "Page size: default 50 (also for nonsense, zero or negative), at most 1000.",
                ),
                ("offset", "Users skipped: default 0."),
                (
                    "search",
                    "Words that must all appear in the email or names, any case.",
                ),
            ]),
        }],
    },
    Endpoint {
        path: "/api/users/{id}",
        name: "User",
        link: None,
        description: "One user (staff only; is_staff for superusers).",
        permission: Permission::Staff,
        form: None,
        operations: &[
            Operation {
                method: Method::GET,
                handler: || web::to(admin::get_user),
                token: TokenRule::Scope(Scope::UsersRead),
                doc: Doc::new("administration", "One user.", &[THE_USER, NO_SUCH_USER]),
            },
            Operation {
                method: Method::PATCH,
                handler: || web::to(admin::update_user),
                token: TokenRule::Scope(Scope::UsersWrite),
                doc: Doc::new(
                    "administration",
                    "Change a user; deactivation revokes all its tokens.",
                    &[THE_USER, NO_SUCH_USER],
                )
                .body(doc::schema::<admin::UserUpdateRequest>),
            },
            Operation {
                method: Method::DELETE,
                handler: || web::to(admin::delete_user),
                token: TokenRule::Scope(Scope::UsersWrite),
                doc: Doc::new(
                    "administration",
                    "Delete a user and all its tokens.",
                    &[
                        Response::empty(204, "The user and all its tokens are gone."),
                        NO_SUCH_USER,
                    ],
                ),
            },
        ],
    },
];

const NO_SUCH_USER: Response =
    Response::json(404, "No such user (or a malformed id).", doc::detail);
