//! Rows as diesel reads and writes them, and their conversion to domain values.

use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use tokenauth_application::RepositoryError;
use tokenauth_domain::{
    AuthToken, Email, Identity, NewUser, PasswordHash, PersonName, PhoneNumber, PresentedToken,
    RequestOrigin, Scopes, Timestamp, TokenDigest, TokenId, TokenKind, TokenName, User,
    UserChanges, UserId,
};
use uuid_text::parse_uuid;

use crate::schema::{auth_tokens, users};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: String,
    pub email: String,
    pub email_key: String,
    pub phonenumber: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
    pub email_verified: bool,
    pub date_joined: NaiveDateTime,
    pub last_login: Option<NaiveDateTime>,
    pub search_key: String,
}

/// Who a user is, for the gateway: four columns of the row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct IdentityRow {
    pub id: String,
    pub email: String,
    pub is_staff: bool,
    pub is_active: bool,
}

impl IdentityRow {
    pub(crate) fn into_identity(self) -> Result<Identity, RepositoryError> {
        Ok(Identity {
            id: UserId::from_uuid(parse_uuid(&self.id)?),
            email: Email::from_trusted(self.email),
            is_staff: self.is_staff,
            is_active: self.is_active,
        })
    }
}

/// The columns an update may change; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub(crate) struct UserChangeset {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phonenumber: Option<String>,
    pub is_active: Option<bool>,
    pub is_staff: Option<bool>,
    pub email_verified: Option<bool>,
}

impl UserChangeset {
    pub(crate) fn from_changes(changes: &UserChanges) -> Self {
        Self {
            first_name: changes.first_name.as_ref().map(|n| n.as_str().to_owned()),
            last_name: changes.last_name.as_ref().map(|n| n.as_str().to_owned()),
            phonenumber: changes.phone_number.as_ref().map(|p| p.as_str().to_owned()),
            is_active: changes.is_active,
            is_staff: changes.is_staff,
            email_verified: changes.email_verified,
        }
    }
}

/// What user search matches against (see the migration).
pub(crate) fn search_key(email: &str, first_name: &str, last_name: &str) -> String {
    format!("{email} {first_name} {last_name}").to_lowercase()
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = auth_tokens)]
pub(crate) struct TokenRow {
    pub id: String,
    pub user_id: String,
    pub digest: String,
    pub created: NaiveDateTime,
    pub expires: Option<NaiveDateTime>,
    pub last_used: Option<NaiveDateTime>,
    pub kind: String,
    pub name: Option<String>,
    pub scopes: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The columns of a token that authenticating a request reads: no owner
/// or digest (see [`PresentedToken`]).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = auth_tokens)]
pub(crate) struct PresentedTokenRow {
    pub id: String,
    pub created: NaiveDateTime,
    pub expires: Option<NaiveDateTime>,
    pub last_used: Option<NaiveDateTime>,
    pub kind: String,
    pub name: Option<String>,
    pub scopes: String,
}

impl PresentedTokenRow {
    pub(crate) fn into_presented(self) -> Result<PresentedToken, RepositoryError> {
        Ok(PresentedToken {
            kind: token_kind(&self.id, &self.kind, self.name, &self.scopes)?,
            id: TokenId::from_uuid(parse_uuid(&self.id)?),
            created: aware(self.created),
            expires: self.expires.map(aware),
            last_used: self.last_used.map(aware),
        })
    }
}

/// Stored as naive UTC: diesel's MultiConnection has no timezone-aware type.
pub(crate) fn naive(at: Timestamp) -> NaiveDateTime {
    at.naive_utc()
}

pub(crate) fn aware(at: NaiveDateTime) -> Timestamp {
    Utc.from_utc_datetime(&at)
}

impl UserRow {
    pub(crate) fn from_new(user: &NewUser) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.as_str().to_owned(),
            email_key: user.email.key().as_str().to_owned(),
            phonenumber: user.phone_number.as_str().to_owned(),
            password_hash: user.password_hash.as_str().to_owned(),
            first_name: user.first_name.as_str().to_owned(),
            last_name: user.last_name.as_str().to_owned(),
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            is_active: true,
            email_verified: user.email_verified,
            date_joined: naive(user.date_joined),
            last_login: None,
            search_key: search_key(
                user.email.as_str(),
                user.first_name.as_str(),
                user.last_name.as_str(),
            ),
        }
    }

    pub(crate) fn into_user(self) -> Result<User, RepositoryError> {
        Ok(User {
            id: UserId::from_uuid(parse_uuid(&self.id)?),
            email: Email::from_trusted(self.email),
            phone_number: PhoneNumber::from_trusted(self.phonenumber),
            first_name: PersonName::from_trusted(self.first_name),
            last_name: PersonName::from_trusted(self.last_name),
            password_hash: PasswordHash::new(self.password_hash),
            is_staff: self.is_staff,
            is_superuser: self.is_superuser,
            is_active: self.is_active,
            email_verified: self.email_verified,
            date_joined: aware(self.date_joined),
            last_login: self.last_login.map(aware),
        })
    }
}

