//! Mounting the endpoint table on actix: each path's methods, `HEAD`,
//! `OPTIONS`, 405 with `Allow`, 404, and what the handlers share.

use actix_web::guard;
use actix_web::http::Method;
use actix_web::web::{self, Data, ServiceConfig};

use crate::access::TokenRules;
use crate::endpoints::{Endpoint, Features, links};
use crate::handlers::operations::{ApiRoot, SchemaDocument};
use crate::handlers::{fallback, options};
use crate::{BodyLimit, Cors, InFlight, Metrics, Services, Throttles, Traces, openapi};

/// What every endpoint shares with the handlers, built once per server.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Data<Services>,
    /// Request, login and signup metrics.
    pub metrics: Data<Metrics>,
    /// The login and signup throttles.
    pub throttles: Data<Throttles>,
    /// The count of requests in flight, for a graceful stop.
    pub in_flight: Data<InFlight>,
    /// The largest request body accepted.
    pub body_limit: BodyLimit,
    /// The origins CORS allows.
    pub cors: Data<Cors>,
    /// The endpoints settings turn on.
    pub features: Features,
    /// Present when spans are exported.
    pub traces: Option<Data<Traces>>,
}

/// Mounts every endpoint served (see [`Features`]), with 404 and 405 in the
/// contract's shape.
pub fn configure(state: AppState) -> impl FnOnce(&mut ServiceConfig) + Clone {
    move |cfg: &mut ServiceConfig| {
        cfg.app_data(state.services)
            .app_data(state.metrics)
            .app_data(state.throttles)
            .app_data(state.in_flight)
            .app_data(state.cors)
            .app_data(Data::new(state.body_limit))
            .app_data(Data::new(ApiRoot(links(state.features))))
            .app_data(Data::new(SchemaDocument::of(&openapi::document(
                state.features,
            ))))
            .app_data(Data::new(state.features));
        if let Some(traces) = state.traces {
            cfg.app_data(traces);
        }
        // actix tries resources in the order they are mounted, and matches
        // a path with a `{name}` segment by a regex: mounted first, the
        // fixed paths never run one (callgrind: the two templates tried
        // before `/api/auth/verify` were an eighth of its instructions). A
        // fixed path a template also matches (`/api/me/passkeys/options`)
        // keeps winning, as it did in the table's order.
        let (fixed, templates): (Vec<&Endpoint>, Vec<_>) = state
            .features
            .served()
            .partition(|endpoint| !endpoint.path.contains('{'));
        for endpoint in fixed.into_iter().chain(templates) {
            let allow = endpoint.allow();
            let rules = TokenRules(
                endpoint
                    .operations
                    .iter()
                    .map(|operation| (operation.method.clone(), operation.token))
                    .collect(),
            );
            let mut resource = web::resource(endpoint.path).app_data(rules);
            for operation in endpoint.operations {
                resource = resource.route((operation.handler)().method(operation.method.clone()));
                if operation.method == Method::GET {
                    // HEAD is GET without the body; actix leaves the body out.
                    resource = resource.route((operation.handler)().guard(guard::Head()));
                }
            }
            let options = options::Options {
                name: endpoint.name,
                description: endpoint.description,
                allow: allow.clone(),
                permission: endpoint.permission,
            };
            cfg.service(
                resource
                    .route(
                        web::route()
                            .guard(guard::Options())
                            .to(options::handler(options)),
                    )
                    .default_service(web::to(fallback::method_not_allowed(allow))),
            );
        }
        cfg.default_service(web::to(fallback::not_found));
    }
}
