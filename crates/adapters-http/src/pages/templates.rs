//! The browsable API's pages, as DRF's BrowsableAPIRenderer shows them:
//! compile-time templates (maud), every value escaped, no outside asset.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;
use tokenauth_domain::{PasskeyName, Scope};

/// One input of an endpoint's form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub required: bool,
    /// What the input holds before anything was submitted.
    pub initial: &'static str,
}

const fn field(
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    required: bool,
) -> Field {
    Field {
        name,
        label,
        kind,
        required,
        initial: "",
    }
}

impl Field {
    const fn initially(self, initial: &'static str) -> Self {
        Self { initial, ..self }
    }
}

/// The input kind that renders one checkbox per scope.
pub(crate) const SCOPES: &str = "scopes";

/// How a submitted form reaches the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Submit {
    /// The form's fields are the `POST` body.
    Post,
    /// The `token` field stands in for `Authorization`, and the page shows
    /// what `GET` answers.
    GetWithToken,
    /// The `token` field stands in for `Authorization`; the other fields are
    /// the `POST` body.
    PostWithToken,
}

/// The form of an endpoint a browser can use.
#[derive(Debug)]
pub(crate) struct Form {
    pub fields: &'static [Field],
    /// What the page says besides the endpoint's description.
    pub note: Option<&'static str>,
    /// How a submission reaches the API.
    pub submit: Submit,
}

/// Why a form asks for the token: a browser cannot set the header.
const TOKEN_NOTE: &str =
    "A browser cannot send an Authorization header from a form, so paste the token here.";

pub(crate) const SIGNUP: Form = Form {
    fields: &[
        field("email", "Email", "email", true),
        field("phonenumber", "Phone number", "tel", true),
        field("password", "Password", "password", true),
        field("first_name", "First name", "text", false),
        field("last_name", "Last name", "text", false),
    ],
    note: None,
    submit: Submit::Post,
};

pub(crate) const LOGIN: Form = Form {
    fields: &[
        field("email", "Email", "email", true),
        field("password", "Password", "password", true),
    ],
    note: None,
    submit: Submit::Post,
};

/// The second step of a login with TOTP on; the login page fills in the
/// `mfa_token` when its first step answers `Second factor required.`.
pub(crate) const LOGIN_MFA: Form = Form {
    fields: &[
        field("mfa_token", "Login key", "text", true),
        field(
            "code",
            "Code from your app, or a recovery code",
            "text",
            true,
        ),
    ],
    note: Some("Enter the code your authenticator app shows now, or one of your recovery codes."),
    submit: Submit::Post,
};

pub(crate) const TOTP_SETUP: Form = Form {
    fields: &[
        field("token", "Your login token", "password", true),
        field("password", "Your password", "password", true),
    ],
    note: Some(
        "Start two-factor authentication: the answer holds a QR code for your authenticator app. A browser cannot send an Authorization header from a form, so paste your login token here.",
    ),
    submit: Submit::PostWithToken,
};

pub(crate) const TOTP_CONFIRM: Form = Form {
    fields: &[
        field("token", "Your login token", "password", true),
        field("code", "Code from your app", "text", true),
    ],
    note: Some("Turn two-factor authentication on with the code your app shows now."),
    submit: Submit::PostWithToken,
};

pub(crate) const ME: Form = Form {
    fields: &[field("token", "Token", "password", true)],
    note: Some(TOKEN_NOTE),
    submit: Submit::GetWithToken,
};

pub(crate) const TOKENS: Form = Form {
    fields: &[
        field("token", "Your login token", "password", true),
        field("name", "Name of the new token", "text", true),
        field("scopes", "Scopes", SCOPES, true),
        field("expires_in_days", "Expires in days", "number", false).initially("30"),
    ],
    note: Some(
        "Make a personal token for a script: it can do only what its scopes allow, and its key is shown once. A browser cannot send an Authorization header from a form, so paste your login token here.",
    ),
    submit: Submit::PostWithToken,
};

