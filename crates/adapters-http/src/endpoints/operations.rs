//! Operations: the API root, health, readiness, metrics and the OpenAPI document.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use crate::handlers::operations;

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/",
        name: "Api Root",
        link: None,
        description: "Every endpoint by name, as absolute URLs.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(operations::root),
            token: TokenRule::None,
            doc: Doc::new(
                "operations",
                "Endpoint names and their URLs; a browser gets a page with links.",
                &[Response::json(200, "The endpoints.", doc::object)],
            )
            .no_database(),
        }],
    },
    Endpoint {
        path: "/healthz",
        name: "Healthz",
        link: Some("healthz"),
        description: "Liveness: the process runs.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(operations::healthz),
            token: TokenRule::None,
            doc: Doc::new(
                "operations",
                "The process runs.",
                &[Response::json(200, "The process runs.", doc::status)],
            )
            .no_database(),
        }],
    },
    Endpoint {
        path: "/readyz",
        name: "Readyz",
        link: Some("readyz"),
        description: "Readiness: the database answers.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(operations::readyz),
            token: TokenRule::None,
            doc: Doc::new(
                "operations",
                "The database answers.",
                &[Response::json(200, "The database answers.", doc::status)],
            ),
        }],
    },
    Endpoint {
        path: "/metrics",
        name: "Metrics",
        link: Some("metrics"),
        description: "Prometheus metrics in the text exposition format.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(operations::metrics),
            token: TokenRule::None,
            doc: Doc::new(
                "operations",
                "Prometheus metrics.",
                &[Response::text(200, "Prometheus text format.")],
            )
            .no_database(),
        }],
    },
    Endpoint {
        path: "/api/schema",
        name: "Schema",
        link: Some("schema"),
        description: "The OpenAPI 3 document of every endpoint.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(operations::schema),
            token: TokenRule::None,
            doc: Doc::new(
                "operations",
                "This document.",
                &[Response::json(200, "The OpenAPI 3 document.", doc::object)],
            )
            .no_database(),
        }],
    },
];
