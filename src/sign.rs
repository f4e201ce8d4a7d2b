//! Ed25519 signatures in the minisign format (through the `minisign`
//! crate): the proctor's key pair, signing score files, and verifying them
//! the way HR does years later with only the public key. Files written here
//! are read by the standard `minisign` program, and the other way round.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use crate::score_file::{self, ScoreFile, ScoreFileError};

/// The untrusted comment of every score-file signature.
pub const UNTRUSTED_COMMENT: &str = "certexam score file";

/// Problems with keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    // The reason is part of the message (not a separate cause), so that
    // it is printed once however the error is shown.
    #[error("cannot read the key file {path}: {reason}")]
    Read {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("{path} is not a minisign public key ({message})")]
    NotPublicKey { path: PathBuf, message: String },
    #[error("{path} is not a minisign secret key ({message})")]
    NotSecretKey { path: PathBuf, message: String },
    #[error("wrong password for the secret key {path}")]
    WrongPassword { path: PathBuf },
    #[error("cannot make a key pair: {0}")]
    Generate(String),
}

/// A public key, with its minisign key id.
#[derive(Clone, Debug)]
pub struct PublicKey {
    inner: minisign::PublicKey,
    key_id: String,
}

impl PublicKey {
    /// Reads a minisign public key file (`NAME.pub`).
    pub fn read(path: &Path) -> Result<PublicKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|reason| KeyError::Read {
            path: path.to_path_buf(),
            reason,
        })?;
        Self::parse(&text).map_err(|message| KeyError::NotPublicKey {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses the text of a public key file (or a bare base64 key line).
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let text = text.trim_start_matches('\u{feff}');
        let inner = if text.trim_start().starts_with("untrusted comment:") {
            minisign::PublicKey::from_box(
                minisign::PublicKeyBox::from_string(text).map_err(|e| e.to_string())?,
            )
        } else {
            minisign::PublicKey::from_base64(text.trim())
        }
        .map_err(|e| e.to_string())?;
        let key_id = key_id(inner.keynum());
        Ok(PublicKey { inner, key_id })
    }

    /// 16 upper-case hex digits, as `minisign` prints it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// An unlocked secret key, ready to sign.
#[derive(Clone)]
pub struct SecretKey {
    inner: minisign::SecretKey,
    public: PublicKey,
    /// Whether the key file needs a password.
    encrypted: bool,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("key_id", &self.public.key_id)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// Reads a minisign secret key file. `password` is asked only if the
    /// key is encrypted (it is called at most once); its error is passed
    /// on as it is.
    pub fn read<E: From<KeyError>>(
        path: &Path,
        password: impl FnOnce() -> Result<String, E>,
    ) -> Result<SecretKey, E> {
        let text = std::fs::read_to_string(path).map_err(|reason| KeyError::Read {
            path: path.to_path_buf(),
            reason,
        })?;
        let not_key = |message: String| KeyError::NotSecretKey {
            path: path.to_path_buf(),
            message,
        };
        if !text.starts_with("untrusted comment:") || text.lines().count() < 2 {
            return Err(not_key(
                "it should start with `untrusted comment:` and hold a base64 key line".into(),
            )
            .into());
        }
        let boxed =
            minisign::SecretKeyBox::from_string(&text).map_err(|e| not_key(e.to_string()))?;
        let mut encrypted = false;
        let inner = match boxed.clone().into_unencrypted_secret_key() {
            Ok(sk) => sk,
            Err(e) if e.to_string().contains("encrypted") => {
                encrypted = true;
                let password = password()?;
                boxed.into_secret_key(Some(password)).map_err(|e| {
                    if e.to_string().contains("Wrong password") {
                        KeyError::WrongPassword {
                            path: path.to_path_buf(),
                        }
                    } else {
                        not_key(e.to_string())
                    }
                })?
            }
            Err(e) => match program_unencrypted_key(&text) {
                Some(sk) => sk,
                None => return Err(not_key(e.to_string()).into()),
            },
        };
        let public =
            minisign::PublicKey::from_secret_key(&inner).map_err(|e| not_key(e.to_string()))?;
        let key_id = key_id(public.keynum());
        Ok(SecretKey {
            inner,
            public: PublicKey {
                inner: public,
                key_id,
            },
            encrypted,
        })
    }

    /// Whether the key file was protected by a password.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    pub fn key_id(&self) -> &str {
        &self.public.key_id
    }

    /// A detached signature of `bytes` (the `.minisig` file's text), with
    /// a one-line trusted comment.
    pub fn sign(&self, bytes: &[u8], trusted_comment: &str) -> String {
        debug_assert!(!trusted_comment.contains(['\n', '\r']));
        minisign::sign(
            None,
            &self.inner,
            Cursor::new(bytes),
            Some(trusted_comment),
            Some(UNTRUSTED_COMMENT),
        )
        .expect("signing in memory with an unlocked key cannot fail")
        .into_string()
    }
}

