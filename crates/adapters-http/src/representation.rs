//! How users and tokens are written on the wire.

use chrono::SecondsFormat;
use serde::Serialize;
use serde_json::value::RawValue;
use tokenauth_application::{EventPage, Session, UserPage, ValidationErrors};
use tokenauth_domain::{IssuedToken, Scopes, Timestamp, TokenKind, User};
use utoipa::ToSchema;

/// RFC 3339 in UTC with a `Z`, microseconds only when there are some (as DRF writes).
pub(crate) fn rfc3339(at: Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The contract's user representation: never the password or its hash.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub(crate) struct UserBody<'a> {
    #[schema(format = Uuid)]
    id: String,
    #[schema(format = Email)]
    email: &'a str,
    phonenumber: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    is_staff: bool,
    is_active: bool,
    /// True once the user has confirmed the address, or staff has set it.
    email_verified: bool,
    #[schema(format = DateTime)]
    date_joined: String,
    #[schema(format = DateTime, required = true)]
    last_login: Option<String>,
}

impl<'a> UserBody<'a> {
    pub(crate) fn of(user: &'a User) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.as_str(),
            phonenumber: user.phone_number.as_str(),
            first_name: user.first_name.as_str(),
            last_name: user.last_name.as_str(),
            is_staff: user.is_staff,
            is_active: user.is_active,
            email_verified: user.email_verified,
            date_joined: rfc3339(user.date_joined),
            last_login: user.last_login.map(rfc3339),
        }
    }
}

/// A token as login shows it: the only time its key is ever sent.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = IssuedToken)]
pub(crate) struct IssuedTokenBody {
    /// 40 lowercase hex characters.
    #[schema(pattern = "^[0-9a-f]{40}$")]
    key: String,
    /// The user's id.
    #[schema(format = Uuid)]
    user: String,
    #[schema(format = DateTime)]
    created: String,
    /// Null when tokens never expire.
    #[schema(format = DateTime, required = true)]
    expires: Option<String>,
}

impl IssuedTokenBody {
    pub(crate) fn of(issued: &IssuedToken) -> Self {
        Self {
            key: issued.key.expose(),
            user: issued.token.user_id.to_string(),
            created: rfc3339(issued.token.created),
            expires: issued.token.expires.map(rfc3339),
        }
    }
}

/// The body of a successful login.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LoginSuccess)]
pub(crate) struct LoginBody<'a> {
    /// Always `Success!`.
    pub message: &'static str,
    pub user: UserBody<'a>,
    pub token: IssuedTokenBody,
}

/// One of the user's sessions: never a key or digest.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Session)]
pub(crate) struct SessionBody {
    #[schema(format = Uuid)]
    id: String,
    #[schema(format = DateTime)]
    created: String,
    #[schema(format = DateTime, required = true)]
    expires: Option<String>,
    /// To the minute; null until a request after the one that made the
    /// token authenticates with it.
    #[schema(format = DateTime, required = true)]
    last_used: Option<String>,
    /// True for the token that made this request.
    current: bool,
    /// `session` (a login token) or `personal`.
    #[schema(inline)]
    kind: TokenKindBody,
    /// The name a personal token was given; null for sessions.
    #[schema(required = true)]
    name: Option<String>,
    /// What the token may do: every scope for a session.
    #[schema(schema_with = crate::extract::fields::scopes)]
    scopes: Vec<ScopeBody>,
    /// The client IP of the request that made the token.
    #[schema(required = true)]
    ip: Option<String>,
    /// The `User-Agent` of that request; null when none was sent.
    user_agent: Option<String>,
}

impl SessionBody {
    pub(crate) fn of(session: &Session) -> Self {
        let token = &session.token;
        Self {
            id: token.id.to_string(),
            created: rfc3339(token.created),
            expires: token.expires.map(rfc3339),
            last_used: token.last_used.map(rfc3339),
            current: session.current,
            kind: TokenKindBody::of(&token.kind),
            name: token_name(&token.kind),
            scopes: ScopeBody::list(token.scopes()),
            ip: token.origin.ip.clone(),
            user_agent: token.origin.user_agent.clone(),
        }
    }
}

/// A personal token just made: the key is shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PersonalToken)]
pub(crate) struct PersonalTokenBody {
    #[schema(format = Uuid)]
    id: String,
    /// Always `personal`.
    #[schema(inline)]
    kind: TokenKindBody,
    #[schema(required = true)]
    name: Option<String>,
    #[schema(schema_with = crate::extract::fields::scopes)]
    scopes: Vec<ScopeBody>,
    #[schema(format = DateTime)]
    created: String,
    /// Fixed when the token is made; null for a token that never expires.
    #[schema(format = DateTime, required = true)]
    expires: Option<String>,
    /// 40 lowercase hex characters, shown this once.
    #[schema(pattern = "^[0-9a-f]{40}$")]
    key: String,
}

impl PersonalTokenBody {
    pub(crate) fn of(issued: &IssuedToken) -> Self {
        let token = &issued.token;
        Self {
            id: token.id.to_string(),
            kind: TokenKindBody::of(&token.kind),
            name: token_name(&token.kind),
            scopes: ScopeBody::list(token.scopes()),
            created: rfc3339(token.created),
            expires: token.expires.map(rfc3339),
            key: issued.key.expose(),
        }
    }
}

