//! Bank TOML written the way a person writes it: one `[[question]]` block per
//! question with its keys in the documented order, a blank line between
//! blocks, section comments per question type. Values go through the `toml`
//! serializer (so quotes, backslashes and line breaks are escaped correctly),
//! and changing a question that is already in a file goes through
//! `toml_edit`, which leaves every other byte of the file as it was.

use std::collections::BTreeMap;

use serde::Serialize;
use toml_edit::{DocumentMut, Item};

use crate::bank::{Answer, Category, Question, QuestionType};

/// Why an existing question file could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum TomlOutError {
    #[error("cannot parse {file} to change it: {message}")]
    Parse { file: String, message: String },
    #[error("{file} has no [[question]] with id {id} to change")]
    Missing { file: String, id: String },
}

#[derive(Serialize)]
#[serde(untagged)]
enum AnswerToml {
    Letters(String),
    Truth(bool),
}

/// A question's keys in the order the README documents them; empty
/// optional keys are left out, as a person would.
#[derive(Serialize)]
struct QuestionToml<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    category: &'a str,
    difficulty: u8,
    stem: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    options: &'a [String],
    answer: AnswerToml,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    fixed_order: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    audit_ok: &'a [String],
}

/// One `[[question]]` block, ending in a newline.
pub fn question_block(q: &Question) -> String {
    let answer = match &q.answer {
        Answer::Choice(_) => AnswerToml::Letters(q.answer.display()),
        Answer::TrueFalse(b) => AnswerToml::Truth(*b),
    };
    let body = QuestionToml {
        id: &q.id,
        kind: q.kind.as_str(),
        category: &q.category,
        difficulty: q.difficulty,
        stem: &q.stem,
        options: &q.options,
        answer,
        explanation: q.explanation.as_deref(),
        source: q.source.as_deref(),
        tags: &q.tags,
        group: q.group.as_deref(),
        fixed_order: q.fixed_order,
        audit_ok: &q.audit_ok,
    };
    let text = toml::to_string(&body).expect("strings, numbers and booleans always serialise");
    format!("[[question]]\n{text}")
}

/// One `[[category]]` block, ending in a newline.
pub fn category_block(c: &Category) -> String {
    let text = toml::to_string(c).expect("strings always serialise");
    format!("[[category]]\n{text}")
}

/// Text safe inside a `#` comment: one line.
fn comment(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[derive(Serialize)]
struct Header<'a> {
    name: &'a str,
    version: &'a str,
}

/// A new bank.toml with the given categories.
pub fn new_bank_toml(name: &str, version: &str, categories: &[Category]) -> String {
    let mut out = format!(
        "# {}: the bank's name, version and categories.\n\
         # Question files (*.toml) beside this one hold the [[question]] tables.\n",
        comment(name)
    );
    out.push_str(&toml::to_string(&Header { name, version }).expect("strings always serialise"));
    for c in categories {
        out.push('\n');
        out.push_str(&category_block(c));
    }
    out
}

/// `existing` bank.toml with `categories` appended; nothing before them changes.
pub fn append_categories(existing: &str, categories: &[Category]) -> String {
    let mut out = with_final_newline(existing);
    for c in categories {
        out.push('\n');
        out.push_str(&category_block(c));
    }
    out
}

