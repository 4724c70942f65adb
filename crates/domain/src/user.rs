use crate::{Email, PasswordHash, PersonName, PhoneNumber, Timestamp};

crate::id::uuid_id!(
    /// The identity of a user: a random UUID.
    UserId
);

/// A stored user. Every field holds a value that passed its rules when written.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Its identity.
    pub id: UserId,
    /// The login address.
    pub email: Email,
    /// The required phone number.
    pub phone_number: PhoneNumber,
    /// First name, possibly empty.
    pub first_name: PersonName,
    /// Last name, possibly empty.
    pub last_name: PersonName,
    /// The bcrypt hash of the password; the password itself is never kept.
    pub password_hash: PasswordHash,
    /// May use the administration API.
    pub is_staff: bool,
    /// May also grant or remove staff status.
    pub is_superuser: bool,
    /// Inactive users cannot log in or authenticate.
    pub is_active: bool,
    /// The user has shown the address is theirs (or staff said so).
    pub email_verified: bool,
    /// When the account was created.
    pub date_joined: Timestamp,
    /// The last successful login, if any.
    pub last_login: Option<Timestamp>,
}

/// A user about to be stored: validated values and a hashed password.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The id it will have.
    pub id: UserId,
    /// The login address.
    pub email: Email,
    /// The phone number.
    pub phone_number: PhoneNumber,
    /// First name, possibly empty.
    pub first_name: PersonName,
    /// Last name, possibly empty.
    pub last_name: PersonName,
    /// The hash of an accepted password.
    pub password_hash: PasswordHash,
    /// Staff status.
    pub is_staff: bool,
    /// Superuser status.
    pub is_superuser: bool,
    /// Whether the address counts as verified from the start (an operator's account).
    pub email_verified: bool,
    /// When the account is created.
    pub date_joined: Timestamp,
}

impl NewUser {
    /// The user as it will read back once stored: active, never logged in.
    pub fn into_user(self) -> User {
        User {
            id: self.id,
            email: self.email,
            phone_number: self.phone_number,
            first_name: self.first_name,
            last_name: self.last_name,
            password_hash: self.password_hash,
            is_staff: self.is_staff,
            is_superuser: self.is_superuser,
            is_active: true,
            email_verified: self.email_verified,
            date_joined: self.date_joined,
            last_login: None,
        }
    }
}

/// Changes to a user's editable fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChanges {
    /// A new first name.
    pub first_name: Option<PersonName>,
    /// A new last name.
    pub last_name: Option<PersonName>,
    /// A new phone number.
    pub phone_number: Option<PhoneNumber>,
    /// Activate or deactivate. Deactivation ends every session of the user.
    pub is_active: Option<bool>,
    /// Grant or remove staff status (superusers only).
    pub is_staff: Option<bool>,
    /// Mark the address verified or not (staff).
    pub email_verified: Option<bool>,
}

impl UserChanges {
    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// True when the change deactivates the user.
    pub fn deactivates(&self) -> bool {
        self.is_active == Some(false)
    }

    /// The fields of `user` this change would really change, named as in
    /// the user representation and in its order.
    pub fn changed_fields(&self, user: &User) -> Vec<&'static str> {
        let differs = |field: &'static str, changed: bool| changed.then_some(field);
        [
            differs(
                "phonenumber",
                self.phone_number
                    .as_ref()
                    .is_some_and(|new| *new != user.phone_number),
            ),
            differs(
                "first_name",
                self.first_name
                    .as_ref()
                    .is_some_and(|new| *new != user.first_name),
            ),
            differs(
                "last_name",
                self.last_name
                    .as_ref()
                    .is_some_and(|new| *new != user.last_name),
            ),
            differs(
                "is_staff",
                self.is_staff.is_some_and(|new| new != user.is_staff),
            ),
            differs(
                "is_active",
                self.is_active.is_some_and(|new| new != user.is_active),
            ),
            differs(
                "email_verified",
                self.email_verified
                    .is_some_and(|new| new != user.email_verified),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The user as it reads after the change.
    pub fn apply_to(&self, mut user: User) -> User {
        if let Some(first_name) = &self.first_name {
            user.first_name = first_name.clone();
        }
        if let Some(last_name) = &self.last_name {
            user.last_name = last_name.clone();
        }
        if let Some(phone_number) = &self.phone_number {
            user.phone_number = phone_number.clone();
        }
        if let Some(is_active) = self.is_active {
            user.is_active = is_active;
        }
        if let Some(is_staff) = self.is_staff {
            user.is_staff = is_staff;
        }
        if let Some(email_verified) = self.email_verified {
            user.email_verified = email_verified;
        }
        user
    }
}
