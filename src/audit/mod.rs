//! `bank audit`: item-writing flaws that let a test-wise candidate score
//! without the knowledge — per question (the key is the longest option, an
//! absolute qualifier, a negative stem …), over the whole bank (length cue,
//! key letters, true/false balance and cue words) and, with a blueprint, a
//! simulation of test-wise candidates on real papers. Pure: the command
//! does the printing.

mod codes;
mod figures;
mod items;
pub mod simulate;
pub mod text;

pub use codes::Code;
pub use figures::{Figures, figures};
pub use items::{ENEMY_SIMILARITY, source_phrase};

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::PathBuf;

use serde::Serialize;

use crate::bank::{Bank, Question};
use crate::diag::{Diagnostic, SourceFile};
use items::{Field, Raw};

/// One finding about one question, placed in its file.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: Code,
    pub question: String,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: String,
    /// Accepted by a reviewer in the question's `audit_ok`.
    pub silenced: bool,
    /// The same, with the source line, for printing.
    #[serde(skip)]
    pub diagnostic: Diagnostic,
}

/// Everything the audit found in a bank (without the simulation).
#[derive(Clone, Debug, Serialize)]
pub struct BankAudit {
    pub questions: usize,
    /// Worst questions first: most findings not silenced, then file order.
    pub findings: Vec<Finding>,
    pub figures: Figures,
}

impl BankAudit {
    pub fn open(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.silenced)
    }

    pub fn silenced(&self) -> usize {
        self.findings.iter().filter(|f| f.silenced).count()
    }
}

/// Audits every question of a bank and the bank as a whole.
pub fn audit(bank: &Bank) -> BankAudit {
    let questions = &bank.questions;
    let ctx = items::Context::new(questions);
    let indices: Vec<usize> = (0..questions.len()).collect();
    let mut raw: Vec<Raw> =
        crate::parallel::map(&indices, |&i| items::check(i, &questions[i], &ctx))
            .into_iter()
            .flatten()
            .collect();
    raw.extend(items::enemies(questions));

    let mut files: HashMap<PathBuf, Option<SourceFile>> = HashMap::new();
    let mut findings: Vec<Finding> = raw
        .into_iter()
        .map(|r| place(&r, &questions[r.question], &mut files))
        .collect();
    order_worst_first(&mut findings);
    BankAudit {
        questions: questions.len(),
        findings,
        figures: figures(questions),
    }
}

fn place(raw: &Raw, q: &Question, files: &mut HashMap<PathBuf, Option<SourceFile>>) -> Finding {
    let path = &q.origin.path;
    let file = files
        .entry(path.clone())
        .or_insert_with(|| {
            std::fs::read_to_string(path)
                .ok()
                .map(|text| SourceFile::new(path.clone(), text))
        })
        .as_ref();
    let spans = &q.origin.fields;
    let span: Range<usize> = match raw.field {
        Field::Stem => spans.stem.clone(),
        Field::Option(i) => spans.options.get(i).cloned().unwrap_or_default(),
        Field::Answer => spans.answer.clone(),
    };
    let diagnostic = match file {
        Some(file) if span.end > span.start && span.end <= file.text.len() => {
            let span = narrow(file, span, raw.needle.as_deref());
            file.error(span, raw.message.clone())
        }
        _ => Diagnostic::at_line(path, q.origin.line, raw.message.clone()),
    }
    .with_hint(raw.hint.clone())
    .warning();
    Finding {
        code: raw.code,
        question: q.id.clone(),
        file: path.clone(),
        line: diagnostic.line,
        column: diagnostic.column,
        message: raw.message.clone(),
        hint: raw.hint.clone(),
        silenced: q.audit_ok.iter().any(|c| c == raw.code.as_str()),
        diagnostic,
    }
}

/// The part of a field's span where `needle` is written, when it is written
/// there literally (not through escapes).
fn narrow(file: &SourceFile, span: Range<usize>, needle: Option<&str>) -> Range<usize> {
    let Some(needle) = needle.filter(|n| !n.is_empty()) else {
        return span;
    };
    match file.text.get(span.clone()).and_then(|t| t.find(needle)) {
        Some(at) => span.start + at..span.start + at + needle.len(),
        None => span,
    }
}

fn order_worst_first(findings: &mut [Finding]) {
    let mut open: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings.iter().filter(|f| !f.silenced) {
        *open.entry(f.question.as_str()).or_default() += 1;
    }
    let open: HashMap<String, usize> = open.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    findings.sort_by(|a, b| {
        let (na, nb) = (
            open.get(&a.question).copied().unwrap_or(0),
            open.get(&b.question).copied().unwrap_or(0),
        );
        nb.cmp(&na)
            .then_with(|| a.file.cmp(&b.file))
            .then(a.line.cmp(&b.line))
            .then(a.column.cmp(&b.column))
            .then(a.code.cmp(&b.code))
    });
}