/// Who else may read a key file, when someone may: `"its group"`,
/// `"every user"`. An unencrypted secret key readable by others lets them
/// sign in the proctor's name.
pub fn readable_by_others(path: &Path) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        if mode & 0o004 != 0 {
            Some("every user")
        } else if mode & 0o040 != 0 {
            Some("its group")
        } else {
            None
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// An unencrypted key made by the `minisign` program (`minisign -G -W`):
/// it writes a zero checksum, which the `minisign` crate calls corrupted.
/// Such a key is accepted only if it signs something its own public half
/// verifies, so a damaged key is still refused.
fn program_unencrypted_key(text: &str) -> Option<minisign::SecretKey> {
    use ct_codecs::{Base64, Decoder};
    let line = text.lines().nth(1)?.trim();
    let bytes = Base64::decode_to_vec(line, None).ok()?;
    // sig_alg (2) kdf_alg (2) chk_alg (2) … then the 32-byte checksum last.
    if bytes.len() < 38
        || bytes[2..4] != [0, 0]
        || bytes[bytes.len() - 32..].iter().any(|&b| b != 0)
    {
        return None;
    }
    let sk = minisign::SecretKey::from_bytes(&bytes).ok()?;
    let pk = minisign::PublicKey::from_secret_key(&sk).ok()?;
    let probe = b"certexam key check";
    let sig = minisign::sign(None, &sk, Cursor::new(probe), None, None).ok()?;
    minisign::verify(&pk, &sig, Cursor::new(probe), true, false, false).ok()?;
    Some(sk)
}

/// A new key pair as file texts.
#[derive(Debug)]
pub struct NewKeys {
    pub public_text: String,
    pub secret_text: String,
    pub key_id: String,
}

/// Makes a key pair; the secret key is encrypted with `password` (scrypt,
/// as minisign does) unless it is `None`.
pub fn generate(password: Option<String>) -> Result<NewKeys, KeyError> {
    let generate = |e: minisign::PError| KeyError::Generate(e.to_string());
    let encrypted = password.is_some();
    let pair = match password {
        Some(p) => minisign::KeyPair::generate_encrypted_keypair(Some(p)),
        None => minisign::KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(generate)?;
    let key_id = key_id(pair.pk.keynum());
    let comment = if encrypted {
        "certexam secret key (minisign, encrypted)"
    } else {
        "certexam secret key (minisign, NOT encrypted)"
    };
    Ok(NewKeys {
        public_text: pair.pk.to_box().map_err(generate)?.into_string(),
        secret_text: pair
            .sk
            .to_box(Some(comment))
            .map_err(generate)?
            .into_string(),
        key_id,
    })
}

fn key_id(keynum: &[u8]) -> String {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&keynum[..8]);
    format!("{:016X}", u64::from_le_bytes(bytes))
}

/// Why a score file did not verify.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read it: {0}")]
    Unreadable(std::io::Error),
    #[error("missing signature: {} does not exist", .0.display())]
    MissingSignature(PathBuf),
    #[error("the signature file {} is not a minisign signature ({message})", path.display())]
    MalformedSignature { path: PathBuf, message: String },
    #[error(
        "legacy signature: it was made with `minisign -l` (over the whole file, not its hash), which certexam does not accept; sign the file again without -l"
    )]
    Legacy,
    #[error("wrong key: signed by key {signed_by}, but the public key is {expected}")]
    WrongKey { signed_by: String, expected: String },
    #[error(
        "bad signature: the file was changed after it was signed, or the signature belongs to another file"
    )]
    BadSignature,
    #[error("malformed file: {0}")]
    Malformed(ScoreFileError),
    #[error("the signature's trusted comment does not describe this file (it says `{found}`)")]
    CommentMismatch { found: String },
    #[error("the file name does not match its content (it should be {expected})")]
    Renamed { expected: String },
    #[error("signed, but its figures do not add up: {0} (a fault of the program that signed it)")]
    Arithmetic(String),
}

/// What is wrong with the shape of a `.minisig` file.
#[derive(Debug, PartialEq, Eq)]
enum Structure {
    /// A legacy signature (`minisign -l`, algorithm `Ed`): over the file
    /// itself rather than its BLAKE2b hash, which certexam does not accept.
    Legacy,
    Damaged(String),
}

