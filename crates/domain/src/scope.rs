/// What a token may do, beyond proving who its user is (the contract's
/// "scopes"). A session token holds every scope; a personal token only those
/// it was made with. Staff rules apply on top: a `users:*` scope grants a
/// non-staff user nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `account:read`: read one's own account and tokens.
    AccountRead,
    /// `account:write`: change one's own profile, end one's own tokens.
    AccountWrite,
    /// `users:read`: read other users (staff).
    UsersRead,
    /// `users:write`: change or delete other users (staff).
    UsersWrite,
}

impl Scope {
    /// Every scope, in the contract's order.
    pub const ALL: [Self; 4] = [
        Self::AccountRead,
        Self::AccountWrite,
        Self::UsersRead,
        Self::UsersWrite,
    ];

    /// The scope's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountRead => "account:read",
            Self::AccountWrite => "account:write",
            Self::UsersRead => "users:read",
            Self::UsersWrite => "users:write",
        }
    }

    /// The scope with this exact name, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn every_scope_parses_from_its_own_name() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }

    #[test]
    fn names_are_exact() {
        assert_eq!(Scope::parse("Account:Read"), None);
        assert_eq!(Scope::parse(" account:read"), None);
        assert_eq!(Scope::parse(""), None);
    }
}