/// The form of a mailed reset link: the key rides along, hidden.
pub(crate) const RESET_CONFIRM: Form = Form {
    fields: &[
        field("token", "Key", HIDDEN, true),
        field("new_password", "New password", "password", true),
    ],
    note: Some(
        "Choose a new password. Every session and personal token of the account ends when it is set.",
    ),
    submit: Submit::Post,
};

/// The form of a mailed verification link: the key, hidden, and a button.
pub(crate) const VERIFY_EMAIL: Form = Form {
    fields: &[field("token", "Key", HIDDEN, true)],
    note: Some("Press the button to confirm the address."),
    submit: Submit::Post,
};

/// The form of a mailed email change link: the key, hidden, and a button.
pub(crate) const CONFIRM_EMAIL: Form = Form {
    fields: &[field("token", "Key", HIDDEN, true)],
    note: Some("Press the button to move your account to this address."),
    submit: Submit::Post,
};

/// The input kind a form carries without showing it.
pub(crate) const HIDDEN: &str = "hidden";

/// An endpoint as its page shows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Heading<'a> {
    pub title: &'a str,
    pub path: &'a str,
    pub allow: &'a str,
    pub description: &'a str,
    pub form: &'a Form,
}

/// What a submitted form produced.
#[derive(Debug)]
pub(crate) struct Outcome<'a> {
    pub status: u16,
    pub reason: &'a str,
    pub body: &'a Value,
}

/// Everything the endpoint page shows.
#[derive(Debug)]
pub(crate) struct EndpointPage<'a> {
    pub endpoint: Heading<'a>,
    pub values: &'a [(String, String)],
    pub outcome: Option<Outcome<'a>>,
    /// Absolute URL of the service, for the curl line.
    pub origin: &'a str,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}\
header{border-bottom:1px solid #ccc;margin-bottom:1rem}header a{text-decoration:none;color:#2b5797}\
label{display:block;margin-top:.8rem;font-weight:600}input{width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}\
button{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem}pre{background:#f5f5f5;padding:1rem;overflow:auto}\
.errors{color:#b00020;margin:.2rem 0 0;padding-left:1.2rem}.allow{color:#555}.status{font-weight:700}\
code.curl{display:block;background:#f5f5f5;padding:.6rem;word-break:break-all}\
fieldset{border:none;padding:0;margin:0}label.choice{font-weight:400;margin-top:.3rem}label.choice input{width:auto}";

fn layout(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – tokenauth" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header { p { a href="/" { "tokenauth" } " › " (title) } }
                main { (content) }
            }
        }
    }
}

/// One endpoint on the root page.
#[derive(Debug)]
pub(crate) struct RootEntry<'a> {
    pub path: &'a str,
    pub allow: &'a str,
    /// Whether a browser can open it (a GET or a form, no path parameter).
    pub browsable: bool,
}