/// Checks a signature file's four lines before the `minisign` crate sees
/// them: the crate trusts their lengths and panics on a signature line that
/// decodes to too few bytes, which would stop the check of every other file.
fn check_signature_structure(text: &str) -> Result<(), Structure> {
    use ct_codecs::{Base64, Decoder};
    let damaged = |m: &str| Structure::Damaged(m.to_string());
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() < 4 {
        return Err(damaged("it should have four lines"));
    }
    if !lines[0].starts_with("untrusted comment:") {
        return Err(damaged(
            "its first line should start with `untrusted comment:`",
        ));
    }
    if !lines[2].starts_with("trusted comment:") {
        return Err(damaged(
            "its third line should start with `trusted comment:`",
        ));
    }
    // sig_alg (2) keynum (8) signature (64); then the comment signature (64).
    let signature = Base64::decode_to_vec(lines[1].trim(), None)
        .map_err(|_| damaged("its signature line is not base64"))?;
    if signature.len() != 74 {
        return Err(Structure::Damaged(format!(
            "its signature line holds {} bytes instead of 74: the file is damaged or cut short",
            signature.len()
        )));
    }
    match &signature[..2] {
        b"ED" => {}
        b"Ed" => return Err(Structure::Legacy),
        _ => return Err(damaged("its signature algorithm is neither `ED` nor `Ed`")),
    }
    let global = Base64::decode_to_vec(lines[3].trim(), None)
        .map_err(|_| damaged("its comment signature line is not base64"))?;
    if global.len() != 64 {
        return Err(Structure::Damaged(format!(
            "its comment signature line holds {} bytes instead of 64: the file is damaged or cut short",
            global.len()
        )));
    }
    Ok(())
}

/// Checks a detached signature over `bytes`; returns the trusted comment.
pub fn verify_bytes(
    key: &PublicKey,
    bytes: &[u8],
    signature_text: &str,
    signature_path: &Path,
) -> Result<String, VerifyError> {
    let malformed = |message: String| VerifyError::MalformedSignature {
        path: signature_path.to_path_buf(),
        message,
    };
    check_signature_structure(signature_text).map_err(|e| match e {
        Structure::Legacy => VerifyError::Legacy,
        Structure::Damaged(message) => malformed(message),
    })?;
    let sig = minisign::SignatureBox::from_string(signature_text)
        .map_err(|e| malformed(e.to_string()))?;
    let signed_by = key_id(sig.keynum());
    if signed_by != key.key_id {
        return Err(VerifyError::WrongKey {
            signed_by,
            expected: key.key_id.clone(),
        });
    }
    minisign::verify(&key.inner, &sig, Cursor::new(bytes), true, false, false)
        .map_err(|_| VerifyError::BadSignature)?;
    sig.trusted_comment().map_err(|e| malformed(e.to_string()))
}

/// Verifies one score file against its `.minisig`: signature present, made
/// by this key, valid over the exact bytes; the file is a readable
/// `certexam-score-v1` file whose name and trusted comment match its content.
pub fn verify_score_file(key: &PublicKey, path: &Path) -> Result<ScoreFile, VerifyError> {
    let bytes = std::fs::read(path).map_err(VerifyError::Unreadable)?;
    let sig_path = score_file::signature_path(path);
    let signature_text = match std::fs::read_to_string(&sig_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(VerifyError::MissingSignature(sig_path));
        }
        Err(e) => {
            return Err(VerifyError::MalformedSignature {
                path: sig_path,
                message: e.to_string(),
            });
        }
    };
    verify_score_bytes(key, path, &bytes, &signature_text)
}

