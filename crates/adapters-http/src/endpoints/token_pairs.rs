//! Access and refresh JWTs for clients written for
//! djangorestframework-simplejwt, served when `jwt.enabled` is on. Each
//! path answers with and without its trailing slash, as SimpleJWT's URLs
//! are usually written both ways.

use actix_web::http::Method;
use actix_web::web;

use super::doc::{self, Doc, Response};
use super::{Endpoint, Operation};
use crate::access::{Permission, TokenRule};
use crate::handlers::auth::LoginRequest;
use crate::handlers::second_factor::SecondStepRequest;
use crate::handlers::token_pairs::{
    self, ObtainedPairBody, RefreshRequest, RefreshedPairBody, VerifyRequest,
};

const NOT_VALID: Response = Response::json(
    401,
    "`{\"detail\": \"Token is invalid or expired\", \"code\": \"token_not_valid\"}`.",
    doc::object,
);

const OBTAIN: &[Operation] = &[Operation {
    method: Method::POST,
    handler: || web::to(token_pairs::obtain),
    token: TokenRule::None,
    doc: Doc::new(
        "jwt",
        "Obtain an access and refresh pair for an email and password (a login).",
        &[
            Response::json(200, "`{\"refresh\", \"access\"}`.", doc::schema::<ObtainedPairBody>),
            Response::json(
                401,
                "No active account with these credentials, address not verified, or a second factor required (`mfa_token`, `methods`).",
                doc::object,
            ),
        ],
    )
    .body(doc::schema::<LoginRequest>)
    .throttled(),
}];

const OBTAIN_SECOND_STEP: &[Operation] = &[Operation {
    method: Method::POST,
    handler: || web::to(token_pairs::obtain_second_step),
    token: TokenRule::None,
    doc: Doc::new(
        "jwt",
        "The second step of obtaining a pair: the `mfa_token` and a TOTP or recovery code.",
        &[Response::json(
            200,
            "`{\"refresh\", \"access\"}`.",
            doc::schema::<ObtainedPairBody>,
        )],
    )
    .body(doc::schema::<SecondStepRequest>)
    .throttled(),
}];

const REFRESH: &[Operation] = &[Operation {
    method: Method::POST,
    handler: || web::to(token_pairs::refresh),
    token: TokenRule::None,
    doc: Doc::new(
        "jwt",
        "A new pair for a refresh JWT, which is used up; a used-up one sent again ends its whole line.",
        &[
            Response::json(200, "`{\"access\", \"refresh\"}`.", doc::schema::<RefreshedPairBody>),
            Response::json(
                401,
                "`token_not_valid`, or `no_active_account` when its user is gone or inactive.",
                doc::object,
            ),
        ],
    )
    .body(doc::schema::<RefreshRequest>),
}];

const VERIFY: &[Operation] = &[Operation {
    method: Method::POST,
    handler: || web::to(token_pairs::verify),
    token: TokenRule::None,
    doc: Doc::new(
        "jwt",
        "Whether an access or refresh JWT would be accepted now.",
        &[
            Response::json(200, "`{}`: it would.", doc::object),
            NOT_VALID,
        ],
    )
    .body(doc::schema::<VerifyRequest>),
}];

const BLACKLIST: &[Operation] = &[Operation {
    method: Method::POST,
    handler: || web::to(token_pairs::blacklist),
    token: TokenRule::None,
    doc: Doc::new(
        "jwt",
        "End a refresh JWT.",
        &[
            Response::json(200, "`{}`: it no longer works.", doc::object),
            NOT_VALID,
        ],
    )
    .body(doc::schema::<RefreshRequest>),
}];

/// One endpoint at `path`, without a link or a form.
const fn pair_endpoint(
    path: &'static str,
    name: &'static str,
    link: Option<&'static str>,
    description: &'static str,
    operations: &'static [Operation],
) -> Endpoint {
    Endpoint {
        path,
        name,
        link,
        description,
        permission: Permission::Anyone,
        form: None,
        operations,
    }
}

/// The endpoints of this group, in the order the API root lists them; the
/// root links the slashed paths.
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    pair_endpoint(
        "/api/token/",
        "Token Obtain Pair",
        Some("token"),
        "Obtain an access and refresh JWT.",
        OBTAIN,
    ),
    pair_endpoint(
        "/api/token",
        "Token Obtain Pair",
        None,
        "Obtain an access and refresh JWT.",
        OBTAIN,
    ),
    pair_endpoint(
        "/api/token/mfa/",
        "Token Obtain Pair Second Step",
        Some("token-mfa"),
        "The second factor of obtaining a pair.",
        OBTAIN_SECOND_STEP,
    ),
    pair_endpoint(
        "/api/token/mfa",
        "Token Obtain Pair Second Step",
        None,
        "The second factor of obtaining a pair.",
        OBTAIN_SECOND_STEP,
    ),
    pair_endpoint(
        "/api/token/refresh/",
        "Token Refresh",
        Some("token-refresh"),
        "Exchange a refresh JWT for a new pair.",
        REFRESH,
    ),
    pair_endpoint(
        "/api/token/refresh",
        "Token Refresh",
        None,
        "Exchange a refresh JWT for a new pair.",
        REFRESH,
    ),
    pair_endpoint(
        "/api/token/verify/",
        "Token Verify",
        Some("token-verify"),
        "Check an access or refresh JWT.",
        VERIFY,
    ),
    pair_endpoint(
        "/api/token/verify",
        "Token Verify",
        None,
        "Check an access or refresh JWT.",
        VERIFY,
    ),
    pair_endpoint(
        "/api/token/blacklist/",
        "Token Blacklist",
        Some("token-blacklist"),
        "End a refresh JWT.",
        BLACKLIST,
    ),
    pair_endpoint(
        "/api/token/blacklist",
        "Token Blacklist",
        None,
        "End a refresh JWT.",
        BLACKLIST,
    ),
];
