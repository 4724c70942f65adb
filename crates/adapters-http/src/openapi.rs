//! The OpenAPI 3 document, generated from the handlers' annotations and the
//! response types they serialise.

use serde::Deserialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::handlers::{account, admin, login, logout, operations, signup};
use crate::representation::{
    ErrorBody, FieldErrorsBody, IssuedTokenBody, LoginBody, LoginErrorBody, SessionBody, UserBody,
    UserPageBody,
};

/// `POST /api/signup` (JSON or form-encoded).
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SignupRequest {
    /// Trimmed, valid, at most 254 characters; unique in any case.
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// An optional `+` then digits, at most 12 characters.
    #[schema(max_length = 12, pattern = "^\\+?[0-9]+$")]
    phonenumber: String,
    /// 8 characters to 72 bytes; not numeric, common or like the email or names.
    #[schema(format = Password, min_length = 8)]
    password: String,
    #[schema(max_length = 150)]
    first_name: Option<String>,
    #[schema(max_length = 150)]
    last_name: Option<String>,
}

/// `POST /api/login` (JSON or form-encoded).
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct LoginRequest {
    #[schema(format = Email)]
    email: String,
    #[schema(format = Password)]
    password: String,
}

/// `PATCH /api/me`: any of these; other fields are read-only and ignored.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ProfileUpdate {
    #[schema(max_length = 150)]
    first_name: Option<String>,
    #[schema(max_length = 150)]
    last_name: Option<String>,
    #[schema(max_length = 12, pattern = "^\\+?[0-9]+$")]
    phonenumber: Option<String>,
}

/// `POST /api/me/password`.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PasswordChange {
    #[schema(format = Password)]
    current_password: String,
    #[schema(format = Password, min_length = 8)]
    new_password: String,
}

/// `PATCH /api/users/{id}`: any of these; `is_staff` for superusers only.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UserUpdate {
    is_active: Option<bool>,
    is_staff: Option<bool>,
    #[schema(max_length = 150)]
    first_name: Option<String>,
    #[schema(max_length = 150)]
    last_name: Option<String>,
    #[schema(max_length = 12, pattern = "^\\+?[0-9]+$")]
    phonenumber: Option<String>,
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
        operations::healthz,
        operations::readyz,
        operations::metrics,
        operations::schema,
    ),
    components(schemas(
        UserBody, LoginBody, IssuedTokenBody, SessionBody, UserPageBody, ErrorBody, LoginErrorBody,
        FieldErrorsBody, SignupRequest, LoginRequest, ProfileUpdate, PasswordChange, UserUpdate,
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
