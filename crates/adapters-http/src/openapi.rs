//! The OpenAPI 3 document, generated from the handlers' annotations and the
//! response types they serialise.

use serde::Deserialize;
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::handlers::{account, admin, login, logout, operations, signup};
use crate::representation::{
    BadRequestBody, ErrorBody, FieldErrorsBody, IssuedTokenBody, LoginBody, LoginErrorBody,
    SessionBody, UserBody, UserPageBody,
};

/// `POST /api/signup` (JSON or form-encoded).
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SignupRequest {
    /// Trimmed, valid, at most 254 characters; unique in any case.
    #[schema(schema_with = email_field)]
    email: String,
    /// An optional `+` then digits, at most 12 characters.
    #[schema(schema_with = phone_field)]
    phonenumber: String,
    /// 8 characters to 72 bytes; not numeric, common or like the email or names.
    #[schema(schema_with = new_password_field)]
    password: String,
    #[schema(schema_with = name_field)]
    first_name: Option<String>,
    #[schema(schema_with = name_field)]
    last_name: Option<String>,
}

/// `POST /api/login` (JSON or form-encoded).
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct LoginRequest {
    #[schema(schema_with = any_text_field)]
    email: String,
    #[schema(schema_with = any_text_field)]
    password: String,
}

/// `PATCH /api/me`: any of these; other fields are read-only and ignored.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ProfileUpdate {
    #[schema(schema_with = name_field)]
    first_name: Option<String>,
    #[schema(schema_with = name_field)]
    last_name: Option<String>,
    #[schema(schema_with = phone_field)]
    phonenumber: Option<String>,
}

/// `POST /api/me/password`.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PasswordChange {
    #[schema(schema_with = any_text_field)]
    current_password: String,
    #[schema(schema_with = new_password_field)]
    new_password: String,
}

/// `PATCH /api/users/{id}`: any of these; `is_staff` for superusers only.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UserUpdate {
    is_active: Option<bool>,
    is_staff: Option<bool>,
    #[schema(schema_with = name_field)]
    first_name: Option<String>,
    #[schema(schema_with = name_field)]
    last_name: Option<String>,
    #[schema(schema_with = phone_field)]
    phonenumber: Option<String>,
}

/// A text field as DRF's `CharField` reads it: a string, or a number taken as
/// its text. NUL is never accepted.
fn text_field(constrain: impl FnOnce(ObjectBuilder) -> ObjectBuilder) -> Schema {
    let string = constrain(ObjectBuilder::new().schema_type(Type::String));
    OneOfBuilder::new()
        .item(string)
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .into()
}

fn email_field() -> Schema {
    text_field(|s| {
        s.format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .max_length(Some(254))
    })
}

fn phone_field() -> Schema {
    OneOfBuilder::new()
        // At most 12 characters once surrounding whitespace is trimmed.
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^\s*(\+[0-9]{1,11}|[0-9]{1,12})\s*$")),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(999_999_999_999_i64)),
        )
        .into()
}

fn new_password_field() -> Schema {
    text_field(|s| {
        s.format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .min_length(Some(8))
    })
}

fn name_field() -> Schema {
    text_field(|s| s.max_length(Some(150)))
}

fn any_text_field() -> Schema {
    text_field(|s| s)
}

/// The whole API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "tokenauth", description = "Token authentication over HTTP (DRF-compatible)."),
    paths(
        signup::signup,
        login::login,
        logout::logout,
        logout::logout_all,
        account::me,
        account::update_me,
        account::change_password,
        account::list_tokens,
        account::delete_token,
        admin::list_users,
        admin::get_user,
        admin::update_user,
        admin::delete_user,
        operations::root,
        operations::healthz,
        operations::readyz,
        operations::metrics,
        operations::schema,
    ),
    components(schemas(
        UserBody, LoginBody, IssuedTokenBody, SessionBody, UserPageBody, ErrorBody, LoginErrorBody,
        FieldErrorsBody, BadRequestBody, SignupRequest, LoginRequest, ProfileUpdate, PasswordChange, UserUpdate,
        operations::StatusBody,
    )),
    modifiers(&TokenScheme),
)]
pub struct ApiDoc;

/// `Authorization: Token <key>` (or `Bearer <key>`).
struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <key>` (or `Bearer <key>`), the key from login.",
            ))),
        );
    }
}
