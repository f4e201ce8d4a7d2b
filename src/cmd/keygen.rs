//! `certexam keygen`: the proctor's signing key pair in the minisign
//! formats — `NAME.pub` for HR, `NAME.key` (mode 0600, password-protected
//! unless `--unencrypted`) for the proctor. Existing key files are never
//! replaced: a lost secret key can be replaced, an overwritten one cannot.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::Status;
use crate::cmd::common::PASSWORD_VAR;
use crate::fsutil;
use crate::sign;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name of the key pair: writes NAME.pub (public key, give it to HR) and NAME.key (secret key).
    #[arg(long, value_name = "NAME")]
    pub out: PathBuf,
    /// Do not protect the secret key with a password (for automated grading; anyone who can
    /// read NAME.key can then sign score files).
    #[arg(long)]
    pub unencrypted: bool,
}

/// `NAME.pub` and `NAME.key` (a trailing `.pub`/`.key` in NAME is dropped).
pub fn key_paths(name: &Path) -> (PathBuf, PathBuf) {
    let text = name.as_os_str().to_string_lossy();
    let base = text
        .strip_suffix(".key")
        .or_else(|| text.strip_suffix(".pub"))
        .unwrap_or(&text);
    (
        PathBuf::from(format!("{base}.pub")),
        PathBuf::from(format!("{base}.key")),
    )
}

/// The password for a new key: `CERTEXAM_KEY_PASSWORD`, or typed twice on the terminal.
fn new_password(key: &Path) -> Result<String> {
    if let Ok(p) = std::env::var(PASSWORD_VAR) {
        if p.is_empty() {
            bail!(
                "{PASSWORD_VAR} is empty; set a password, or use --unencrypted for a key without one"
            );
        }
        return Ok(p);
    }
    let prompt = |text: &str| {
        rpassword::prompt_password(text).with_context(|| {
            format!(
                "cannot ask for a password (no terminal?); set {PASSWORD_VAR}, or use --unencrypted"
            )
        })
    };
    let first = prompt(&format!("Password to protect {}: ", key.display()))?;
    if first.is_empty() {
        bail!("the password is empty; use --unencrypted if you really want a key without one");
    }
    let second = prompt("The same password again: ")?;
    if first != second {
        bail!("the two passwords differ; nothing was written, run keygen again");
    }
    Ok(first)
}

pub fn run(args: &Args) -> Result<Status> {
    let (public, secret) = key_paths(&args.out);
    for path in [&public, &secret] {
        if path.exists() {
            bail!(
                "{} already exists; key files are never overwritten. Choose another --out name, or move the old pair away first",
                path.display()
            );
        }
    }
    let password = if args.unencrypted {
        None
    } else {
        Some(new_password(&secret)?)
    };
    let keys = sign::generate(password)?;
    // The secret key goes first: a public key without its secret is useless.
    // It is created owner-only, so it is never readable by others, not even
    // for a moment.
    fsutil::write_new_private(&secret, keys.secret_text.as_bytes())?;
    restrict(&secret, 0o600)?;
    fsutil::write_new(&public, keys.public_text.as_bytes())?;
    restrict(&public, 0o644)?;
    eprintln!(
        "wrote {} (public key: give it to HR, it checks your score files) and {} (secret key: keep it safe, it signs them); key id {}",
        public.display(),
        secret.display(),
        keys.key_id
    );
    if args.unencrypted {
        eprintln!(
            "warning: {} is NOT password-protected: anyone who can read it can sign score files in your name. Keep it on the grading machine only.",
            secret.display()
        );
    }
    Ok(Status::Ok)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the permissions of {}", path.display()))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}
