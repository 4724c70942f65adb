//! The browsable API's HTML: compile-time templates, every value escaped.

mod templates;

pub(crate) use templates::{
    EndpointPage, Form, Heading, LOGIN, ME, Outcome, RootEntry, SIGNUP, Submit, TOKENS, endpoint,
    plain, root,
};
