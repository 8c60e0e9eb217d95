//! Headless chromium against the real dispatcher, and the browser harness checked on pages of its
//! own: Chinese text renders, a screenshot is saved per step, and the console's errors are caught.

mod browser;
mod common;

use browser::{Browser, Dispatcher};

#[test]
fn the_dispatcher_answers_a_browser_with_its_health_and_api_description() {
    let dispatcher = Dispatcher::start();
    let browser = Browser::start();
    let page = browser.desktop();

    page.goto(&format!("{}/healthz", dispatcher.url));
    assert_eq!(page.text("body").trim(), "ok");
    page.step("healthz");

    page.goto(&format!("{}/api/v1/openapi.json", dispatcher.url));
    // Chromium shows JSON as text in a <pre>, whatever viewer it wraps around it.
    let spec: serde_json::Value = serde_json::from_str(&page.text("pre")).unwrap();
    assert!(spec["openapi"].is_string(), "{spec}");
    assert!(spec["paths"]["/api/v1/events"].is_object(), "{spec}");
    page.step("openapi");
}

/// A page of the harness's own, as a `data:` URL.
fn data_page(html: &str) -> String {
    let mut url = String::from("data:text/html;charset=utf-8,");
    for byte in html.bytes() {
        if byte.is_ascii_alphanumeric() {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[test]
fn the_harness_renders_chinese_and_catches_console_errors_and_uncaught_exceptions() {
    let browser = Browser::start();
    let page = browser.desktop();

    page.goto(&data_page(
        "<html lang=zh-CN><body><h1>查看 任务</h1><p id=done>已派发</p></body></html>",
    ));
    assert_eq!(page.wait_text("h1", "任务"), "查看 任务");
    let shot = page.shot("chinese");
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{} is not a PNG", shot.display());
    assert!(
        shot.ends_with(
            "browser-shots/the_harness_renders_chinese_and_catches_console_errors_and_uncaught_exceptions/01-chinese.png"
        ),
        "{}",
        shot.display()
    );
    page.assert_no_console_errors();

    page.goto(&data_page(
        "<body><p>查看</p><script>console.error('boom');</script></body>",
    ));
    page.wait_for("p");
    let errors = page.console_errors();
    assert!(
        errors.iter().any(|e| e.contains("boom")),
        "console.error('boom') was not caught: {errors:?}"
    );
    // Each look takes what it saw: the next step starts clean.
    page.assert_no_console_errors();

    page.goto(&data_page(
        "<body><p>任务</p><script>null.dispatch();</script></body>",
    ));
    page.wait_for("p");
    let errors = page.console_errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Uncaught") && e.contains("TypeError")),
        "the uncaught exception was not caught: {errors:?}"
    );

    // An error thrown later, after the page has shown, is caught as well.
    page.goto(&data_page(
        "<body><p>任务</p><script>setTimeout(() => { document.body.id = 'late'; \
         throw new Error('late boom'); }, 0);</script></body>",
    ));
    page.wait_for("body#late");
    let errors = page.console_errors();
    assert!(
        errors.iter().any(|e| e.contains("late boom")),
        "the later exception was not caught: {errors:?}"
    );
}

#[test]
fn two_pages_are_two_people_with_cookies_of_their_own() {
    let dispatcher = Dispatcher::start();
    let browser = Browser::start();
    let desk = browser.desktop();
    let phone = browser.phone();
    let healthz = format!("{}/healthz", dispatcher.url);

    desk.goto(&healthz);
    desk.with(async |d| {
        d.add_cookie(thirtyfour::Cookie::new("who", "command-centre"))
            .await
    });
    phone.goto(&healthz);
    let cookies = phone.with(async |d| d.get_all_cookies().await);
    assert!(
        cookies.is_empty(),
        "the phone sees the desk's cookies: {cookies:?}"
    );

    // The screen, not the window: a phone lays out a page without a viewport tag 980 pixels wide.
    let width: i64 = phone.with(async |d| d.execute("return screen.width", vec![]).await?.convert());
    assert_eq!(width, 390);
    let agent: String =
        phone.with(async |d| d.execute("return navigator.userAgent", vec![]).await?.convert());
    assert!(agent.contains("Mobile"), "{agent}");
    let width: i64 = desk.with(async |d| d.execute("return window.innerWidth", vec![]).await?.convert());
    assert_eq!(width, 1440);
    phone.step("phone");
    desk.step("desk");
}
