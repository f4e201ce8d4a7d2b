//! Content digests of questions and banks. They are computed from a canonical
//! form of the parsed questions, never from file bytes, so re-formatting a
//! file or editing a comment changes no digest while any change of content
//! does. The form is documented in the README ("Digests") and must never
//! change: old papers record these digests.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::Question;

/// The canonical form of one question: compact JSON (no spaces, UTF-8, keys
/// in this fixed order), with texts trimmed as loaded, the answer as sorted
/// letters or `true`/`false`, and absent optional fields as `null`.
pub fn canonical_json(q: &Question) -> String {
    // serde_json keeps insertion order only with its `preserve_order`
    // feature, so the order is written out by hand instead.
    let fields = [
        ("id", json!(q.id)),
        ("type", json!(q.kind.as_str())),
        ("category", json!(q.category)),
        ("difficulty", json!(q.difficulty)),
        ("stem", json!(q.stem)),
        ("options", json!(q.options)),
        ("answer", json!(q.answer.display())),
        ("explanation", json!(q.explanation)),
        ("source", json!(q.source)),
        ("tags", json!(q.tags)),
        ("group", json!(q.group)),
        ("fixed_order", json!(q.fixed_order)),
    ];
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), v))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// SHA-256 (lowercase hex) of a question's canonical form.
pub fn question_digest(q: &Question) -> String {
    hex::encode(Sha256::digest(canonical_json(q).as_bytes()))
}

/// SHA-256 (lowercase hex) of `certexam-bank-v1\n` followed by the canonical
/// form of every question, sorted by id, each ending in `\n`.
pub fn bank_digest(questions: &[Question]) -> String {
    let mut sorted: Vec<&Question> = questions.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut hasher = Sha256::new();
    hasher.update(b"certexam-bank-v1\n");
    for q in sorted {
        hasher.update(canonical_json(q).as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Answer, Origin, QuestionType};

    fn sample() -> Question {
        Question {
            id: "SEC-001".into(),
            kind: QuestionType::Single,
            category: "security".into(),
            difficulty: 2,
            stem: "问题".into(),
            options: vec!["甲".into(), "乙".into()],
            answer: Answer::Choice(vec![1]),
            explanation: None,
            source: Some("seeds/x.txt".into()),
            tags: vec![],
            group: None,
            fixed_order: false,
            audit_ok: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn canonical_form_is_fixed() {
        assert_eq!(
            canonical_json(&sample()),
            r#"{"id":"SEC-001","type":"single","category":"security","difficulty":2,"stem":"问题","options":["甲","乙"],"answer":"B","explanation":null,"source":"seeds/x.txt","tags":[],"group":null,"fixed_order":false}"#
        );
    }

    #[test]
    fn where_a_question_was_written_does_not_count() {
        let mut moved = sample();
        moved.origin.line = 99;
        assert_eq!(question_digest(&sample()), question_digest(&moved));
    }

    #[test]
    fn bank_digest_ignores_file_order() {
        let a = sample();
        let mut b = sample();
        b.id = "SEC-002".into();
        assert_eq!(bank_digest(&[a.clone(), b.clone()]), bank_digest(&[b, a]));
    }
}
