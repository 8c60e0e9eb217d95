//! A private PostgreSQL cluster in a folder of its own, for tests that stop the server and start
//! it again, which they must not do to the machine's. Made with Debian's `initdb` and `pg_ctl`
//! (the `postgresql` package, which `scripts/test-postgres` installs); as root they run as the
//! package's `postgres` account, since PostgreSQL refuses to run as root.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

pub struct Cluster {
    bin: PathBuf,
    /// Holds the data folder, the socket and the server's log.
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// A new cluster listening on 127.0.0.1:`port`, started, trusting local connections.
    pub fn start(port: u16) -> Self {
        let bin = server_binaries();
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: geteuid has no preconditions.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        if as_postgres {
            let status = Command::new("chown")
                .args(["postgres:postgres", dir.path().to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success(), "chown of {} to postgres", dir.path().display());
        }
        let cluster = Cluster {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync"],
        );
        cluster.resume();
        cluster
    }

    /// The address of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server, as an operator or a crash of its machine does; connections are cut.
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the server (again) and waits until it takes connections.
    pub fn resume(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-t",
                "120",
                "-w",
                "start",
            ],
        );
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// One of the server's programs, run as the account that owns the cluster.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}

/// The newest installed server's programs: Debian keeps them out of PATH, under
/// /usr/lib/postgresql/<major>/bin.
fn server_binaries() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server is installed (scripts/test-postgres installs it)")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let major = path.file_name()?.to_str()?.parse().ok()?;
            Path::new(&path)
                .join("bin/initdb")
                .is_file()
                .then(|| (major, path.join("bin")))
        })
        .collect();
    found.sort();
    found.pop().expect("initdb under /usr/lib/postgresql/*/bin").1
}
