//! The handlers, one module per resource. They know the use cases and the
//! extractors, never the endpoint table that routes to them.

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod email_change;
pub(crate) mod events;
pub(crate) mod fallback;
pub(crate) mod gateway;
pub(crate) mod link_pages;
pub(crate) mod oauth;
pub(crate) mod operations;
pub(crate) mod options;
pub(crate) mod passkey_page;
pub(crate) mod passkeys;
pub(crate) mod recovery;
pub(crate) mod second_factor;
pub(crate) mod token_pairs;
pub(crate) mod verification;
