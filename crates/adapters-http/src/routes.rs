use actix_web::Route;
use actix_web::web::{self, Data, ServiceConfig};

use crate::handlers::{account, admin, fallback, login, logout, operations, signup};
use crate::{BodyLimit, InFlight, Metrics, Services, Throttles};

/// Every route served: its path and methods. Only these are mounted, and a
/// test holds the OpenAPI document to exactly this list.
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/", &["GET"]),
    ("/healthz", &["GET"]),
    ("/readyz", &["GET"]),
    ("/metrics", &["GET"]),
    ("/api/schema", &["GET"]),
    ("/api/signup", &["POST"]),
    ("/api/login", &["POST"]),
    ("/api/logout", &["POST"]),
    ("/api/logoutall", &["POST"]),
    ("/api/me", &["GET", "PATCH"]),
    ("/api/me/password", &["POST"]),
    ("/api/me/tokens", &["GET"]),
    ("/api/me/tokens/{id}", &["DELETE"]),
    ("/api/users", &["GET"]),
    ("/api/users/{id}", &["GET", "PATCH", "DELETE"]),
];

/// The handler of one route of [`ROUTES`].
fn handler(path: &str, method: &str) -> Route {
    match (path, method) {
        ("/", _) => web::get().to(operations::root),
        ("/healthz", _) => web::get().to(operations::healthz),
        ("/readyz", _) => web::get().to(operations::readyz),
        ("/metrics", _) => web::get().to(operations::metrics),
        ("/api/schema", _) => web::get().to(operations::schema),
        ("/api/signup", _) => web::post().to(signup::signup),
        ("/api/login", _) => web::post().to(login::login),
        ("/api/logout", _) => web::post().to(logout::logout),
        ("/api/logoutall", _) => web::post().to(logout::logout_all),
        ("/api/me", "GET") => web::get().to(account::me),
        ("/api/me", _) => web::patch().to(account::update_me),
        ("/api/me/password", _) => web::post().to(account::change_password),
        ("/api/me/tokens", _) => web::get().to(account::list_tokens),
        ("/api/me/tokens/{id}", _) => web::delete().to(account::delete_token),
        ("/api/users", _) => web::get().to(admin::list_users),
        ("/api/users/{id}", "GET") => web::get().to(admin::get_user),
        ("/api/users/{id}", "PATCH") => web::patch().to(admin::update_user),
        ("/api/users/{id}", "DELETE") => web::delete().to(admin::delete_user),
        // Unreachable while ROUTES and this table agree; a test checks they do.
        _ => web::route().to(fallback::not_found),
    }
}

/// Mounts every route of the contract, with 404 and 405 in its shape.
pub fn configure(
    services: Data<Services>,
    metrics: Data<Metrics>,
    throttles: Data<Throttles>,
    in_flight: Data<InFlight>,
    body_limit: BodyLimit,
) -> impl FnOnce(&mut ServiceConfig) + Clone {
    move |cfg: &mut ServiceConfig| {
        cfg.app_data(services)
            .app_data(metrics)
            .app_data(throttles)
            .app_data(in_flight)
            .app_data(Data::new(body_limit));
        for (path, methods) in ROUTES {
            let resource = methods
                .iter()
                .fold(web::resource(*path), |resource, method| {
                    resource.route(handler(path, method))
                });
            let allow = methods.join(", ");
            cfg.service(resource.default_service(web::to(fallback::method_not_allowed(allow))));
        }
        cfg.default_service(web::to(fallback::not_found));
    }
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    use super::ROUTES;
    use crate::ApiDoc;

    fn documented() -> Vec<(String, String)> {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut routes = Vec::new();
        for (path, operations) in doc["paths"].as_object().unwrap() {
            for method in operations.as_object().unwrap().keys() {
                if ["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                    routes.push((path.clone(), method.to_uppercase()));
                }
            }
        }
        routes.sort();
        routes
    }

    fn served() -> Vec<(String, String)> {
        let mut routes: Vec<(String, String)> = ROUTES
            .iter()
            .flat_map(|(path, methods)| {
                methods
                    .iter()
                    .map(|m| ((*path).to_owned(), (*m).to_owned()))
            })
            .collect();
        routes.sort();
        routes
    }

    #[test]
    fn every_route_served_is_in_the_openapi_document_and_no_other() {
        assert_eq!(documented(), served());
    }

    #[test]
    fn the_document_is_openapi_3() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        assert!(doc["components"]["securitySchemes"]["token"].is_object());
    }
}
