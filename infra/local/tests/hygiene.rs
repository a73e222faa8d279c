//! DynamoDB Local leaves nothing in the repository: telemetry off, its metadata file kept out of the tree.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use upstream_local::{DynamoLocal, Storage};

const METADATA: &str = "dynamodb-local-metadata.json";

/// Every metadata file in the repository (outside the git-ignored `.local/`, `target/`, `.git/`).
fn metadata_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let skip = [".local", "target", ".git", "node_modules", ".venv"];
        if path.is_dir() && !path.is_symlink() && !skip.iter().any(|s| name == *s) {
            metadata_files(&path, found);
        } else if name == METADATA {
            found.push(path);
        }
    }
}

fn written_since(root: &Path, since: SystemTime) -> Vec<PathBuf> {
    let mut found = Vec::new();
    metadata_files(root, &mut found);
    found.retain(|p| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= since)
    });
    found
}

#[test]
fn starting_and_stopping_leaves_no_metadata_file_in_the_repository() {
    let root = std::path::absolute(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap();
    let since = SystemTime::now() - std::time::Duration::from_secs(1);
    let data = std::env::temp_dir().join(format!("upstream-hygiene-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    for storage in [Storage::InMemory, Storage::Dir(data.clone())] {
        let local = DynamoLocal::start(storage).expect("DynamoDB Local starts");
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", local.pid())).unwrap();
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        assert!(
            args.contains(&&b"-disableTelemetry"[..]),
            "telemetry is disabled: {}",
            String::from_utf8_lossy(&cmdline)
        );
        // Let it settle (it writes the file shortly after start), then stop it.
        std::thread::sleep(std::time::Duration::from_secs(3));
        local.stop();
    }
    let _ = std::fs::remove_dir_all(&data);
    assert_eq!(written_since(&root, since), Vec::<PathBuf>::new());
    assert!(
        !std::env::current_dir().unwrap().join(METADATA).exists(),
        "nothing in the test's working directory"
    );
}
