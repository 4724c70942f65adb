//! Reading `Authorization: Token <key>` as DRF's `TokenAuthentication` does,
//! and `Bearer <access JWT>` as SimpleJWT's `JWTAuthentication` does.

/// Why an `Authorization` header carries no usable key. `Display` gives
/// the contract's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// No header, or one for another scheme.
    #[error("Authentication credentials were not provided.")]
    Missing,
    /// The keyword alone.
    #[error("Invalid token header. No credentials provided.")]
    NoCredentials,
    /// More than one word after the keyword.
    #[error("Invalid token header. Token string should not contain spaces.")]
    ContainsSpaces,
    /// Non-ASCII or control characters in the key.
    #[error("Invalid token header. Token string should not contain invalid characters.")]
    InvalidCharacters,
}

/// The keywords accepted, compared case-insensitively.
const KEYWORDS: [&[u8]; 2] = [b"token", b"bearer"];

/// Extracts the presented key from the raw header value, if any.
///
/// Words are split on ASCII whitespace, as Python's `bytes.split()` does, so
/// tabs and repeated spaces separate words too.
pub fn parse_authorization(header: Option<&[u8]>) -> Result<&str, AuthorizationError> {
    parse_credentials(header).map(|presented| presented.key)
}

/// What an `Authorization` header presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presented<'a> {
    /// The keyword was `Bearer`, the only one that may carry a JWT.
    pub bearer: bool,
    /// The key (or JWT).
    pub key: &'a str,
}

impl Presented<'_> {
    /// Whether this is an access JWT to check as one: sent as `Bearer`,
    /// and shaped as a compact JWS (an opaque key has no dots).
    pub fn is_jwt(&self) -> bool {
        self.bearer && self.key.contains('.')
    }
}

/// As [`parse_authorization`], telling which keyword came with the key.
pub fn parse_credentials(header: Option<&[u8]>) -> Result<Presented<'_>, AuthorizationError> {
    let mut words = header
        .unwrap_or_default()
        .split(|b| b.is_ascii_whitespace() || *b == 0x0b)
        .filter(|word| !word.is_empty());
    let Some(keyword) = words.next() else {
        return Err(AuthorizationError::Missing);
    };
    if !KEYWORDS.iter().any(|k| keyword.eq_ignore_ascii_case(k)) {
        return Err(AuthorizationError::Missing);
    }
    let Some(key) = words.next() else {
        return Err(AuthorizationError::NoCredentials);
    };
    if words.next().is_some() {
        return Err(AuthorizationError::ContainsSpaces);
    }
    if !key.iter().all(|b| b.is_ascii_graphic()) {
        return Err(AuthorizationError::InvalidCharacters);
    }
    let key = std::str::from_utf8(key).map_err(|_| AuthorizationError::InvalidCharacters)?;
    Ok(Presented {
        bearer: keyword.eq_ignore_ascii_case(b"bearer"),
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(header: &str) -> Result<&str, AuthorizationError> {
        parse_authorization(Some(header.as_bytes()))
    }

    #[test]
    fn no_header_is_missing_credentials() {
        assert_eq!(parse_authorization(None), Err(AuthorizationError::Missing));
    }

    #[test]
    fn another_scheme_is_missing_credentials() {
        assert_eq!(
            parse("Basic dXNlcjpwYXNz"),
            Err(AuthorizationError::Missing)
        );
    }

    #[test]
    fn keyword_is_case_insensitive_and_bearer_is_accepted() {
        assert_eq!(parse("Token abc"), Ok("abc"));
        assert_eq!(parse("tOKEN abc"), Ok("abc"));
        assert_eq!(parse("Bearer abc"), Ok("abc"));
    }

    #[test]
    fn only_a_dotted_bearer_credential_is_a_jwt() {
        let is_jwt = |header: &str| parse_credentials(Some(header.as_bytes())).unwrap().is_jwt();
        assert!(is_jwt("Bearer a.b.c"));
        assert!(is_jwt("bearer a.b.c"));
        assert!(!is_jwt("Token a.b.c"));
        assert!(!is_jwt("Bearer abc"));
    }

    #[test]
    fn keyword_only_has_no_credentials() {
        assert_eq!(parse("Token"), Err(AuthorizationError::NoCredentials));
        assert_eq!(parse("Token   "), Err(AuthorizationError::NoCredentials));
    }

    #[test]
    fn a_key_with_spaces_is_refused() {
        assert_eq!(
            parse("Token abc def"),
            Err(AuthorizationError::ContainsSpaces)
        );
        assert_eq!(
            parse("Token\tabc\tdef"),
            Err(AuthorizationError::ContainsSpaces)
        );
    }

    #[test]
    fn tabs_and_repeated_spaces_separate_words() {
        assert_eq!(parse("Token \t  abc  "), Ok("abc"));
    }

    #[test]
    fn non_ascii_and_control_characters_are_invalid() {
        assert_eq!(
            parse_authorization(Some(b"Token ab\xc3\xa9")),
            Err(AuthorizationError::InvalidCharacters)
        );
        assert_eq!(
            parse_authorization(Some(b"Token ab\x01cd")),
            Err(AuthorizationError::InvalidCharacters)
        );
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_authorization(Some(&bytes));
        }

        #[test]
        fn a_printable_key_comes_back_verbatim(key in "[!-~]{1,80}") {
            let header = format!("Token {key}");
            prop_assert_eq!(parse(&header), Ok(key.as_str()));
        }

        #[test]
        fn an_accepted_key_is_printable_ascii(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let mut header = b"Token ".to_vec();
            header.extend(bytes);
            if let Ok(key) = parse_authorization(Some(&header)) {
                prop_assert!(key.bytes().all(|b| b.is_ascii_graphic()));
            }
        }
    }
}
