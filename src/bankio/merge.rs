//! Fitting imported questions into a bank folder without losing anything:
//! new questions are appended to `<category>.toml`, questions already in the
//! bank are compared field by field, and a changed one is only rewritten
//! (in the file it lives in) when the trainer asked for `--update`. The
//! result is a plan of file contents; the command writes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::import::{Columns, Field, Imported, Settled, content_key};
use super::toml_out::{self, TomlOutError};
use crate::bank::{Bank, Category, Origin, Question, canonical_json};

/// The bank folder an import goes into, as it is now.
#[derive(Debug)]
pub struct Existing {
    /// `None` when the folder holds no bank yet.
    pub bank: Option<Bank>,
    /// Text of the folder's TOML files, by path relative to the folder.
    pub files: BTreeMap<PathBuf, String>,
    pub dir: PathBuf,
}

/// Which optional columns the sheet has. A column the sheet lacks keeps
/// what the bank has for questions already there (a sheet without 来源 does
/// not erase sources); an empty cell in a column it has clears the field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Present {
    pub difficulty: bool,
    pub explanation: bool,
    pub source: bool,
    pub tags: bool,
    pub group: bool,
    pub fixed_order: bool,
}

impl Present {
    pub fn from_columns(columns: &Columns) -> Self {
        Self {
            difficulty: columns.has(Field::Difficulty),
            explanation: columns.has(Field::Explanation),
            source: columns.has(Field::Source),
            tags: columns.has(Field::Tags),
            group: columns.has(Field::Group),
            fixed_order: columns.has(Field::FixedOrder),
        }
    }
}

/// What happens to one imported row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// Not in the bank yet: added.
    New,
    /// Already in the bank with the same content.
    Unchanged,
    /// In the bank with other content.
    Changed {
        /// What differs, e.g. `answer B → C`, `explanation`.
        differences: Vec<String>,
        /// Whether the change is written (`--update`).
        applied: bool,
        /// Where the bank has it.
        #[serde(serialize_with = "origin_text")]
        origin: Origin,
    },
}

fn origin_text<S: serde::Serializer>(origin: &Origin, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&origin.to_string())
}

/// One imported row and what happens to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub row: usize,
    pub id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Everything an import will do.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub entries: Vec<Entry>,
    /// New content of every file that changes, by path relative to the folder.
    pub writes: BTreeMap<PathBuf, String>,
    pub new_categories: Vec<Category>,
    /// Each question as it will be in the bank, for every one written.
    pub written: Vec<Question>,
}

impl Plan {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.entries.iter().filter(|e| f(&e.outcome)).count()
    }

    /// Changed questions that were not written (no `--update`).
    pub fn held_back(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Changed { applied: false, .. }))
    }
}

/// How the import was asked for.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    /// Rewrite questions whose content differs from the sheet.
    pub update: bool,
    /// The sheet's file name, for comments in the files written.
    pub source_name: &'a str,
    /// Name of a bank created from scratch.
    pub bank_name: &'a str,
}

/// The version written into a new bank.toml.
pub const NEW_BANK_VERSION: &str = "1";

/// The question file a category's new questions go to.
pub fn file_for(category: &str) -> PathBuf {
    // `bank.toml` is the header; a category called "bank" must not clash with it.
    if category == "bank" {
        PathBuf::from("bank-questions.toml")
    } else {
        PathBuf::from(format!("{category}.toml"))
    }
}