/// `auth_tokens.kind` of a login token.
pub(crate) const SESSION: &str = "session";
/// `auth_tokens.kind` of a personal token.
pub(crate) const PERSONAL: &str = "personal";

impl TokenRow {
    pub(crate) fn from_token(token: &AuthToken) -> Self {
        Self {
            id: token.id.to_string(),
            user_id: token.user_id.to_string(),
            digest: token.digest.to_hex(),
            created: naive(token.created),
            expires: token.expires.map(naive),
            last_used: token.last_used.map(naive),
            kind: token.kind.as_str().to_owned(),
            name: match &token.kind {
                TokenKind::Session => None,
                TokenKind::Personal { name, .. } => Some(name.as_str().to_owned()),
            },
            scopes: match &token.kind {
                TokenKind::Session => String::new(),
                TokenKind::Personal { scopes, .. } => scopes.to_string(),
            },
            ip: token.origin.ip.clone(),
            user_agent: token.origin.user_agent.clone(),
        }
    }

    pub(crate) fn into_token(self) -> Result<AuthToken, RepositoryError> {
        let digest = TokenDigest::from_hex(&self.digest).ok_or_else(|| {
            RepositoryError::Internal(format!("token {} has a malformed digest", self.id))
        })?;
        let kind = token_kind(&self.id, &self.kind, self.name, &self.scopes)?;
        Ok(AuthToken {
            id: TokenId::from_uuid(parse_uuid(&self.id)?),
            kind,
            user_id: UserId::from_uuid(parse_uuid(&self.user_id)?),
            digest,
            created: aware(self.created),
            expires: self.expires.map(aware),
            last_used: self.last_used.map(aware),
            origin: RequestOrigin {
                ip: self.ip,
                user_agent: self.user_agent,
            },
        })
    }
}

/// A token's kind from its `kind`, `name` and `scopes` columns.
fn token_kind(
    id: &str,
    kind: &str,
    name: Option<String>,
    scopes: &str,
) -> Result<TokenKind, RepositoryError> {
    match (kind, name) {
        (SESSION, _) => Ok(TokenKind::Session),
        (PERSONAL, Some(name)) => Ok(TokenKind::Personal {
            name: TokenName::from_trusted(name),
            scopes: Scopes::parse_stored(scopes).ok_or_else(|| {
                RepositoryError::Internal(format!("token {id} has unknown scopes"))
            })?,
        }),
        _ => Err(RepositoryError::Internal(format!(
            "token {id} has an unknown kind"
        ))),
    }
}

mod uuid_text {
    use tokenauth_application::RepositoryError;

    /// Ids are written by us as hyphenated UUIDs; anything else is corruption.
    pub(crate) fn parse_uuid(text: &str) -> Result<uuid::Uuid, RepositoryError> {
        uuid::Uuid::try_parse(text)
            .map_err(|_| RepositoryError::Internal(format!("stored id {text:?} is not a UUID")))
    }
}
