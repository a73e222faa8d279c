//! `upstream keys new`: a fresh ES256 key pair for playback tokens.

use upstream_session::playback::SigningKey;

/// `upstream keys …`.
#[derive(clap::Subcommand)]
pub enum KeysCommand {
    /// Print a fresh P-256 key pair: the PKCS#8 PEM private key (the secret
    /// `<stack>/playback-signing-key`), the public PEM (into `<stack>/playback-public-keys`) and the
    /// public JWK with its kid.
    New {
        /// Print one JSON object `{kid, signingKey, publicKey, jwk}` (e.g. for Secrets Manager).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: KeysCommand) -> Result<(), String> {
    match command {
        KeysCommand::New { json } => {
            let key = SigningKey::generate();
            let public = key.verifying_key();
            if json {
                let out = serde_json::json!({
                    "kid": key.kid(),
                    "signingKey": key.to_pkcs8_pem(),
                    "publicKey": public.to_pem(),
                    "jwk": public.jwk(),
                });
                println!("{out}");
            } else {
                println!("# kid: {}", key.kid());
                println!(
                    "# signing key: the secret <stack>/playback-signing-key (Secrets Manager, never a repo)"
                );
                print!("{}", key.to_pkcs8_pem());
                println!("# public key: into the secret <stack>/playback-public-keys");
                print!("{}", public.to_pem());
                println!("# public JWK");
                println!("{}", public.jwk());
            }
            Ok(())
        }
    }
}
