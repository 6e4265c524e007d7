//! The harness for the end-to-end tests: Xvfb on a free display, tauri-driver on free ports
//! (it starts WebKitWebDriver, which starts the app), a fresh register per harness, and
//! helpers that wait for the UI instead of sleeping.
//!
//! The tests are `#[ignore]`d so that `cargo test --workspace` needs no display; run them
//! with `bash scripts/e2e.sh` (builds the app first), or
//! `cargo test -p e2e -- --ignored --test-threads=1` after `bash scripts/app.sh --build-only`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The workspace root (e2e/..).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The custom-protocol debug build of the app (`scripts/app.sh --build-only` makes it).
pub fn app_binary() -> PathBuf {
    std::env::var_os("CLEARSHOT_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/debug/clearshot-app"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Starts Xvfb and returns it with its display (":N"), once it accepts clients.
pub fn start_xvfb() -> (Child, String) {
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("Xvfb: {e} (apt-get install xvfb)"));
    let mut line = String::new();
    let stdout = xvfb.stdout.take().unwrap_or_else(|| panic!("Xvfb stdout"));
    BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("Xvfb display: {e}"));
    let display = format!(":{}", line.trim());
    assert!(display.len() > 1, "Xvfb printed no display number");
    (xvfb, display)
}

pub struct Harness {
    xvfb: Child,
    driver: Child,
    pub webdriver_url: String,
    pub display: String,
    /// Holds the register and anything the test writes.
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub fn register(&self) -> PathBuf {
        self.dir.path().join("register.sqlite3")
    }

    pub fn start() -> Harness {
        Harness::start_on(None)
    }

