//! Open311 clients work as they are: a real GeoReport v2 client from PyPI (`georeport` 0.3.1,
//! installed into .venv by scripts/setup) reads services and requests from the real
//! `gridwatch dispatcher` without a key, in JSON and XML, and a ticket posted as the standard's
//! form comes back as a request it can follow.

mod common;

use std::process::Command;

#[test]
fn the_georeport_client_reads_services_and_requests_and_follows_a_posted_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = common::demo_copy(dir.path(), |demo| demo.replace("127.0.0.1:8080", "127.0.0.1:0"));
    let (mut dispatcher, url) = common::start_dispatcher(&config);
    let ran = Command::new(".venv/bin/python")
        .args(["tests/open311/client.py", &url, "demo-ingest"])
        .output()
        .expect("the tests' Python in .venv (scripts/setup makes it)");
    let _ = dispatcher.kill();
    let _ = dispatcher.wait();
    let (out, err) = (
        String::from_utf8_lossy(&ran.stdout),
        String::from_utf8_lossy(&ran.stderr),
    );
    assert!(ran.status.success(), "the client failed:\n{err}\n{out}");
    let seen: serde_json::Value = serde_json::from_str(out.trim()).unwrap();

    let codes = seen["codes"].as_array().unwrap();
    assert!(codes.iter().any(|c| c == "street_vending"), "{seen}");
    assert_eq!(
        seen["xml_codes"], seen["codes"],
        "the XML lists the same services"
    );
    assert_eq!(seen["posted"], 201);
    let number = &seen["number"];
    assert_eq!(&seen["one"]["service_request_id"], number);
    assert_eq!(seen["one"]["status"], "open");
    assert_eq!(
        seen["one"]["lat"], 26.071,
        "public: the place rounded to its street"
    );
    assert!(seen["one"].get("case_id").is_none(), "public fields only: {seen}");
    assert!(
        !seen.to_string().contains("citizen@example.org"),
        "the reporter is never public"
    );
    assert!(seen["listed"].as_array().unwrap().contains(number), "{seen}");
    assert_eq!(&seen["xml_one"]["service_request_id"], number);
    assert_eq!(seen["xml_one"]["status"], "open");
}