/// Decides, for every imported question, whether it is new, unchanged or
/// changed, and computes the files that change.
pub fn plan(
    existing: &Existing,
    settled: &Settled,
    present: Present,
    options: Options<'_>,
) -> Result<Plan, TomlOutError> {
    let mut plan = Plan {
        new_categories: settled.new_categories.clone(),
        ..Plan::default()
    };
    let mut new_by_file: BTreeMap<PathBuf, Vec<Question>> = BTreeMap::new();
    let mut replace_by_file: BTreeMap<PathBuf, BTreeMap<String, Question>> = BTreeMap::new();
    let by_content: BTreeMap<String, &Question> = existing
        .bank
        .iter()
        .flat_map(|b| &b.questions)
        .map(|q| (content_key(&q.stem, &q.options), q))
        .collect();
    for Imported {
        row,
        question,
        difficulty_given,
        generated_id,
    } in &settled.questions
    {
        let old = existing
            .bank
            .as_ref()
            .and_then(|b| b.question(&question.id))
            .or_else(|| {
                generated_id
                    .then(|| by_content.get(&content_key(&question.stem, &question.options)))
                    .flatten()
                    .copied()
            });
        // A row without an id that the bank has under another id is that question.
        let question = &match old {
            Some(old) if old.id != question.id => Question {
                id: old.id.clone(),
                ..question.clone()
            },
            _ => question.clone(),
        };
        let outcome = match old {
            None => {
                new_by_file
                    .entry(file_for(&question.category))
                    .or_default()
                    .push(question.clone());
                plan.written.push(question.clone());
                Outcome::New
            }
            Some(old) => {
                let present = Present {
                    difficulty: present.difficulty && *difficulty_given,
                    ..present
                };
                let merged = fill_absent(question, old, present);
                let differences = differences(old, &merged);
                if differences.is_empty() {
                    Outcome::Unchanged
                } else {
                    if options.update {
                        let file = relative(&old.origin.path, &existing.dir);
                        replace_by_file
                            .entry(file)
                            .or_default()
                            .insert(merged.id.clone(), merged.clone());
                        plan.written.push(merged);
                    }
                    Outcome::Changed {
                        differences,
                        applied: options.update,
                        origin: old.origin.clone(),
                    }
                }
            }
        };
        plan.entries.push(Entry {
            row: *row,
            id: question.id.clone(),
            outcome,
        });
    }

    // A category only the held-back changes would use is not added yet.
    let written = &plan.written;
    plan.new_categories
        .retain(|c| written.iter().any(|q| q.category == c.id));
    let header = PathBuf::from("bank.toml");
    match (&existing.bank, existing.files.get(&header)) {
        (Some(_), Some(text)) if !plan.new_categories.is_empty() => {
            plan.writes.insert(
                header,
                toml_out::append_categories(text, &plan.new_categories),
            );
        }
        // A new bank is only made for questions to put in it.
        (None, _) if !plan.written.is_empty() => {
            plan.writes.insert(
                header,
                toml_out::new_bank_toml(options.bank_name, NEW_BANK_VERSION, &plan.new_categories),
            );
        }
        _ => {}
    }
    for (file, replacements) in &replace_by_file {
        let text = existing.files.get(file).map_or("", String::as_str);
        let name = file.display().to_string();
        plan.writes.insert(
            file.clone(),
            toml_out::replace_questions(&name, text, replacements)?,
        );
    }
    for (file, questions) in &new_by_file {
        let refs: Vec<&Question> = questions.iter().collect();
        let current = plan
            .writes
            .get(file)
            .or_else(|| existing.files.get(file))
            .cloned();
        let text = match current {
            Some(text) => toml_out::append_questions(&text, options.source_name, &refs),
            None => {
                let id = &questions[0].category;
                let category = existing
                    .bank
                    .iter()
                    .flat_map(|b| &b.categories)
                    .chain(&plan.new_categories)
                    .find(|c| &c.id == id)
                    .cloned()
                    .unwrap_or_else(|| Category {
                        id: id.clone(),
                        title: id.clone(),
                        title_en: id.clone(),
                    });
                toml_out::new_question_file(&category, options.source_name, &refs)
            }
        };
        plan.writes.insert(file.clone(), text);
    }
    Ok(plan)
}

fn relative(path: &Path, dir: &Path) -> PathBuf {
    path.strip_prefix(dir).unwrap_or(path).to_path_buf()
}

/// The imported question with the fields its sheet has no column for taken
/// from the bank's copy.
fn fill_absent(imported: &Question, old: &Question, present: Present) -> Question {
    let mut q = imported.clone();
    if !present.difficulty {
        q.difficulty = old.difficulty;
    }
    if !present.explanation {
        q.explanation.clone_from(&old.explanation);
    }
    if !present.source {
        q.source.clone_from(&old.source);
    }
    if !present.tags {
        q.tags.clone_from(&old.tags);
    }
    if !present.group {
        q.group.clone_from(&old.group);
    }
    if !present.fixed_order {
        q.fixed_order = old.fixed_order;
    }
    // Sheets have no column for audit reviews: the bank's stay.
    q.audit_ok.clone_from(&old.audit_ok);
    q
}

