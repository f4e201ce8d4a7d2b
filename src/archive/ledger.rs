//! The ledger `ledger.jsonl`: one JSON object per archived record, each
//! holding the hash of the entry before it, so that editing, removing,
//! reordering or slipping in a line breaks the chain where it happened.
//!
//! Key order is fixed (the struct's field order) and `hash` is the SHA-256
//! of the entry serialized without `hash` — the canonical form — so any
//! tool with a JSON library and SHA-256 can re-check the chain.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::score_file::{Points, ScoreFile};

/// The ledger's file name inside the archive folder.
pub const FILE: &str = "ledger.jsonl";

/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How many hex digits of the score file's SHA-256 make a record's
/// fingerprint (printed on certificates).
pub const FINGERPRINT_LEN: usize = 16;

/// One ledger line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 1, 2, 3… in ledger order.
    pub seq: u64,
    /// When the record was added, RFC 3339 UTC.
    pub added_at: String,
    pub exam: String,
    pub candidate: String,
    pub name: String,
    pub paper_id: String,
    pub total: Points,
    pub max: Points,
    pub percent: f64,
    pub pass: bool,
    /// Last valid day of a pass (inclusive); `null` when it does not expire or failed.
    pub valid_until: Option<String>,
    /// The regrade number of the score file (1, 2, …).
    pub version: u32,
    /// The archived copy, relative to the archive folder, `/`-separated.
    pub record: String,
    /// SHA-256 (hex) of the score file's bytes.
    pub score_sha256: String,
    /// SHA-256 (hex) of its `.minisig` signature file's bytes.
    pub sig_sha256: String,
    /// `hash` of the entry before, or [`GENESIS`].
    pub prev: String,
    /// SHA-256 (hex) of this entry's canonical JSON (everything above).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Entry {
    /// The entry for a verified score file, chained after `prev`.
    pub fn new(
        seq: u64,
        added_at: &str,
        prev: &str,
        record: &str,
        score: &ScoreFile,
        score_bytes: &[u8],
        sig_bytes: &[u8],
    ) -> Entry {
        let mut entry = Entry {
            seq,
            added_at: added_at.to_string(),
            exam: score.exam.id.clone(),
            candidate: score.candidate.id.clone(),
            name: score.candidate.name.clone(),
            paper_id: score.paper.id.clone(),
            total: score.result.total,
            max: score.result.max,
            percent: score.result.percent,
            pass: score.result.pass,
            valid_until: score.result.valid_until.clone(),
            version: score.version,
            record: record.to_string(),
            score_sha256: sha256_hex(score_bytes),
            sig_sha256: sha256_hex(sig_bytes),
            prev: prev.to_string(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    /// The JSON the hash is taken over: the entry without `hash`.
    pub fn canonical(&self) -> String {
        let mut body = self.clone();
        body.hash.clear();
        serde_json::to_string(&body).expect("ledger entries always serialize")
    }

    /// SHA-256 of [`Entry::canonical`].
    pub fn compute_hash(&self) -> String {
        sha256_hex(self.canonical().as_bytes())
    }

    /// The ledger line, with its newline.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("ledger entries always serialize");
        line.push('\n');
        line
    }

    /// The record's fingerprint: the first [`FINGERPRINT_LEN`] hex digits
    /// of the score file's SHA-256.
    pub fn fingerprint(&self) -> &str {
        self.score_sha256
            .get(..FINGERPRINT_LEN)
            .unwrap_or(&self.score_sha256)
    }

    /// Fields of the entry that disagree with the signed score file it
    /// names: `(field, ledger value, score file value)`.
    pub fn disagreements(&self, score: &ScoreFile) -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        let mut check = |field: &'static str, ledger: String, file: String| {
            if ledger != file {
                out.push((field, ledger, file));
            }
        };
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        check("exam", self.exam.clone(), score.exam.id.clone());
        check(
            "candidate",
            self.candidate.clone(),
            score.candidate.id.clone(),
        );
        check("name", self.name.clone(), score.candidate.name.clone());
        check("paper_id", self.paper_id.clone(), score.paper.id.clone());
        check(
            "total",
            self.total.to_string(),
            score.result.total.to_string(),
        );
        check("max", self.max.to_string(), score.result.max.to_string());
        check(
            "percent",
            self.percent.to_string(),
            score.result.percent.to_string(),
        );
        check("pass", self.pass.to_string(), score.result.pass.to_string());
        check(
            "valid_until",
            opt(&self.valid_until),
            opt(&score.result.valid_until),
        );
        check(
            "version",
            self.version.to_string(),
            score.version.to_string(),
        );
        out
    }
}

/// One line of the ledger file as read.
#[derive(Clone, Debug)]
pub struct Line {
    /// 1-based line number in the file.
    pub number: usize,
    /// The entry, or why the line is not one.
    pub entry: Result<Entry, String>,
}

/// The lines of a ledger file. The second value is true when the file does
/// not end with a newline (an append was cut short, or the file was edited).
pub fn parse(text: &str) -> (Vec<Line>, bool) {
    let lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| Line {
            number: i + 1,
            entry: serde_json::from_str::<Entry>(line).map_err(|e| e.to_string()),
        })
        .collect();
    (lines, !text.is_empty() && !text.ends_with('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        let mut e = Entry {
            seq: 1,
            added_at: "2026-12-02T09:00:00Z".into(),
            exam: "CS-CERT-2026Q4".into(),
            candidate: "E001".into(),
            name: "张三".into(),
            paper_id: "FRQPZU5R".into(),
            total: Points(6250),
            max: Points(7400),
            percent: 84.46,
            pass: true,
            valid_until: Some("2028-12-01".into()),
            version: 1,
            record: "records/CS-CERT-2026Q4/E001/E001.score.toml".into(),
            score_sha256: "ab".repeat(32),
            sig_sha256: "cd".repeat(32),
            prev: GENESIS.into(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        e
    }

    #[test]
    fn lines_have_fixed_key_order_and_round_trip() {
        let e = entry();
        let line = e.to_line();
        assert!(
            line.starts_with(r#"{"seq":1,"added_at":"2026-12-02T09:00:00Z","exam":"CS-CERT-2026Q4","candidate":"E001","name":"张三","paper_id":"FRQPZU5R","total":62.5,"max":74.0,"percent":84.46,"pass":true,"valid_until":"2028-12-01","version":1,"record":"#),
            "{line}"
        );
        assert!(line.ends_with(&format!(",\"hash\":\"{}\"}}\n", e.hash)));
        let (lines, partial) = parse(&line);
        assert!(!partial);
        assert_eq!(lines[0].entry.as_ref().unwrap(), &e);
        assert_eq!(e.fingerprint(), "abababababababab");
    }

    #[test]
    fn the_hash_covers_every_field() {
        let e = entry();
        let mut changed = e.clone();
        changed.total = Points(7250);
        assert_ne!(changed.compute_hash(), e.hash);
        let mut changed = e.clone();
        changed.prev = "1".repeat(64);
        assert_ne!(changed.compute_hash(), e.hash);
        assert_eq!(e.canonical().find("hash"), None);
    }

    #[test]
    fn a_cut_short_append_is_noticed() {
        let text = entry().to_line();
        let (_, partial) = parse(&text[..text.len() - 5]);
        assert!(partial);
    }
}
