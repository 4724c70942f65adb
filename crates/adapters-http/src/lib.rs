//! tokenauth's HTTP edge: routes, handlers, the `Authorization: Token` extractor,
//! request bodies parsed as DRF parses them, and one error type that gives every
//! failure the contract's status and body.

mod authenticated_user;
mod authorization;
mod body;
mod browsable;
mod client_ip;
mod error;
mod handlers;
mod hashing_threads;
mod metrics;
mod openapi;
mod pages;
mod pagination;
mod representation;
mod request_context;
mod responses;
mod routes;
mod services;
mod threads;
mod throttle;

pub use authorization::{AuthorizationError, parse_authorization};
pub use body::{BodyLimit, RequestFields};
pub use browsable::browsable_api;
pub use client_ip::client_ip;
pub use error::ApiError;
pub use hashing_threads::HashingThreads;
pub use metrics::{LoginOutcome, Metrics};
pub use openapi::ApiDoc;
pub use request_context::{InFlight, REQUEST_ID, request_context};
pub use routes::{ROUTES, configure};
pub use services::Services;
pub use throttle::{InvalidRate, Rate, Throttle, Throttles};
