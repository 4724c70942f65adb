//! DRF's limit/offset links: absolute URLs to the next and previous pages.

use actix_web::HttpRequest;
use tokenauth_application::PageRequest;

/// A request's query parameters, in order, last value winning on lookup.
#[derive(Debug, Default)]
pub(crate) struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub(crate) fn of(req: &HttpRequest) -> Self {
        Self(serde_urlencoded::from_str(req.query_string()).unwrap_or_default())
    }

    /// Every value of `name`, in order (a parameter may repeat).
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The page asked for by `limit` and `offset`, as DRF reads them.
    pub(crate) fn page(&self) -> PageRequest {
        PageRequest::from_query(self.get("limit"), self.get("offset"))
    }

    /// The same parameters with `name` set to `value` (or removed when `None`).
    fn with(&self, name: &str, value: Option<String>) -> Self {
        let mut params: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(key, _)| key != name)
            .cloned()
            .collect();
        if let Some(value) = value {
            params.push((name.to_owned(), value));
        }
        Self(params)
    }
}

/// The `next` and `previous` links of a page, as DRF's `LimitOffsetPagination` builds them.
pub(crate) fn page_links(
    req: &HttpRequest,
    params: &QueryParams,
    page: PageRequest,
    count: u64,
) -> (Option<String>, Option<String>) {
    let limit = u64::from(page.limit);
    let with_limit = params.with("limit", Some(limit.to_string()));
    let next = (page.offset.saturating_add(limit) < count).then(|| {
        url(
            req,
            &with_limit.with("offset", Some((page.offset + limit).to_string())),
        )
    });
    let previous = (page.offset > 0).then(|| {
        if page.offset <= limit {
            url(req, &with_limit.with("offset", None))
        } else {
            url(
                req,
                &with_limit.with("offset", Some((page.offset - limit).to_string())),
            )
        }
    });
    (next, previous)
}

fn url(req: &HttpRequest, params: &QueryParams) -> String {
    let info = req.connection_info();
    let query = serde_urlencoded::to_string(&params.0).unwrap_or_default();
    format!(
        "{}://{}{}?{}",
        info.scheme(),
        info.host(),
        req.path(),
        query
    )
}
