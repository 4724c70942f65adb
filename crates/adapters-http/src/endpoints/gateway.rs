//! Gateway verification (forward auth) for reverse proxies, and the keys
//! its JWTs verify against.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use crate::handlers::gateway;

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/auth/verify",
        name: "Verify",
        link: Some("verify"),
        description: "Whether a reverse proxy may let a request through, and who it is.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(gateway::verify),
            token: TokenRule::AnyToken,
            doc: Doc::new(
                "gateway",
                "Forward authentication for nginx auth_request, Traefik ForwardAuth, Envoy ext_authz.",
                &[Response::empty(
                    200,
                    "Let it through: X-Auth-User-Id, X-Auth-User-Email, X-Auth-Is-Staff (true/false) and X-Auth-Scopes (space-separated) name the user.",
                ), Response::json(
                    403,
                    "The token lacks a scope asked for, or staff=true and the user is not staff.",
                    doc::detail,
                )],
            )
            .query(&[
                ("scope", "A scope the token must hold (repeatable); an unknown one is held by no token."),
                ("staff", "`true`: the user must be staff; any other value is ignored."),
            ]),
        }],
    },
    Endpoint {
        path: "/.well-known/jwks.json",
        name: "Jwks",
        link: Some("jwks"),
        description: "The public keys the JWTs tokenauth signs verify against.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(gateway::key_set),
            token: TokenRule::None,
            doc: Doc::new(
                "gateway",
                "The JSON Web Key Set (RFC 7517) of the signing key and of retired keys whose JWTs may still be alive; empty when no JWTs are signed.",
                &[Response::json(200, "The key set.", doc::schema::<gateway::KeySet>)],
            ),
        }],
    },
];
