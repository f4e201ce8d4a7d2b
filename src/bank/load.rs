//! Reads a bank folder and checks every rule of the bank format, collecting
//! all problems (with their exact places) rather than stopping at the first.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;
use std::rc::Rc;

use toml::de::DeTable;

use super::{
    Answer, Bank, Category, FieldSpans, MAX_OPTIONS, Origin, Question, QuestionType, letter,
    valid_category_id, valid_question_id,
};
use crate::diag::{Diagnostic, SourceFile, read_source};
use crate::tomlread::{Fields, Located, parse_document};

/// What reading a bank folder gave: the good questions and every problem.
#[derive(Debug)]
pub struct LoadedBank {
    /// `None` when `bank.toml` itself could not be used.
    pub bank: Option<Bank>,
    pub diagnostics: Vec<Diagnostic>,
    /// How many question files were read.
    pub files: usize,
}

impl LoadedBank {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

const BANK_KEYS: &[&str] = &["name", "version", "category"];
const CATEGORY_KEYS: &[&str] = &["id", "title", "title_en"];
const QUESTION_KEYS: &[&str] = &[
    "id",
    "type",
    "category",
    "difficulty",
    "stem",
    "options",
    "answer",
    "explanation",
    "source",
    "tags",
    "group",
    "fixed_order",
    "audit_ok",
];

/// Reads and checks the bank in `dir`.
pub fn load(dir: &Path) -> LoadedBank {
    let mut diags = Vec::new();
    if !dir.is_dir() {
        diags.push(
            Diagnostic::file(dir, "no question bank folder here")
                .with_hint("give the folder that holds bank.toml, e.g. `question_bank`"),
        );
        return LoadedBank {
            bank: None,
            diagnostics: diags,
            files: 0,
        };
    }
    let bank_path = dir.join("bank.toml");
    let header = read_source(&bank_path, &mut diags).and_then(|f| read_header(&f, &mut diags));

    let found = toml_files(dir);
    for e in &found.errors {
        diags.push(
            Diagnostic::file(&e.path, format!("cannot read the folder: {}", e.reason))
                .with_hint("check that you may list this folder"),
        );
    }
    let mut paths = found.files;
    paths.retain(|p| p != &bank_path);

    let declared: Option<Vec<String>> = header
        .as_ref()
        .map(|(_, _, cats)| cats.iter().map(|c| c.id.clone()).collect());
    let mut questions = Vec::new();
    let mut ids = Vec::new();
    for path in &paths {
        if let Some(file) = read_source(path, &mut diags) {
            let mut reader = QuestionReader {
                file: Rc::new(file),
                declared: declared.as_deref(),
                questions: &mut questions,
                ids: &mut ids,
                diags: &mut diags,
            };
            reader.read_file();
        }
    }
    check_unique_ids(&ids, &mut diags);
    // Problems in reading order, so a trainer can fix a file top to bottom.
    diags.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));

    let files = paths.len();
    let Some((name, version, categories)) = header else {
        return LoadedBank {
            bank: None,
            diagnostics: diags,
            files,
        };
    };
    let questions = keep_unique(questions, &mut diags);
    LoadedBank {
        bank: Some(Bank {
            root: dir.to_path_buf(),
            name,
            version,
            categories,
            questions,
        }),
        diagnostics: diags,
        files,
    }
}

/// The bank's TOML files: every `*.toml` under `dir`, by
/// [`crate::discover`]'s rule (so `bank import` sees the files the loader
/// reads, and no others).
pub fn toml_files(dir: &Path) -> crate::discover::Found {
    crate::discover::files(dir, crate::discover::Depth::Tree, |p| {
        p.extension().is_some_and(|e| e == "toml")
    })
}

type Header = (String, String, Vec<Category>);