/// What differs between the bank's question and the imported one, short
/// values shown as `old → new`.
pub fn differences(old: &Question, new: &Question) -> Vec<String> {
    if canonical_json(old) == canonical_json(new) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut short = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name} {a} → {b}"));
        }
    };
    short("type", old.kind.to_string(), new.kind.to_string());
    short("category", old.category.clone(), new.category.clone());
    short(
        "difficulty",
        old.difficulty.to_string(),
        new.difficulty.to_string(),
    );
    short("answer", old.answer.display(), new.answer.display());
    short(
        "fixed_order",
        old.fixed_order.to_string(),
        new.fixed_order.to_string(),
    );
    let texts = [
        ("stem", old.stem != new.stem),
        ("options", old.options != new.options),
        ("explanation", old.explanation != new.explanation),
        ("source", old.source != new.source),
        ("tags", old.tags != new.tags),
        ("group", old.group != new.group),
    ];
    out.extend(
        texts
            .into_iter()
            .filter(|(_, differs)| *differs)
            .map(|(name, _)| name.to_string()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Answer, QuestionType};

    fn question(id: &str, answer: usize) -> Question {
        Question {
            id: id.into(),
            kind: QuestionType::Single,
            category: "wuliu".into(),
            difficulty: 2,
            stem: format!("{id} 的题干"),
            options: vec!["甲".into(), "乙".into(), "丙".into()],
            answer: Answer::Choice(vec![answer]),
            explanation: None,
            source: Some("seeds/x".into()),
            tags: vec![],
            group: None,
            fixed_order: false,
            audit_ok: Vec::new(),
            origin: Origin {
                path: PathBuf::from("bank/wuliu.toml"),
                line: 3,
                ..Origin::default()
            },
        }
    }

    fn existing() -> Existing {
        let old = question("Q-1", 0);
        let file = format!("# 物流\n\n{}", toml_out::question_block(&old));
        Existing {
            bank: Some(Bank {
                root: "bank".into(),
                name: "题库".into(),
                version: "1".into(),
                categories: vec![Category {
                    id: "wuliu".into(),
                    title: "物流".into(),
                    title_en: "Logistics".into(),
                }],
                questions: vec![old],
            }),
            files: BTreeMap::from([
                (PathBuf::from("bank.toml"), "name = \"题库\"\n".to_string()),
                (PathBuf::from("wuliu.toml"), file),
            ]),
            dir: "bank".into(),
        }
    }

    fn settled(questions: Vec<Question>) -> Settled {
        Settled {
            questions: questions
                .into_iter()
                .enumerate()
                .map(|(i, question)| Imported {
                    row: i + 2,
                    question,
                    generated_id: false,
                    difficulty_given: true,
                })
                .collect(),
            ..Settled::default()
        }
    }

    const OPTIONS: Options<'static> = Options {
        update: false,
        source_name: "题库.xlsx",
        bank_name: "题库",
    };

    #[test]
    fn changes_are_reported_and_only_written_with_update() {
        let bank = existing();
        let mut changed = question("Q-1", 2);
        changed.source = None;
        let sheet = settled(vec![changed, question("Q-2", 1)]);
        // The sheet has no 来源 column: the bank's source stays.
        let plan = plan(&bank, &sheet, Present::default(), OPTIONS).unwrap();
        assert_eq!(plan.entries[1].outcome, Outcome::New);
        let Outcome::Changed {
            differences,
            applied,
            ..
        } = &plan.entries[0].outcome
        else {
            panic!("{:?}", plan.entries[0]);
        };
        assert_eq!(differences, &["answer A → C"]);
        assert!(!applied);
        let file = &plan.writes[Path::new("wuliu.toml")];
        assert!(file.starts_with(&bank.files[Path::new("wuliu.toml")]));
        assert!(file.contains("id = \"Q-2\""));
        assert_eq!(file.matches("answer = \"A\"").count(), 1);

        let update = Options {
            update: true,
            ..OPTIONS
        };
        let plan = super::plan(&bank, &sheet, Present::default(), update).unwrap();
        let file = &plan.writes[Path::new("wuliu.toml")];
        assert!(file.contains("answer = \"C\"") && !file.contains("answer = \"A\""));
        assert!(file.contains("source = \"seeds/x\""));
    }

    #[test]
    fn the_same_content_is_unchanged_and_writes_nothing() {
        let bank = existing();
        let plan = plan(
            &bank,
            &settled(vec![question("Q-1", 0)]),
            Present::default(),
            OPTIONS,
        )
        .unwrap();
        assert_eq!(plan.entries[0].outcome, Outcome::Unchanged);
        assert!(plan.writes.is_empty());
    }
}
