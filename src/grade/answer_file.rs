//! Typed answer files as proctors produce them (not the printed answer
//! sheet, which is [`crate::sheet`]): a CSV typed in or exported from a form
//! (wide: one column per question; compact: one `answers` field) — scan's
//! sheets.csv among them — or one TOML file per candidate, UTF-8 with or
//! without a BOM. Each candidate's answers keep their file and row so that
//! every problem can be traced back to it.
//!
//! Answers are normalised here ([`normalize`]) with the words of
//! [`crate::answer_words`]; whether they fit the paper is decided in [`super`].

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::answer_words::{self, TruthContext, fold_width};
use crate::bank::QuestionType;
use crate::diag::{SourceFile, read_source};
use crate::spreadsheet::{self, Row, Table};

/// How a sheet was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// CSV with one column per question (`1,2,…` or `Q1,Q2,…`). Columns past
    /// the paper's last question may be present if they are empty.
    Wide,
    /// CSV with one `answers` field: one token per question, `-` for blank.
    Compact,
    /// One TOML file per sheet.
    Toml,
}

/// One candidate's answers as read from an answer file, before they are
/// matched with a paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedAnswers {
    /// The file as given on the command line.
    pub source: PathBuf,
    /// Line of the row in a CSV file; 0 for a TOML sheet.
    pub row: usize,
    pub candidate: String,
    /// Printed paper id, upper-cased.
    pub paper: String,
    /// Raw answers in question order; `""` is blank.
    pub answers: Vec<String>,
    pub layout: Layout,
}

/// A row (or a whole file) that could not be read as a sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub source: PathBuf,
    pub row: usize,
    /// What could be read of the candidate and paper ids, maybe empty.
    pub candidate: String,
    pub paper: String,
    pub message: String,
}

/// Everything read from the sheet files.
#[derive(Debug, Default)]
pub struct Read {
    pub sheets: Vec<TypedAnswers>,
    pub unreadable: Vec<Unreadable>,
    /// Things ignored on purpose but worth saying (`column 备注 ignored`).
    pub notes: Vec<String>,
}

const CANDIDATE_COLUMNS: &[&str] = &[
    "candidate",
    "candidate_id",
    "id",
    "考号",
    "考生编号",
    "准考证号",
    "考生",
];
const PAPER_COLUMNS: &[&str] = &["paper", "paper_id", "试卷", "试卷号", "试卷编号"];
const ANSWERS_COLUMNS: &[&str] = &["answers", "答案"];
/// Columns a proctor's file may carry that are not answers.
const INFO_COLUMNS: &[&str] = &["name", "姓名", "department", "部门", "note", "备注"];

/// Reads sheet files and folders (a folder: its `*.csv` and `*.toml` files,
/// sorted by name).
pub fn read_all(paths: &[PathBuf]) -> Read {
    let mut read = Read::default();
    for path in paths {
        if path.is_dir() {
            let found = crate::discover::files(path, crate::discover::Depth::Flat, |p| {
                crate::discover::name_ends_with(p, ".csv")
                    || crate::discover::name_ends_with(p, ".toml")
                    || spreadsheet::is_workbook(p)
            });
            for e in found.errors {
                read.unreadable.push(whole_file(&e.path, e.to_string()));
            }
            let files = found.files;
            if files.is_empty() {
                read.unreadable.push(whole_file(
                    path,
                    "the folder holds no answer sheets (*.csv, *.xlsx or *.toml)",
                ));
            }
            for file in files {
                read_file(&file, &mut read);
            }
        } else {
            read_file(path, &mut read);
        }
    }
    read
}

fn whole_file(path: &Path, message: impl Into<String>) -> Unreadable {
    Unreadable {
        source: path.to_path_buf(),
        row: 0,
        candidate: String::new(),
        paper: String::new(),
        message: message.into(),
    }
}

/// Reads one sheet file into `read`: TOML, a workbook (.xlsx, .xls, .ods)
/// or CSV in any encoding Excel writes.
pub fn read_file(path: &Path, read: &mut Read) {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        let mut diags = Vec::new();
        let Some(file) = read_source(path, &mut diags) else {
            let message = diags
                .first()
                .map_or_else(|| "cannot read the file".to_string(), |d| d.message.clone());
            read.unreadable.push(whole_file(path, message));
            return;
        };
        read_toml(&file, read);
    } else {
        match spreadsheet::read_table(path, None) {
            Ok(table) => read_table(&table, read),
            Err(e) => read.unreadable.push(whole_file(path, e.to_string())),
        }
    }
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| {
        let h = fold_width(h);
        names.iter().any(|n| h.trim().eq_ignore_ascii_case(n))
    })
}

