//! The security event log.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use tokenauth_domain::Scope;

use crate::handlers::events;
use crate::representation::EventPageBody;

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/me/events",
        name: "My Events",
        link: Some("my-events"),
        description: "The security events of the user's own account, newest first.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(events::own_events),
            token: TokenRule::Scope(Scope::AccountRead),
            doc: Doc::new(
                "events",
                "The user's own security events, newest first, a page at a time.",
                &[Response::json(
                    200,
                    "A page of events.",
                    doc::schema::<EventPageBody>,
                )],
            )
            .query(&EVENT_PAGE),
        }],
    },
    Endpoint {
        path: "/api/events",
        name: "Events",
        link: Some("events"),
        description: "Every security event, newest first (staff only).",
        permission: Permission::Staff,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(events::all_events),
            token: TokenRule::Scope(Scope::UsersRead),
            doc: Doc::new(
                "events",
                "Every security event, newest first, filtered, a page at a time.",
                &[
                    Response::json(200, "A page of events.", doc::schema::<EventPageBody>),
                    Response::json(
                        400,
                        "A malformed user_id, since or until, each under its name.",
                        doc::object,
                    ),
                ],
            )
            .query(&[
                EVENT_PAGE[0],
                EVENT_PAGE[1],
                EVENT_PAGE[2],
                ("user_id", "Only this user's events (a UUID)."),
                ("since", "Only events created at or after this (RFC 3339)."),
                ("until", "Only events created before this (RFC 3339)."),
            ]),
        }],
    },
];

/// The query of a page of events.
const EVENT_PAGE: [(&str, &str); 3] = [
    (
        "limit",
        "Page size: default 50 (also for nonsense, zero or negative), at most 1000.",
    ),
    ("offset", "Events skipped: default 0."),
    (
        "type",
        "Only events of this type; an unknown type matches nothing.",
    ),
];
