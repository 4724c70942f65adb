//! The one table of endpoints. Each entry declares a path once, with its
//! methods, their handlers, the token each takes, what the OpenAPI document
//! says of them, and whether a browser gets a form there. The actix routes,
//! `HEAD`, `OPTIONS`, `Allow` on 405, the API root's links, the browsable
//! pages and the OpenAPI paths are all derived from it: adding an endpoint
//! is one entry here and its handler.

use actix_web::http::Method;
use actix_web::web::{self, Data, ServiceConfig};
use actix_web::{Route, guard};
use tokenauth_domain::Scope;

use crate::access::{Permission, TokenRule, TokenRules};
use crate::docs::{self, Doc, Response};
use crate::handlers::{
    account, admin, auth, email_change, events, fallback, gateway, link_pages, operations, options,
    recovery, verification,
};
use crate::pages::{self, Form};
use crate::representation::{
    EventPageBody, LoginBody, LoginErrorBody, PersonalTokenBody, SessionBody, UserBody,
    UserPageBody,
};
use crate::{BodyLimit, Cors, InFlight, Metrics, Services, Throttles};

/// One path and everything served there.
#[derive(Debug)]
pub(crate) struct Endpoint {
    /// The actix path template, `{name}` for a segment.
    pub path: &'static str,
    /// Its name in `OPTIONS` and on its page (DRF's view name).
    pub name: &'static str,
    /// Its name in the API root's map of links; `None` keeps it out.
    pub link: Option<&'static str>,
    /// One line, for `OPTIONS` and the documents.
    pub description: &'static str,
    /// Who may call it at all (`OPTIONS` included).
    pub permission: Permission,
    /// The form a browser gets there (`GET` with `text/html`).
    pub form: Option<&'static Form>,
    /// The methods served, in DRF's order.
    pub operations: &'static [Operation],
}

/// One method of an endpoint.
#[derive(Debug)]
pub(crate) struct Operation {
    /// `GET`, `POST`, `PATCH` or `DELETE`; `GET` brings `HEAD` along.
    pub method: Method,
    /// Its handler, as a route without a method guard.
    pub handler: fn() -> Route,
    /// The token it takes.
    pub token: TokenRule,
    /// What the OpenAPI document says of it.
    pub doc: Doc,
}

