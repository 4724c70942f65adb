//! What the endpoint table says of each operation for the OpenAPI
//! document: its group, summary, body, answers and query, as data. The
//! document builder (`crate::openapi`) reads the table; nothing here knows
//! of it.

use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Components, Ref, RefOr};

use crate::representation::{ErrorBody, FieldErrorsBody, StatusBody};

/// Describes a schema, registering it (and what it refers to) in `components`.
pub(crate) type SchemaFn = fn(&mut Components) -> RefOr<Schema>;

/// What the document says of one operation beyond what its declaration implies.
#[derive(Debug)]
pub(crate) struct Doc {
    /// Its group in the document.
    pub tag: &'static str,
    /// One line.
    pub summary: &'static str,
    /// The body type its handler parses (JSON or form-encoded), if any.
    pub request: Option<SchemaFn>,
    /// Its own answers: success and the refusals particular to it.
    pub responses: &'static [Response],
    /// Whether it is throttled (429).
    pub throttled: bool,
    /// Whether it reads the database (503 while it is down).
    pub database: bool,
    /// Its query parameters: name and meaning.
    pub query: &'static [(&'static str, &'static str)],
    /// Whether its body is documented as a form (the OAuth RFCs' encoding)
    /// rather than JSON; both are accepted either way.
    pub form_first: bool,
}

impl Doc {
    /// An operation that reads the database, takes no body and no query,
    /// and is not throttled; the builders below say otherwise.
    pub(crate) const fn new(
        tag: &'static str,
        summary: &'static str,
        responses: &'static [Response],
    ) -> Self {
        Self {
            tag,
            summary,
            request: None,
            responses,
            throttled: false,
            database: true,
            query: &[],
            form_first: false,
        }
    }

    /// Its handler parses a body of this type.
    pub(crate) const fn body(mut self, request: SchemaFn) -> Self {
        self.request = Some(request);
        self
    }

    /// It is throttled.
    pub(crate) const fn throttled(mut self) -> Self {
        self.throttled = true;
        self
    }

    /// It answers without the database.
    pub(crate) const fn no_database(mut self) -> Self {
        self.database = false;
        self
    }

    /// Its body is documented as `application/x-www-form-urlencoded`, the
    /// encoding the RFC it implements names.
    pub(crate) const fn form_first(mut self) -> Self {
        self.form_first = true;
        self
    }

    /// It reads these query parameters.
    pub(crate) const fn query(mut self, query: &'static [(&'static str, &'static str)]) -> Self {
        self.query = query;
        self
    }
}

/// One documented answer.
#[derive(Debug)]
pub(crate) struct Response {
    /// The status code.
    pub status: u16,
    /// What it means.
    pub description: &'static str,
    /// What it carries.
    pub body: Body,
}

/// An answer's body.
#[derive(Debug)]
pub(crate) enum Body {
    /// None.
    Empty,
    /// JSON of this schema.
    Json(SchemaFn),
    /// Plain text.
    Text,
}

impl Response {
    /// An answer with a JSON body.
    pub(crate) const fn json(status: u16, description: &'static str, body: SchemaFn) -> Self {
        Self {
            status,
            description,
            body: Body::Json(body),
        }
    }

    /// An answer without a body.
    pub(crate) const fn empty(status: u16, description: &'static str) -> Self {
        Self {
            status,
            description,
            body: Body::Empty,
        }
    }

    /// An answer in plain text.
    pub(crate) const fn text(status: u16, description: &'static str) -> Self {
        Self {
            status,
            description,
            body: Body::Text,
        }
    }
}

/// `T`, registered under its name and referred to.
pub(crate) fn schema<T: ToSchema>(components: &mut Components) -> RefOr<Schema> {
    let mut dependencies = Vec::new();
    T::schemas(&mut dependencies);
    components.schemas.extend(dependencies);
    components
        .schemas
        .insert(T::name().into_owned(), T::schema());
    Ref::from_schema_name(T::name()).into()
}

/// A list of `T`.
pub(crate) fn list<T: ToSchema>(components: &mut Components) -> RefOr<Schema> {
    ArrayBuilder::new().items(schema::<T>(components)).into()
}

/// `{"detail": "<message>"}`.
pub(crate) fn detail(components: &mut Components) -> RefOr<Schema> {
    schema::<ErrorBody>(components)
}

/// `{"status": "ok"}`.
pub(crate) fn status(components: &mut Components) -> RefOr<Schema> {
    schema::<StatusBody>(components)
}

/// Any JSON object.
pub(crate) fn object(_: &mut Components) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Object).into()
}

/// Field errors, or `{"detail": ...}` when the body could not be parsed.
pub(crate) fn bad_request(components: &mut Components) -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(schema::<FieldErrorsBody>(components))
        .item(detail(components))
        .into()
}