/// The question number of a wide header cell: `7`, `Q7`, `q7`, `第7题`.
fn question_number(cell: &str) -> Option<u32> {
    let cell = fold_width(cell);
    let cell = cell.trim();
    let digits = cell
        .strip_prefix(['Q', 'q'])
        .or_else(|| cell.strip_prefix('第').and_then(|c| c.strip_suffix('题')))
        .unwrap_or(cell);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&n| n >= 1)
}

/// How many non-blank rows from the top are searched for the header: a
/// sheet kept in Excel often has a title above it.
const HEADER_SEARCH_ROWS: usize = 10;

/// Reads the rows of a CSV file or workbook sheet. The header is the first
/// of the top rows with a candidate or paper column (rows above it, such as
/// a title, are skipped), or else the first non-blank row, whose problems
/// are then reported.
fn read_table(table: &Table, read: &mut Read) {
    let path = table.path.as_path();
    let filled: Vec<&Row> = table.rows.iter().filter(|r| !r.is_blank()).collect();
    if filled.is_empty() {
        read.unreadable.push(whole_file(
            path,
            "the file is empty; expected a header row and one row per sheet",
        ));
        return;
    }
    let header_at = filled
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| {
            find(&r.cells, CANDIDATE_COLUMNS).is_some() || find(&r.cells, PAPER_COLUMNS).is_some()
        })
        .unwrap_or(0);
    let header_row = filled[header_at];
    let rows = filled[header_at + 1..].iter().copied();
    let header: Vec<String> = spreadsheet::used_cells(&header_row.cells).to_vec();
    let candidate_col = find(&header, CANDIDATE_COLUMNS);
    let paper_col = find(&header, PAPER_COLUMNS);
    let answers_col = find(&header, ANSWERS_COLUMNS);
    let mut header_problems = Vec::new();
    if candidate_col.is_none() {
        header_problems.push("the header has no `candidate` column".to_string());
    }
    if paper_col.is_none() {
        header_problems.push("the header has no `paper` column".to_string());
    }
    // Wide layout: question columns, which must be 1..=K without gaps.
    let mut question_cols: Vec<(u32, usize)> = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        if Some(i) == candidate_col || Some(i) == paper_col || Some(i) == answers_col {
            continue;
        }
        if let Some(n) = question_number(cell) {
            question_cols.push((n, i));
        } else if cell.trim().is_empty() {
            header_problems.push(format!("column {} of the header has no name", i + 1));
        } else if find(std::slice::from_ref(cell), INFO_COLUMNS).is_none() {
            read.notes.push(format!(
                "{}: column `{}` is not a question number and was ignored",
                path.display(),
                cell.trim()
            ));
        }
    }
    let layout = if answers_col.is_some() {
        if !question_cols.is_empty() {
            header_problems.push(
                "the header has both an `answers` column and question columns; use one layout"
                    .to_string(),
            );
        }
        Layout::Compact
    } else {
        question_cols.sort();
        for pair in question_cols.windows(2) {
            if pair[0].0 == pair[1].0 {
                header_problems.push(format!("question {} has two columns", pair[0].0));
            }
        }
        question_cols.dedup_by_key(|(n, _)| *n);
        if question_cols.is_empty() {
            header_problems.push(
                "the header has neither an `answers` column nor question columns (1, 2, … or Q1, Q2, …)"
                    .to_string(),
            );
        } else if let Some(missing) = (1..=question_cols.len() as u32)
            .find(|n| question_cols.binary_search_by_key(n, |(q, _)| *q).is_err())
        {
            header_problems.push(format!("the header has no column for question {missing}"));
        }
        Layout::Wide
    };

    for record in rows {
        let row = record.number;
        // Excel writes empty cells for columns once used: not a stray comma.
        let cells = if record.cells.len() > header.len() {
            let used = spreadsheet::used_cells(&record.cells);
            &record.cells[..used.len().max(header.len())]
        } else {
            &record.cells[..]
        };
        let cell = |col: Option<usize>| col.and_then(|c| cells.get(c)).map_or("", String::as_str);
        let candidate = clean_id(cell(candidate_col));
        let paper = clean_id(cell(paper_col)).to_uppercase();
        let unreadable = |message: String| Unreadable {
            source: path.to_path_buf(),
            row,
            candidate: candidate.clone(),
            paper: paper.clone(),
            message,
        };
        if !header_problems.is_empty() {
            read.unreadable.push(unreadable(format!(
                "the file's header is wrong, so no row of it was graded: {}",
                header_problems.join("; ")
            )));
            continue;
        }
        if cells.len() != header.len() {
            read.unreadable.push(unreadable(format!(
                "the row has {} fields, the header has {}; check for a stray or missing comma, and quote answers that contain commas (\"A,C\")",
                cells.len(),
                header.len()
            )));
            continue;
        }
        let answers = match layout {
            Layout::Compact => split_compact(cell(answers_col)),
            _ => question_cols
                .iter()
                .map(|&(_, c)| cells.get(c).map_or("", String::as_str).trim().to_string())
                .collect(),
        };
        read.sheets.push(TypedAnswers {
            source: path.to_path_buf(),
            row,
            candidate,
            paper,
            answers,
            layout,
        });
    }
}