/// Every endpoint served. Nothing else is routed.
pub(crate) const ENDPOINTS: &[Endpoint] = &[
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
                &[Response::json(200, "The endpoints.", docs::object)],
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
                &[Response::json(200, "The process runs.", docs::status)],
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
                &[Response::json(200, "The database answers.", docs::status)],
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
                &[Response::json(200, "The OpenAPI 3 document.", docs::object)],
            )
            .no_database(),
        }],
    },
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
                &[Response::json(201, "Created.", docs::schema::<UserBody>)],
            )
            .body(docs::schema::<auth::SignupRequest>)
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
                    Response::json(200, "Logged in.", docs::schema::<LoginBody>),
                    Response::json(
                        401,
                        "Blank email or password, or invalid credentials.",
                        docs::schema::<LoginErrorBody>,
                    ),
                ],
            )
            .body(docs::schema::<auth::LoginRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/api/password/reset",
        name: "Password Reset",
        link: Some("password-reset"),
        description: "Mail a password reset link to an account's address.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(recovery::request_reset),
            token: TokenRule::None,
            doc: Doc::new(
                "recovery",
                "Ask for a reset link by mail; the answer is the same whether or not an account has the address.",
                &[Response::empty(
                    204,
                    "Recorded. An active account with this address gets a link, valid once, for auth.password_reset_ttl_seconds.",
                )],
            )
            .body(docs::schema::<recovery::AddressRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/api/password/reset/confirm",
        name: "Password Reset Confirm",
        link: Some("password-reset-confirm"),
        description: "Set a new password with the key from a reset link.",
        permission: Permission::Anyone,
        form: Some(&pages::RESET_CONFIRM),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(recovery::confirm_reset),
            token: TokenRule::None,
            doc: Doc::new(
                "recovery",
                "Set a new password with a mailed key; every token of the user is revoked.",
                &[Response::empty(
                    204,
                    "The password is set; every session and personal token of the user is revoked.",
                )],
            )
            .body(docs::schema::<recovery::PasswordResetConfirmRequest>),
        }],
    },
    Endpoint {
        path: "/reset-password",
        name: "Reset Password Page",
        link: None,
        description: "The page a reset link opens: a form for the new password. Opening it changes nothing.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(link_pages::reset_password),
            token: TokenRule::None,
            doc: Doc::new(
                "recovery",
                "An HTML page (text/html) whose form posts the key and a new password to /api/password/reset/confirm.",
                &[Response::empty(200, "The page.")],
            )
            .query(&[("token", "The key from the mailed link.")]),
        }],
    },
    Endpoint {
        path: "/api/verify-email",
        name: "Verify Email",
        link: Some("verify-email"),
        description: "Confirm an address with the key from a verification link.",
        permission: Permission::Anyone,
        form: Some(&pages::VERIFY_EMAIL),
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(verification::verify),
            token: TokenRule::None,
            doc: Doc::new(
                "verification",
                "Mark the address verified with a mailed key (single use).",
                &[THE_USER],
            )
            .body(docs::schema::<verification::VerifyEmailRequest>),
        }],
    },
    Endpoint {
        path: "/api/verify-email/resend",
        name: "Verify Email Resend",
        link: Some("verify-email-resend"),
        description: "Mail another verification link.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::POST,
            handler: || web::to(verification::resend),
            token: TokenRule::None,
            doc: Doc::new(
                "verification",
                "Ask for another verification link; the answer is the same whatever the address.",
                &[Response::empty(
                    204,
                    "Recorded. An active, unverified account with this address gets a link (not in mode none).",
                )],
            )
            .body(docs::schema::<recovery::AddressRequest>)
            .throttled(),
        }],
    },
    Endpoint {
        path: "/verify-email",
        name: "Verify Email Page",
        link: None,
        description: "The page a verification link opens: a button that confirms. Opening it changes nothing.",
        permission: Permission::Anyone,
        form: None,
        operations: &[Operation {
            method: Method::GET,
            handler: || web::to(link_pages::verify_email),
            token: TokenRule::None,
            doc: Doc::new(
                "verification",
                "An HTML page (text/html) whose button posts the key to /api/verify-email.",
                &[Response::empty(200, "The page.")],
            )
            .query(&[("token", "The key from the mailed link.")]),
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
                    docs::detail,
                )],
            )
            .query(&[
                ("scope", "A scope the token must hold (repeatable); an unknown one is held by no token."),
                ("staff", "`true`: the user must be staff; any other value is ignored."),
            ]),
        }],
    },
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
                .body(docs::schema::<account::ProfileRequest>),
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
            .body(docs::schema::<account::PasswordChangeRequest>),
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
                    docs::detail,
                )],
            )
            .body(docs::schema::<email_change::EmailChangeRequest>),
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
            .body(docs::schema::<email_change::EmailChangeConfirmRequest>),
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
                        docs::detail,
                    ),
                ],
            )
            .body(docs::schema::<account::AccountDeletionRequest>),
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
                        docs::list::<SessionBody>,
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
                        docs::schema::<PersonalTokenBody>,
                    )],
                )
                .body(docs::schema::<account::PersonalTokenRequest>),
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
                    Response::json(404, "Not one of the user's tokens.", docs::detail),
                ],
            ),
        }],
    },
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
                &[Response::json(200, "A page of events.", docs::schema::<EventPageBody>)],
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
                    Response::json(200, "A page of events.", docs::schema::<EventPageBody>),
                    Response::json(
                        400,
                        "A malformed user_id, since or until, each under its name.",
                        docs::object,
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
                    docs::schema::<UserPageBody>,
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
                .body(docs::schema::<admin::UserUpdateRequest>),
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

const THE_USER: Response = Response::json(200, "The user.", docs::schema::<UserBody>);
const NO_SUCH_USER: Response =
    Response::json(404, "No such user (or a malformed id).", docs::detail);

impl Endpoint {
    /// Whether an operation of `method` is declared here.
    pub(crate) fn serves(&self, method: &Method) -> bool {
        self.operations.iter().any(|op| op.method == method)
    }

    /// The methods served here as DRF lists them in `Allow`: the declared
    /// ones in DRF's order, `HEAD` where `GET` is, and `OPTIONS`.
    pub(crate) fn allow(&self) -> String {
        let mut methods: Vec<&str> = [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ]
        .iter()
        .filter(|method| self.serves(method))
        .map(Method::as_str)
        .collect();
        if self.serves(&Method::GET) {
            methods.push("HEAD");
        }
        methods.push("OPTIONS");
        methods.join(", ")
    }

    /// The endpoint whose path template matches `path`, if any.
    pub(crate) fn matching(path: &str) -> Option<&'static Self> {
        ENDPOINTS
            .iter()
            .find(|endpoint| template_matches(endpoint.path, path))
    }
}