/// [`verify_score_file`] on bytes already read: `bytes` are the score
/// file's content and `signature_text` its `.minisig`; `path` names the
/// file (its name must match the content). Callers that keep the bytes
/// (to archive them) verify exactly what they keep, without reading twice.
pub fn verify_score_bytes(
    key: &PublicKey,
    path: &Path,
    bytes: &[u8],
    signature_text: &str,
) -> Result<ScoreFile, VerifyError> {
    let sig_path = score_file::signature_path(path);
    let comment = verify_bytes(key, bytes, signature_text, &sig_path)?;
    let text = std::str::from_utf8(bytes).map_err(|_| {
        VerifyError::Malformed(ScoreFileError::Malformed {
            path: path.to_path_buf(),
            message: "not UTF-8 text".into(),
        })
    })?;
    let score = ScoreFile::parse(path, text).map_err(VerifyError::Malformed)?;
    if comment != score.trusted_comment() {
        return Err(VerifyError::CommentMismatch { found: comment });
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    if name.as_deref() != Some(score.file_name().as_str()) {
        return Err(VerifyError::Renamed {
            expected: score.file_name(),
        });
    }
    if let Some(problem) = score.arithmetic_problem() {
        return Err(VerifyError::Arithmetic(problem));
    }
    Ok(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unlocked(keys: &NewKeys) -> SecretKey {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        std::fs::write(&path, &keys.secret_text).unwrap();
        SecretKey::read(&path, || Ok::<_, KeyError>("pw".into())).unwrap()
    }

    #[test]
    fn sign_then_verify_and_every_tamper_fails() {
        let keys = generate(None).unwrap();
        let sk = unlocked(&keys);
        let pk = PublicKey::parse(&keys.public_text).unwrap();
        assert_eq!(pk.key_id(), keys.key_id);
        assert_eq!(sk.key_id(), keys.key_id);
        let sig = sk.sign(b"total = 62.5\n", "summary");
        let path = Path::new("x.minisig");
        assert_eq!(
            verify_bytes(&pk, b"total = 62.5\n", &sig, path).unwrap(),
            "summary"
        );
        assert!(matches!(
            verify_bytes(&pk, b"total = 72.5\n", &sig, path),
            Err(VerifyError::BadSignature)
        ));
        let other = PublicKey::parse(&generate(None).unwrap().public_text).unwrap();
        assert!(matches!(
            verify_bytes(&other, b"total = 62.5\n", &sig, path),
            Err(VerifyError::WrongKey { .. })
        ));
        let forged = sig.replace("trusted comment: summary", "trusted comment: pass=true");
        assert!(matches!(
            verify_bytes(&pk, b"total = 62.5\n", &forged, path),
            Err(VerifyError::BadSignature)
        ));
        assert!(matches!(
            verify_bytes(&pk, b"x", "hello", path),
            Err(VerifyError::MalformedSignature { .. })
        ));
    }

    /// Replaces line `n` (0-based) of a signature file.
    fn with_line(sig: &str, n: usize, line: &str) -> String {
        let mut lines: Vec<&str> = sig.lines().collect();
        lines[n] = line;
        lines.join("\n") + "\n"
    }

    #[test]
    fn a_short_signature_line_is_damaged_not_a_panic() {
        use ct_codecs::{Base64, Decoder, Encoder};
        let keys = generate(None).unwrap();
        let sk = unlocked(&keys);
        let pk = PublicKey::parse(&keys.public_text).unwrap();
        let sig = sk.sign(b"x", "c");
        let path = Path::new("x.minisig");
        let lines: Vec<String> = sig.lines().map(String::from).collect();
        for n in [1, 3] {
            let bytes = Base64::decode_to_vec(lines[n].trim(), None).unwrap();
            for cut in [0, 1, 10, 63, bytes.len() - 1] {
                let short = Base64::encode_to_string(&bytes[..cut]).unwrap();
                let damaged = with_line(&sig, n, &short);
                let err = verify_bytes(&pk, b"x", &damaged, path).unwrap_err();
                assert!(
                    matches!(err, VerifyError::MalformedSignature { .. }),
                    "line {n} cut to {cut}: {err}"
                );
            }
        }
        let err = verify_bytes(&pk, b"x", &with_line(&sig, 1, "!!"), path).unwrap_err();
        assert!(err.to_string().contains("not base64"), "{err}");
    }

    #[test]
    fn a_legacy_signature_is_named_as_such() {
        use ct_codecs::{Base64, Decoder, Encoder};
        let keys = generate(None).unwrap();
        let sk = unlocked(&keys);
        let pk = PublicKey::parse(&keys.public_text).unwrap();
        let sig = sk.sign(b"x", "c");
        let line = sig.lines().nth(1).unwrap();
        let mut bytes = Base64::decode_to_vec(line.trim(), None).unwrap();
        bytes[1] = b'd';
        let legacy = with_line(&sig, 1, &Base64::encode_to_string(&bytes).unwrap());
        let err = verify_bytes(&pk, b"x", &legacy, Path::new("x.minisig")).unwrap_err();
        assert!(matches!(err, VerifyError::Legacy), "{err}");
        assert!(
            err.to_string()
                .starts_with("legacy signature: it was made with `minisign -l`")
        );
    }

    #[test]
    fn encrypted_keys_need_the_right_password() {
        let keys = generate(Some("correct horse".into())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        std::fs::write(&path, &keys.secret_text).unwrap();
        let err = SecretKey::read(&path, || Ok::<_, KeyError>("wrong".into())).unwrap_err();
        assert!(err.to_string().contains("wrong password"), "{err}");
        let sk = SecretKey::read(&path, || Ok::<_, KeyError>("correct horse".into())).unwrap();
        assert_eq!(sk.key_id(), keys.key_id);
    }
}
