//! The signing key `upstream dev` keeps, and keys made by openssl.

use super::*;

#[test]
fn dev_keeps_its_signing_key_in_the_data_dir() {
    let data = std::env::temp_dir().join(format!("upstream-dev-key-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let kid = |port: u16| {
        let (_, _, body) = http(port, "GET", "/api/.well-known/jwks.json", &[], "");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["keys"][0]["kid"].as_str().unwrap().to_owned()
    };
    let port = free_port();
    let first = {
        let _dev = start_dev(port, &["--data", data.to_str().unwrap()], &[]);
        kid(port)
    };
    let file = data.join("playback-signing-key.pem");
    let pem = std::fs::read_to_string(&file).unwrap();
    assert_eq!(SigningKey::from_pkcs8_pem(&pem).unwrap().kid(), first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let port = free_port();
    let _dev = start_dev(port, &["--data", data.to_str().unwrap()], &[]);
    assert_eq!(kid(port), first, "the same key after a restart");
    drop(_dev);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn openssl_keys_load_and_agree_on_the_public_key() {
    let dir = std::env::temp_dir().join(format!("upstream-openssl-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let private = dir.join("k.pem");
    let out = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&private)
        .output()
        .expect("openssl is installed");
    assert!(out.status.success());
    let public = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&private)
        .output()
        .unwrap();
    let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&private).unwrap()).unwrap();
    let theirs = upstream_session::playback::VerifyingKey::from_pem(&String::from_utf8_lossy(
        &public.stdout,
    ))
    .unwrap();
    assert_eq!(theirs.kid(), key.kid());
    // And openssl reads what `upstream keys new` prints.
    let ours = Command::new(env!("CARGO_BIN_EXE_upstream"))
        .args(["keys", "new", "--json"])
        .output()
        .unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
    std::fs::write(
        dir.join("ours.pem"),
        printed["signingKey"].as_str().unwrap(),
    )
    .unwrap();
    let check = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(dir.join("ours.pem"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&check.stdout),
        printed["publicKey"].as_str().unwrap()
    );
    assert_eq!(printed["jwk"]["kid"], printed["kid"]);
    let _ = std::fs::remove_dir_all(&dir);
}