/// A token's kind on the wire.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TokenKindBody {
    Session,
    Personal,
}

impl TokenKindBody {
    fn of(kind: &TokenKind) -> Self {
        match kind {
            TokenKind::Session => Self::Session,
            TokenKind::Personal { .. } => Self::Personal,
        }
    }
}

fn token_name(kind: &TokenKind) -> Option<String> {
    match kind {
        TokenKind::Session => None,
        TokenKind::Personal { name, .. } => Some(name.as_str().to_owned()),
    }
}

/// A scope's name on the wire.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct ScopeBody(&'static str);

impl ScopeBody {
    fn list(scopes: Scopes) -> Vec<Self> {
        scopes.iter().map(|scope| Self(scope.as_str())).collect()
    }
}

/// A page of users in DRF's limit/offset shape.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = UserPage)]
pub(crate) struct UserPageBody<'a> {
    count: u64,
    /// Absolute URL of the next page.
    #[schema(format = "uri", required = true)]
    next: Option<String>,
    /// Absolute URL of the previous page.
    #[schema(format = "uri", required = true)]
    previous: Option<String>,
    results: Vec<UserBody<'a>>,
}

impl<'a> UserPageBody<'a> {
    pub(crate) fn of(page: &'a UserPage, next: Option<String>, previous: Option<String>) -> Self {
        Self {
            count: page.count,
            next,
            previous,
            results: page.users.iter().map(UserBody::of).collect(),
        }
    }
}

/// A page of security events, in users' list's shape. Each event is the
/// JSON object the log wrote when it was recorded, passed on as it is.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = EventPage)]
pub(crate) struct EventPageBody<'a> {
    count: u64,
    /// Absolute URL of the next page.
    #[schema(format = "uri", required = true)]
    next: Option<String>,
    /// Absolute URL of the previous page.
    #[schema(format = "uri", required = true)]
    previous: Option<String>,
    #[schema(value_type = Vec<EventDoc>)]
    results: Vec<&'a RawValue>,
}

impl<'a> EventPageBody<'a> {
    /// The page, or an error when a stored event is not JSON (never written
    /// so by the log: a broken database).
    pub(crate) fn of(
        page: &'a EventPage,
        next: Option<String>,
        previous: Option<String>,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            count: page.count,
            next,
            previous,
            results: page
                .events
                .iter()
                .map(|event| serde_json::from_str(event))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// A security event, for the OpenAPI document (the body passes stored JSON on).
#[derive(Debug, ToSchema)]
#[schema(as = Event)]
#[allow(dead_code)] // described, never built: events are written by the log
pub(crate) struct EventDoc {
    #[schema(format = Uuid)]
    id: String,
    /// What happened, e.g. `login.succeeded`.
    r#type: String,
    #[schema(format = DateTime)]
    created: String,
    /// Whose account; null when none matched.
    #[schema(format = Uuid, required = true)]
    user_id: Option<String>,
    /// The staff user who acted on someone else's account.
    #[schema(format = Uuid, required = true)]
    actor_id: Option<String>,
    /// The client IP, as the throttles see it.
    #[schema(required = true)]
    ip: Option<String>,
    #[schema(required = true)]
    user_agent: Option<String>,
    /// The token used, created or revoked.
    #[schema(format = Uuid, required = true)]
    token_id: Option<String>,
    /// Never a password, key, code or hash.
    detail: serde_json::Map<String, serde_json::Value>,
}

/// `{"status": "ok"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StatusBody {
    status: &'static str,
}

impl StatusBody {
    /// The one status there is.
    pub(crate) const OK: Self = Self { status: "ok" };
}

/// `{"detail": "<message>"}`: every error but field validation and login.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    pub(crate) detail: String,
}

/// `{"error": "<message>"}`: a refused login.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LoginErrorBody {
    pub(crate) error: String,
}

/// `{"<field>": ["<message>", ...]}`: every failing field at once
/// (`non_field_errors` when the body is not an object).
#[derive(Debug, Serialize)]
pub(crate) struct FieldErrorsBody(serde_json::Map<String, serde_json::Value>);

impl utoipa::PartialSchema for FieldErrorsBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Type};
        let messages = ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String));
        ObjectBuilder::new()
            .additional_properties(Some(AdditionalProperties::RefOr(messages.into())))
            .into()
    }
}

impl ToSchema for FieldErrorsBody {
    fn name() -> std::borrow::Cow<'static, str> {
        "FieldErrors".into()
    }
}

impl FieldErrorsBody {
    /// Every failing field with its messages, in the order they were checked.
    pub(crate) fn of(errors: &ValidationErrors) -> Self {
        Self(
            errors
                .fields()
                .iter()
                .map(|(field, reasons)| {
                    let messages = reasons.iter().map(|r| r.to_string().into()).collect();
                    ((*field).to_owned(), serde_json::Value::Array(messages))
                })
                .collect(),
        )
    }
}
