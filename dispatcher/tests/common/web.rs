//! A signed-in browser for page tests: a session cookie and its CSRF token, over real HTTP.

use std::{net::SocketAddr, sync::Arc};

use gridwatch_dispatcher::{api, Dispatcher};
use reqwest::{header, redirect::Policy, StatusCode};

/// The password every test account gets.
pub const PASSWORD: &str = "a test password";

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

    /// Submits a form with `fields`; the CSRF token is added unless `fields` has one.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if !form.iter().any(|(k, _)| *k == "csrf") {
            form.push(("csrf", &self.csrf));
        }
        self.http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookies)
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}
