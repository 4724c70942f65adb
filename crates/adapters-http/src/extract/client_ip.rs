//! Who the client is, for throttling: DRF's `get_ident` with `NUM_PROXIES`.

use actix_web::HttpRequest;

/// The client's address: the peer address, unless `trusted_proxies` proxies
/// stand in front of the service; then the address the outermost trusted
/// proxy saw, the N-th from the right of `X-Forwarded-For`. With no trusted
/// proxy a client's own `X-Forwarded-For` changes nothing.
pub fn client_ip(req: &HttpRequest, trusted_proxies: usize) -> String {
    let peer = req
        .peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_default();
    if trusted_proxies == 0 {
        return peer;
    }
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    match forwarded {
        Some(list) => from_forwarded_for(list, trusted_proxies).unwrap_or(peer),
        None => peer,
    }
}

fn from_forwarded_for(list: &str, trusted_proxies: usize) -> Option<String> {
    let addresses: Vec<&str> = list.split(',').map(str::trim).collect();
    let index = addresses
        .len()
        .checked_sub(trusted_proxies.min(addresses.len()))?;
    addresses
        .get(index)
        .filter(|a| !a.is_empty())
        .map(|a| (*a).to_owned())
}

#[cfg(test)]
mod tests {
    use super::from_forwarded_for;

    #[test]
    fn takes_the_nth_address_from_the_right() {
        assert_eq!(
            from_forwarded_for("1.1.1.1, 2.2.2.2, 3.3.3.3", 1).as_deref(),
            Some("3.3.3.3")
        );
        assert_eq!(
            from_forwarded_for("1.1.1.1, 2.2.2.2, 3.3.3.3", 2).as_deref(),
            Some("2.2.2.2")
        );
        assert_eq!(from_forwarded_for("1.1.1.1", 5).as_deref(), Some("1.1.1.1"));
    }
}
