//! The question bank: what a question is, how a bank folder is read and
//! checked, and the digests that pin a bank's content.

mod digest;
mod load;
mod stats;

pub use digest::{bank_digest, canonical_json, question_digest};
pub use load::{LoadedBank, load, normalise_stem, toml_files};
pub use stats::{Stats, stats};

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A bank as read from its folder: only questions without errors are kept.
#[derive(Clone, Debug)]
pub struct Bank {
    pub root: PathBuf,
    pub name: String,
    pub version: String,
    pub categories: Vec<Category>,
    /// Sorted by id.
    pub questions: Vec<Question>,
}

impl Bank {
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions
            .binary_search_by(|q| q.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.questions[i])
    }

    /// SHA-256 over the canonical form of all questions (see [`bank_digest`]).
    pub fn digest(&self) -> String {
        bank_digest(&self.questions)
    }
}

/// A category declared in `bank.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub title_en: String,
}

/// The three kinds of question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    /// 单选题: exactly one correct option.
    Single,
    /// 多选题: two or more correct options.
    Multiple,
    /// 判断题: a statement that is true or false.
    #[serde(rename = "truefalse")]
    TrueFalse,
}

impl QuestionType {
    pub const ALL: [QuestionType; 3] = [Self::Single, Self::Multiple, Self::TrueFalse];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::TrueFalse => "truefalse",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Self::Single => "单选题",
            Self::Multiple => "多选题",
            Self::TrueFalse => "判断题",
        }
    }
}

impl fmt::Display for QuestionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The correct answer of a question.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Indices of the correct options, ascending (0 = A).
    Choice(Vec<usize>),
    TrueFalse(bool),
}

impl Answer {
    /// `"ACD"`, `"true"` or `"false"`: the form used in canonical text and files.
    pub fn display(&self) -> String {
        match self {
            Self::Choice(indices) => letters(indices),
            Self::TrueFalse(b) => b.to_string(),
        }
    }
}

/// One question as written in the bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub kind: QuestionType,
    pub category: String,
    pub difficulty: u8,
    pub stem: String,
    /// Empty for true/false questions.
    pub options: Vec<String>,
    pub answer: Answer,
    pub explanation: Option<String>,
    pub source: Option<String>,
    pub tags: Vec<String>,
    pub group: Option<String>,
    pub fixed_order: bool,
    /// Audit finding codes a reviewer has looked at and accepted for this
    /// question (`audit_ok = ["negative-stem"]`); `bank audit` counts them as
    /// silenced. Not part of the digest: a review changes no paper.
    pub audit_ok: Vec<String>,
    /// Where it was written, for messages.
    pub origin: Origin,
}

impl Question {
    pub fn digest(&self) -> String {
        question_digest(self)
    }
}

/// A file and line, for pointing people at a question.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Origin {
    pub path: PathBuf,
    pub line: usize,
    /// Byte spans of the fields in the file, for findings that point at one
    /// option or the stem (`bank audit`); empty for questions not read from TOML.
    pub fields: FieldSpans,
}

/// Where the fields of a question were written, as byte ranges of its file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FieldSpans {
    pub stem: Range<usize>,
    /// One per option, in the order written.
    pub options: Vec<Range<usize>>,
    pub answer: Range<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

/// The most options a question may have (A–H).
pub const MAX_OPTIONS: usize = 8;

/// The letter of an option index: 0 → `A`.
pub fn letter(index: usize) -> char {
    debug_assert!(index < 26);
    char::from(b'A' + index as u8)
}

/// Letters of option indices in the given order: `[0, 2]` → `"AC"`.
pub fn letters(indices: &[usize]) -> String {
    indices.iter().map(|&i| letter(i)).collect()
}

/// Whether an id is `[A-Za-z0-9_-]{1,32}`.
pub fn valid_question_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether a category id is `[a-z0-9_-]+`.
pub fn valid_category_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}
