//! Running the dispatcher: on its own (`gridwatch dispatcher`, events from HTTP and JetStream),
//! or beside the pipeline in one process (`gridwatch run`, events through an in-process channel).
//! Either way: the store from the configuration, the API on its address, the deadline watch.

use std::{net::SocketAddr, sync::Arc, thread, time::Duration};

use gridwatch_core::{config::LoadedConfig, PipelineEvent, WallClock};
use prometheus_client::registry::Registry;
use tokio::sync::{mpsc, oneshot};

use crate::{api, grid::GridMap, intake, store::Leadership, Dispatcher, Store};

/// How often overdue cases are looked for.
const ESCALATION_EVERY: Duration = Duration::from_secs(30);

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Webhook deliveries every second, deadlines every [`ESCALATION_EVERY`], on whichever
/// dispatcher process leads (see [`Leadership`]); the others stand by to take over.
async fn periodic_work(dispatcher: Arc<Dispatcher>) {
    let http = reqwest::Client::new();
    let mut leadership = Leadership::new(dispatcher.store().clone());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut escalated: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        let leads = leadership.check().await;
        if dispatcher.set_leading(leads) != leads {
            if leads {
                tracing::info!("this dispatcher does the periodic work (webhooks, deadlines)");
            } else {
                tracing::info!("another dispatcher does the periodic work; standing by");
            }
        }
        if !leads {
            escalated = None;
            continue;
        }
        if let Err(e) = dispatcher.deliver_webhooks(&http).await {
            tracing::warn!(error = %e, "Delivering webhooks failed; will retry");
        }
        if escalated.is_none_or(|at| at.elapsed() >= ESCALATION_EVERY) {
            escalated = Some(tokio::time::Instant::now());
            if let Err(e) = dispatcher.escalate_overdue().await {
                tracing::warn!(error = %e, "Checking deadlines failed; will retry");
            }
        }
    }
}

/// The store opened, the port bound and the background work started.
struct Started {
    dispatcher: Arc<Dispatcher>,
    listener: tokio::net::TcpListener,
    address: SocketAddr,
}

async fn start(loaded: LoadedConfig) -> Result<Started, String> {
    let config = loaded.config;
    let store = Store::open(&config.storage.database)
        .await
        .map_err(|e| e.to_string())?;
    let bind = config.api.bind;
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
    tokio::spawn(periodic_work(dispatcher.clone()));
    dispatcher.relay_other_processes().await;
    Ok(Started {
        dispatcher,
        listener,
        address,
    })
}

/// Serves until interrupted (Ctrl-C or SIGTERM), taking events over HTTP and, when
/// `[output.nats]` is configured, from JetStream. Tells stdout the address it listens on once
/// the store is open and the port bound.
pub fn run(loaded: LoadedConfig) -> Result<(), String> {
    let nats = loaded.config.output.nats.clone();
    runtime()?.block_on(async move {
        let Started {
            dispatcher,
            listener,
            address,
        } = start(loaded).await?;
        println!("gridwatch dispatcher: listening on http://{address}");
        if let Some(nats) = nats {
            let consumer = dispatcher.clone();
            tokio::spawn(async move {
                loop {
                    if let Err(e) = intake::jetstream::consume(consumer.clone(), &nats).await {
                        tracing::warn!(error = %e, "JetStream intake failed; reconnecting in 2 s");
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            });
        }
        axum::serve(
            listener,
            api::router(dispatcher).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(interrupted())
        .await
        .map_err(|e| format!("serving on {address}: {e}"))
    })
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

/// A dispatcher beside the pipeline in one process: events arrive through an in-process
/// channel, the API is served from a thread of its own, and its `/metrics` shows the pipeline's
/// series too.
pub struct Local {
    events: Option<mpsc::UnboundedSender<PipelineEvent>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<Result<(), String>>>,
    pub address: SocketAddr,
}

impl Local {
    /// Opens the store and binds the API's port; returns once both are ready. `/metrics` also
    /// shows the series of `pipeline`.
    pub fn start(loaded: LoadedConfig, pipeline: Arc<Registry>) -> Result<Self, String> {
        let (events, incoming) = mpsc::unbounded_channel::<PipelineEvent>();
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, started) = std::sync::mpsc::channel();
        let thread = thread::Builder::new()
            .name("dispatcher".into())
            .spawn(move || {
                runtime()?.block_on(async move {
                    let Started {
                        dispatcher,
                        listener,
                        address,
                    } = match start(loaded).await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready.send(Err(e.clone()));
                            return Err(e);
                        }
                    };
                    let _ = ready.send(Ok(address));
                    let consumer = dispatcher.clone();
                    let consumer =
                        tokio::spawn(async move { intake::local::consume(&consumer, incoming).await });
                    let served = axum::serve(
                        listener,
                        api::router_showing(dispatcher, Some(pipeline))
                            .into_make_service_with_connect_info::<SocketAddr>(),
                    )
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
                    // Every event sent before the stop is stored before the thread ends.
                    let _ = consumer.await;
                    served.map_err(|e| format!("serving on {address}: {e}"))
                })
            })
            .map_err(|e| format!("cannot start the dispatcher thread: {e}"))?;
        let address = started
            .recv()
            .map_err(|_| "the dispatcher thread ended before it started".to_owned())??;
        Ok(Self {
            events: Some(events),
            stop: Some(stop),
            thread: Some(thread),
            address,
        })
    }

    /// Hands `event` to the dispatcher; never blocks the pipeline.
    pub fn send(&self, event: PipelineEvent) {
        if let Some(events) = &self.events {
            // The receiver lives as long as the dispatcher thread, which `stop` ends.
            let _ = events.send(event);
        }
    }

    /// Stores what was sent, then stops serving.
    pub fn stop(mut self) -> Result<(), String> {
        self.events = None;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.thread
            .take()
            .expect("stopped once")
            .join()
            .map_err(|_| "the dispatcher thread panicked".to_owned())?
    }
}

/// `gridwatch audit verify`: the audit chain unbroken and every evidence file named by a stored
/// violation present with its recorded SHA-256. Returns a summary, or every problem found.
pub fn verify(loaded: LoadedConfig) -> Result<String, Vec<String>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| vec![format!("cannot start the async runtime: {e}")])?;
    runtime.block_on(check(loaded))
}

/// [`verify`], for callers already in an async runtime.
pub async fn check(loaded: LoadedConfig) -> Result<String, Vec<String>> {
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
}

/// Runs one piece of work on a dispatcher over the configured store, for a command that does its
/// job and ends (`gridwatch user …`).
pub fn one_off<T, F>(loaded: LoadedConfig, work: impl FnOnce(Arc<Dispatcher>) -> F) -> Result<T, String>
where
    F: std::future::Future<Output = Result<T, crate::DispatchError>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let config = loaded.config;
        let store = Store::open(&config.storage.database)
            .await
            .map_err(|e| e.to_string())?;
        let dispatcher = Arc::new(Dispatcher::new(
            store,
            Arc::new(config),
            GridMap::new(loaded.grids),
            Arc::new(WallClock),
        ));
        work(dispatcher).await.map_err(|e| e.to_string())
    })
}