/// Splits a compact answers field: tokens separated by spaces (also
/// ideographic ones), `-` meaning unanswered.
pub fn split_compact(field: &str) -> Vec<String> {
    field
        .split_whitespace()
        .map(|t| {
            let t = fold_width(t);
            if t == "-" { String::new() } else { t }
        })
        .collect()
}

/// An id as typed: trimmed, full-width letters and digits made ASCII.
fn clean_id(text: &str) -> String {
    fold_width(text).trim().to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlAnswerFile {
    candidate: String,
    paper: String,
    answers: Vec<TomlAnswer>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TomlAnswer {
    Text(String),
    Bool(bool),
}

fn read_toml(file: &SourceFile, read: &mut Read) {
    match toml::from_str::<TomlAnswerFile>(&file.text) {
        Ok(sheet) => read.sheets.push(TypedAnswers {
            source: file.path.clone(),
            row: 0,
            candidate: clean_id(&sheet.candidate),
            paper: clean_id(&sheet.paper).to_uppercase(),
            answers: sheet
                .answers
                .into_iter()
                .map(|a| match a {
                    TomlAnswer::Text(t) if t.trim() == "-" => String::new(),
                    TomlAnswer::Text(t) => t.trim().to_string(),
                    TomlAnswer::Bool(b) => b.to_string(),
                })
                .collect(),
            layout: Layout::Toml,
        }),
        Err(e) => {
            let place = e
                .span()
                .map(|s| {
                    let (line, col) = file.line_col(s.start);
                    format!(" (line {line}, column {col})")
                })
                .unwrap_or_default();
            read.unreadable.push(Unreadable {
                source: file.path.clone(),
                row: 0,
                candidate: String::new(),
                paper: String::new(),
                message: format!(
                    "not a valid TOML answer sheet{place}: {}; it needs candidate = \"…\", paper = \"…\", answers = [\"B\", \"AC\", \"\", \"对\", …]",
                    e.message().trim()
                ),
            });
        }
    }
}

/// An answer after normalisation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    Blank,
    /// Printed option indices, sorted, without repeats (`AC` → `[0, 2]`).
    Letters(Vec<u8>),
    TrueFalse(bool),
}

/// Why a typed answer cannot be an answer to its question.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadAnswer {
    #[error(
        "`{}` names option {letter}, but the question has only {options} options (A–{last})",
        crate::spreadsheet::excerpt(typed)
    )]
    NoSuchOption {
        typed: String,
        letter: char,
        options: usize,
        last: char,
    },
    #[error(
        "`{}` is not an answer: use option letters like `B` or `AC`",
        crate::spreadsheet::excerpt(typed)
    )]
    NotLetters { typed: String },
    #[error(
        "`{}` is not a true/false answer: use 对/错, T/F, √/×",
        crate::spreadsheet::excerpt(typed)
    )]
    NotTrueFalse { typed: String },
    /// `certexam scan` writes `?` where a person must decide.
    #[error(
        "`?` is an answer the scanner left for a person: decide it in the `decision` column of the scan's review.csv, run `certexam scan … --fix review.csv` again and grade the new sheets.csv"
    )]
    Undecided,
}

/// Normalises one typed answer for a question of `kind` with `options`
/// printed options (see the table in the README).
pub fn normalize(typed: &str, kind: QuestionType, options: usize) -> Result<Answer, BadAnswer> {
    if answer_words::is_unanswered(typed) {
        return Ok(Answer::Blank);
    }
    if fold_width(typed).trim() == crate::scan::review::UNDECIDED {
        return Err(BadAnswer::Undecided);
    }
    if kind == QuestionType::TrueFalse {
        return answer_words::truth(typed, TruthContext::AnswerSheet)
            .map(Answer::TrueFalse)
            .ok_or_else(|| BadAnswer::NotTrueFalse {
                typed: typed.trim().to_string(),
            });
    }
    let mut letters = answer_words::letters(typed).map_err(|_| BadAnswer::NotLetters {
        typed: typed.trim().to_string(),
    })?;
    if let Some(&index) = letters.iter().find(|&&i| usize::from(i) >= options) {
        return Err(BadAnswer::NoSuchOption {
            typed: typed.trim().to_string(),
            letter: char::from(b'A' + index),
            options,
            last: char::from(b'A' + options.clamp(1, 26) as u8 - 1),
        });
    }
    if letters.is_empty() {
        return Ok(Answer::Blank);
    }
    letters.sort_unstable();
    letters.dedup();
    Ok(Answer::Letters(letters))
}

