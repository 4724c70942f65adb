//! One module per endpoint group.

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod fallback;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod operations;
pub(crate) mod signup;
