//! What the browser tests share: Debian's chromedriver started on loopback, headless chromium
//! sessions (a desktop or a phone, each a separate person with a fresh profile), the user's steps
//! (go to, click, fill, wait for), a numbered screenshot per step and the console's errors.
//!
//! A test declares `mod common; mod browser;` (the dispatcher is started through `common`), opens
//! one [`Browser`] and as many pages as it has people:
//!
//! ```ignore
//! let dispatcher = browser::Dispatcher::start();
//! let browser = Browser::start();
//! let page = browser.phone();
//! page.goto(&format!("{}/", dispatcher.url));
//! page.wait_text("h1", "任务");
//! page.step("tasks"); // screenshot, then no console errors
//! ```
//!
//! The calls are blocking, like the rest of the tests; each waits for what it needs within
//! [`PATIENCE`], and panics naming the selector and page when the wait runs out.

#![allow(dead_code)] // each test file uses its own part of this

mod dispatcher;
mod page;
mod shots;

pub use dispatcher::Dispatcher;
pub use page::Page;

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{mpsc, Arc},
    time::{Duration, Instant},
};

use serde_json::json;
use thirtyfour::{prelude::*, ChromeCapabilities, ChromiumLikeCapabilities, LoggingPrefsLogLevel};
use tokio::runtime::Runtime;

use shots::Shots;

/// The bound on every wait: a bound on a hang, not a timing. A cold, loaded two-core machine
/// starts chromium and renders a page slowly, so it is generous.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// How often a wait looks again.
pub const POLL: Duration = Duration::from_millis(100);

const SETUP: &str = "run scripts/setup, which installs chromium, chromium-driver and fonts-noto-cjk";

/// The chromium flags of every session: headless in a container, and quiet, since the tests have
/// no network and must not wait on one.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
];

/// The phone: a grid team member's handset, as CSS pixels (what the page's layout sees).
const PHONE: (u32, u32) = (390, 844);
const PHONE_AGENT: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                           (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";
const DESKTOP: (u32, u32) = (1440, 900);

/// A chromedriver of this test's own, on a free loopback port; killed on drop.
pub struct Browser {
    driver: Chromedriver,
    url: String,
    runtime: Arc<Runtime>,
    shots: Arc<Shots>,
    chromium: PathBuf,
    /// Holds chromedriver's log, and the profiles of the sessions.
    dir: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and waits until it says it is ready. Panics when chromium or
    /// chromedriver is not installed: the browser tests are part of the suite, not optional.
    pub fn start() -> Self {
        let chromium = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        assert!(
            chromium.is_file(),
            "chromium not found at {} (or set CHROMIUM): {SETUP}",
            chromium.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("chromedriver.log");
        // --port=0: chromedriver picks a free port itself and says which, so there is no race
        // with another test for it.
        let mut driver = Chromedriver(
            Command::new("chromedriver")
                .arg("--port=0")
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("chromedriver could not be started ({e}): {SETUP}")),
        );

        // Its stdout is read to the end on a thread of its own, so that it never blocks on a
        // full pipe; the first line naming the port is passed back.
        let stdout = driver.0.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Some(port) = line
                    .split("started successfully on port ")
                    .nth(1)
                    .and_then(|rest| rest.trim_end_matches('.').parse::<u16>().ok())
                {
                    let _ = tx.send(port);
                }
            }
        });
        let deadline = Instant::now() + PATIENCE;
        let port = rx
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|e| panic!("chromedriver did not say its port ({e}); log: {}", tail(&log)));
        let url = format!("http://127.0.0.1:{port}");
        let status = reqwest::blocking::Client::new();
        loop {
            let ready = status
                .get(format!("{url}/status"))
                .send()
                .and_then(|r| r.json::<serde_json::Value>())
                .is_ok_and(|s| s["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver on {url} was not ready; log: {}",
                tail(&log)
            );
            std::thread::sleep(POLL);
        }

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Browser {
            driver,
            url,
            runtime: Arc::new(runtime),
            shots: Arc::new(Shots::for_this_test()),
            chromium,
            dir,
        }
    }

    /// A desktop session (1440×900), e.g. someone in the command centre.
    pub fn desktop(&self) -> Page {
        self.open(|caps| caps.add_arg(&format!("--window-size={},{}", DESKTOP.0, DESKTOP.1)))
    }

    /// A phone session (390×844 CSS pixels, touch, a mobile user agent), e.g. a grid team member.
    pub fn phone(&self) -> Page {
        self.open(|caps| {
            caps.add_arg(&format!("--window-size={},{}", PHONE.0, PHONE.1))?;
            caps.add_experimental_option(
                "mobileEmulation",
                json!({
                    "deviceMetrics": {
                        "width": PHONE.0, "height": PHONE.1, "pixelRatio": 1.0,
                        "mobile": true, "touch": true,
                    },
                    "userAgent": PHONE_AGENT,
                }),
            )
        })
    }

    /// A new session with a fresh profile of its own: its cookies and storage are its own, so two
    /// pages are two different people.
    fn open(&self, device: impl FnOnce(&mut ChromeCapabilities) -> WebDriverResult<()>) -> Page {
        let profile = tempfile::tempdir_in(self.dir.path()).unwrap();
        let mut caps = DesiredCapabilities::chrome();
        let configured = (|| {
            caps.set_binary(self.chromium.to_str().unwrap())?;
            for arg in CHROMIUM_ARGS {
                caps.add_arg(arg)?;
            }
            caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))?;
            // Every console message and uncaught exception, for `console_errors`.
            caps.set_browser_log_level(LoggingPrefsLogLevel::All)?;
            device(&mut caps)
        })();
        configured.unwrap();
        let driver = self
            .runtime
            .block_on(WebDriver::new(&self.url, caps))
            .unwrap_or_else(|e| {
                panic!(
                    "chromium ({}) did not start a session: {e}; chromedriver's log: {}",
                    self.chromium.display(),
                    tail(&self.dir.path().join("chromedriver.log"))
                )
            });
        Page::new(
            driver,
            Arc::clone(&self.runtime),
            Arc::clone(&self.shots),
            profile,
        )
    }
}

/// The chromedriver process, killed on drop (also when the browser fails to start).
struct Chromedriver(Child);

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The end of chromedriver's log, for a message about why it failed.
fn tail(log: &std::path::Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