/// Printed letters of option indices (`[0, 2]` → `AC`).
pub fn letters(indices: &[u8]) -> String {
    indices.iter().map(|&i| char::from(b'A' + i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuestionType::{Multiple, Single, TrueFalse};

    fn norm(typed: &str, kind: QuestionType) -> String {
        match normalize(typed, kind, 4) {
            Ok(Answer::Blank) => "blank".into(),
            Ok(Answer::Letters(l)) => letters(&l),
            Ok(Answer::TrueFalse(b)) => b.to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    /// The normalisation table of the README, row by row.
    #[test]
    fn answers_as_people_type_them() {
        let table: &[(&str, QuestionType, &str)] = &[
            ("B", Single, "B"),
            ("b", Single, "B"),
            (" b ", Single, "B"),
            ("Ｂ", Single, "B"),
            ("ｂ", Single, "B"),
            ("AC", Multiple, "AC"),
            ("A,C", Multiple, "AC"),
            ("a c", Multiple, "AC"),
            ("CA", Multiple, "AC"),
            ("ＡＣ", Multiple, "AC"),
            ("ａｃ", Multiple, "AC"),
            ("Ａ，Ｃ", Multiple, "AC"),
            ("A、C", Multiple, "AC"),
            ("A;C", Multiple, "AC"),
            ("A/C", Multiple, "AC"),
            ("A\u{3000}C", Multiple, "AC"),
            ("ACA", Multiple, "AC"),
            ("", Multiple, "blank"),
            ("  ", Single, "blank"),
            ("-", Single, "blank"),
            ("－", Single, "blank"),
            (",", Multiple, "blank"),
            ("对", TrueFalse, "true"),
            ("正确", TrueFalse, "true"),
            ("√", TrueFalse, "true"),
            ("✓", TrueFalse, "true"),
            ("✔", TrueFalse, "true"),
            ("T", TrueFalse, "true"),
            ("t", TrueFalse, "true"),
            ("Ｔ", TrueFalse, "true"),
            ("Y", TrueFalse, "true"),
            ("yes", TrueFalse, "true"),
            ("是", TrueFalse, "true"),
            ("true", TrueFalse, "true"),
            ("TRUE", TrueFalse, "true"),
            ("A", TrueFalse, "true"),
            ("错", TrueFalse, "false"),
            ("错误", TrueFalse, "false"),
            ("×", TrueFalse, "false"),
            ("✗", TrueFalse, "false"),
            ("✘", TrueFalse, "false"),
            ("x", TrueFalse, "false"),
            ("F", TrueFalse, "false"),
            ("N", TrueFalse, "false"),
            ("no", TrueFalse, "false"),
            ("否", TrueFalse, "false"),
            ("false", TrueFalse, "false"),
            ("B", TrueFalse, "false"),
            ("", TrueFalse, "blank"),
        ];
        for (typed, kind, want) in table {
            assert_eq!(norm(typed, *kind), *want, "{typed:?} as {kind:?}");
        }
    }

    #[test]
    fn answers_that_fit_no_option_are_refused_with_the_reason() {
        assert_eq!(
            norm("E", Single),
            "error: `E` names option E, but the question has only 4 options (A–D)"
        );
        assert_eq!(
            norm("A?", Multiple),
            "error: `A?` is not an answer: use option letters like `B` or `AC`"
        );
        for kind in [Single, TrueFalse] {
            assert!(
                norm("?", kind).contains("review.csv") && norm("?", kind).contains("--fix"),
                "{}",
                norm("?", kind)
            );
        }
        assert_eq!(
            norm("对", Single),
            "error: `对` is not an answer: use option letters like `B` or `AC`"
        );
        assert_eq!(
            norm("C", TrueFalse),
            "error: `C` is not a true/false answer: use 对/错, T/F, √/×"
        );
        assert_eq!(
            norm("对错", TrueFalse),
            "error: `对错` is not a true/false answer: use 对/错, T/F, √/×"
        );
    }

    #[test]
    fn wide_headers_accept_numbers_and_q_numbers() {
        assert_eq!(question_number("7"), Some(7));
        assert_eq!(question_number("Q12"), Some(12));
        assert_eq!(question_number("q3"), Some(3));
        assert_eq!(question_number("Ｑ３"), Some(3));
        assert_eq!(question_number("第5题"), Some(5));
        assert_eq!(question_number("0"), None);
        assert_eq!(question_number("name"), None);
    }

    #[test]
    fn compact_fields_split_on_any_space() {
        assert_eq!(
            split_compact("B  AC - 对\u{3000}Ａ,Ｃ"),
            vec!["B", "AC", "", "对", "A,C"]
        );
    }
}
