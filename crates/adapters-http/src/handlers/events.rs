//! The security event log: `GET /api/me/events` (the user's own) and
//! `GET /api/events` (staff).

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use tokenauth_application::{EventFilters, EventPage, PageRequest};

use crate::extract::{AuthenticatedUser, QueryParams, page_links};
use crate::representation::EventPageBody;
use crate::responses::json_response;
use crate::threads::{Blocking, Threads};
use crate::{ApiError, Services};

/// `GET /api/me/events?limit=&offset=&type=`.
pub(crate) async fn own_events(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let page = params.page();
    let kind = params.get("type").map(str::to_owned);
    let events = Blocking
        .run(move || services.event_log.own(&session, kind.as_deref(), page))
        .await?;
    page_response(&req, &params, page, &events)
}

/// `GET /api/events?limit=&offset=&user_id=&type=&since=&until=`.
pub(crate) async fn all_events(
    services: Data<Services>,
    AuthenticatedUser(session): AuthenticatedUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::of(&req);
    let page = params.page();
    let filters = EventFilters {
        user_id: params.get("user_id").map(str::to_owned),
        kind: params.get("type").map(str::to_owned),
        since: params.get("since").map(str::to_owned),
        until: params.get("until").map(str::to_owned),
    };
    let events = Blocking
        .run(move || services.event_log.all(&session, &filters, page))
        .await?;
    page_response(&req, &params, page, &events)
}

fn page_response(
    req: &HttpRequest,
    params: &QueryParams,
    page: PageRequest,
    events: &EventPage,
) -> Result<HttpResponse, ApiError> {
    let (next, previous) = page_links(req, params, page, events.count);
    let body = EventPageBody::of(events, next, previous).map_err(|error| {
        tracing::error!(%error, "a stored event is not JSON");
        ApiError::Internal
    })?;
    Ok(json_response(StatusCode::OK, &body))
}
