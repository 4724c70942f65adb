//! What wraps every request, outermost first: the request id and its span,
//! the in-flight count, the access log and metrics, CORS, and the browsable
//! pages for browsers.

mod access_log;
mod browsable;
mod cors;
mod in_flight;
mod request_id;
mod request_scope;
mod traces;

pub use access_log::{ACCESS_TARGET, access_log};
pub use browsable::browsable_api;
pub use cors::{Cors, cors};
pub use in_flight::{InFlight, count_in_flight};
pub use request_id::{REQUEST_ID, request_id};
pub(crate) use request_scope::RequestScope;
pub use traces::Traces;