    /// Starts the app with `today` as its date (`CLEARSHOT_TODAY`, which the debug build the
    /// tests run honours), or the real date.
    pub fn start_on(today: Option<&str>) -> Harness {
        let app = app_binary();
        assert!(
            app.exists(),
            "{} is missing: run `bash scripts/app.sh --build-only` first",
            app.display()
        );
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let (xvfb, display) = start_xvfb();
        let port = free_port();
        let native = free_port();
        let log = std::fs::File::create(dir.path().join("driver.log"))
            .unwrap_or_else(|e| panic!("driver log: {e}"));
        let log2 = log
            .try_clone()
            .unwrap_or_else(|e| panic!("driver log: {e}"));
        let driver = Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", &display)
            .env("CLEARSHOT_DB", dir.path().join("register.sqlite3"))
            .env("CLEARSHOT_ACTOR", "e2e.tester")
            .env_remove("CLEARSHOT_OPEN_SAMPLE")
            .env_remove("CLEARSHOT_TODAY")
            .envs(today.map(|t| ("CLEARSHOT_TODAY", t)))
            .stdout(log)
            .stderr(log2)
            .spawn()
            .unwrap_or_else(|e| panic!("tauri-driver: {e} (cargo install tauri-driver --locked)"));
        // The test body is told the display through its folder, for `choose_in_file_dialog`.
        std::fs::write(dir.path().join("display"), &display)
            .unwrap_or_else(|e| panic!("display file: {e}"));
        let mut h = Harness {
            xvfb,
            driver,
            webdriver_url: format!("http://127.0.0.1:{port}"),
            display,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = h.driver.try_wait() {
                panic!("tauri-driver exited ({status}) before it was ready");
            }
            if http_get(port, "/status").is_some_and(|s| s.contains("\"ready\":true")) {
                break;
            }
            assert!(Instant::now() < deadline, "tauri-driver not ready in 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        h
    }

    pub fn capabilities(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary() }),
        );
        caps
    }

    /// Opens a WebDriver session: this starts the app.
    pub async fn connect(&self) -> TestResult<Client> {
        let c = tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::native()
                .capabilities(self.capabilities())
                .connect(&self.webdriver_url),
        )
        .await??;
        Ok(c)
    }
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".cargo")))
        .map(|c| c.join("bin/tauri-driver"));
    match cargo_bin {
        Some(p) if p.exists() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

impl Drop for Harness {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: tauri-driver then stops WebKitWebDriver and frees its port.
        let _ = Command::new("kill")
            .args(["-TERM", &self.driver.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Ends an app left by an unclosed session too.
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// Where the e2e run leaves screenshots of each main screen (committed, shown in the README).
pub fn screenshot_dir() -> PathBuf {
    root().join("docs/screenshots")
}

pub async fn screenshot(c: &Client, name: &str) -> TestResult {
    let png = c.screenshot().await?;
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(format!("{name}.png")), png)?;
    Ok(())
}

/// Runs a test body with a fresh app and register (see [`Harness::session`]).
pub async fn run<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Client, PathBuf) -> Fut,
    Fut: std::future::Future<Output = TestResult>,
{
    run_on(name, None, body).await;
}

/// `run`, with the app's date set to `today` (YYYY-MM-DD), or the real date.
pub async fn run_on<F, Fut>(name: &str, today: Option<&str>, body: F)
where
    F: FnOnce(Client, PathBuf) -> Fut,
    Fut: std::future::Future<Output = TestResult>,
{
    let h = Harness::start_on(today);
    h.session(name, body).await;
    drop(h);
}

impl Harness {
    /// One WebDriver session, that is one run of the app, on this harness's register (call it
    /// again to restart the app on the same register). On failure saves a screenshot to
    /// target/e2e-failures/<name>.png, closes the session, and fails with the error.
    pub async fn session<F, Fut>(&self, name: &str, body: F)
    where
        F: FnOnce(Client, PathBuf) -> Fut,
        Fut: std::future::Future<Output = TestResult>,
    {
        let c = match self.connect().await {
            Ok(c) => c,
            Err(e) => {
                let log =
                    std::fs::read_to_string(self.dir.path().join("driver.log")).unwrap_or_default();
                panic!("{name}: no WebDriver session: {e}\n--- tauri-driver log ---\n{log}");
            }
        };
        let result = body(c.clone(), self.dir.path().to_path_buf()).await;
        if let Err(e) = &result {
            let dir = root().join("target/e2e-failures");
            let _ = std::fs::create_dir_all(&dir);
            let shot = dir.join(format!("{name}.png"));
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(&shot, png);
            }
            let _ = c.clone().close().await;
            panic!("{name} failed: {e}\n(screenshot: {})", shot.display());
        }
        let _ = c.close().await;
    }
}

pub const WAIT: Duration = Duration::from_secs(15);

/// Picks `file` in the app's native open dialog (GTK's file chooser, a window of its own that
/// WebDriver cannot reach) as a person would: waits for the window titled `title`, focuses it,
/// opens the location field (Ctrl+L), types the path and presses Enter. Needs `xdotool`.
pub fn choose_in_file_dialog(dir: &Path, title: &str, file: &Path) -> TestResult {
    let display = std::fs::read_to_string(dir.join("display"))?;
    let xdotool = |args: &[&str]| -> TestResult<String> {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", display.trim())
            .output()
            .map_err(|e| format!("xdotool: {e} (apt-get install xdotool)"))?;
        if !out.status.success() {
            return Err(
                format!("xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into(),
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let deadline = Instant::now() + WAIT;
    let window = loop {
        // Only a mapped window: a dialog chosen from before may linger unmapped.
        match xdotool(&["search", "--onlyvisible", "--name", title]) {
            Ok(ids) if !ids.is_empty() => break ids.lines().last().unwrap_or_default().to_owned(),
            _ if Instant::now() > deadline => {
                return Err(format!("no window titled {title:?} appeared").into());
            }
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    // The dialog takes a moment to be ready for keys once mapped.
    std::thread::sleep(Duration::from_millis(700));
    xdotool(&["windowfocus", "--sync", &window])?;
    xdotool(&["key", "--clearmodifiers", "ctrl+l"])?;
    std::thread::sleep(Duration::from_millis(300));
    xdotool(&["type", "--delay", "20", &file.display().to_string()])?;
    std::thread::sleep(Duration::from_millis(300));
    xdotool(&["key", "Return"])?;
    Ok(())
}

pub async fn find(c: &Client, css: &str) -> TestResult<Element> {
    Ok(c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await?)
}

/// Finds and clicks; when the element is replaced between the two (a list re-rendered as a
/// search settles), finds it again, until `WAIT`.
pub async fn click(c: &Client, css: &str) -> TestResult {
    let deadline = Instant::now() + WAIT;
    loop {
        match find(c, css).await?.click().await {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() < deadline && is_stale(&e) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// WebKitWebDriver's words for an element that left the page.
fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    let text = e.to_string();
    text.contains("stale") || (text.contains("Node with identifier") && text.contains("not found"))
}

pub async fn type_into(c: &Client, css: &str, text: &str) -> TestResult {
    let e = find(c, css).await?;
    e.clear().await?;
    e.send_keys(text).await?;
    Ok(())
}

/// Waits until the element's text satisfies `ok`; fails with the last text seen.
pub async fn wait_text(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> TestResult<String> {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if ok(&t) {
                return Ok(t);
            }
            last = t;
        }
        if Instant::now() > deadline {
            return Err(format!("{css}: text never matched; last seen {last:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sets an input's value the way a person would, for inputs (dates) that send_keys types
/// badly into: through the DOM, then an `input` event so Svelte sees it.
pub async fn set_value(c: &Client, css: &str, value: &str) -> TestResult {
    find(c, css).await?;
    c.execute(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
         e.dispatchEvent(new Event('input', {bubbles: true})); \
         e.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![css.into(), value.into()],
    )
    .await?;
    Ok(())
}

/// Like `assert!`, but returns the failure as an error so that `run` can screenshot the window.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+).into());
        }
    };
}

/// How many elements match `css` right now.
/// Approves Erin Tester (erin.tester@oak.sch.uk) to post for the whole trust, from the Staff
/// screen, with no training recorded yet.
pub async fn approve_erin(c: &Client) -> TestResult {
    click(c, "#nav-staff").await?;
    type_into(c, "#staff-name", "Erin Tester").await?;
    type_into(c, "#staff-email", "erin.tester@oak.sch.uk").await?;
    click(c, "#staff-add").await?;
    wait_text(c, "#notice", |t| t.contains("approved to post")).await?;
    Ok(())
}

/// Records today's training of the (only) member of staff listed without it, on the Staff
/// screen: policy 7.1.1, trained before posting.
pub async fn record_training(c: &Client) -> TestResult {
    click(c, ".staff-train").await?;
    click(c, ".staff-train-confirm").await?;
    wait_text(c, "#notice", |t| t.contains("training is recorded")).await?;
    Ok(())
}

/// Neither the page nor its main column is wider than the window: nothing needs scrolling
/// sideways to be seen.
pub async fn no_sideways_scrolling(c: &Client, what: &str) -> TestResult {
    let widths = c
        .execute(
            "const m = document.querySelector('main'); return [m.scrollWidth, m.clientWidth, document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await?;
    let w = |i: usize| {
        widths
            .get(i)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(-1)
    };
    crate::ensure!(
        w(0) <= w(1) && w(2) <= w(3),
        "{what}: no sideways scrolling (main, page): {widths}"
    );
    Ok(())
}

pub async fn count(c: &Client, css: &str) -> TestResult<usize> {
    Ok(c.find_all(Locator::Css(css)).await?.len())
}

/// Waits until exactly `n` elements match `css` (face detection takes seconds per photo).
pub async fn wait_count(c: &Client, css: &str, n: usize, within: Duration) -> TestResult {
    let deadline = Instant::now() + within;
    loop {
        let seen = count(c, css).await?;
        if seen == n {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{css}: expected {n}, saw {seen} after {within:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Waits until the element's attribute equals `value`.
pub async fn wait_attr(c: &Client, css: &str, attr: &str, value: &str) -> TestResult {
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            last = e.attr(attr).await?;
            if last.as_deref() == Some(value) {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err(format!("{css}[{attr}] never became {value:?}; last {last:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
