//! tokenauth's HTTP edge. Where things are:
//!
//! - `endpoints/`: the one table of every endpoint, from which the routes,
//!   `HEAD`, `OPTIONS`, `Allow`, the API root and the OpenAPI paths derive;
//! - `routes`: the table mounted on actix;
//! - `handlers/`: one module per resource, calling the use cases;
//! - `extract/`: what handlers take from a request (the token's user, the
//!   body as its request type, the client's address);
//! - `middleware/`: what wraps every request (request id, in-flight count,
//!   access log and metrics, CORS, the browsable pages);
//! - `openapi/`, `pages/`: the OpenAPI document (read from the table) and
//!   the browsable HTML;
//! - `error`: every failure mapped to the contract's status and body, once.

mod access;
mod endpoints;
mod error;
mod extract;
mod handlers;
mod metrics;
mod middleware;
mod openapi;
mod pages;
mod representation;
mod responses;
mod routes;
mod services;
mod threads;
mod throttle;

pub use endpoints::Features;
pub use error::{ApiError, Unauthenticated};
pub use extract::{
    AuthenticatedUser, AuthorizationError, BodyLimit, Subject, client_ip, parse_authorization,
    parse_body,
};
pub use metrics::{LoginOutcome, MailMetrics, Metrics};
pub use middleware::{
    ACCESS_TARGET, Cors, InFlight, REQUEST_ID, Traces, access_log, browsable_api, cors,
    count_in_flight, request_id,
};
pub use routes::{AppState, configure};
pub use services::Services;
pub use threads::HashingThreads;
pub use throttle::{SharedThrottleStore, Throttle, Throttles};

/// The OpenAPI 3 document of every endpoint, as `GET /api/schema` serves it.
pub fn openapi_document() -> serde_json::Value {
    serde_json::to_value(openapi::document(Features::ALL)).unwrap_or_default()
}
