//! One person's browser session and what they do in it: go to a page, click, fill, wait for
//! something to show, take a screenshot, and the console's errors since the last look.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

use thirtyfour::{extensions::query::ElementQuery, prelude::*, stringmatch::StringMatch};
use tokio::runtime::Runtime;

use super::{shots::Shots, PATIENCE, POLL};

/// One person's browser session; quit on drop.
pub struct Page {
    driver: Option<WebDriver>,
    runtime: Arc<Runtime>,
    shots: Arc<Shots>,
    _profile: tempfile::TempDir,
}

impl Page {
    /// The page of a session just opened; `profile` is its own and goes with it.
    pub(super) fn new(
        driver: WebDriver,
        runtime: Arc<Runtime>,
        shots: Arc<Shots>,
        profile: tempfile::TempDir,
    ) -> Self {
        Page {
            driver: Some(driver),
            runtime,
            shots,
            _profile: profile,
        }
    }

    /// Runs `act` against the session: for what the steps below do not cover.
    pub fn with<T>(&self, act: impl AsyncFnOnce(&WebDriver) -> WebDriverResult<T>) -> T {
        let driver = self.driver();
        self.runtime
            .block_on(act(driver))
            .unwrap_or_else(|e| panic!("{}: {e}", self.here()))
    }

    /// Opens `url`, as typing it in the address bar; returns once it has loaded.
    pub fn goto(&self, url: &str) {
        self.with(async |d| d.goto(url).await)
    }

    /// Waits until an element matching `css` is on the page.
    pub fn wait_for(&self, css: &str) {
        self.element(css, None);
    }

    /// Waits until an element matching `css` shows `text` (within its text); returns all its text.
    pub fn wait_text(&self, css: &str, text: &str) -> String {
        let element = self.element(css, Some(text));
        self.with(async |_| element.text().await)
    }

    /// The text of the first element matching `css`, once there is one.
    pub fn text(&self, css: &str) -> String {
        let element = self.element(css, None);
        self.with(async |_| element.text().await)
    }

    /// Clicks the first element matching `css`, once it is there and clickable.
    pub fn click(&self, css: &str) {
        let element = self.wait(css, |q| q.and_clickable());
        self.with(async |_| element.click().await)
    }

    /// Types `text` into the first field matching `css`, replacing what it held.
    pub fn fill(&self, css: &str, text: &str) {
        let element = self.wait(css, |q| q.and_enabled());
        self.with(async |_| {
            element.clear().await?;
            element.send_keys(text).await
        })
    }

    /// Chooses `file` in the file input matching `css`, as picking it in the browser's file
    /// chooser does (chromedriver takes a path typed into an `<input type=file>` as the choice).
    pub fn attach(&self, css: &str, file: &Path) {
        let element = self.element(css, None);
        let path = file.to_str().expect("a test's files have UTF-8 paths");
        self.with(async |_| element.send_keys(path).await)
    }

    /// Runs `script` (a function body: `return …;`) in the page and returns what it returns.
    pub fn eval<T: serde::de::DeserializeOwned>(&self, script: &str) -> T {
        self.with(async |d| d.execute(script, Vec::new()).await?.convert())
    }

    /// Waits until `script` (a function body returning a boolean) returns true; `what` names what
    /// is awaited, for the message when it never does.
    pub fn wait_until(&self, what: &str, script: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.eval::<bool>(script) {
            assert!(
                Instant::now() < deadline,
                "{}: not {what} within {PATIENCE:?}",
                self.here()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Saves a screenshot of what the person sees as the test's next numbered step, and returns
    /// its path: `<target dir>/browser-shots/<test>/<NN>-<name>.png`.
    pub fn shot(&self, name: &str) -> PathBuf {
        let png = self.with(async |d| d.screenshot_as_png().await);
        self.shots.save(name, &png)
    }

    /// The console's errors since the last look (each look takes them): `console.error` calls,
    /// uncaught exceptions and resources that failed to load, each as chromium words it. The
    /// `/favicon.ico` that chromium asks every site for by itself is not the page's error.
    pub fn console_errors(&self) -> Vec<String> {
        self.with(async |d| d.get_log("browser").await)
            .into_iter()
            .filter(|entry| entry.level == "SEVERE")
            .map(|entry| entry.message)
            .filter(|message| !is_missing_favicon(message))
            .collect()
    }

    /// Fails the test with the console's errors since the last look, if there are any.
    pub fn assert_no_console_errors(&self) {
        let errors = self.console_errors();
        assert!(
            errors.is_empty(),
            "{}: console errors:\n{}",
            self.here(),
            errors.join("\n")
        );
    }

    /// The end of a user's step: a screenshot, then no console errors.
    pub fn step(&self, name: &str) {
        self.shot(name);
        self.assert_no_console_errors();
    }

    fn element(&self, css: &str, text: Option<&str>) -> WebElement {
        self.wait(css, |q| match text {
            Some(text) => q.with_text(StringMatch::new(text).partial()),
            None => q,
        })
    }

    fn wait(&self, css: &str, filter: impl FnOnce(ElementQuery) -> ElementQuery) -> WebElement {
        let query = filter(self.driver().query(By::Css(css)).wait(PATIENCE, POLL));
        self.runtime
            .block_on(query.first())
            .unwrap_or_else(|e| panic!("{}: no `{css}` as wanted within {PATIENCE:?}: {e}", self.here()))
    }

    /// The page's address, for messages; its absence is no reason for another panic.
    fn here(&self) -> String {
        self.runtime
            .block_on(self.driver().current_url())
            .map_or_else(|_| "the page".into(), |url| url.to_string())
    }

    fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("the session is open until drop")
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            // Quit even when the test failed, or its chromium outlives it.
            let _ = self.runtime.block_on(driver.quit());
        }
    }
}

/// Chromium's words for its own request of a site's icon failing: `<origin>/favicon.ico - Failed
/// to load resource: …`.
fn is_missing_favicon(message: &str) -> bool {
    message
        .split_once(" - Failed to load resource")
        .is_some_and(|(url, _)| {
            url.strip_suffix("/favicon.ico")
                .is_some_and(|origin| !origin.trim_start_matches("http://").contains('/'))
        })
}
