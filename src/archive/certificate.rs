//! What a certificate (证书) says, as pure data: who passed what, with
//! which score, until when, and the record's fingerprint as text and as a
//! QR code — so a certificate can always be traced back to the signed
//! record in the archive. Also how a certificate's text (as `pdftotext`
//! reads it) is checked against the record (`certexam archive
//! verify-certificate`). [`crate::render::certificate`] prints it.

use serde::Serialize;

use super::ledger::{Entry, FINGERPRINT_LEN};
use crate::score_file::ScoreFile;

/// What the template prints.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateData {
    pub name: String,
    pub candidate: String,
    pub department: String,
    pub exam_id: String,
    pub exam_title: String,
    /// Exam date, or the grading date when the exam has none.
    pub date: String,
    pub total: String,
    pub max: String,
    pub percent: String,
    /// Last valid day, or 长期有效 (no end) for a pass that does not expire.
    pub valid_until: String,
    pub fingerprint: String,
    pub sha256: String,
    pub record: String,
    /// The day the certificate was made.
    pub issued: String,
    /// The QR code image, as typst sees it.
    pub qr: String,
}

/// The template's data for an archived record and its signed score file.
pub fn data(entry: &Entry, score: &ScoreFile, issued: &str) -> CertificateData {
    CertificateData {
        name: score.candidate.name.clone(),
        candidate: score.candidate.id.clone(),
        department: score
            .candidate
            .extra
            .get("department")
            .cloned()
            .unwrap_or_default(),
        exam_id: score.exam.id.clone(),
        exam_title: score.exam.title.clone(),
        date: score
            .exam
            .date
            .clone()
            .unwrap_or_else(|| score.graded_at.get(..10).unwrap_or("").to_string()),
        total: score.result.total.to_string(),
        max: score.result.max.to_string(),
        percent: score.result.percent.to_string(),
        valid_until: score
            .result
            .valid_until
            .clone()
            .unwrap_or_else(|| "长期有效 (no expiry)".into()),
        fingerprint: entry.fingerprint().to_string(),
        sha256: entry.score_sha256.clone(),
        record: entry.record.clone(),
        issued: issued.to_string(),
        qr: "/qr.svg".into(),
    }
}

/// The PDF creation time of a certificate issued on `issued`: midnight UTC
/// of that day, so that the same record issued on the same day renders to
/// the same bytes, and `verify-certificate` can render it again to compare.
pub fn creation_timestamp(issued: jiff::civil::Date) -> i64 {
    crate::clock::midnight_utc(issued)
}

/// The label before the issue date at the bottom of every certificate.
pub const ISSUED_LABEL: &str = "签发日期 Issued:";

/// The issue date printed on a certificate (see [`ISSUED_LABEL`]).
pub fn issued_in(text: &str) -> Option<jiff::civil::Date> {
    let after = &text[text.find(ISSUED_LABEL)? + ISSUED_LABEL.len()..];
    after.trim_start().get(..10)?.parse().ok()
}

/// A line in which a certificate's text differs from the certificate the
/// archive renders for its record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// A line of the certificate (numbered as in its text) that the
    /// archive's certificate does not have.
    Extra { line: usize, text: String },
    /// A line of the archive's certificate that the certificate lacks.
    Missing { text: String },
}

/// The lines that differ between a certificate's text and the text of the
/// certificate the archive would print (both as `pdftotext` reads them),
/// as a line diff (longest common subsequence); blank lines and runs of
/// spaces are ignored. Empty when they are the same.
pub fn text_differences(found: &str, expected: &str) -> Vec<Difference> {
    let lines = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect()
    };
    let (a, b) = (lines(found), lines(expected));
    // lcs[i][j]: length of the common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(Difference::Missing { text: b[j].clone() });
            j += 1;
        } else {
            out.push(Difference::Extra {
                line: i + 1,
                text: a[i].clone(),
            });
            i += 1;
        }
    }
    out
}

/// The text the QR code holds: the fingerprint, labelled.
pub fn qr_text(data: &CertificateData) -> String {
    format!("certexam-record sha256:{}", data.fingerprint)
}

/// Candidate fingerprints in a certificate's text: runs of exactly
/// [`FINGERPRINT_LEN`] lower-case hex digits, in order, without repeats.
pub fn fingerprints_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_ascii_hexdigit()) {
        if word.len() == FINGERPRINT_LEN
            && word
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && !out.iter().any(|w| w == word)
        {
            out.push(word.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_fingerprint_among_other_text() {
        let text = "证书指纹 Fingerprint 3f9a1c0b7d2e4f68\nSHA-256: 3f9a1c0b7d2e4f68aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nCS-CERT-2026Q4 20260101";
        assert_eq!(fingerprints_in(text), ["3f9a1c0b7d2e4f68"]);
        assert!(fingerprints_in("ABCDEF0123456789").is_empty());
    }

    #[test]
    fn a_changed_and_an_added_line_are_named() {
        let expected = "证 书\n兹证明 张三\n\nfingerprint 1\n";
        let found = "张三 E001\n证 书\n兹证明  李四\nfingerprint 1\n";
        assert_eq!(
            text_differences(found, expected),
            [
                Difference::Extra {
                    line: 1,
                    text: "张三 E001".into()
                },
                Difference::Missing {
                    text: "兹证明 张三".into()
                },
                Difference::Extra {
                    line: 3,
                    text: "兹证明 李四".into()
                },
            ]
        );
        assert!(text_differences(expected, expected).is_empty());
    }
}
