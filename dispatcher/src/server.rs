//! Running the dispatcher on its own: the store from the configuration, the API on its address,
//! and the deadline watch.

use std::{sync::Arc, time::Duration};

use gridwatch_core::{config::LoadedConfig, WallClock};

use crate::{api, grid::GridMap, Dispatcher, Store};

/// How often overdue cases are looked for.
const ESCALATION_EVERY: Duration = Duration::from_secs(30);

/// Serves until interrupted (Ctrl-C or SIGTERM). Tells stdout the address it listens on once
/// the store is open and the port bound.
pub fn run(loaded: LoadedConfig) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(serve(loaded))
}

async fn serve(loaded: LoadedConfig) -> Result<(), String> {
    let config = loaded.config;
    let store = Store::open(&config.storage.database)
        .await
        .map_err(|e| e.to_string())?;
    let bind = config.api.bind;
    let nats = config.output.nats.clone();
    let dispatcher = Arc::new(Dispatcher::new(
        store,
        Arc::new(config),
        GridMap::new(loaded.grids),
        Arc::new(WallClock),
    ));
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("gridwatch dispatcher: listening on http://{address}");

    if let Some(nats) = nats {
        let intake = dispatcher.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = crate::intake::consume(intake.clone(), &nats).await {
                    eprintln!("gridwatch dispatcher: {e}; reconnecting in 2 s");
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
    }
    let watch = dispatcher.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ESCALATION_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = watch.escalate_overdue().await {
                eprintln!("gridwatch dispatcher: checking deadlines failed, will retry: {e}");
            }
        }
    });
    axum::serve(listener, api::router(dispatcher))
        .with_graceful_shutdown(interrupted())
        .await
        .map_err(|e| format!("serving on {address}: {e}"))
}

async fn interrupted() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}

/// `gridwatch audit verify`: the audit chain unbroken and every evidence file named by a stored
/// violation present with its recorded SHA-256. Returns a summary, or every problem found.
pub fn verify(loaded: LoadedConfig) -> Result<String, Vec<String>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| vec![format!("cannot start the async runtime: {e}")])?;
    runtime.block_on(async {
        let config = loaded.config;
        let store = Store::open(&config.storage.database)
            .await
            .map_err(|e| vec![e.to_string()])?;
        let evidence_dir = config.storage.evidence_dir.clone();
        let dispatcher = Dispatcher::new(
            store,
            Arc::new(config),
            GridMap::new(loaded.grids),
            Arc::new(WallClock),
        );
        let entries = dispatcher
            .audit_log(None)
            .await
            .map_err(|e| vec![e.to_string()])?;
        let mut problems = Vec::new();
        if let Err(broken) = crate::cases::audit::verify(&entries) {
            problems.push(broken.to_string());
        }
        let artifacts = crate::evidence::check(dispatcher.store(), &evidence_dir, &mut problems)
            .await
            .map_err(|e| vec![e.to_string()])?;
        if problems.is_empty() {
            Ok(format!(
                "audit chain: {} entries intact; evidence: {artifacts} files match their hashes",
                entries.len()
            ))
        } else {
            Err(problems)
        }
    })
}
