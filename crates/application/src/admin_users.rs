//! The administration API: staff list, read, change and delete users.

use std::sync::Arc;

use tokenauth_domain::{RequestOrigin, User, UserChanges, UserId};

use crate::delete_account::deleted_event;
use crate::ports::{Clock, RepositoryError, UserPage, UserQuery, UserRepository};
use crate::update_profile::{ProfileInput, updated_event};
use crate::validation::ValidationErrors;
use crate::{Authenticated, FieldValue};

/// Which page of users to list, as DRF's limit/offset pagination reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Page size, 1 to [`PageRequest::MAX_LIMIT`].
    pub limit: u32,
    /// Users skipped.
    pub offset: u64,
}

impl PageRequest {
    /// The page size when none (or nonsense) is asked for.
    pub const DEFAULT_LIMIT: u32 = 50;
    /// The largest page served.
    pub const MAX_LIMIT: u32 = 1000;

    /// Reads `limit` and `offset` query values: a missing, non-numeric, zero or
    /// negative limit is the default, one above the maximum is the maximum; a
    /// missing, non-numeric or negative offset is 0.
    pub fn from_query(limit: Option<&str>, offset: Option<&str>) -> Self {
        let limit = match limit.and_then(python_int) {
            Some(PythonInt::Positive(n)) => n.min(u64::from(Self::MAX_LIMIT)),
            _ => u64::from(Self::DEFAULT_LIMIT),
        };
        let offset = match offset.and_then(python_int) {
            Some(PythonInt::Positive(n)) => n,
            _ => 0,
        };
        Self {
            limit: u32::try_from(limit).unwrap_or(Self::MAX_LIMIT),
            offset,
        }
    }
}

/// An integer as Python's `int()` reads a query value: any number of digits
/// (saturating, since Python's integers do not overflow), an optional sign,
/// surrounding whitespace.
enum PythonInt {
    Positive(u64),
    ZeroOrNegative,
}

fn python_int(text: &str) -> Option<PythonInt> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = digits.parse::<u64>().unwrap_or(u64::MAX);
    Some(if negative || value == 0 {
        PythonInt::ZeroOrNegative
    } else {
        PythonInt::Positive(value)
    })
}

/// What a staff user may change about a user; missing fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserUpdateInput {
    /// Names and phone number, as the user could change them itself.
    pub profile: ProfileInput,
    /// Activate or deactivate; deactivating ends all the user's sessions.
    pub is_active: FieldValue,
    /// Superusers only.
    pub is_staff: FieldValue,
    /// Mark the address verified (or not).
    pub email_verified: FieldValue,
}

/// Why an administration request failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The requester is not staff, or not a superuser where that is needed.
    #[error("the acting user is not staff")]
    Forbidden,
    /// No user has this id (or the id is malformed).
    #[error("no such user")]
    NotFound,
    /// Fields were refused.
    #[error("invalid fields: {0:?}")]
    Invalid(ValidationErrors),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

/// The administration use cases; every one requires a staff requester.
#[derive(Clone)]
pub struct AdminUsers {
    users: Arc<dyn UserRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for AdminUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminUsers")
    }
}

impl AdminUsers {
    /// Builds the use cases over their port.
    pub fn new(users: Arc<dyn UserRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { users, clock }
    }

    /// One page of users whose email or names contain every word of `search`
    /// (case-insensitively), in order of joining.
    pub fn list(
        &self,
        actor: &Authenticated,
        page: PageRequest,
        search: &str,
    ) -> Result<UserPage, AdminError> {
        require_staff(actor)?;
        let query = UserQuery {
            terms: search.split_whitespace().map(str::to_lowercase).collect(),
            limit: page.limit,
            offset: page.offset,
        };
        Ok(self.users.list(&query)?)
    }

    /// One user by id.
    pub fn get(&self, actor: &Authenticated, id: &str) -> Result<User, AdminError> {
        require_staff(actor)?;
        let id = UserId::parse(id).ok_or(AdminError::NotFound)?;
        self.users.find_by_id(id)?.ok_or(AdminError::NotFound)
    }

    /// Changes a user; deactivation revokes all of its tokens at once.
    pub fn update(
        &self,
        actor: &Authenticated,
        id: &str,
        input: UserUpdateInput,
        origin: &RequestOrigin,
    ) -> Result<User, AdminError> {
        require_staff(actor)?;
        let id = UserId::parse(id).ok_or(AdminError::NotFound)?;
        let mut errors = ValidationErrors::default();
        // In the user representation's field order, as DRF reports them.
        let profile = input.profile.changes(&mut errors);
        let is_staff = errors.parse_bool("is_staff", &input.is_staff);
        let is_active = errors.parse_bool("is_active", &input.is_active);
        let email_verified = errors.parse_bool("email_verified", &input.email_verified);
        let changes = UserChanges {
            is_staff,
            is_active,
            email_verified,
            ..profile
        };
        if changes.is_staff.is_some() && !actor.user.is_superuser {
            return Err(AdminError::Forbidden);
        }
        if !errors.is_empty() {
            return Err(AdminError::Invalid(errors));
        }
        let user = self.users.find_by_id(id)?.ok_or(AdminError::NotFound)?;
        let fields = changes.changed_fields(&user);
        if fields.is_empty() {
            return Ok(user);
        }
        let event = updated_event(fields, id, origin, self.clock.now())
            .acted_by(actor.user.id)
            .with_token(actor.token_id());
        self.users
            .update(id, &changes, &[event])?
            .ok_or(AdminError::NotFound)
    }

    /// Deletes a user and all of its tokens.
    pub fn delete(
        &self,
        actor: &Authenticated,
        id: &str,
        origin: &RequestOrigin,
    ) -> Result<(), AdminError> {
        require_staff(actor)?;
        let id = UserId::parse(id).ok_or(AdminError::NotFound)?;
        let user = self.users.find_by_id(id)?.ok_or(AdminError::NotFound)?;
        let event = deleted_event(&user, origin, self.clock.now())
            .acted_by(actor.user.id)
            .with_token(actor.token_id());
        if self.users.delete(id, &[event])? {
            Ok(())
        } else {
            Err(AdminError::NotFound)
        }
    }
}

fn require_staff(actor: &Authenticated) -> Result<(), AdminError> {
    if actor.user.is_staff {
        Ok(())
    } else {
        Err(AdminError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::PageRequest;

    fn page(limit: Option<&str>, offset: Option<&str>) -> (u32, u64) {
        let p = PageRequest::from_query(limit, offset);
        (p.limit, p.offset)
    }

    #[test]
    fn missing_values_give_the_defaults() {
        assert_eq!(page(None, None), (50, 0));
    }

    #[test]
    fn nonsense_zero_and_negative_limits_give_the_default() {
        for limit in ["abc", "0", "-5", "", "1.5"] {
            assert_eq!(page(Some(limit), None).0, 50, "{limit}");
        }
    }

    #[test]
    fn huge_limits_are_clamped_to_the_maximum() {
        assert_eq!(page(Some("1001"), None).0, 1000);
        assert_eq!(page(Some("99999999999999999999"), None).0, 1000);
        assert_eq!(page(Some("9223372036854775807"), None).0, 1000);
    }

    #[test]
    fn nonsense_and_negative_offsets_give_zero() {
        for offset in ["x", "-1"] {
            assert_eq!(page(None, Some(offset)).1, 0, "{offset}");
        }
        assert_eq!(page(None, Some("30")).1, 30);
        assert_eq!(page(Some(" +7 "), Some("-0")), (7, 0));
    }
}