/// `GET /` in a browser: every endpoint, with links.
pub(crate) fn root(endpoints: &[RootEntry<'_>]) -> String {
    layout(
        "API Root",
        html! {
            h1 { "API Root" }
            p { "Token authentication over HTTP. Browse the endpoints with forms, or read the "
                a href="/api/schema" { "OpenAPI document" } "." }
            ul {
                @for entry in endpoints {
                    li {
                        @if entry.browsable {
                            a href=(entry.path) { code { (entry.path) } }
                        } @else {
                            code { (entry.path) }
                        }
                        " " span.allow { (entry.allow) }
                    }
                }
            }
        },
    )
    .into_string()
}

/// An endpoint's page: its form, and the outcome of the last submission.
pub(crate) fn endpoint(page: &EndpointPage<'_>) -> String {
    let endpoint = page.endpoint;
    // Only a refusal carries messages; a success's fields are not errors.
    let errors = page
        .outcome
        .as_ref()
        .filter(|o| o.status >= 400)
        .map(|o| o.body);
    let value_of = |f: &Field| {
        if page.values.is_empty() {
            return f.initial;
        }
        page.values
            .iter()
            .rev()
            .find(|(k, _)| k == f.name)
            .map_or("", |(_, v)| v.as_str())
    };
    let checked =
        |f: &Field, choice: &str| page.values.iter().any(|(k, v)| k == f.name && v == choice);
    layout(endpoint.title, html! {
        h1 { (endpoint.title) }
        p.allow { "Allow: " (endpoint.allow) }
        p { (endpoint.description) }
        @if let Some(note) = endpoint.form.note {
            p { (note) }
        }
        @if let Some(outcome) = &page.outcome {
            section #result {
                h2 { "Response" }
                p.status #status { "HTTP " (outcome.status) " " (outcome.reason) }
                pre #body { (serde_json::to_string_pretty(outcome.body).unwrap_or_default()) }
                // A login's token, or a personal token just made.
                @if let Some(key) = outcome.body.pointer("/token/key").or_else(|| outcome.body.pointer("/key")).and_then(Value::as_str) {
                    p { "Your token: " code #token { (key) } }
                    p { "Use it:" }
                    code.curl #curl { "curl -H \"Authorization: Token " (key) "\" " (page.origin) "/api/me" }
                }
                @for message in messages(errors, "non_field_errors").into_iter().chain(messages(errors, "detail")).chain(messages(errors, "error")) {
                    p.errors { (message) }
                }
                // TOTP setup: the phone scans the URL.
                @if let Some(url) = outcome.body.get("otpauth_url").and_then(Value::as_str) {
                    figure #qr { (PreEscaped(qr_svg(url))) }
                    p { "Scan this with your authenticator app, then confirm with the code it shows at "
                        a href="/api/me/mfa/totp/confirm" { "/api/me/mfa/totp/confirm" } "." }
                }
                @if outcome.body.get("recovery_codes").is_some() {
                    p { "Keep these recovery codes somewhere safe: each logs you in once without your phone, and they are shown only now." }
                }
                // A login's first step with TOTP on: its second step, here.
                @if let Some(mfa_token) = outcome.body.get("mfa_token").and_then(Value::as_str) {
                    h2 { "Second step" }
                    p { "Enter the code your authenticator app shows now, or one of your recovery codes." }
                    form #second-step method="post" action="/api/login/mfa" {
                        input type="hidden" name="mfa_token" value=(mfa_token);
                        label for="code" { "Code" }
                        input type="text" id="code" name="code" autocomplete="one-time-code" required;
                        button type="submit" { "POST" }
                    }
                }
            }
        }
        form method="post" action=(endpoint.path) {
            @for f in endpoint.form.fields {
                @if f.kind != HIDDEN {
                    label for=(f.name) { (f.label) @if !f.required { " (optional)" } }
                }
                @if f.kind == HIDDEN {
                    input type="hidden" id=(f.name) name=(f.name) value=(value_of(f));
                } @else if f.kind == "password" {
                    input type=(f.kind) id=(f.name) name=(f.name) required[f.required] autocomplete="off";
                } @else if f.kind == SCOPES {
                    fieldset id=(f.name) {
                        @for scope in Scope::ALL {
                            label.choice {
                                input type="checkbox" name=(f.name) value=(scope.as_str()) checked[checked(f, scope.as_str())];
                                " " code { (scope.as_str()) }
                            }
                        }
                    }
                } @else {
                    input type=(f.kind) id=(f.name) name=(f.name) value=(value_of(f)) required[f.required];
                }
                @let field_errors = messages(errors, f.name);
                @if !field_errors.is_empty() {
                    ul.errors id={ (f.name) "-errors" } {
                        @for message in field_errors { li { (message) } }
                    }
                }
            }
            button type="submit" { "POST" }
        }
    })
    .into_string()
}

