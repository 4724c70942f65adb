//! The browsable API: for a client that accepts `text/html` (a browser), the
//! API root and every endpoint declared with a form answer with pages, as
//! DRF's BrowsableAPIRenderer does. Everyone else gets JSON, untouched.

use actix_web::HttpMessage;
use actix_web::HttpResponse;
use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use serde_json::Value;

use crate::ApiError;
use crate::endpoints::{Endpoint, Features};
use crate::extract::{BodyLimit, declared_length, read_limited};
use crate::pages::{self, EndpointPage, Heading, Outcome, RootEntry, Submit, page};

/// Response headers a page keeps from the JSON response it replaces.
const KEPT_HEADERS: [&str; 4] = ["x-request-id", "www-authenticate", "retry-after", "allow"];

/// Serves pages to browsers; see the module documentation.
pub async fn browsable_api(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !accepts_html(req.headers()) {
        return next.call(req).await;
    }
    let method = req.method().clone();
    let reading = method == Method::GET || method == Method::HEAD;
    if reading && req.path() == "/" {
        let features = req
            .app_data::<Data<Features>>()
            .map_or(Features::ALL, |features| *features.get_ref());
        let served: Vec<&Endpoint> = features.served().collect();
        let allows: Vec<String> = served.iter().map(|endpoint| endpoint.allow()).collect();
        let entries: Vec<RootEntry<'_>> = served
            .iter()
            .zip(&allows)
            .map(|(endpoint, allow)| RootEntry {
                path: endpoint.path,
                allow,
                browsable: !endpoint.path.contains('{')
                    && (endpoint.form.is_some() || endpoint.serves(&Method::GET)),
            })
            .collect();
        return Ok(req.into_response(page(StatusCode::OK, pages::root(&entries))));
    }
    let Some((endpoint, form)) = Endpoint::matching(req.path())
        .and_then(|endpoint| endpoint.form.map(|form| (endpoint, form)))
    else {
        return next.call(req).await;
    };
    let allow = endpoint.allow();
    let heading = Heading {
        title: endpoint.name,
        path: endpoint.path,
        allow: &allow,
        description: endpoint.description,
        form,
    };
    let origin = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    if reading && form.submit == Submit::Post {
        // The form itself: what a browser gets where the API has no GET.
        let html = pages::endpoint(&EndpointPage {
            endpoint: heading,
            values: &[],
            outcome: None,
            origin: &origin,
        });
        return Ok(req.into_response(page(StatusCode::OK, html)));
    }
    let mut values: Vec<(String, String)> = Vec::new();
    if method == Method::POST {
        // Keep what was submitted to show it again, then hand the same body on.
        let limit = BodyLimit::of(req.request());
        let declared = declared_length(req.request());
        let body = match read_limited(req.take_payload(), declared, limit).await {
            Ok(body) => body,
            Err(error) => return Ok(req.into_response(error_response_page(&error))),
        };
        values = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        if form.submit == Submit::Post {
            req.set_payload(Payload::from(body));
        } else {
            // A form cannot set Authorization: the token field stands in for it.
            let token = values
                .iter()
                .rev()
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v.trim().to_owned());
            if let Some(value) =
                token.and_then(|t| HeaderValue::from_str(&format!("Token {t}")).ok())
            {
                req.headers_mut().insert(header::AUTHORIZATION, value);
            }
            values.retain(|(k, _)| k != "token");
            if form.submit == Submit::GetWithToken {
                // The page shows what GET answers.
                req.head_mut().method = Method::GET;
            } else {
                let rest = serde_urlencoded::to_string(&values).unwrap_or_default();
                req.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                req.headers_mut()
                    .insert(header::CONTENT_LENGTH, rest.len().into());
                req.set_payload(Payload::from(actix_web::web::Bytes::from(rest)));
            }
        }
    } else if !reading {
        return next.call(req).await;
    }
    let response = next.call(req).await?;
    let (req, res) = response.into_parts();
    let status = res.status();
    let mut kept = HeaderMap::new();
    for name in KEPT_HEADERS {
        if let Some(value) = res.headers().get(name) {
            kept.insert(header::HeaderName::from_static(name), value.clone());
        }
    }
    let bytes = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let outcome = Outcome {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or(""),
        body: &json,
    };
    let html = pages::endpoint(&EndpointPage {
        endpoint: heading,
        values: &values,
        outcome: Some(outcome),
        origin: &origin,
    });
    // A browser shows no page for a 204: the page itself is 200 and names
    // the API's answer in its status line.
    let page_status = if status == StatusCode::NO_CONTENT {
        StatusCode::OK
    } else {
        status
    };
    let mut response = page(page_status, html);
    for (name, value) in &kept {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    Ok(ServiceResponse::new(req, response))
}

/// DRF renders HTML when the client lists `text/html` among what it accepts.
fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html"))
        })
}

fn error_response_page(error: &ApiError) -> HttpResponse {
    use actix_web::ResponseError;
    let status = error.status_code();
    let body = serde_json::json!({ "detail": error.to_string() });
    let outcome = Outcome {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or(""),
        body: &body,
    };
    page(status, pages::plain("Error", &outcome))
}

#[cfg(test)]
mod tests {
    use super::accepts_html;
    use actix_web::http::header::{ACCEPT, HeaderMap, HeaderValue};

    #[test]
    fn browsers_accept_html_and_api_clients_do_not() {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        assert!(accepts_html(&headers));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        assert!(!accepts_html(&headers));
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        assert!(!accepts_html(&headers));
    }
}
