//! The one table of endpoints. Each entry declares a path once, with its
//! methods, their handlers, the token each takes, what the OpenAPI document
//! says of them, and whether a browser gets a form there. The actix routes,
//! `HEAD`, `OPTIONS`, `Allow` on 405, the API root's links, the browsable
//! pages and the OpenAPI paths are all derived from it: adding an endpoint
//! is one entry in its group's file and its handler.

mod account;
mod admin;
mod auth;
pub(crate) mod doc;
mod events;
mod gateway;
mod mail_flows;
mod oauth;
mod operations;
mod passkeys;
mod second_factor;
pub(crate) mod token_pairs;

use actix_web::Route;
use actix_web::http::Method;

use crate::access::{Permission, TokenRule};
use crate::pages::Form;
use crate::representation::UserBody;
use doc::{Doc, Response};

/// One path and everything served there.
#[derive(Debug, Clone, Copy)]
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
pub(crate) const ENDPOINTS: &[Endpoint] = &concat::<{ ENDPOINT_COUNT }>(GROUPS);

/// Every group of endpoints, one file each, in the API root's order.
const GROUPS: &[&[Endpoint]] = &[
    operations::ENDPOINTS,
    auth::ENDPOINTS,
    second_factor::ENDPOINTS,
    passkeys::ENDPOINTS,
    mail_flows::ENDPOINTS,
    gateway::ENDPOINTS,
    oauth::ENDPOINTS,
    token_pairs::ENDPOINTS,
    account::ENDPOINTS,
    events::ENDPOINTS,
    admin::ENDPOINTS,
];

const ENDPOINT_COUNT: usize = {
    let mut count = 0;
    let mut group = 0;
    while group < GROUPS.len() {
        count += GROUPS[group].len();
        group += 1;
    }
    count
};

/// The groups' endpoints as one table, built at compile time.
const fn concat<const N: usize>(groups: &[&[Endpoint]]) -> [Endpoint; N] {
    let mut table = [groups[0][0]; N];
    let (mut group, mut next) = (0, 0);
    while group < groups.len() {
        let mut index = 0;
        while index < groups[group].len() {
            table[next] = groups[group][index];
            next += 1;
            index += 1;
        }
        group += 1;
    }
    table
}

/// A 200 with the user, the answer of several groups' endpoints.
const THE_USER: Response = Response::json(200, "The user.", doc::schema::<UserBody>);

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

/// The endpoints settings turn on; the rest are always served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// `jwt.enabled`: the SimpleJWT-style `/api/token/` endpoints.
    pub token_pairs: bool,
}

impl Features {
    /// Every endpoint on, for what documents them all.
    pub const ALL: Self = Self { token_pairs: true };

    /// The endpoints served with these settings, in the table's order.
    pub(crate) fn served(self) -> impl Iterator<Item = &'static Endpoint> {
        ENDPOINTS
            .iter()
            .filter(move |endpoint| self.serves(endpoint))
    }

    fn serves(self, endpoint: &Endpoint) -> bool {
        self.token_pairs
            || !token_pairs::ENDPOINTS
                .iter()
                .any(|pair| pair.path == endpoint.path)
    }
}

/// The API root's links: name and path of every endpoint served that has one.
pub(crate) fn links(features: Features) -> Vec<(&'static str, &'static str)> {
    features
        .served()
        .filter_map(|endpoint| endpoint.link.map(|name| (name, endpoint.path)))
        .collect()
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
