use crate::{Email, User, UserId};

/// Who a request is, as a gateway passes it on: the part of a user that
/// authorizes a request, without the rest of the record. Reading only this
/// keeps the gateway's lookup, run before every request behind the proxy,
/// narrower than a profile read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user's identity.
    pub id: UserId,
    /// The login address.
    pub email: Email,
    /// May use the administration API.
    pub is_staff: bool,
    /// Inactive users cannot authenticate.
    pub is_active: bool,
}

impl From<&User> for Identity {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.clone(),
            is_staff: user.is_staff,
            is_active: user.is_active,
        }
    }
}
