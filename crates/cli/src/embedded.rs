//! The embedded default: a private PostgreSQL cluster in a data directory,
//! run from the PostgreSQL binaries installed on the machine.
//!
//! PostgreSQL refuses to run as root, so when Charter runs as root the
//! cluster runs as the unprivileged `postgres` system user. The cluster
//! listens on 127.0.0.1 only, with SCRAM passwords kept in the data
//! directory (mode 0600).

use std::{
    fs,
    os::unix::fs::{PermissionsExt, chown},
    path::{Path, PathBuf},
    process::Output,
};

use anyhow::{Context, Result, anyhow, bail};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use charter_storage::DbUrl;
use tokio::process::Command;

/// The superuser of the private cluster.
const SUPERUSER: &str = "charter_admin";
/// The control-plane database of the private cluster.
const CONTROL_DATABASE: &str = "charter";

pub struct EmbeddedCluster {
    pgdata: PathBuf,
    log: PathBuf,
    bin: PathBuf,
    port: u16,
    password: String,
    run_as: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    /// Whether this process started the server (and so stops it).
    started_here: bool,
    /// The port of the previous start, if the cluster had to move off it.
    previous_port: Option<u16>,
}

impl EmbeddedCluster {
    /// Starts the cluster in `data_dir` (creating it on first use), or joins
    /// it if another Charter process already runs it.
    pub async fn start(data_dir: &Path) -> Result<Self> {
        let bin = locate_binaries()?;
        fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
        let data_dir = fs::canonicalize(data_dir)?;
        // The server's user must be able to reach its directory.
        fs::set_permissions(&data_dir, fs::Permissions::from_mode(0o755))?;
        let run_as = unprivileged_user()?;
        let pgdata = data_dir.join("pgdata");
        let log = data_dir.join("postgres.log");
        let password = read_or_create_secret(&data_dir.join("superuser-password"))?;
        let mut cluster =
            Self { pgdata, log, bin, port: 0, password, run_as, started_here: false, previous_port: None };
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.init(&data_dir).await?;
        }
        if let Some(port) = cluster.running_port() {
            cluster.port = port;
        } else {
            // Keep the port of the last start: the control plane records the
            // databases' URLs with it.
            let port_file = data_dir.join("port");
            let saved: Option<u16> = fs::read_to_string(&port_file).ok().and_then(|p| p.trim().parse().ok());
            cluster.port = match saved {
                Some(port) if port_is_free(port) => port,
                _ => free_port()?,
            };
            cluster.previous_port = saved.filter(|p| *p != cluster.port);
            fs::write(&port_file, cluster.port.to_string())?;
            cluster.launch().await?;
            cluster.started_here = true;
        }
        cluster.ensure_control_database().await?;
        Ok(cluster)
    }

    /// The control plane's URL in this cluster.
    pub fn control_url(&self) -> Result<DbUrl> {
        Ok(DbUrl::parse(&format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{CONTROL_DATABASE}",
            self.password, self.port
        ))?)
    }

    /// `(previous server, new port)` if the cluster moved to another port
    /// since its last start, so the registry can follow.
    pub fn moved(&self) -> Option<(String, u16)> {
        self.previous_port.map(|old| (format!("127.0.0.1:{old}"), self.port))
    }

    /// Stops the server if this process started it.
    pub async fn stop(&self) -> Result<()> {
        if !self.started_here {
            return Ok(());
        }
        let output =
            self.pg_command("pg_ctl").args(["stop", "-m", "fast", "-w", "-D"]).arg(&self.pgdata).output().await?;
        check(&output, "pg_ctl stop")?;
        tracing::info!(pgdata = %self.pgdata.display(), "stopped the embedded PostgreSQL");
        Ok(())
    }

    async fn init(&self, data_dir: &Path) -> Result<()> {
        tracing::info!(pgdata = %self.pgdata.display(), "initialising the embedded PostgreSQL cluster");
        fs::create_dir_all(&self.pgdata)?;
        fs::set_permissions(&self.pgdata, fs::Permissions::from_mode(0o700))?;
        let pwfile = data_dir.join(".initdb-password");
        fs::write(&pwfile, &self.password)?;
        fs::set_permissions(&pwfile, fs::Permissions::from_mode(0o600))?;
        self.hand_over(&self.pgdata)?;
        self.hand_over(&pwfile)?;
        let output = self
            .pg_command("initdb")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-U", SUPERUSER, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .await;
        let _ = fs::remove_file(&pwfile);
        check(&output?, "initdb").context(
            "the PostgreSQL user must be able to reach the data directory; set CHARTER_DATA_DIR to a directory it can enter",
        )
    }

    async fn launch(&self) -> Result<()> {
        if !self.log.exists() {
            fs::write(&self.log, "")?;
        }
        self.hand_over(&self.log)?;
        let options = format!("-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", self.port);
        let output = self
            .pg_command("pg_ctl")
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&self.pgdata)
            .arg("-l")
            .arg(&self.log)
            .args(["-o", &options])
            .output()
            .await?;
        check(&output, "pg_ctl start").with_context(|| format!("see {}", self.log.display()))?;
        tracing::info!(port = self.port, pgdata = %self.pgdata.display(), "started the embedded PostgreSQL");
        Ok(())
    }

    /// The port of a server already running on this data directory.
    fn running_port(&self) -> Option<u16> {
        let pid_file = fs::read_to_string(self.pgdata.join("postmaster.pid")).ok()?;
        let mut lines = pid_file.lines();
        let pid: i32 = lines.next()?.trim().parse().ok()?;
        let port = lines.nth(2)?.trim().parse().ok()?;
        // Signal 0 checks the process exists without touching it.
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).ok()?;
        Some(port)
    }

    async fn ensure_control_database(&self) -> Result<()> {
        let admin = charter_storage::admin::AdminConnection::connect(&self.control_url()?.with_database("postgres"))
            .await
            .context("cannot connect to the embedded PostgreSQL")?;
        if !admin.database_exists(CONTROL_DATABASE).await? {
            admin.create_plain_database(CONTROL_DATABASE).await?;
        }
        Ok(())
    }

    fn pg_command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command.env("LC_ALL", "C").kill_on_drop(false);
        if let Some(parent) = self.pgdata.parent() {
            command.current_dir(parent);
        }
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
        command
    }

    /// Gives a path to the server's user, when that user is not us.
    fn hand_over(&self, path: &Path) -> Result<()> {
        if let Some((uid, gid)) = self.run_as {
            chown(path, Some(uid.as_raw()), Some(gid.as_raw()))
                .with_context(|| format!("cannot hand {} to the postgres user", path.display()))?;
        }
        Ok(())
    }
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: from `PATH`, or
/// the newest `/usr/lib/postgresql/*/bin` (Debian and Ubuntu install there).
fn locate_binaries() -> Result<PathBuf> {
    let has_all = |dir: &Path| ["initdb", "pg_ctl", "postgres"].iter().all(|b| dir.join(b).is_file());
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|d| has_all(d))
    {
        return Ok(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| has_all(bin))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        anyhow!(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under /usr/lib/postgresql/*/bin.\n\
             Install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql`), \
             or point Charter at a running server with CHARTER_DATABASE_URL."
        )
    })
}

/// The user the server runs as when we are root.
fn unprivileged_user() -> Result<Option<(nix::unistd::Uid, nix::unistd::Gid)>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let user = nix::unistd::User::from_name("postgres")?.ok_or_else(|| {
        anyhow!(
            "Charter runs as root, and PostgreSQL refuses to; it needs the unprivileged system user `postgres` \
             (installed with the PostgreSQL packages) to run the embedded cluster"
        )
    })?;
    Ok(Some((user.uid, user.gid)))
}

fn read_or_create_secret(path: &Path) -> Result<String> {
    if let Ok(existing) = fs::read_to_string(path) {
        return Ok(existing.trim().to_owned());
    }
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for a password: {e}"))?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    fs::write(path, &secret)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    Ok(secret)
}

fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn check(output: &Output, what: &str) -> Result<()> {
    if output.status.success() {
        return Ok(());
    }
    bail!(
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim(),
        String::from_utf8_lossy(&output.stdout).trim()
    )
}
