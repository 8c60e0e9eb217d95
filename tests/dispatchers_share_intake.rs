//! Two `gridwatch dispatcher` processes on one PostgreSQL database share the JetStream intake:
//! one killed with SIGKILL mid-stream, the other stores every event exactly once, takes over the
//! periodic work, and the audit chain stays whole.

mod common;
#[path = "common/nats.rs"]
mod nats;

use std::time::Duration;

use common::{demo_copy, gridwatch, leads, publish, sightings, start_dispatcher, violations, wait_for};
use reqwest::blocking::Client;
use sqlx::{Connection, Executor};

const EVENTS: usize = 1000;

fn admin_url() -> String {
    std::env::var("GRIDWATCH_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Runs `statements` on the tests' PostgreSQL server.
fn administer(statements: &[String]) {
    let admin = admin_url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is needed for this test: {e}"));
        for statement in statements {
            conn.execute(statement.as_str()).await.unwrap();
        }
    });
}

/// A fresh database on the tests' PostgreSQL server: its name and address.
fn fresh_database() -> (String, String) {
    let name = format!("gridwatch_two_{}", std::process::id());
    administer(&[
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ]);
    let admin = admin_url();
    let (base, _) = admin.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    (name, url)
}

#[test]
fn two_dispatchers_share_the_stream_and_one_goes_on_alone_when_the_other_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let port = nats::free_port();
    let _server = nats::Server::start(port, &dir.path().join("nats"));
    let url = format!("nats://127.0.0.1:{port}");
    publish(&url, &dir.path().join("spool.jsonl"), violations(EVENTS));
    let (name, database) = fresh_database();
    let (config, _) = demo_copy(dir.path(), |demo| {
        let demo = demo
            .replace("127.0.0.1:8080", "127.0.0.1:0")
            .replace("sqlite:var/gridwatch.db", &database);
        format!("{demo}\n[output.nats]\nurl = \"{url}\"\n")
    });
    assert!(std::fs::read_to_string(&config).unwrap().contains(&database));
    let client = Client::new();

    let (mut first, first_api) = start_dispatcher(&config);
    let (mut second, second_api) = start_dispatcher(&config);
    // One of them does the periodic work, never both.
    wait_for(
        "a dispatcher leads",
        || leads(&client, &first_api) || leads(&client, &second_api),
        |done| *done,
    );
    assert!(!(leads(&client, &first_api) && leads(&client, &second_api)));

    // SIGKILL the leader a third of the way through the stream.
    wait_for(
        "a third of the events stored",
        || sightings(&client, &first_api),
        |n| *n >= EVENTS as i64 / 3,
    );
    let (killed, (mut survivor, survivor_api)) = if leads(&client, &first_api) {
        (&mut first, (second, second_api))
    } else {
        (&mut second, (first, first_api))
    };
    killed.kill().unwrap();
    killed.wait().unwrap();
    assert!(
        sightings(&client, &survivor_api) < EVENTS as i64,
        "consumption had finished before the kill"
    );

    // The other stores the rest, including what the killed one had taken but not acknowledged,
    // each event once, and takes over the periodic work.
    wait_for(
        "every event stored",
        || sightings(&client, &survivor_api),
        |n| *n >= EVENTS as i64,
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(sightings(&client, &survivor_api), EVENTS as i64);
    wait_for(
        "the survivor leads",
        || leads(&client, &survivor_api),
        |done| *done,
    );
    survivor.kill().unwrap();
    survivor.wait().unwrap();
    let (code, stdout, stderr) = gridwatch(&["audit", "verify", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("audit chain: "), "{stdout}");
    administer(&[format!("DROP DATABASE {name} WITH (FORCE)")]);
}
