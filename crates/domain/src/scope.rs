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
    /// `tokens:introspect`: ask `POST /api/oauth/introspect` about other
    /// tokens (a gateway's or resource server's token).
    TokensIntrospect,
}

impl Scope {
    /// Every scope, in the contract's order.
    pub const ALL: [Self; 5] = [
        Self::AccountRead,
        Self::AccountWrite,
        Self::UsersRead,
        Self::UsersWrite,
        Self::TokensIntrospect,
    ];

    /// The scope's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountRead => "account:read",
            Self::AccountWrite => "account:write",
            Self::UsersRead => "users:read",
            Self::UsersWrite => "users:write",
            Self::TokensIntrospect => "tokens:introspect",
        }
    }

    /// The scope with this exact name, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

/// A set of scopes: what one token holds. Stored and sent as the scopes'
/// names separated by single spaces, in the contract's order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// Every scope: what a session token holds.
    pub const ALL: Self = Self(0b1_1111);

    /// No scope at all.
    pub const NONE: Self = Self(0);

    fn bit(scope: Scope) -> u8 {
        1 << (scope as u8)
    }

    /// These scopes and `scope`.
    #[must_use]
    pub fn with(self, scope: Scope) -> Self {
        Self(self.0 | Self::bit(scope))
    }

    /// Whether `scope` is one of these.
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & Self::bit(scope) != 0
    }

    /// True for the empty set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes held, in the contract's order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .into_iter()
            .filter(move |scope| self.contains(*scope))
    }

    /// Reads the stored form back: names separated by whitespace. `None`
    /// when a name is not a scope.
    pub fn parse_stored(text: &str) -> Option<Self> {
        text.split_whitespace().try_fold(Self::NONE, |set, name| {
            Scope::parse(name).map(|s| set.with(s))
        })
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(scopes: I) -> Self {
        scopes.into_iter().fold(Self::NONE, Self::with)
    }
}

/// Every set's wire form, by its bits: the gateway sends one on every
/// request, so it is looked up rather than built. Sized by the scopes, so a
/// new scope does not build until its sets are written here.
const WIRE_FORMS: [&str; 1 << Scope::ALL.len()] = [
    "",
    "account:read",
    "account:write",
    "account:read account:write",
    "users:read",
    "account:read users:read",
    "account:write users:read",
    "account:read account:write users:read",
    "users:write",
    "account:read users:write",
    "account:write users:write",
    "account:read account:write users:write",
    "users:read users:write",
    "account:read users:read users:write",
    "account:write users:read users:write",
    "account:read account:write users:read users:write",
    "tokens:introspect",
    "account:read tokens:introspect",
    "account:write tokens:introspect",
    "account:read account:write tokens:introspect",
    "users:read tokens:introspect",
    "account:read users:read tokens:introspect",
    "account:write users:read tokens:introspect",
    "account:read account:write users:read tokens:introspect",
    "users:write tokens:introspect",
    "account:read users:write tokens:introspect",
    "account:write users:write tokens:introspect",
    "account:read account:write users:write tokens:introspect",
    "users:read users:write tokens:introspect",
    "account:read users:read users:write tokens:introspect",
    "account:write users:read users:write tokens:introspect",
    "account:read account:write users:read users:write tokens:introspect",
];

impl Scopes {
    /// The names separated by single spaces, in the contract's order.
    pub fn as_str(self) -> &'static str {
        WIRE_FORMS[usize::from(self.0 & Self::ALL.0)]
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scopes({self})")
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::{Scope, Scopes};

    #[test]
    fn every_set_is_written_as_its_names_in_the_contracts_order() {
        for bits in 0..super::WIRE_FORMS.len() {
            let set: Scopes = Scope::ALL
                .into_iter()
                .filter(|scope| bits & (1 << (*scope as u8)) != 0)
                .collect();
            let names: Vec<&str> = set.iter().map(Scope::as_str).collect();
            assert_eq!(set.as_str(), names.join(" "));
            assert_eq!(Scopes::parse_stored(set.as_str()), Some(set));
        }
    }

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

    #[test]
    fn a_set_is_written_in_the_contracts_order_and_read_back() {
        let set: Scopes = [Scope::UsersRead, Scope::AccountRead].into_iter().collect();
        assert_eq!(set.to_string(), "account:read users:read");
        assert_eq!(Scopes::parse_stored(&set.to_string()), Some(set));
        assert_eq!(
            Scopes::ALL.to_string(),
            "account:read account:write users:read users:write tokens:introspect"
        );
        assert_eq!(Scopes::parse_stored(""), Some(Scopes::NONE));
        assert_eq!(Scopes::parse_stored("account:read nope"), None);
    }

    #[test]
    fn a_set_holds_only_what_was_put_in() {
        let set = Scopes::NONE.with(Scope::AccountWrite);
        assert!(set.contains(Scope::AccountWrite));
        assert!(!set.contains(Scope::AccountRead));
        assert!(Scope::ALL.into_iter().all(|s| Scopes::ALL.contains(s)));
        assert!(Scopes::NONE.is_empty());
    }
}
