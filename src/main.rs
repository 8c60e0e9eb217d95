//! The `gridwatch` command: thin wiring from the command line to the library crates.

mod check;
mod detectors;
mod dispatch;
mod evidence;
mod replay;
mod run;
mod users;
mod worker;

use std::{io::IsTerminal, path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// What is logged when `RUST_LOG` does not say: gridwatch's own messages, and only errors from
/// the libraries it uses.
const DEFAULT_LOG: &str =
    "error,gridwatch=info,gridwatch_core=info,gridwatch_pipeline=info,gridwatch_dispatcher=info";

#[derive(Parser)]
#[command(
    name = "gridwatch",
    version,
    about = "Cameras find street-order violations; grid teams get the tasks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a configuration file and that this machine can run it; report every problem found.
    Check {
        /// The configuration file, e.g. examples/demo.toml
        config: PathBuf,
    },
    /// Run the configured cameras live: detection, tracking, rules, evidence, events.
    Run {
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
        /// Where camera health and violation events are appended, as JSON Lines.
        #[arg(long, default_value = "var/events.jsonl")]
        events: PathBuf,
        /// Stop after this many seconds (runs until interrupted otherwise).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Run the pipeline alone for the cameras this worker holds leases on, sharing the
    /// configuration's cameras with the other workers; events go to [output.nats].
    Worker {
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
        /// This worker's name in the lease bucket (the host name and process id by default).
        #[arg(long)]
        id: Option<String>,
        /// At most this many cameras here ([workers] max_cameras otherwise).
        #[arg(long)]
        max_cameras: Option<usize>,
        /// Serve /metrics on this address instead of [metrics] listen (for several workers on
        /// one machine).
        #[arg(long)]
        metrics: Option<std::net::SocketAddr>,
        /// Stop after this many seconds (runs until interrupted otherwise).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Run the dispatcher and its API: cases from events, the case loop, the command centre's feed.
    Dispatcher {
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
    },
    /// Check the case audit log's hash chain and every stored evidence file's hash.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// A case's evidence package for legal review: export it, or check one.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Manage the accounts people sign in to the web pages with.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Print the SHA-256 to put in a [[dispatch.tokens]] entry for the secret SECRET.
    Token { secret: String },
    /// Replay recorded scenarios through the pipeline and score the events against their truth.
    Replay {
        /// The configuration whose model and rules are replayed.
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
        /// Also write the scores as JSON here.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Also append every event, as JSON Lines in the shape of docs/events.md, here.
        #[arg(long)]
        events: Option<PathBuf>,
        /// Store each violation's evidence (frames, annotated frames, manifest) under this folder.
        #[arg(long)]
        evidence: Option<PathBuf>,
        /// Also write a JUnit XML report (one suite per scenario, one case per kind) here.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Scenario folders, e.g. replay-fixtures/vending-day
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the chain and the evidence; exits non-zero on the first break found.
    Verify {
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Write case CASE's package (frames and clip as sealed, blurred copies, the camera's
    /// registration, model card, rule, time source, human review, audit trail, a printable
    /// summary and a manifest of SHA-256s) to a new zip file, and record the export in the
    /// case's audit trail.
    Export {
        /// The case's number (e.g. 12 or #12) or id.
        case: String,
        /// The zip file to write; an existing file is not overwritten.
        #[arg(long)]
        out: PathBuf,
        /// blur-bystanders (the default), blur-all-but-subject, or none (sealed originals only,
        /// for the legal reviewer; recorded as such).
        #[arg(long, default_value = "blur-bystanders")]
        privacy: String,
        /// Who exports, for the audit trail (the login name otherwise).
        #[arg(long)]
        by: Option<String>,
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
    },
    /// Check a package: every member listed with the right SHA-256, nothing extra or missing,
    /// the manifest sealed; with --config also against the store's record of the export and the
    /// audit chain. Exits non-zero naming the member at fault.
    Verify {
        file: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account or reset its password (read from the terminal, or from standard input's
    /// first line); a roster member's id as NAME makes a member account of their grid.
    Set {
        name: String,
        /// command, member, auditor or admin (member when NAME is in the roster).
        #[arg(long)]
        role: Option<String>,
        /// For a member account named otherwise: the member's id in [[teams]].
        #[arg(long)]
        member: Option<String>,
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
    },
    /// Remove an account; its sessions end.
    Remove {
        name: String,
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
    },
    /// List the accounts: name, role, member.
    List {
        #[arg(long, default_value = "examples/demo.toml")]
        config: PathBuf,
    },
}

/// Logs go to stderr, filtered by `RUST_LOG` (e.g. `RUST_LOG=gridwatch_pipeline=debug`); stdout
/// stays the commands' answers.
fn init_logs() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Memory blocks from this size on are mapped from the system on their own and handed back to it
/// when freed. glibc raises its threshold up to 32 MB once such blocks are freed; decoded frames
/// and inference tensors (megabytes each, every frame) were then carved from the heaps of the
/// threads that made them, which keep their free space, and resident memory crept up with every
/// camera reconnection (measured by tests/rtsp_soak.rs).
const MAPPED_FROM: i32 = 256 * 1024;

fn map_large_blocks() {
    // SAFETY: mallopt only sets a parameter of the allocator; no other thread runs yet.
    unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_FROM) };
}

fn main() -> ExitCode {
    map_large_blocks();
    init_logs();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { config } => check::run(&config),
        Command::Dispatcher { config } => dispatch::serve(&config),
        Command::Audit {
            command: AuditCommand::Verify { config },
        } => dispatch::verify(&config),
        Command::Evidence { command } => match command {
            EvidenceCommand::Export {
                case,
                out,
                privacy,
                by,
                config,
            } => evidence::export(&config, &case, &out, &privacy, by.as_deref()),
            EvidenceCommand::Verify { file, config } => evidence::verify(&file, config.as_deref()),
        },
        Command::User { command } => match command {
            UserCommand::Set {
                name,
                role,
                member,
                config,
            } => users::run(&config, users::Op::Set { name, role, member }),
            UserCommand::Remove { name, config } => users::run(&config, users::Op::Remove { name }),
            UserCommand::List { config } => users::run(&config, users::Op::List),
        },
        Command::Token { secret } => {
            println!("{}", gridwatch_dispatcher::api::token_hash(&secret));
            Ok(())
        }
        Command::Run {
            config,
            events,
            seconds,
        } => run::run(&config, &events, seconds),
        Command::Worker {
            config,
            id,
            max_cameras,
            metrics,
            seconds,
        } => worker::run(
            &config,
            worker::Own {
                id,
                max_cameras,
                metrics,
            },
            seconds,
        ),
        Command::Replay {
            config,
            report,
            events,
            evidence,
            junit,
            scenarios,
        } => match replay::run(
            &config,
            &scenarios,
            report.as_deref(),
            events.as_deref(),
            evidence.as_deref(),
            junit.as_deref(),
        ) {
            Ok(true) => Ok(()),
            Ok(false) => Err(vec![
                "replay: a kind missed its precision or recall threshold".to_owned()
            ]),
            Err(problems) => Err(problems),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            for problem in problems {
                eprintln!("gridwatch: {problem}");
            }
            ExitCode::FAILURE
        }
    }
}
