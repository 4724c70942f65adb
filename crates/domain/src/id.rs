/// A random-UUID identity with hyphenated text form.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new_random() -> Self {
                Self(uuid::Uuid::new_v4())
            }

            /// Wraps a known id.
            pub fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }

            /// Parses an id from its text; `None` for anything that is not a UUID.
            pub fn parse(text: &str) -> Option<Self> {
                uuid::Uuid::try_parse(text).ok().map(Self)
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

pub(crate) use uuid_id;
