//! The test OpenID provider (`tests/oidc-provider`: the real `oidc-provider`
//! package on loopback) as a child process, and a browser-like client that
//! signs in through it by following redirects.

use std::{path::PathBuf, process::Stdio, sync::OnceLock, time::Duration};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, ChildStdin, Command},
};

/// The client Charter is registered as.
pub const CLIENT_ID: &str = "charter";
pub const CLIENT_SECRET: &str = "charter-test-secret";
/// The `aud` of the provider's access tokens (`OIDC_API_AUDIENCE`).
pub const AUDIENCE: &str = "charter-api";

fn harness_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider")
}

/// `npm ci` once per test process if the harness's packages are missing
/// (`scripts/test` installs them before the tests run).
fn ensure_installed() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let dir = harness_dir();
        if !dir.join("node_modules/oidc-provider").exists() {
            let status = std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .status()
                .expect("npm runs");
            assert!(status.success(), "npm ci in tests/oidc-provider failed");
        }
    });
}

/// A running provider; it exits when this is dropped (its stdin closes).
pub struct OidcProvider {
    pub issuer: String,
    http: reqwest::Client,
    _stdin: ChildStdin,
    _child: Child,
}

impl OidcProvider {
    pub async fn start() -> Self {
        charter_api::oidc::install_tls_provider();
        ensure_installed();
        let mut child = Command::new("node")
            .arg(harness_dir().join("provider.mjs"))
            .env("OIDC_API_AUDIENCE", AUDIENCE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts the test OpenID provider");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(30), BufReader::new(stdout).read_line(&mut line))
            .await
            .expect("the provider starts within 30 s")
            .expect("its ready line");
        let ready: Value = serde_json::from_str(&line).expect("a JSON ready line");
        let issuer = ready["issuer"].as_str().expect("issuer").to_owned();
        Self { issuer, http: reqwest::Client::new(), _stdin: stdin, _child: child }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.issuer));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the provider answers");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// Registers Charter's client for the server at `base`.
    pub async fn register_charter(&self, base: &str) {
        self.register_client(json!({
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "redirect_uris": [format!("{base}/auth/callback")],
            "post_logout_redirect_uris": [format!("{base}/")],
        }))
        .await;
    }

    pub async fn register_client(&self, client: Value) {
        self.call(reqwest::Method::POST, "/test/clients", Some(client)).await;
    }

    /// Sets what the provider says of an account (its groups claim).
    pub async fn set_groups(&self, email: &str, groups: &[&str]) {
        self.call(reqwest::Method::PUT, &format!("/test/users/{email}"), Some(json!({ "groups": groups }))).await;
    }

    /// Starts signing with a new key; `retire_previous` unpublishes the old ones.
    pub async fn rotate(&self, retire_previous: bool) -> String {
        let body =
            self.call(reqwest::Method::POST, "/test/rotate", Some(json!({ "retire_previous": retire_previous }))).await;
        body["kid"].as_str().expect("kid").to_owned()
    }

    /// The current signing key, as a private JWK.
    pub async fn signing_key(&self) -> Value {
        self.call(reqwest::Method::GET, "/test/signing-key", None).await
    }

    /// A token signed by the provider's key (`kid`: a named, possibly retired
    /// one), with `claims` over the defaults (iss, aud, iat, exp now + 300).
    pub async fn mint(&self, claims: Value, kid: Option<&str>) -> String {
        let mut body = json!({ "claims": claims });
        if let Some(kid) = kid {
            body["kid"] = json!(kid);
        }
        let minted = self.call(reqwest::Method::POST, "/test/mint", Some(body)).await;
        minted["token"].as_str().expect("token").to_owned()
    }
}

/// A browser: keeps cookies, follows redirects itself (so each hop can be
/// seen), runs no JavaScript.
pub struct Browser {
    pub http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        charter_api::oidc::install_tls_provider();
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        Self { http }
    }

    /// Follows redirects from `url` up to (not into) the first location
    /// starting with `target`; returns that location.
    pub async fn redirected_to(&self, url: &str, target: &str) -> reqwest::Url {
        let mut url = url.to_owned();
        for _ in 0..20 {
            let response = self.http.get(&url).send().await.expect("GET");
            let location = response.headers()[reqwest::header::LOCATION].to_str().expect("a redirect").to_owned();
            let next = reqwest::Url::parse(&url).expect("url").join(&location).expect("a location");
            if next.as_str().starts_with(target) {
                return next;
            }
            url = next.to_string();
        }
        panic!("no redirect to {target} within 20 hops of {url}");
    }

    /// GETs `url` and follows redirects until a page answers (at most 20
    /// hops); returns the final status, URL and body.
    pub async fn follow(&self, url: &str) -> (u16, String, String) {
        let mut url = url.to_owned();
        for _ in 0..20 {
            let response = self.http.get(&url).send().await.expect("GET");
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()[reqwest::header::LOCATION].to_str().expect("Location").to_owned();
                url = reqwest::Url::parse(&url).expect("url").join(&location).expect("a location").to_string();
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            return (status.as_u16(), url, body);
        }
        panic!("more than 20 redirects from {url}");
    }
}
