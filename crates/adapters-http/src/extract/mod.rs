//! What handlers take from a request: the authenticated user, the body in
//! the handler's request type, the client's address, query parameters.

mod authenticated_user;
mod authorization;
mod body;
mod client_ip;
pub(crate) mod fields;
mod origin;
mod pagination;

pub(crate) use authenticated_user::authenticate;
pub use authenticated_user::{AuthenticatedUser, Subject};
pub use authorization::{AuthorizationError, parse_authorization, parse_credentials};
pub use body::{BodyLimit, parse_body};
pub(crate) use body::{declared_length, read_body, read_limited};
pub use client_ip::client_ip;
pub use origin::Origin;
pub(crate) use pagination::{QueryParams, page_links};
