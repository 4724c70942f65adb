use actix_web::web::{self, Data, ServiceConfig};

use crate::handlers::{account, admin, fallback, login, logout, signup};
use crate::{BodyLimit, Services};

/// Mounts every route of the contract, with 404 and 405 in its shape.
pub fn configure(
    services: Data<Services>,
    body_limit: BodyLimit,
) -> impl FnOnce(&mut ServiceConfig) + Clone {
    move |cfg: &mut ServiceConfig| {
        cfg.app_data(services)
            .app_data(Data::new(body_limit))
            .service(post_only("/api/signup", web::post().to(signup::signup)))
            .service(post_only("/api/login", web::post().to(login::login)))
            .service(post_only("/api/logout", web::post().to(logout::logout)))
            .service(post_only(
                "/api/logoutall",
                web::post().to(logout::logout_all),
            ))
            .service(
                web::resource("/api/me")
                    .route(web::get().to(account::me))
                    .route(web::patch().to(account::update_me))
                    .default_service(web::to(fallback::method_not_allowed(
                        "GET, PATCH, HEAD, OPTIONS",
                    ))),
            )
            .service(post_only(
                "/api/me/password",
                web::post().to(account::change_password),
            ))
            .service(
                web::resource("/api/me/tokens")
                    .route(web::get().to(account::list_tokens))
                    .default_service(web::to(fallback::method_not_allowed("GET, HEAD, OPTIONS"))),
            )
            .service(
                web::resource("/api/me/tokens/{id}")
                    .route(web::delete().to(account::delete_token))
                    .default_service(web::to(fallback::method_not_allowed("DELETE, OPTIONS"))),
            )
            .service(
                web::resource("/api/users")
                    .route(web::get().to(admin::list_users))
                    .default_service(web::to(fallback::method_not_allowed("GET, HEAD, OPTIONS"))),
            )
            .service(
                web::resource("/api/users/{id}")
                    .route(web::get().to(admin::get_user))
                    .route(web::patch().to(admin::update_user))
                    .route(web::delete().to(admin::delete_user))
                    .default_service(web::to(fallback::method_not_allowed(
                        "GET, PATCH, DELETE, HEAD, OPTIONS",
                    ))),
            )
            .default_service(web::to(fallback::not_found));
    }
}

fn post_only(path: &str, route: actix_web::Route) -> actix_web::Resource {
    web::resource(path)
        .route(route)
        .default_service(web::to(fallback::method_not_allowed("POST, OPTIONS")))
}
