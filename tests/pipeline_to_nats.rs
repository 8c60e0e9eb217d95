//! `gridwatch run` with its events going to NATS: no dispatcher runs beside it, so its metrics are
//! on an address of their own; with the server unreachable the events wait in the spool, and the
//! password in the server's address is never shown.

mod common;

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{counted_everywhere, demo_copy};

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn with_nats_unreachable_the_run_counts_on_its_own_address_spools_and_hides_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let (metrics_port, nats_port) = (free_port(), free_port());
    let spool = dir.path().join("spool.jsonl");
    let (config, _) = demo_copy(dir.path(), |demo| {
        demo + &format!(
            "\n[metrics]\nlisten = \"127.0.0.1:{metrics_port}\"\n\n[output.nats]\nurl = \"nats://gw:s3cret@127.0.0.1:{nats_port}\"\nspool = \"{}\"\n",
            spool.display()
        )
    });
    let stderr = dir.path().join("stderr.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gridwatch"))
        .args(["run", "--config", config.to_str().unwrap(), "--seconds", "120"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();

    // Bounded by the run itself (120 s); the deadline only stops a run that never ends.
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    let metrics = format!("http://127.0.0.1:{metrics_port}/metrics");
    loop {
        let exposition = client.get(&metrics).send().and_then(|r| r.text());
        if exposition.as_deref().is_ok_and(counted_everywhere) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none() && Instant::now() < deadline,
            "the run ended before every camera was counted at {metrics}: {exposition:?}\n{}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // SAFETY: kill only sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    let logged = std::fs::read_to_string(&stderr).unwrap();
    assert!(
        status.success(),
        "an interrupted run exits cleanly: {status}\n{logged}"
    );

    assert!(logged.contains("NATS unreachable"), "{logged}");
    assert!(logged.contains("nats://gw:***@127.0.0.1"), "{logged}");
    assert!(!logged.contains("s3cret"), "the password is shown:\n{logged}");
    let spooled = std::fs::read_to_string(&spool).unwrap();
    assert!(
        spooled.contains("\"type\":\"camera_health\""),
        "every camera's health waits in the spool:\n{spooled}"
    );
}