/// The passkeys page: add a passkey with a login token and the password,
/// or log in with one. Its script (`/passkeys.js`) calls the API.
pub(crate) fn passkeys() -> String {
    layout(
        "Passkeys",
        html! {
            h1 { "Passkeys" }
            p { "A passkey logs you in with your device's screen lock or security key: no password, no code." }
            h2 { "Add a passkey" }
            p { "Paste a login token and confirm with your password." }
            label for="token" { "Your login token" }
            input #token type="password" autocomplete="off";
            label for="password" { "Your password" }
            input #password type="password" autocomplete="current-password";
            label for="name" { "Name of the passkey" }
            input #name type="text" maxlength=(PasskeyName::MAX_CHARS);
            button #register type="button" { "Add a passkey" }
            h2 { "Log in" }
            button #login type="button" { "Log in with a passkey" }
            section #result {
                h2 { "Response" }
                p.status #status {}
                pre #body {}
                p { "Your token: " code #token-out {} }
            }
            script src="/passkeys.js" {}
        },
    )
    .into_string()
}

/// The passkeys page's script.
pub(crate) const PASSKEYS_SCRIPT: &str = include_str!("passkeys.js");

/// `url` as a QR code, an SVG that scales with the page (no script, no
/// image request: the page's policy allows neither).
fn qr_svg(url: &str) -> String {
    use qrcode::render::svg;
    qrcode::QrCode::new(url.as_bytes())
        .map(|code| {
            code.render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default()
}

/// A page for any other response a browser asked for: status and body.
pub(crate) fn plain(title: &str, outcome: &Outcome<'_>) -> String {
    layout(
        title,
        html! {
            h1 { (title) }
            p.status #status { "HTTP " (outcome.status) " " (outcome.reason) }
            pre #body { (serde_json::to_string_pretty(outcome.body).unwrap_or_default()) }
        },
    )
    .into_string()
}

/// The messages under `key` of an error body: a list of strings or one string.
fn messages(body: Option<&Value>, key: &str) -> Vec<String> {
    match body.and_then(|b| b.get(key)) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(text)) => vec![text.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNUP_HEADING: Heading<'static> = Heading {
        title: "Signup",
        path: "/api/signup",
        allow: "POST, OPTIONS",
        description: "Create an account.",
        form: &SIGNUP,
    };

    #[test]
    fn a_success_shows_no_field_errors() {
        let body = serde_json::json!({"email": "ada@example.com", "first_name": "Ada"});
        let html = endpoint(&EndpointPage {
            endpoint: SIGNUP_HEADING,
            values: &[],
            outcome: Some(Outcome {
                status: 201,
                reason: "Created",
                body: &body,
            }),
            origin: "http://x",
        });
        assert!(!html.contains("-errors"), "{html}");
    }

    #[test]
    fn values_are_escaped() {
        let body = serde_json::json!({"first_name": "<script>alert(1)</script>"});
        let html = plain(
            "Me",
            &Outcome {
                status: 200,
                reason: "OK",
                body: &body,
            },
        );
        assert!(!html.contains("<script>alert(1)</script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn field_errors_stand_under_their_fields_and_passwords_are_never_refilled() {
        let body = serde_json::json!({"email": ["Enter a valid email address."]});
        let values = vec![
            ("email".to_owned(), "nope".to_owned()),
            ("password".to_owned(), "s3cret-pw".to_owned()),
        ];
        let html = endpoint(&EndpointPage {
            endpoint: SIGNUP_HEADING,
            values: &values,
            outcome: Some(Outcome {
                status: 400,
                reason: "Bad Request",
                body: &body,
            }),
            origin: "http://x",
        });
        assert!(
            html.contains(
                r#"<ul class="errors" id="email-errors"><li>Enter a valid email address.</li></ul>"#
            ),
            "{html}"
        );
        assert!(html.contains(r#"value="nope""#));
        assert!(!html.contains("s3cret-pw"));
    }
}
