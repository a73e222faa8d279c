//! Where a function's release artifacts are: the emulator binary from the aws-sam-cli wheel, cargo
//! lambda's output, each function's unpacked `bootstrap` and its zip; and the errors of running them.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Errors while preparing, starting or invoking an emulated function.
#[derive(Debug, thiserror::Error)]
pub enum LambdaError {
    #[error("{0}")]
    Template(String),
    #[error("{0}")]
    Missing(String),
    #[error("could not start the emulator: {0}")]
    Start(String),
    #[error("invocation failed: {0}")]
    Invoke(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The repository root (this crate lives in `infra/local`).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The emulator binary for this machine, from the aws-sam-cli wheel in `.venv` (override with
/// `UPSTREAM_RIE`).
pub fn rie_binary() -> Result<PathBuf, LambdaError> {
    if let Some(path) = std::env::var_os("UPSTREAM_RIE") {
        return Ok(PathBuf::from(path));
    }
    let arch = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "x86_64"
    };
    let lib = repo_root().join(".venv/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|dirs| {
        dirs.filter_map(Result::ok)
            .map(|d| {
                d.path()
                    .join("site-packages/samcli/local/rapid")
                    .join(format!("aws-lambda-rie-{arch}"))
            })
            .find(|p| p.is_file())
    });
    found.ok_or_else(|| {
        LambdaError::Missing(format!(
            "the Runtime Interface Emulator (aws-lambda-rie-{arch}) is not under {}: run infra/setup",
            lib.display()
        ))
    })
}

/// Where cargo lambda puts the release bootstraps (`target/lambda`; override with `UPSTREAM_LAMBDA_DIR`).
pub fn lambda_dir() -> PathBuf {
    match std::env::var_os("UPSTREAM_LAMBDA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("target/lambda"),
    }
}

/// The built `bootstrap` of a function (a binary name); never builds it. cargo lambda's zip
/// (`target/lambda/<function>/bootstrap.zip`, what is deployed) is unpacked next to it, under
/// `target/lambda-rie/<function>/`, when newer than the last copy.
pub fn bootstrap(function: &str) -> Result<PathBuf, LambdaError> {
    let dir = lambda_dir().join(function);
    let plain = dir.join("bootstrap");
    if plain.is_file() {
        return Ok(plain);
    }
    let zip = dir.join("bootstrap.zip");
    if !zip.is_file() {
        return Err(LambdaError::Missing(format!(
            "{} is missing: build it first with infra/sam-check, or \
             `cargo lambda build --release --x86-64 --output-format zip -p {function}` \
             (cargo lambda is in .venv/bin after infra/setup)",
            zip.display()
        )));
    }
    let out_dir = lambda_dir().with_file_name("lambda-rie").join(function);
    let out = out_dir.join("bootstrap");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&out).is_none() || modified(&out) < modified(&zip) {
        // Unpacked aside, then renamed into place: another process may be running the old copy.
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let staging = out_dir.join(format!(".unpack-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&staging)?;
        // Python's zipfile (Python is a prerequisite): no unzip tool needed.
        let status = Command::new("python3")
            .args(["-m", "zipfile", "-e"])
            .arg(&zip)
            .arg(&staging)
            .status()?;
        let unpacked = staging.join("bootstrap");
        if !status.success() || !unpacked.is_file() {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(LambdaError::Missing(format!(
                "could not unpack {} ({status})",
                zip.display()
            )));
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&unpacked, std::fs::Permissions::from_mode(0o755))?;
        std::fs::rename(&unpacked, &out)?;
        let _ = std::fs::remove_dir_all(&staging);
    }
    Ok(out)
}

/// The zipped bootstrap's size in bytes (what Lambda's 50 MB limit and cold download count).
pub fn bundle_size(function: &str) -> Option<u64> {
    std::fs::metadata(lambda_dir().join(function).join("bootstrap.zip"))
        .ok()
        .map(|m| m.len())
}