/// Whether a concrete path fits a template whose `{name}` segments match
/// any one non-empty segment.
fn template_matches(template: &str, path: &str) -> bool {
    let mut template = template.split('/');
    let mut path = path.split('/');
    loop {
        match (template.next(), path.next()) {
            (None, None) => return true,
            (Some(expected), Some(actual)) if expected.starts_with('{') => {
                if actual.is_empty() {
                    return false;
                }
            }
            (Some(expected), Some(actual)) if expected == actual => {}
            _ => return false,
        }
    }
}

/// The API root's links: name and path of every endpoint that has one.
pub(crate) fn links() -> Vec<(&'static str, &'static str)> {
    ENDPOINTS
        .iter()
        .filter_map(|endpoint| endpoint.link.map(|name| (name, endpoint.path)))
        .collect()
}

/// What every endpoint shares with the handlers, built once per server.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Data<Services>,
    /// Request, login and signup metrics.
    pub metrics: Data<Metrics>,
    /// The login and signup throttles.
    pub throttles: Data<Throttles>,
    /// The count of requests in flight, for a graceful stop.
    pub in_flight: Data<InFlight>,
    /// The largest request body accepted.
    pub body_limit: BodyLimit,
    /// The origins CORS allows.
    pub cors: Data<Cors>,
}

/// Mounts every endpoint of [`ENDPOINTS`], with 404 and 405 in the contract's shape.
pub fn configure(state: AppState) -> impl FnOnce(&mut ServiceConfig) + Clone {
    move |cfg: &mut ServiceConfig| {
        cfg.app_data(state.services)
            .app_data(state.metrics)
            .app_data(state.throttles)
            .app_data(state.in_flight)
            .app_data(state.cors)
            .app_data(Data::new(state.body_limit))
            .app_data(Data::new(operations::ApiRoot(links())))
            .app_data(Data::new(operations::SchemaDocument::of(&docs::document())));
        for endpoint in ENDPOINTS {
            let allow = endpoint.allow();
            let rules = TokenRules(
                endpoint
                    .operations
                    .iter()
                    .map(|operation| (operation.method.clone(), operation.token))
                    .collect(),
            );
            let mut resource = web::resource(endpoint.path).app_data(rules);
            for operation in endpoint.operations {
                resource = resource.route((operation.handler)().method(operation.method.clone()));
                if operation.method == Method::GET {
                    // HEAD is GET without the body; actix leaves the body out.
                    resource = resource.route((operation.handler)().guard(guard::Head()));
                }
            }
            let options = options::Options {
                name: endpoint.name,
                description: endpoint.description,
                allow: allow.clone(),
                permission: endpoint.permission,
            };
            cfg.service(
                resource
                    .route(
                        web::route()
                            .guard(guard::Options())
                            .to(options::handler(options)),
                    )
                    .default_service(web::to(fallback::method_not_allowed(allow))),
            );
        }
        cfg.default_service(web::to(fallback::not_found));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_methods_in_drf_order_with_head_and_options() {
        let allow = |path| Endpoint::matching(path).map(Endpoint::allow);
        assert_eq!(allow("/api/signup").as_deref(), Some("POST, OPTIONS"));
        assert_eq!(
            allow("/api/me").as_deref(),
            Some("GET, PATCH, HEAD, OPTIONS")
        );
        assert_eq!(
            allow("/api/users/5").as_deref(),
            Some("GET, PATCH, DELETE, HEAD, OPTIONS")
        );
    }

    #[test]
    fn templates_match_one_segment_per_placeholder() {
        assert!(template_matches("/api/users/{id}", "/api/users/abc"));
        assert!(!template_matches("/api/users/{id}", "/api/users/"));
        assert!(!template_matches("/api/users/{id}", "/api/users/a/b"));
        assert!(template_matches("/", "/"));
        assert!(!template_matches("/api/me", "/api/me/"));
    }

    #[test]
    fn every_path_is_declared_once() {
        let mut paths: Vec<&str> = ENDPOINTS.iter().map(|e| e.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), ENDPOINTS.len());
    }

    #[test]
    fn every_protected_endpoint_declares_a_token_rule_on_each_operation() {
        for endpoint in ENDPOINTS {
            for operation in endpoint.operations {
                assert_eq!(
                    operation.token.needs_token(),
                    endpoint.permission != Permission::Anyone,
                    "{} {}: its token rule disagrees with who may call it",
                    operation.method,
                    endpoint.path
                );
            }
        }
    }

    #[test]
    fn each_method_is_declared_once_per_endpoint() {
        for endpoint in ENDPOINTS {
            let mut methods: Vec<&str> = endpoint
                .operations
                .iter()
                .map(|op| op.method.as_str())
                .collect();
            let declared = methods.len();
            methods.sort_unstable();
            methods.dedup();
            assert_eq!(methods.len(), declared, "{}", endpoint.path);
        }
    }
}