fn read_header(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> Option<Header> {
    let doc = match parse_document(file) {
        Ok(d) => d,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut fields = Fields::new(file, doc.get_ref(), 0..0, "bank.toml");
    let name = fields.required_string("name", "\"网店客服上岗认证题库\"", diags);
    let version = fields.required_string("version", "\"2026.11\"", diags);
    let tables = fields.tables("category", diags);
    fields.finish(BANK_KEYS, diags);
    if tables.is_empty() {
        diags.push(
            Diagnostic::file(&file.path, "bank.toml declares no categories")
                .with_hint("add [[category]] tables with id, title and title_en"),
        );
    }
    let mut categories: Vec<Category> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (table, span) in tables {
        let mut f = Fields::new(file, table, span, "[[category]]");
        let id = f.required_string("id", "\"security\"", diags);
        let title = f.required_string("title", "\"信息安全\"", diags);
        let title_en = f.required_string("title_en", "\"Information security\"", diags);
        f.finish(CATEGORY_KEYS, diags);
        let (Some(id), Some(title), Some(title_en)) = (id, title, title_en) else {
            continue;
        };
        if !valid_category_id(&id.value) {
            diags.push(
                file.error(
                    id.span,
                    format!("category id `{}` is not allowed", id.value),
                )
                .with_hint("use lowercase letters, digits, `_` and `-` only, e.g. \"logistics\""),
            );
            continue;
        }
        if let Some(line) = seen.get(&id.value) {
            diags.push(
                file.error(
                    id.span,
                    format!("category `{}` is declared twice", id.value),
                )
                .with_hint(format!("it is already declared on line {line}; remove one")),
            );
            continue;
        }
        seen.insert(id.value.clone(), file.line_col(id.span.start).0);
        for (text, what) in [(&title, "title"), (&title_en, "title_en")] {
            if text.value.trim().is_empty() {
                diags.push(
                    file.error(
                        text.span.clone(),
                        format!("category `{}` has an empty {what}", id.value),
                    )
                    .with_hint("write the name as it should be printed"),
                );
            }
        }
        categories.push(Category {
            id: id.value,
            title: title.value.trim().to_string(),
            title_en: title_en.value.trim().to_string(),
        });
    }
    Some((name?.value, version?.value, categories))
}

/// A question that passed its own checks, with what the bank-wide checks
/// (repeated stems) still need.
struct Parsed {
    question: Question,
    file: Rc<SourceFile>,
    stem_span: Range<usize>,
}

/// Where an id was written, for the duplicate check across files.
struct IdPlace {
    id: String,
    file: Rc<SourceFile>,
    span: Range<usize>,
}

/// Reads the `[[question]]` tables of one file.
struct QuestionReader<'a> {
    file: Rc<SourceFile>,
    /// Category ids from bank.toml; `None` when bank.toml is unusable.
    declared: Option<&'a [String]>,
    questions: &'a mut Vec<Parsed>,
    ids: &'a mut Vec<IdPlace>,
    diags: &'a mut Vec<Diagnostic>,
}

impl QuestionReader<'_> {
    fn read_file(&mut self) {
        let file = Rc::clone(&self.file);
        let doc = match parse_document(&file) {
            Ok(d) => d,
            Err(d) => {
                self.diags.push(d);
                return;
            }
        };
        let mut top = Fields::new(&file, doc.get_ref(), 0..0, "a question file");
        let tables = top.tables("question", self.diags);
        top.finish(&["question"], self.diags);
        for (number, (table, span)) in tables.into_iter().enumerate() {
            self.read_question(table, span, number + 1);
        }
    }

    fn read_question(&mut self, table: &DeTable<'_>, span: Range<usize>, number: usize) {
        let file = Rc::clone(&self.file);
        let diags = &mut *self.diags;
        let before = diags.len();
        let mut f = Fields::new(
            &file,
            table,
            span.clone(),
            format!("question #{number} of this file"),
        );
        let id = f.required_string("id", "\"SEC-001\"", diags);
        if let Some(id) = &id {
            if valid_question_id(&id.value) {
                f.set_what(format!("question {}", id.value));
                self.ids.push(IdPlace {
                    id: id.value.clone(),
                    file: Rc::clone(&file),
                    span: id.span.clone(),
                });
            } else {
                diags.push(
                    file.error(
                        id.span.clone(),
                        format!("question id `{}` is not allowed", id.value),
                    )
                    .with_hint("use 1–32 letters, digits, `_` or `-`, e.g. \"SEC-001\""),
                );
            }
        }
        let kind = f
            .required_string("type", "\"single\"", diags)
            .and_then(|t| match QuestionType::parse(t.value.trim()) {
                Some(k) => Some(k),
                None => {
                    diags.push(
                        file.error(t.span, format!("unknown question type `{}`", t.value))
                            .with_hint("use \"single\" (单选题), \"multiple\" (多选题) or \"truefalse\" (判断题)"),
                    );
                    None
                }
            });
        let category = f.required_string("category", "\"security\"", diags);
        if let (Some(c), Some(declared)) = (&category, self.declared)
            && !declared.iter().any(|d| d == &c.value)
        {
            let names: Vec<&str> = declared.iter().map(String::as_str).collect();
            let hint = match crate::tomlread::closest(&c.value, &names) {
                Some(k) => format!(
                    "did you mean \"{k}\"? Categories in bank.toml: {}",
                    names.join(", ")
                ),
                None => format!(
                    "use one of {}, or declare it in bank.toml",
                    names.join(", ")
                ),
            };
            diags.push(
                file.error(
                    c.span.clone(),
                    format!("{} has unknown category `{}`", f.what(), c.value),
                )
                .with_hint(hint),
            );
        }
        let difficulty = f.required_integer("difficulty", "2", diags).and_then(|d| {
            match u8::try_from(d.value) {
                Ok(v @ 1..=5) => Some(v),
                _ => {
                    diags.push(
                        file.error(d.span, format!("difficulty {} is outside 1–5", d.value))
                            .with_hint("use 1 (easy) to 5 (hard)"),
                    );
                    None
                }
            }
        });
        let stem = f.required_string("stem", "\"……？\"", diags);
        if let Some(s) = &stem
            && s.value.trim().is_empty()
        {
            diags.push(
                file.error(s.span.clone(), format!("{} has an empty stem", f.what()))
                    .with_hint("write the question text between the quotes"),
            );
        }
        let options = read_options(&mut f, kind, diags);
        let answer = read_answer(&mut f, kind, options.as_ref().map(OptionList::len), diags);
        let explanation = non_empty(&mut f, "explanation", diags);
        let source = non_empty(&mut f, "source", diags);
        let group = non_empty(&mut f, "group", diags);
        let tags = f
            .string_array("tags", diags)
            .map(|t| {
                t.value
                    .into_iter()
                    .map(|s| s.value.trim().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let fixed_order = f.boolean("fixed_order", diags).is_some_and(|b| b.value);
        let audit_ok = read_audit_ok(&mut f, diags);
        let answer_span = table.get("answer").map(|v| v.span()).unwrap_or_default();
        f.finish(QUESTION_KEYS, diags);

        if diags[before..].iter().any(Diagnostic::is_error) {
            return;
        }
        let (Some(id), Some(kind), Some(category), Some(difficulty), Some(stem), Some(answer)) =
            (id, kind, category, difficulty, stem, answer)
        else {
            return;
        };
        self.questions.push(Parsed {
            question: Question {
                id: id.value,
                kind,
                category: category.value,
                difficulty,
                stem: stem.value.trim().to_string(),
                options: options
                    .as_ref()
                    .map(|o| o.texts.clone())
                    .unwrap_or_default(),
                answer,
                explanation,
                source,
                tags,
                group,
                fixed_order,
                audit_ok,
                origin: Origin {
                    path: file.path.clone(),
                    line: file.line_col(span.start).0,
                    fields: FieldSpans {
                        stem: stem.span.clone(),
                        options: options.map(|o| o.spans).unwrap_or_default(),
                        answer: answer_span,
                    },
                },
            },
            file: Rc::clone(&file),
            stem_span: stem.span,
        });
    }
}

/// Every id used more than once is reported at each later place, naming the first.
fn check_unique_ids(ids: &[IdPlace], diags: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, String> = HashMap::new();
    for place in ids {
        match first.get(place.id.as_str()) {
            Some(where_first) => diags.push(
                place
                    .file
                    .error(
                        place.span.clone(),
                        format!("question id `{}` is used twice", place.id),
                    )
                    .with_hint(format!(
                        "it is first used at {where_first}; give one of them a new id"
                    )),
            ),
            None => {
                let (line, column) = place.file.line_col(place.span.start);
                first.insert(
                    &place.id,
                    format!("{}:{line}:{column}", place.file.path.display()),
                );
            }
        }
    }
}

/// The questions whose id is used once, sorted by id; repeated stems are warned about.
fn keep_unique(parsed: Vec<Parsed>, diags: &mut Vec<Diagnostic>) -> Vec<Question> {
    let mut count: HashMap<String, usize> = HashMap::new();
    for p in &parsed {
        *count.entry(p.question.id.clone()).or_default() += 1;
    }
    let mut stems: HashMap<String, (String, String)> = HashMap::new();
    let mut kept: BTreeMap<String, Question> = BTreeMap::new();
    for p in parsed {
        if count[&p.question.id] > 1 {
            continue;
        }
        let q = p.question;
        let key = normalise_stem(&q.stem);
        let (line, column) = p.file.line_col(p.stem_span.start);
        let place = format!("{}:{line}:{column}", p.file.path.display());
        if let Some((other, other_place)) = stems.get(&key) {
            diags.push(
                p.file
                    .error(
                        p.stem_span,
                        format!("question {} has the same stem as question {other}", q.id),
                    )
                    .with_hint(format!(
                        "{other} is at {other_place}; reword one of them or remove the copy"
                    ))
                    .warning(),
            );
        } else {
            stems.insert(key, (q.id.clone(), place));
        }
        kept.insert(q.id.clone(), q);
    }
    kept.into_values().collect()
}

/// `audit_ok`: audit finding codes a reviewer accepted; each must be a code
/// `bank audit` reports, so a typo cannot silence nothing unnoticed.
fn read_audit_ok(f: &mut Fields<'_, '_>, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let Some(list) = f.string_array("audit_ok", diags) else {
        return Vec::new();
    };
    let known = crate::audit::Code::names();
    let mut codes = Vec::new();
    for code in list.value {
        let text = code.value.trim();
        if crate::audit::Code::parse(text).is_some() {
            codes.push(text.to_string());
            continue;
        }
        let hint = match crate::tomlread::closest(text, &known) {
            Some(k) => format!("did you mean \"{k}\"? Codes: {}", known.join(", ")),
            None => format!("use one of {}", known.join(", ")),
        };
        diags.push(
            f.file()
                .error(
                    code.span,
                    format!("`audit_ok` in {} names no audit finding `{text}`", f.what()),
                )
                .with_hint(hint),
        );
    }
    codes
}

/// An optional text field that, when present, must not be empty.
fn non_empty(f: &mut Fields<'_, '_>, key: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let value = f.string(key, diags)?;
    if value.value.trim().is_empty() {
        diags.push(
            f.file()
                .error(value.span, format!("`{key}` in {} is empty", f.what()))
                .with_hint(format!("write the {key}, or remove the line")),
        );
        return None;
    }
    Some(value.value.trim().to_string())
}

fn read_options(
    f: &mut Fields<'_, '_>,
    kind: Option<QuestionType>,
    diags: &mut Vec<Diagnostic>,
) -> Option<OptionList> {
    let file = f.file();
    let options = f.string_array("options", diags);
    match (kind, options) {
        (Some(QuestionType::TrueFalse), Some(o)) => {
            diags.push(
                file.error(
                    o.span,
                    format!("{} is a true/false question but has options", f.what()),
                )
                .with_hint("remove `options`, or change `type` to \"single\" or \"multiple\""),
            );
            None
        }
        (Some(QuestionType::TrueFalse), None) | (None, _) => None,
        (Some(_), None) => {
            diags.push(f.missing("options", "[\"……\", \"……\", \"……\", \"……\"]"));
            None
        }
        (Some(_), Some(o)) => {
            if !(2..=MAX_OPTIONS).contains(&o.value.len()) {
                diags.push(
                    file.error(
                        o.span.clone(),
                        format!(
                            "{} has {} options; a choice question needs 2 to {MAX_OPTIONS}",
                            f.what(),
                            o.value.len()
                        ),
                    )
                    .with_hint("give between 2 and 8 options (A–H)"),
                );
            }
            let mut seen: Vec<(String, usize)> = Vec::new();
            for (i, option) in o.value.iter().enumerate() {
                let text = option.value.trim();
                if text.is_empty() {
                    diags.push(
                        file.error(
                            option.span.clone(),
                            format!("option {} of {} is empty", letter_or_index(i), f.what()),
                        )
                        .with_hint("write the option text, or remove the empty option"),
                    );
                } else if let Some((_, j)) = seen.iter().find(|(t, _)| t == text) {
                    diags.push(
                        file.error(
                            option.span.clone(),
                            format!(
                                "option {} of {} repeats option {}: \"{text}\"",
                                letter_or_index(i),
                                f.what(),
                                letter_or_index(*j)
                            ),
                        )
                        .with_hint("make every option different"),
                    );
                } else {
                    seen.push((text.to_string(), i));
                }
            }
            // Returned even when something is wrong, so the answer can still be
            // checked against the number of options.
            Some(OptionList {
                texts: o.value.iter().map(|s| s.value.trim().to_string()).collect(),
                spans: o.value.iter().map(|s| s.span.clone()).collect(),
            })
        }
    }
}

/// The options as written (trimmed), with where each was written.
struct OptionList {
    texts: Vec<String>,
    spans: Vec<Range<usize>>,
}

impl OptionList {
    fn len(&self) -> usize {
        self.texts.len()
    }
}

fn letter_or_index(i: usize) -> String {
    if i < 26 {
        letter(i).to_string()
    } else {
        format!("#{}", i + 1)
    }
}

fn read_answer(
    f: &mut Fields<'_, '_>,
    kind: Option<QuestionType>,
    options: Option<usize>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Answer> {
    let file = f.file();
    let Some(raw) = f.raw("answer") else {
        let example = if kind == Some(QuestionType::TrueFalse) {
            "true"
        } else {
            "\"B\""
        };
        diags.push(f.missing("answer", example));
        return None;
    };
    let span = raw.span();
    let kind = kind?;
    if kind == QuestionType::TrueFalse {
        return match raw.get_ref().as_bool() {
            Some(b) => Some(Answer::TrueFalse(b)),
            None => {
                diags.push(
                    file.error(
                        span,
                        format!(
                            "the answer of true/false {} must be true or false",
                            f.what()
                        ),
                    )
                    .with_hint("write `answer = true` or `answer = false`, without quotes"),
                );
                None
            }
        };
    }
    let Some(text) = raw.get_ref().as_str() else {
        diags.push(
            file.error(
                span,
                format!(
                    "the answer of {} must be option letters in quotes",
                    f.what()
                ),
            )
            .with_hint("write e.g. `answer = \"B\"` or, for several, `answer = \"ACD\"`"),
        );
        return None;
    };
    // With no options, or more than letters can name, the count problem is
    // already reported and the letters cannot be judged.
    let count = options.filter(|n| (1..=26).contains(n))?;
    let located = Located::new(text.to_string(), span);
    parse_letters(file, &located, kind, count, f.what(), diags).map(Answer::Choice)
}

fn parse_letters(
    file: &SourceFile,
    text: &Located<String>,
    kind: QuestionType,
    count: usize,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<usize>> {
    let span = text.span.clone();
    let last = letter(count - 1);
    let mut picked: Vec<usize> = Vec::new();
    for c in text.value.chars() {
        let upper = c.to_ascii_uppercase();
        if !upper.is_ascii_uppercase() {
            diags.push(
                file.error(
                    span,
                    format!(
                        "the answer \"{}\" of {what} has `{c}`, which is not an option letter",
                        text.value
                    ),
                )
                .with_hint(format!("use only the letters A–{last}, e.g. \"AC\"")),
            );
            return None;
        }
        let index = usize::from(upper as u8 - b'A');
        if index >= count {
            diags.push(
                file.error(span, format!("the answer of {what} names option {upper}, but there are only {count} options (A–{last})"))
                    .with_hint(format!("use letters A–{last}, or add the missing option")),
            );
            return None;
        }
        if picked.contains(&index) {
            diags.push(
                file.error(
                    span,
                    format!(
                        "the answer \"{}\" of {what} names {upper} twice",
                        text.value
                    ),
                )
                .with_hint("name each correct option once"),
            );
            return None;
        }
        picked.push(index);
    }
    let wanted = match (kind, picked.len()) {
        (QuestionType::Single, 1) | (QuestionType::Multiple, 2..) => None,
        (QuestionType::Single, n) => Some(format!(
            "a single-choice question needs exactly one correct letter, \"{}\" has {n}",
            text.value
        )),
        (QuestionType::Multiple, n) => Some(format!(
            "a multiple-choice question needs two or more correct letters, \"{}\" has {n}",
            text.value
        )),
        (QuestionType::TrueFalse, _) => unreachable!("true/false answers are booleans"),
    };
    if let Some(message) = wanted {
        let hint = match kind {
            QuestionType::Single => "give one letter, or change `type` to \"multiple\"",
            _ => "give at least two letters, or change `type` to \"single\"",
        };
        diags.push(
            file.error(span, format!("{what}: {message}"))
                .with_hint(hint),
        );
        return None;
    }
    picked.sort_unstable();
    Some(picked)
}

/// A stem with whitespace, punctuation and case removed, for spotting copies.
pub fn normalise_stem(stem: &str) -> String {
    stem.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}
