//! The shapes configuration values must have where a type alone cannot
//! say it: a value that cannot be right stops the start with its key, rather
//! than a server that silently never matches (a CORS origin with a path) or
//! fails at the first request that needs it.

/// A CORS origin as browsers send it in `Origin`: `scheme://host[:port]`,
/// lowercase, no path, no trailing slash, no default port; or `*`.
pub(crate) fn cors_origin(entry: &str) -> Result<(), &'static str> {
    const SHAPE: &str = "must be scheme://host[:port] as a browser sends it (lowercase, no path or trailing slash, no default port), or *";
    if entry == "*" {
        return Ok(());
    }
    let url = url::Url::parse(entry).map_err(|_| SHAPE)?;
    let Some(host) = url.host_str().filter(|host| !host.is_empty()) else {
        return Err(SHAPE);
    };
    // Built back from its parts, the origin must read as written: any path,
    // query, user or case difference makes the two differ.
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let rebuilt = format!("{}://{host}{port}", url.scheme());
    let has_extras = !matches!(url.path(), "" | "/")
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some();
    if rebuilt == entry && !has_extras {
        Ok(())
    } else {
        Err(SHAPE)
    }
}

/// A URL of one of `schemes` that names a host.
pub(crate) fn url_of(value: &str, schemes: &[&str]) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|error| format!("is not a URL ({error})"))?;
    if !schemes.contains(&url.scheme()) {
        return Err(format!("must start with {}://", schemes.join("://, ")));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("names no host".to_owned());
    }
    Ok(())
}

/// A URL with its password (if any) replaced, fit for an error line.
pub(crate) fn without_password(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.into()
        }
        Ok(url) => url.into(),
        // Unparsable: its scheme at most, as the rest may be a secret.
        Err(_) => value.split_once("://").map_or_else(
            || "(not a URL)".to_owned(),
            |(scheme, _)| format!("{scheme}://…"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_as_browsers_send_them_are_accepted() {
        for origin in [
            "https://app.example",
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "capacitor://localhost",
            "*",
        ] {
            assert_eq!(cors_origin(origin), Ok(()), "{origin}");
        }
    }

    #[test]
    fn origins_no_browser_sends_are_refused() {
        for origin in [
            "app.example",
            "https://app.example/",
            "https://app.example/path",
            "https://App.example",
            "https://app.example:443",
            "https://app.example?x=1",
            "https://user@app.example",
            "",
            "**",
        ] {
            assert!(cors_origin(origin).is_err(), "{origin}");
        }
    }

    #[test]
    fn urls_need_a_known_scheme_and_a_host() {
        assert!(url_of("redis://127.0.0.1:6379", &["redis", "rediss"]).is_ok());
        assert!(url_of("127.0.0.1:6379", &["redis", "rediss"]).is_err());
        assert!(url_of("http://127.0.0.1:6379", &["redis", "rediss"]).is_err());
        assert!(url_of("redis://", &["redis", "rediss"]).is_err());
    }

    #[test]
    fn passwords_never_reach_the_error_line() {
        assert_eq!(
            without_password("redis://:s3cret@cache:6379"),
            "redis://:***@cache:6379"
        );
        assert!(!without_password("smtp://u:s3cret@[bad").contains("s3cret"));
    }
}