fn with_final_newline(text: &str) -> String {
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The questions grouped by type (单选题, 多选题, 判断题, each in the given
/// order), each group under a `# ── 单选题 ──` comment with `note` added.
fn sections(questions: &[&Question], note: &str) -> String {
    let mut out = String::new();
    for kind in QuestionType::ALL {
        let of_kind: Vec<&&Question> = questions.iter().filter(|q| q.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        out.push_str(&format!("\n# ── {}{note} ──\n", kind.title_zh()));
        for q in of_kind {
            out.push('\n');
            out.push_str(&question_block(q));
        }
    }
    out
}

/// A new question file for one category.
pub fn new_question_file(category: &Category, source: &str, questions: &[&Question]) -> String {
    let mut out = format!(
        "# 题库：{}（{}）— imported from {}\n",
        comment(&category.title),
        category.id,
        comment(source)
    );
    out.push_str(&sections(questions, ""));
    out
}

/// `existing` with `questions` appended; nothing before them changes.
pub fn append_questions(existing: &str, source: &str, questions: &[&Question]) -> String {
    let mut out = with_final_newline(existing);
    out.push_str(&sections(
        questions,
        &format!(" · imported from {}", comment(source)),
    ));
    out
}

/// `existing` with the `[[question]]` tables of the given ids rewritten;
/// comments above them and every other table stay byte for byte.
pub fn replace_questions(
    file: &str,
    existing: &str,
    replacements: &BTreeMap<String, Question>,
) -> Result<String, TomlOutError> {
    let parse_error = |e: toml_edit::TomlError| TomlOutError::Parse {
        file: file.to_string(),
        message: e.message().to_string(),
    };
    let mut doc: DocumentMut = existing.parse().map_err(parse_error)?;
    let mut left: Vec<&String> = replacements.keys().collect();
    if let Some(tables) = doc
        .get_mut("question")
        .and_then(Item::as_array_of_tables_mut)
    {
        for table in tables.iter_mut() {
            let Some(id) = table.get("id").and_then(Item::as_str).map(str::to_string) else {
                continue;
            };
            let Some(q) = replacements.get(&id) else {
                continue;
            };
            let fresh: DocumentMut = question_block(q).parse().map_err(parse_error)?;
            let mut new = fresh
                .get("question")
                .and_then(Item::as_array_of_tables)
                .and_then(|t| t.get(0))
                .cloned()
                .expect("a question block holds one [[question]] table");
            *new.decor_mut() = table.decor().clone();
            new.set_position(table.position());
            *table = new;
            left.retain(|l| **l != id);
        }
    }
    if let Some(id) = left.first() {
        return Err(TomlOutError::Missing {
            file: file.to_string(),
            id: (*id).clone(),
        });
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Origin;

    fn single() -> Question {
        Question {
            id: "LOG-900".into(),
            kind: QuestionType::Single,
            category: "logistics".into(),
            difficulty: 2,
            stem: "他说\"包邮\"，对吗？\\ 第二行".into(),
            options: vec!["对".into(), "不对".into()],
            answer: Answer::Choice(vec![1]),
            explanation: Some("解析".into()),
            source: None,
            tags: vec![],
            group: None,
            fixed_order: false,
            audit_ok: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn blocks_have_keys_in_the_documented_order_and_skip_empty_ones() {
        assert_eq!(
            question_block(&single()),
            "[[question]]\nid = \"LOG-900\"\ntype = \"single\"\ncategory = \"logistics\"\n\
             difficulty = 2\nstem = '他说\"包邮\"，对吗？\\ 第二行'\noptions = [\"对\", \"不对\"]\n\
             answer = \"B\"\nexplanation = \"解析\"\n"
        );
        let mut tf = single();
        tf.kind = QuestionType::TrueFalse;
        tf.options.clear();
        tf.answer = Answer::TrueFalse(false);
        tf.fixed_order = true;
        assert!(
            question_block(&tf)
                .contains("\nanswer = false\nexplanation = \"解析\"\nfixed_order = true\n")
        );
        assert!(!question_block(&tf).contains("options"));
    }

    #[test]
    fn replacing_a_question_leaves_the_rest_of_the_file_alone() {
        let file = "# head\n\n[[question]]\nid = \"A\"  # keep\nstem = \"x\"\n\n# ── 多选题 ──\n\n[[question]]\nid = \"LOG-900\"\nstem = \"old\"\n\n# tail\n[[question]]\nid = \"C\"\n";
        let mut new = single();
        new.stem = "新".into();
        let map = BTreeMap::from([("LOG-900".to_string(), new.clone())]);
        let out = replace_questions("f.toml", file, &map).unwrap();
        let expected = file.replace(
            "[[question]]\nid = \"LOG-900\"\nstem = \"old\"\n",
            &question_block(&new),
        );
        assert_eq!(out, expected);
        let missing = BTreeMap::from([("NOPE".to_string(), new)]);
        assert!(matches!(
            replace_questions("f.toml", file, &missing),
            Err(TomlOutError::Missing { .. })
        ));
    }
}
