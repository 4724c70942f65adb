//! The OpenAPI 3 document, built from the endpoint table: each operation's
//! own responses as declared there, and the ones its declaration implies
//! (401 for a token, 400/413/415 for a body, 429 when throttled, 503 when it
//! reads the database), with the request types the handlers really parse.
//! The table names its documentation as data (`crate::endpoints::doc`);
//! this module reads it and is read by nothing in the table.

use tokenauth_domain::Scope;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    Components, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, Paths, Required,
    ResponseBuilder,
};

use crate::access::{Permission, TokenRule};
use crate::endpoints::doc::{Body, Response, bad_request, detail};
use crate::endpoints::{Endpoint, Features, Operation};
use crate::responses::JSON;

/// The whole document.
pub(crate) fn document(features: Features) -> OpenApi {
    let mut components = Components::new();
    let scopes: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    components.add_security_scheme(
        "token",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Authorization",
            &format!(
                "`Token <key>` (or `Bearer <key>`), the key from login, or `Bearer <access JWT>` \
                 from `POST /api/token/` when JWTs are on. An operation's \
                 security requirement names the scope it needs (OpenAPI 3.1 roles); a \
                 login token holds every scope: {}.",
                scopes.join(", ")
            ),
        ))),
    );
    let mut paths = Paths::new();
    for endpoint in features.served() {
        let mut item = PathItem::default();
        for operation in endpoint.operations {
            let method = http_method(&operation.method);
            item.merge_operations(PathItem::new(
                method,
                describe(endpoint, operation, &mut components),
            ));
        }
        paths.paths.insert(endpoint.path.to_owned(), item);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("tokenauth")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("Token authentication over HTTP (DRF-compatible).")),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

fn http_method(method: &actix_web::http::Method) -> HttpMethod {
    match method.as_str() {
        "POST" => HttpMethod::Post,
        "PATCH" => HttpMethod::Patch,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

const JSON_BODY: &str = "application/json";
const FORM_BODY: &str = "application/x-www-form-urlencoded";

fn describe(
    endpoint: &Endpoint,
    operation: &Operation,
    components: &mut Components,
) -> utoipa::openapi::path::Operation {
    let doc = &operation.doc;
    let mut builder = OperationBuilder::new()
        .tag(doc.tag)
        .summary(Some(doc.summary))
        .description(token_note(operation.token));
    for segment in endpoint.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            builder = builder.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
    }
    for (name, meaning) in doc.query {
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(*meaning))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    if let Some(request) = doc.request {
        let body = request(components);
        let required = if operation.method == actix_web::http::Method::PATCH {
            Required::False
        } else {
            Required::True
        };
        // One media type per body, the other named in prose: generators
        // (openapi-python-client among them) write clients that do not
        // import, or that always send the second type, when a body lists two.
        let (media_type, also) = if doc.form_first {
            (
                FORM_BODY,
                "Also accepted as `application/json`, with the same fields.",
            )
        } else {
            (
                JSON_BODY,
                "Also accepted as `application/x-www-form-urlencoded`, with the same fields (a list field repeated).",
            )
        };
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .content(media_type, ContentBuilder::new().schema(Some(body)).build())
                .description(Some(also))
                .required(Some(required))
                .build(),
        ));
    }
    // What an operation declares for a status is more exact than what its
    // declaration implies (the OAuth endpoints' 400 is not a field error).
    let implied = implied(endpoint, operation)
        .filter(|implied| !doc.responses.iter().any(|own| own.status == implied.status));
    for response in doc.responses.iter().chain(implied) {
        builder = builder.response(response.status.to_string(), answer(response, components));
    }
    if operation.token.needs_token() {
        // OpenAPI 3.1 lets a non-OAuth scheme's requirement list roles: the
        // scope the operation needs, where it needs one.
        let roles: Vec<&str> = match operation.token {
            TokenRule::Scope(scope) => vec![scope.as_str()],
            _ => Vec::new(),
        };
        builder = builder.security(SecurityRequirement::new("token", roles));
    }
    builder.build()
}

/// The token rule in words, for the operation's description.
fn token_note(token: TokenRule) -> Option<String> {
    match token {
        TokenRule::None => None,
        TokenRule::AnyToken => Some("Any token (session or personal).".to_owned()),
        TokenRule::SessionOnly => Some("A session (login) token only.".to_owned()),
        TokenRule::Scope(scope) => Some(format!(
            "A session token, or a personal token with the scope `{scope}`."
        )),
    }
}

const BAD_REQUEST: Response = Response::json(
    400,
    "Every failing field, or a malformed body.",
    bad_request,
);
const TOO_LARGE: Response = Response::json(413, "Body over the limit.", detail);
const UNSUPPORTED: Response = Response::json(415, "Neither JSON nor form-encoded.", detail);
const UNAUTHENTICATED: Response = Response::json(
    401,
    "No, malformed, unknown, revoked or expired token; inactive user.",
    detail,
);
const FORBIDDEN: Response = Response::json(
    403,
    "Not allowed: not staff, or outside the token's scopes.",
    detail,
);
const THROTTLED: Response =
    Response::json(429, "Throttled; Retry-After says for how long.", detail);
