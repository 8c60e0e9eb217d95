//! The town served over real HTTP for page and API tests: its cameras, the accounts people sign
//! in with, violations posted as the camera gateway, and a signed-in browser (a session cookie
//! and its CSRF token).

use std::{net::SocketAddr, sync::Arc};

use gridwatch_core::{config::Role, MemberId, PipelineEvent, SimulatedClock, ViolationEvent};
use gridwatch_dispatcher::{api, Dispatcher};
use reqwest::{header, redirect::Policy, StatusCode};

use super::{dispatcher_for, morning, place, tokens, violation, Backend, TOWN};

/// The password every test account gets.
pub const PASSWORD: &str = "a test password";

/// One camera in each grid: cam-1 in G01, cam-2 in G02.
pub const CAMERAS: &str = r#"
[[cameras]]
id = "cam-1"
name = "Market gate"
uri = "rtsp://10.0.0.5/sub"
location = { lon = 119.002, lat = 26.002 }

[[cameras]]
id = "cam-2"
uri = "rtsp://10.0.0.6/sub"
location = { lon = 119.012, lat = 26.002 }
"#;

/// The accounts page tests sign in with, each with [`PASSWORD`]: desk (command), reviewer
/// (auditor), and both grids' officers (members; a member's name is its roster id).
pub const ACCOUNTS: [(&str, Role); 4] = [
    ("desk", Role::Command),
    ("reviewer", Role::Auditor),
    ("g01-officer", Role::Member),
    ("g02-officer", Role::Member),
];

/// The town served with its pages: every role's token, its cameras and accounts, its evidence in
/// a folder of its own, and its clock.
pub struct Town {
    pub base: String,
    pub clock: Arc<SimulatedClock>,
    pub evidence: tempfile::TempDir,
}

/// The town with [`CAMERAS`] and [`ACCOUNTS`] on `backend`, served on a free port; its clock at
/// [`morning`].
pub async fn town_on(backend: &Backend) -> Town {
    town_with(backend, CAMERAS, &ACCOUNTS).await
}

/// The town with the `cameras` configuration and `accounts` (name, role; each with
/// [`PASSWORD`], a member's name its roster id) on `backend`, served on a free port; its clock at
/// [`morning`].
pub async fn town_with(backend: &Backend, cameras: &str, accounts: &[(&str, Role)]) -> Town {
    let evidence = tempfile::tempdir().unwrap();
    let text = TOWN.replace(
        "evidence_dir = \"evidence\"",
        &format!("evidence_dir = \"{}\"", evidence.path().display()),
    );
    let (d, clock) = dispatcher_for(backend, &format!("{text}\n{}{cameras}", tokens()), morning()).await;
    for &(name, role) in accounts {
        let member = (role == Role::Member).then(|| MemberId::new(name).unwrap());
        d.set_account(name, role, member, PASSWORD).await.unwrap();
    }
    Town {
        base: serve_pages(d).await,
        clock,
        evidence,
    }
}

/// Posts `v` to the dispatcher at `base` as the camera gateway; the id of the case it opened.
pub async fn report(base: &str, v: &ViolationEvent) -> String {
    let response = http()
        .post(format!("{base}/api/v1/events"))
        .bearer_auth("ingest")
        .json(&PipelineEvent::Violation(v.clone()))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    assert_eq!(status, StatusCode::CREATED, "{}: {body}", v.id);
    body["case"].as_str().unwrap().to_owned()
}

/// Posts a street-vending violation seen by `camera` at `x` degrees east of G01's corner (G02
/// from 0.01); returns the case id. Low confidence: it waits for review.
pub async fn case_in(base: &str, camera: &str, x: f64, track: u64) -> String {
    let v = violation("street_vending", camera, None, track, place(x, 0.002), 0.5);
    report(base, &v).await
}

/// Serves `dispatcher` (with client addresses, as the real server does) on a free port.
pub async fn serve_pages(dispatcher: Dispatcher) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = api::router(Arc::new(dispatcher)).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

/// An HTTP client that follows no redirects, so tests see where they point.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` of a response's `Set-Cookie` for `name`, and the whole header line.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|line| (line.split(';').next().unwrap().to_owned(), line.to_owned()))
}

pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    /// The `Cookie` header this browser sends.
    pub cookies: String,
    pub csrf: String,
}

impl Browser {
    /// Signs `name` in through `POST /api/v1/session`.
    pub async fn sign_in(base: &str, name: &str) -> Browser {
        let http = http();
        let response = http
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({ "name": name, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "signing in {name}");
        let (cookie, _) = set_cookie(&response, "gw_session").expect("a session cookie");
        let body: serde_json::Value = response.json().await.unwrap();
        Browser {
            base: base.to_owned(),
            http,
            cookies: cookie,
            csrf: body["csrf"].as_str().unwrap().to_owned(),
        }
    }

    /// The browser now asks for pages in `lang` (`zh` or `en`).
    pub fn speaking(mut self, lang: &str) -> Browser {
        self.cookies = format!("{}; gw_lang={lang}", self.cookies);
        self
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookies)
            .send()
            .await
            .unwrap()
    }

    /// A page's status and text.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        (response.status(), response.text().await.unwrap())
    }

    /// A POST to `path` with this browser's cookies and nothing more: no CSRF token, no body.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookies)
    }

    /// Submits a form with `fields`; the CSRF token is added unless `fields` has one.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if !form.iter().any(|(k, _)| *k == "csrf") {
            form.push(("csrf", &self.csrf));
        }
        self.post(path).form(&form).send().await.unwrap()
    }
}
