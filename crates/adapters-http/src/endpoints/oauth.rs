//! The OAuth 2.0 token endpoints: introspection and revocation.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use crate::handlers::oauth::{self, IntrospectionBody, TokenRequest};
use tokenauth_domain::Scope;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Components, RefOr};

const INVALID_REQUEST: Response = Response::json(
    400,
    "`{\"error\": \"invalid_request\"}`: token missing, blank or not a string.",
    doc::object,
);

/// A usable token's members, or `{"active": false}` alone.
fn introspection(components: &mut Components) -> RefOr<Schema> {
    let inactive = ObjectBuilder::new()
        .property(
            "active",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .enum_values(Some([false])),
        )
        .required("active");
    OneOfBuilder::new()
        .item(doc::schema::<IntrospectionBody>(components))
        .item(inactive)
        .into()
}

/// The endpoints of this group, in the order the API root lists them.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api/oauth/introspect",
        name: "Token Introspection",
        link: Some("oauth-introspect"),
        description: "RFC 7662: whether a token is usable, and whose it is.",
        permission: Permission::Authenticated,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(oauth::introspect),
            token: TokenRule::Scope(Scope::TokensIntrospect),
            doc: Doc::new(
                "oauth",
                "Introspect a token (form or JSON body `token`); a usable one counts as used. Anything unusable is `{\"active\": false}`.",
                &[
                    Response::json(200, "The token, or {\"active\": false}.", introspection),
                    INVALID_REQUEST,
                ],
            )
            .body(doc::schema::<TokenRequest>)
            .form_first(),
        }],
    },
    Endpoint {
        path: "/api/oauth/revoke",
        name: "Token Revocation",
        link: Some("oauth-revoke"),
        description: "RFC 7009: end a token by its key; holding the key is enough.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(oauth::revoke),
            token: TokenRule::None,
            doc: Doc::new(
                "oauth",
                "Revoke a token (form or JSON body `token`); the same answer whether or not it existed.",
                &[
                    Response::empty(200, "Revoked, or there was no such token."),
                    INVALID_REQUEST,
                ],
            )
            .body(doc::schema::<TokenRequest>)
            .form_first()
            .throttled(),
        }],
    },
];