const UNAVAILABLE: Response = Response::json(503, "The database is unavailable.", detail);

/// The answers an operation's declaration implies.
fn implied(endpoint: &Endpoint, operation: &Operation) -> impl Iterator<Item = &'static Response> {
    let doc = &operation.doc;
    let has_body = doc.request.is_some();
    let forbidden = endpoint.permission == Permission::Staff
        || matches!(
            operation.token,
            TokenRule::Scope(_) | TokenRule::SessionOnly
        );
    [
        (has_body, &BAD_REQUEST),
        (operation.token.needs_token(), &UNAUTHENTICATED),
        (forbidden, &FORBIDDEN),
        (has_body, &TOO_LARGE),
        (has_body, &UNSUPPORTED),
        (doc.throttled, &THROTTLED),
        (doc.database, &UNAVAILABLE),
    ]
    .into_iter()
    .filter(|(applies, _)| *applies)
    .map(|(_, response)| response)
}

fn answer(response: &Response, components: &mut Components) -> utoipa::openapi::Response {
    let builder = ResponseBuilder::new().description(response.description);
    match response.body {
        Body::Empty => builder,
        Body::Json(schema) => builder.content(
            JSON,
            ContentBuilder::new()
                .schema(Some(schema(components)))
                .build(),
        ),
        Body::Text => builder.content(
            "text/plain",
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ),
    }
    .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json() -> serde_json::Value {
        serde_json::to_value(document(Features::ALL)).unwrap()
    }

    #[test]
    fn every_request_body_lists_one_media_type_and_names_the_other() {
        let doc = json();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let Some(body) = operation.get("requestBody") else {
                    continue;
                };
                let types: Vec<&String> = body["content"].as_object().unwrap().keys().collect();
                let expected = if path.starts_with("/api/oauth/") {
                    FORM_BODY
                } else {
                    JSON_BODY
                };
                assert_eq!(types, [expected], "{method} {path}");
                assert!(
                    body["description"]
                        .as_str()
                        .unwrap()
                        .starts_with("Also accepted as"),
                    "{method} {path}"
                );
            }
        }
    }

    #[test]
    fn the_document_is_openapi_3_with_the_token_scheme() {
        let doc = json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        assert!(doc["components"]["securitySchemes"]["token"].is_object());
    }

    #[test]
    fn every_endpoint_and_method_served_is_documented_and_no_other() {
        let doc = json();
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.push((path.clone(), method.to_uppercase()));
            }
        }
        let mut served: Vec<(String, String)> = crate::endpoints::ENDPOINTS
            .iter()
            .flat_map(|e| {
                e.operations
                    .iter()
                    .map(|op| (e.path.to_owned(), op.method.to_string()))
            })
            .collect();
        documented.sort();
        served.sort();
        assert_eq!(documented, served);
    }

    #[test]
    fn every_reference_resolves_to_a_component() {
        let doc = json();
        let text = doc.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{name} is referred to but not defined"
            );
        }
    }

    #[test]
    fn request_bodies_carry_the_domain_limits() {
        let doc = json();
        let signup = &doc["components"]["schemas"]["SignupRequest"]["properties"];
        assert_eq!(
            signup["email"]["oneOf"][0]["maxLength"],
            tokenauth_domain::Email::MAX_CHARS
        );
        assert_eq!(
            signup["password"]["oneOf"][0]["minLength"],
            tokenauth_domain::PasswordPolicy::MIN_CHARS
        );
    }

    #[test]
    fn protected_operations_need_the_token_and_may_answer_401() {
        let doc = json();
        let me = &doc["paths"]["/api/me"]["get"];
        assert_eq!(
            me["security"],
            serde_json::json!([{"token": ["account:read"]}])
        );
        assert_eq!(
            doc["paths"]["/api/users/{id}"]["delete"]["security"],
            serde_json::json!([{"token": ["users:write"]}])
        );
        assert_eq!(
            doc["paths"]["/api/logout"]["post"]["security"],
            serde_json::json!([{"token": []}])
        );
        assert!(me["responses"]["401"].is_object());
        assert!(doc["paths"]["/api/signup"]["post"]["security"].is_null());
    }

    #[test]
    fn making_a_personal_token_is_documented_with_its_scopes_and_limits() {
        let doc = json();
        let create = &doc["paths"]["/api/me/tokens"]["post"];
        assert!(create["responses"]["201"].is_object());
        assert!(
            create["responses"]["403"].is_object(),
            "session tokens only"
        );
        let request = &doc["components"]["schemas"]["PersonalTokenRequest"]["properties"];
        assert_eq!(
            request["scopes"]["items"]["enum"],
            serde_json::json!([
                "account:read",
                "account:write",
                "users:read",
                "users:write",
                "tokens:introspect"
            ])
        );
        assert_eq!(
            request["name"]["oneOf"][0]["maxLength"],
            tokenauth_domain::TokenName::MAX_CHARS
        );
        assert_eq!(
            request["expires_in_days"]["oneOf"][0]["maximum"],
            tokenauth_domain::TokenDays::MAX
        );
    }
}
