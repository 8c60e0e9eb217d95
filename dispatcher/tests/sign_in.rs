//! People sign in with a name and password: the session cookie and its limits, CSRF on every
//! change a browser makes, the same role and grid scoping as tokens, and the accounts' rules. On
//! SQLite and PostgreSQL, over real HTTP.

mod common;

use common::{web::*, *};
use gridwatch_core::{config::Role, MemberId};
use reqwest::{header, StatusCode};

#[tokio::test]
async fn the_sign_in_form_opens_a_strict_http_only_session_and_goes_back_where_it_was_asked() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = &town.base;
        let http = http();

        // A page asked for without a session sends the visitor to sign in, remembering the page.
        let page = http
            .get(format!("{base}/centre?state=reported"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::SEE_OTHER, "{db}");
        assert_eq!(
            page.headers()[header::LOCATION],
            "/login?next=%2Fcentre%3Fstate%3Dreported",
            "{db}"
        );

        let form = http
            .get(format!("{base}/login?next=/centre"))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::OK, "{db}");
        let (token_cookie, line) = set_cookie(&form, "gw_login").expect("the form's token cookie");
        assert!(
            line.contains("HttpOnly") && line.contains("SameSite=Strict"),
            "{db}: {line}"
        );
        for (name, value) in [
            ("content-security-policy", "default-src 'self'"),
            ("x-frame-options", "DENY"),
            ("x-content-type-options", "nosniff"),
        ] {
            let got = form.headers()[name].to_str().unwrap().to_owned();
            assert!(got.contains(value), "{db}: {name}: {got}");
        }
        let html = form.text().await.unwrap();
        assert!(
            html.contains("<meta charset=\"utf-8\">") && html.contains("登录"),
            "{db}: {html}"
        );
        let token = token_cookie.split_once('=').unwrap().1;

        let signed_in = http
            .post(format!("{base}/login"))
            .header(header::COOKIE, &token_cookie)
            .form(&[
                ("name", "desk"),
                ("password", PASSWORD),
                ("next", "/centre"),
                ("token", token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "{db}");
        assert_eq!(signed_in.headers()[header::LOCATION], "/centre", "{db}");
        let (session, line) = set_cookie(&signed_in, "gw_session").expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
            assert!(line.contains(attribute), "{db}: {attribute} missing from {line}");
        }

        // The session reads the API as its account's role does.
        let cases = http
            .get(format!("{base}/api/v1/cases"))
            .header(header::COOKIE, &session)
            .send()
            .await
            .unwrap();
        assert_eq!(cases.status(), StatusCode::OK, "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_wrong_password_an_unknown_name_and_a_forged_form_are_refused_alike() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = &town.base;
        let http = http();
        let form = http.get(format!("{base}/login")).send().await.unwrap();
        let (token_cookie, _) = set_cookie(&form, "gw_login").unwrap();
        let token = token_cookie.split_once('=').unwrap().1.to_owned();

        for (name, password) in [("desk", "not the password"), ("nobody", PASSWORD)] {
            let refused = http
                .post(format!("{base}/login"))
                .header(header::COOKIE, &token_cookie)
                .form(&[("name", name), ("password", password), ("token", &token)])
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{db}: {name}");
            assert!(set_cookie(&refused, "gw_session").is_none(), "{db}: {name}");
            let html = refused.text().await.unwrap();
            assert!(html.contains("账号或密码不正确"), "{db}: {name}: {html}");
        }

        // A form posted from elsewhere carries no token cookie (SameSite=Strict): refused even
        // with the right password.
        let forged = http
            .post(format!("{base}/login"))
            .form(&[("name", "desk"), ("password", PASSWORD), ("token", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{db}");
        assert!(set_cookie(&forged, "gw_session").is_none(), "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn quick_repeated_sign_ins_to_one_account_wait_their_turn() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = &town.base;
        let attempt = |password: &'static str| {
            let base = base.clone();
            async move {
                http()
                    .post(format!("{base}/api/v1/session"))
                    .json(&serde_json::json!({ "name": "g01-officer", "password": password }))
                    .send()
                    .await
                    .unwrap()
            }
        };
        for _ in 0..5 {
            assert_eq!(attempt("guess").await.status(), StatusCode::UNAUTHORIZED, "{db}");
        }
        // The limit holds even for the right password, and says when to come back.
        let held = attempt(PASSWORD).await;
        assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS, "{db}");
        let wait: u64 = held.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{db}: {wait}");
        // Another account is not held back.
        Browser::sign_in(base, "g02-officer").await;
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_browser_change_without_its_csrf_token_is_refused() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = &town.base;
        let case = case_in(base, "cam-1", 0.002, 1).await;
        let desk = Browser::sign_in(base, "desk").await;
        let act = |csrf: Option<String>| {
            let mut request = desk
                .post(&format!("/api/v1/cases/{case}/actions"))
                .json(&serde_json::json!({ "action": "file" }));
            if let Some(csrf) = csrf {
                request = request.header("X-CSRF-Token", csrf);
            }
            request.send()
        };
        for wrong in [None, Some("0".repeat(64)), Some(String::new())] {
            let refused = act(wrong.clone()).await.unwrap();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{db}: {wrong:?}");
        }
        let (_, before) = desk.page(&format!("/api/v1/cases/{case}")).await;
        assert!(before.contains("\"state\":\"reported\""), "{db}: {before}");
        let done = act(Some(desk.csrf.clone())).await.unwrap();
        assert_eq!(
            done.status(),
            StatusCode::OK,
            "{db}: {}",
            done.text().await.unwrap()
        );
        // The audit log names the account that acted.
        let (_, trail) = desk.page(&format!("/api/v1/cases/{case}/audit")).await;
        assert!(trail.contains("\"actor\":\"desk\""), "{db}: {trail}");

        // Signing out is a change too.
        let forged = desk.submit("/logout", &[("csrf", "forged")]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{db}");
        assert_eq!(desk.get("/api/v1/cases").await.status(), StatusCode::OK, "{db}");
        let out = desk.submit("/logout", &[]).await;
        assert_eq!(out.status(), StatusCode::SEE_OTHER, "{db}");
        assert_eq!(out.headers()[header::LOCATION], "/login?out=1", "{db}");
        assert_eq!(
            desk.get("/api/v1/cases").await.status(),
            StatusCode::UNAUTHORIZED,
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_signed_in_member_sees_only_their_grid_as_their_token_would() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = &town.base;
        let theirs = case_in(base, "cam-1", 0.002, 1).await;
        let other = case_in(base, "cam-2", 0.012, 2).await;
        let member = Browser::sign_in(base, "g01-officer").await;
        assert_eq!(
            member.get(&format!("/api/v1/cases/{theirs}")).await.status(),
            StatusCode::OK,
            "{db}"
        );
        assert_eq!(
            member.get(&format!("/api/v1/cases/{other}")).await.status(),
            StatusCode::NOT_FOUND,
            "{db}"
        );
        let (_, list) = member.page("/api/v1/cases").await;
        assert!(list.contains(&theirs) && !list.contains(&other), "{db}: {list}");
        // Home is the member's task list; the command centre's is the case list.
        let home = member.get("/").await;
        assert_eq!(home.headers()[header::LOCATION], "/tasks", "{db}");
        let desk = Browser::sign_in(base, "desk").await;
        assert_eq!(desk.get("/").await.headers()[header::LOCATION], "/centre", "{db}");
        // An auditor's session changes nothing, CSRF token or not.
        let auditor = Browser::sign_in(base, "reviewer").await;
        let refused = auditor
            .post(&format!("/api/v1/cases/{theirs}/actions"))
            .header("X-CSRF-Token", &auditor.csrf)
            .json(&serde_json::json!({ "action": "void", "reason": "x" }))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_new_password_ends_the_old_sessions() {
    for backend in backends().await {
        let db = backend.name();
        let (d, clock) = dispatcher(&backend, CAMERAS, morning()).await;
        let officer = MemberId::new("g01-officer").unwrap();
        d.set_account("g01-officer", Role::Member, Some(officer.clone()), PASSWORD)
            .await
            .unwrap();
        let opened = d
            .sign_in("g01-officer", PASSWORD)
            .await
            .unwrap()
            .expect("signed in");
        assert!(d.session(&opened.cookie).await.unwrap().is_some(), "{db}");
        d.set_account(
            "g01-officer",
            Role::Member,
            Some(officer),
            "another long password",
        )
        .await
        .unwrap();
        assert!(d.session(&opened.cookie).await.unwrap().is_none(), "{db}");
        assert!(
            d.sign_in("g01-officer", PASSWORD).await.unwrap().is_none(),
            "{db}"
        );

        // A session lasts twelve hours.
        let opened = d
            .sign_in("g01-officer", "another long password")
            .await
            .unwrap()
            .unwrap();
        later(&clock, 11 * 60 + 59);
        assert!(d.session(&opened.cookie).await.unwrap().is_some(), "{db}");
        later(&clock, 2);
        assert!(d.session(&opened.cookie).await.unwrap().is_none(), "{db}");
        assert!(d.remove_account("g01-officer").await.unwrap(), "{db}");
        assert!(d.accounts().await.unwrap().is_empty(), "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn an_account_must_fit_its_role_and_the_roster() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let id = |s: &str| Some(MemberId::new(s).unwrap());
        for (name, role, member, password, says) in [
            (
                "g01-officer",
                Role::Member,
                id("g01-officer"),
                "short",
                "at least 10",
            ),
            ("g01-officer", Role::Member, None, PASSWORD, "roster id"),
            ("ghost", Role::Member, id("ghost"), PASSWORD, "not in the roster"),
            (
                "desk",
                Role::Command,
                id("g01-officer"),
                PASSWORD,
                "only member accounts",
            ),
            ("feed", Role::Ingest, None, PASSWORD, "machines"),
            ("a b", Role::Command, None, PASSWORD, "letters, digits"),
            ("", Role::Command, None, PASSWORD, "letters, digits"),
        ] {
            let refused = d
                .set_account(name, role, member, password)
                .await
                .expect_err(name)
                .to_string();
            assert!(refused.contains(says), "{db}: {name}: {refused}");
        }
        assert!(d.accounts().await.unwrap().is_empty(), "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_language_switch_remembers_the_choice_and_only_returns_to_this_site() {
    let backend = common::Backend::Sqlite(tempfile::tempdir().unwrap());
    let town = town_on(&backend).await;
    let base = &town.base;
    let http = http();
    for (next, expected) in [
        ("/centre", "/centre"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let switched = http
            .get(format!("{base}/lang/en"))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(switched.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(switched.headers()[header::LOCATION], expected, "{next}");
        let (cookie, _) = set_cookie(&switched, "gw_lang").unwrap();
        assert_eq!(cookie, "gw_lang=en");
    }
    let english = http
        .get(format!("{base}/login"))
        .header(header::COOKIE, "gw_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("<html lang=\"en\">") && english.contains("Sign in"),
        "{english}"
    );
    assert_eq!(
        http.get(format!("{base}/lang/fr")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn assets_are_served_by_name_with_a_validator_and_nothing_else_is() {
    let backend = common::Backend::Sqlite(tempfile::tempdir().unwrap());
    let town = town_on(&backend).await;
    let base = &town.base;
    let http = http();
    let css = http.get(format!("{base}/static/app.css")).send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let etag = css.headers()[header::ETAG].clone();
    let again = http
        .get(format!("{base}/static/app.css"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    for path in [
        "/static/../Cargo.toml",
        "/static/%2e%2e%2fCargo.toml",
        "/static/nothing.js",
    ] {
        let status = http.get(format!("{base}{path}")).send().await.unwrap().status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}
