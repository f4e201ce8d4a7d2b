//! Reading a trainer's question sheet — an Excel workbook (via calamine) or a
//! CSV file in UTF-8 or GB18030 — in the layout Chinese exam services use for
//! bulk upload: find the header row, recognise the usual column names, and
//! turn every row into a question draft or into rejections that name the
//! row (as Excel numbers it), the column and the reason.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::spreadsheet::{Row, SheetError, Table, fold_width};

use crate::bank::{
    Answer, Category, MAX_OPTIONS, Origin, Question, QuestionType, letter, valid_category_id,
    valid_question_id,
};

/// Why a sheet could not be imported at all (as opposed to a bad row).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error(
        "{}: no header row with a stem column (题干) and an answer column (答案) in its first {HEADER_SEARCH_ROWS} rows{found}; \
         rename the columns as listed in the README (\"Recognised column names\"), or map yours with e.g. --columns 题目=stem,正确答案=answer",
        path.display()
    )]
    NoHeader { path: PathBuf, found: String },
    #[error(
        "--columns names the column \"{name}\", but the header row ({row}) has no such column; its columns are: {columns}"
    )]
    MappedColumnMissing {
        name: String,
        row: usize,
        columns: String,
    },
    #[error("--columns {item}: {message}")]
    BadColumnMapping { item: String, message: String },
    #[error("--category-map {item}: {message}")]
    BadCategoryMap { item: String, message: String },
}

/// How many rows from the top are searched for the header row: templates
/// often put a title or instructions above it.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// The spreadsheet letter of a 0-based column: 0 → `A`, 26 → `AA`.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Id,
    Type,
    /// A category name (or id).
    Category,
    /// A category id, beside a category name (the export writes both).
    CategoryId,
    /// 知识点: the category when the sheet has no category column, else tags.
    Knowledge,
    Difficulty,
    Stem,
    /// Option A (0) … H (7).
    Option(u8),
    Answer,
    Explanation,
    Source,
    Tags,
    Group,
    FixedOrder,
    /// Read by nobody (`--columns 备注=ignore`).
    Ignore,
}

impl Field {
    /// The name used in `--columns` and in messages.
    pub fn name(self) -> String {
        match self {
            Self::Id => "id".into(),
            Self::Type => "type".into(),
            Self::Category => "category".into(),
            Self::CategoryId => "category_id".into(),
            Self::Knowledge => "knowledge".into(),
            Self::Difficulty => "difficulty".into(),
            Self::Stem => "stem".into(),
            Self::Option(i) => letter(usize::from(i)).to_string(),
            Self::Answer => "answer".into(),
            Self::Explanation => "explanation".into(),
            Self::Source => "source".into(),
            Self::Tags => "tags".into(),
            Self::Group => "group".into(),
            Self::FixedOrder => "fixed_order".into(),
            Self::Ignore => "ignore".into(),
        }
    }

    /// Parses a `--columns` target: a field name, or an option letter.
    pub fn parse(text: &str) -> Option<Self> {
        let key = fold_width(text.trim()).to_ascii_lowercase();
        let named = [
            Self::Id,
            Self::Type,
            Self::Category,
            Self::CategoryId,
            Self::Knowledge,
            Self::Difficulty,
            Self::Stem,
            Self::Answer,
            Self::Explanation,
            Self::Source,
            Self::Tags,
            Self::Group,
            Self::FixedOrder,
            Self::Ignore,
        ];
        if let Some(f) = named.into_iter().find(|f| f.name() == key) {
            return Some(f);
        }
        let letter_part = key
            .strip_prefix("option_")
            .or_else(|| key.strip_prefix("option"))
            .unwrap_or(&key);
        option_letter(letter_part).map(Self::Option)
    }
}

/// The `--columns` targets, for help and error texts.
pub const FIELD_NAMES: &str = "id, type, category, category_id, knowledge, difficulty, stem, A … H, answer, explanation, source, tags, group, fixed_order, ignore";

fn option_letter(text: &str) -> Option<u8> {
    let mut chars = text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    let c = c.to_ascii_lowercase();
    ('a'..='h').contains(&c).then(|| c as u8 - b'a')
}

/// Recognised header names (compared after [`header_key`]). Documented in
/// the README ("Recognised column names"); keep the two in step.
const COLUMN_NAMES: &[(&str, Field)] = &[
    ("ID", Field::Id),
    ("编号", Field::Id),
    ("题目编号", Field::Id),
    ("试题编号", Field::Id),
    ("题目ID", Field::Id),
    ("试题ID", Field::Id),
    ("question id", Field::Id),
    ("题型", Field::Type),
    ("题目类型", Field::Type),
    ("试题类型", Field::Type),
    ("类型", Field::Type),
    ("type", Field::Type),
    ("question type", Field::Type),
    ("题干", Field::Stem),
    ("题目", Field::Stem),
    ("题目内容", Field::Stem),
    ("题目题干", Field::Stem),
    ("试题", Field::Stem),
    ("试题内容", Field::Stem),
    ("试题题干", Field::Stem),
    ("问题", Field::Stem),
    ("stem", Field::Stem),
    ("question", Field::Stem),
    ("答案", Field::Answer),
    ("正确答案", Field::Answer),
    ("标准答案", Field::Answer),
    ("参考答案", Field::Answer),
    ("answer", Field::Answer),
    ("correct answer", Field::Answer),
    ("key", Field::Answer),
    ("解析", Field::Explanation),
    ("答案解析", Field::Explanation),
    ("试题解析", Field::Explanation),
    ("题目解析", Field::Explanation),
    ("解释", Field::Explanation),
    ("explanation", Field::Explanation),
    ("analysis", Field::Explanation),
    ("难度", Field::Difficulty),
    ("难易度", Field::Difficulty),
    ("难易程度", Field::Difficulty),
    ("难度等级", Field::Difficulty),
    ("难度级别", Field::Difficulty),
    ("difficulty", Field::Difficulty),
    ("分类", Field::Category),
    ("题目分类", Field::Category),
    ("试题分类", Field::Category),
    ("所属分类", Field::Category),
    ("题库分类", Field::Category),
    ("类别", Field::Category),
    ("章节", Field::Category),
    ("category", Field::Category),
    ("分类ID", Field::CategoryId),
    ("分类代码", Field::CategoryId),
    ("分类编码", Field::CategoryId),
    ("category id", Field::CategoryId),
    ("知识点", Field::Knowledge),
    ("考点", Field::Knowledge),
    ("knowledge point", Field::Knowledge),
    ("标签", Field::Tags),
    ("关键词", Field::Tags),
    ("关键字", Field::Tags),
    ("tags", Field::Tags),
    ("tag", Field::Tags),
    ("来源", Field::Source),
    ("出处", Field::Source),
    ("source", Field::Source),
    ("分组", Field::Group),
    ("题组", Field::Group),
    ("互斥组", Field::Group),
    ("group", Field::Group),
    ("固定顺序", Field::FixedOrder),
    ("固定选项顺序", Field::FixedOrder),
    ("选项不乱序", Field::FixedOrder),
    ("不打乱选项", Field::FixedOrder),
    ("fixed order", Field::FixedOrder),
];

/// A header cell reduced to what identifies it: widths folded, lower case,
/// notes in brackets dropped (`答案（必填）`, `难度(1-5)`), and spaces,
/// `*`, `_`, `-`, `.` and colons removed.
pub fn header_key(text: &str) -> String {
    let folded = fold_width(text).to_lowercase();
    let strip = |drop_bracketed: bool| {
        let mut out = String::new();
        let mut depth = 0usize;
        for c in folded.chars() {
            match c {
                '(' | '[' | '【' | '〔' | '《' | '<' => depth += 1,
                ')' | ']' | '】' | '〕' | '》' | '>' => depth = depth.saturating_sub(1),
                c if c.is_whitespace() || matches!(c, '*' | '_' | '-' | '.' | ':' | '：') => {}
                c if depth == 0 || !drop_bracketed => out.push(c),
                _ => {}
            }
        }
        out
    };
    let key = strip(true);
    // A header that is all brackets (`【题干】`) keeps its words.
    if key.is_empty() { strip(false) } else { key }
}

/// The field a header names, by the recognition table and option patterns
/// (`选项A`, `A`, `A选项`, `option A`, `选项1`).
fn recognise(header: &str) -> Option<Field> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    if let Some((_, f)) = COLUMN_NAMES
        .iter()
        .find(|(name, _)| header_key(name) == key)
    {
        return Some(*f);
    }
    let inner = key
        .strip_prefix("选项")
        .or_else(|| key.strip_prefix("option"))
        .or_else(|| key.strip_suffix("选项"))
        .unwrap_or(&key);
    if let Some(i) = option_letter(inner) {
        return Some(Field::Option(i));
    }
    if let Some(digits) = key.strip_prefix("选项")
        && let Ok(n @ 1..=8) = digits.parse::<u8>()
    {
        return Some(Field::Option(n - 1));
    }
    None
}

/// Parses `--columns` items `题目=stem`, `正确答案=answer`.
pub fn parse_column_mapping(items: &[String]) -> Result<Vec<(String, Field)>, ImportError> {
    let mut out = Vec::new();
    for item in items.iter().flat_map(|i| i.split('，')) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let Some((name, target)) = item.split_once('=').or_else(|| item.split_once('＝')) else {
            return Err(ImportError::BadColumnMapping {
                item: item.to_string(),
                message: "write HEADER=FIELD, e.g. 题目=stem".into(),
            });
        };
        let field = Field::parse(target).ok_or_else(|| ImportError::BadColumnMapping {
            item: item.to_string(),
            message: format!(
                "\"{}\" is not a field; use one of {FIELD_NAMES}",
                target.trim()
            ),
        })?;
        out.push((name.trim().to_string(), field));
    }
    Ok(out)
}

/// Parses `--category-map` items `物流=logistics`.
pub fn parse_category_map(items: &[String]) -> Result<Vec<(String, String)>, ImportError> {
    let mut out = Vec::new();
    for item in items.iter().flat_map(|i| i.split('，')) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let Some((name, id)) = item.split_once('=').or_else(|| item.split_once('＝')) else {
            return Err(ImportError::BadCategoryMap {
                item: item.to_string(),
                message: "write NAME=ID, e.g. 物流=logistics".into(),
            });
        };
        let id = id.trim();
        if !valid_category_id(id) {
            return Err(ImportError::BadCategoryMap {
                item: item.to_string(),
                message: format!(
                    "\"{id}\" is not a category id; use lowercase letters, digits, `_` and `-`"
                ),
            });
        }
        out.push((name.trim().to_string(), id.to_string()));
    }
    Ok(out)
}

/// Which column holds which field, read from the header row.
#[derive(Clone, Debug)]
pub struct Columns {
    /// 0-based column of each field found.
    pub fields: BTreeMap<Field, usize>,
    /// The header cells as written.
    pub header: Vec<String>,
    /// The header's row number.
    pub header_row: usize,
    /// Header cells nobody reads, as `名称 (C)`.
    pub ignored: Vec<String>,
}

impl Columns {
    pub fn has(&self, field: Field) -> bool {
        self.fields.contains_key(&field)
    }

    /// `答案 (column F)`: how a column is named in messages.
    pub fn describe(&self, field: Field) -> Option<String> {
        let col = *self.fields.get(&field)?;
        Some(describe_column(&self.header, col))
    }
}

fn describe_column(header: &[String], col: usize) -> String {
    let name = header.get(col).map_or("", String::as_str);
    if name.is_empty() {
        format!("column {}", column_letter(col))
    } else {
        format!("{name} (column {})", column_letter(col))
    }
}

/// Finds the header row among the first rows and which column holds what.
/// `mapping` (from `--columns`) wins over the built-in names.
pub fn find_columns(table: &Table, mapping: &[(String, Field)]) -> Result<Columns, ImportError> {
    let mut best_found: Vec<String> = Vec::new();
    for row in table
        .rows
        .iter()
        .filter(|r| !r.is_blank())
        .take(HEADER_SEARCH_ROWS)
    {
        let columns = columns_of(row, mapping);
        if columns.has(Field::Stem) && columns.has(Field::Answer) {
            for (name, _) in mapping {
                if !row.cells.iter().any(|c| header_key(c) == header_key(name)) {
                    return Err(ImportError::MappedColumnMissing {
                        name: name.clone(),
                        row: row.number,
                        columns: row
                            .cells
                            .iter()
                            .filter(|c| !c.is_empty())
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
            return Ok(columns);
        }
        if columns.fields.len() > best_found.len() {
            best_found = columns
                .fields
                .keys()
                .filter_map(|f| columns.describe(*f))
                .collect();
        }
    }
    Err(ImportError::NoHeader {
        path: table.path.clone(),
        found: if best_found.is_empty() {
            String::new()
        } else {
            format!(" (the best row has only {})", best_found.join(", "))
        },
    })
}

fn columns_of(row: &Row, mapping: &[(String, Field)]) -> Columns {
    let mut fields: BTreeMap<Field, usize> = BTreeMap::new();
    let mut ignored = Vec::new();
    for (col, text) in row.cells.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let key = header_key(text);
        let field = mapping
            .iter()
            .find(|(name, _)| header_key(name) == key)
            .map(|(_, f)| *f)
            .or_else(|| recognise(text));
        match field {
            Some(Field::Ignore) => {}
            // The first column that names a field is the one read; a second
            // one (题目 beside 题干) is reported as ignored.
            Some(f) if !fields.contains_key(&f) => {
                fields.insert(f, col);
            }
            _ => ignored.push(describe_column(&row.cells, col)),
        }
    }
    // 知识点 is the category when there is no category column, else a tag.
    if let Some(col) = fields.remove(&Field::Knowledge) {
        let placed = [Field::Category, Field::Tags].into_iter().any(|f| {
            if let std::collections::btree_map::Entry::Vacant(slot) = fields.entry(f) {
                slot.insert(col);
                true
            } else {
                false
            }
        });
        if !placed {
            ignored.push(describe_column(&row.cells, col));
        }
    }
    Columns {
        fields,
        header: row.cells.clone(),
        header_row: row.number,
        ignored,
    }
}

/// A row that cannot be imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    /// Row number as Excel shows it.
    pub row: usize,
    /// The column at fault, as `答案 (column F)`, when one is.
    pub column: Option<String>,
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// One row read as a question, before its category and id are settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub row: usize,
    pub id: Option<String>,
    pub kind: QuestionType,
    /// The category cell as written (a name or an id).
    pub category_name: Option<String>,
    /// The category id cell, when the sheet has one.
    pub category_id: Option<String>,
    pub difficulty: Option<u8>,
    pub stem: String,
    pub options: Vec<String>,
    pub answer: Answer,
    pub explanation: Option<String>,
    pub source: Option<String>,
    pub tags: Vec<String>,
    pub group: Option<String>,
    pub fixed_order: bool,
}

/// Reads every row below the header: drafts for the good rows, and every
/// problem of the bad ones. Blank rows are skipped.
pub fn read_rows(table: &Table, columns: &Columns) -> (Vec<Draft>, Vec<Rejection>) {
    let mut drafts = Vec::new();
    let mut rejections = Vec::new();
    for row in table
        .rows
        .iter()
        .filter(|r| r.number > columns.header_row && !r.is_blank())
    {
        match read_row(row, columns) {
            Ok(d) => drafts.push(d),
            Err(mut problems) => rejections.append(&mut problems),
        }
    }
    (drafts, rejections)
}

/// Collects the problems of one row.
struct RowCheck<'a> {
    row: &'a Row,
    columns: &'a Columns,
    problems: Vec<Rejection>,
}

impl RowCheck<'_> {
    fn get(&self, field: Field) -> &str {
        self.columns
            .fields
            .get(&field)
            .map_or("", |&c| self.row.cell(c))
    }

    fn text(&self, field: Field) -> Option<String> {
        let t = self.get(field);
        (!t.is_empty()).then(|| t.to_string())
    }

    fn reject(&mut self, field: Option<Field>, message: String, hint: &str) {
        self.problems.push(Rejection {
            row: self.row.number,
            column: field.and_then(|f| self.columns.describe(f)),
            message,
            hint: hint.to_string(),
        });
    }
}

/// What the type cell says.
enum TypeCell {
    Known(QuestionType),
    /// 不定项选择题: one or more correct options.
    Indefinite,
    Empty,
    Unsupported,
    Unknown,
}

fn parse_type(cell: &str) -> TypeCell {
    let key = header_key(cell);
    match key.as_str() {
        "" => TypeCell::Empty,
        "单选" | "单选题" | "单项选择" | "单项选择题" | "单" | "single" | "singlechoice"
        | "radio" => TypeCell::Known(QuestionType::Single),
        "多选" | "多选题" | "多项选择" | "多项选择题" | "多" | "multiple" | "multiplechoice"
        | "multi" | "checkbox" => TypeCell::Known(QuestionType::Multiple),
        "判断" | "判断题" | "是非" | "是非题" | "对错题" | "判断正误" | "truefalse"
        | "true/false" | "tf" | "judge" => TypeCell::Known(QuestionType::TrueFalse),
        "不定项" | "不定项选择" | "不定项选择题" => TypeCell::Indefinite,
        "填空" | "填空题" | "简答" | "简答题" | "问答" | "问答题" | "论述题" | "计算题"
        | "案例分析题" | "案例题" | "名词解释" | "排序题" | "匹配题" | "连线题" => {
            TypeCell::Unsupported
        }
        _ => TypeCell::Unknown,
    }
}

/// Reads a true/false answer as people write it.
fn parse_truth(cell: &str) -> Option<bool> {
    let key = header_key(cell);
    let key = key.trim_end_matches(['。', '!', '！']);
    match key {
        "对" | "正确" | "√" | "✓" | "✔" | "是" | "t" | "true" | "y" | "yes" | "r" | "right"
        | "correct" | "对的" => Some(true),
        "错" | "错误" | "×" | "✗" | "✘" | "x" | "否" | "f" | "false" | "n" | "no" | "w"
        | "wrong" | "incorrect" | "错的" | "不对" => Some(false),
        _ => None,
    }
}

/// Reads option letters as people write them: `ABD`, `A,B,D`, `A;B;D`,
/// `A、B、D`, `a b d`, full-width `ＡＢＤ`. Letters in the order written.
fn parse_letters(cell: &str) -> Result<Vec<usize>, char> {
    let mut letters = Vec::new();
    for c in fold_width(cell).chars() {
        if c.is_whitespace() || matches!(c, ',' | ';' | '、' | '/' | '|' | '，' | '；' | '.' | '+')
        {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        if !upper.is_ascii_uppercase() {
            return Err(c);
        }
        letters.push(usize::from(upper as u8 - b'A'));
    }
    Ok(letters)
}

fn parse_difficulty(cell: &str) -> Option<u8> {
    if let Ok(n) = fold_width(cell).trim().parse::<f64>() {
        return (n.fract() == 0.0 && (1.0..=5.0).contains(&n)).then_some(n as u8);
    }
    match header_key(cell).as_str() {
        "易" | "容易" | "简单" | "很简单" | "easy" => Some(1),
        "较易" | "较简单" | "偏易" | "较容易" => Some(2),
        "中" | "中等" | "一般" | "普通" | "适中" | "medium" => Some(3),
        "较难" | "偏难" | "较困难" => Some(4),
        "难" | "困难" | "很难" | "hard" => Some(5),
        _ => None,
    }
}

fn parse_flag(cell: &str) -> Option<bool> {
    match header_key(cell).as_str() {
        "" | "否" | "0" | "n" | "no" | "false" | "f" | "×" => Some(false),
        "是" | "1" | "y" | "yes" | "true" | "t" | "√" | "固定" => Some(true),
        _ => None,
    }
}

/// Tags as written in one cell: separated by commas, semicolons, `、` or lines.
fn split_tags(cell: &str) -> Vec<String> {
    cell.split([',', '，', ';', '；', '、', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// An option cell without a repeated `A.`/`A、`/`A：` of its own letter,
/// or `None` when it does not start with one.
fn without_option_prefix(text: &str, index: usize) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 2 {
        return None;
    }
    let first = fold_width(&chars[0].to_string()).to_ascii_uppercase();
    (first == letter(index).to_string()
        && matches!(chars[1], '.' | '．' | '、' | ':' | '：' | ')' | '）'))
    .then(|| chars[2..].iter().collect::<String>().trim().to_string())
}

/// The option cells of a row, A…H, with their repeated letters removed —
/// only when every filled option repeats its letter (`A.甲`, `B.乙`), so a
/// lone option that happens to read `A：是` keeps its text.
fn option_texts(raw: &[&str]) -> Vec<String> {
    let filled: Vec<(usize, &&str)> = raw
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let stripped: Option<Vec<String>> = filled
        .iter()
        .map(|(i, t)| without_option_prefix(t, *i))
        .collect();
    match stripped {
        Some(texts) if filled.len() >= 2 => {
            let mut out: Vec<String> = raw.iter().map(|t| (*t).to_string()).collect();
            for ((i, _), text) in filled.iter().zip(texts) {
                out[*i] = text;
            }
            out
        }
        _ => raw.iter().map(|t| (*t).to_string()).collect(),
    }
}

/// What Excel shows in a cell whose formula failed. Such a cell is not the
/// text the trainer meant (a broken lookup shows `#N/A`), so its row is
/// rejected rather than imported with `#N/A` as the stem.
const EXCEL_ERRORS: [&str; 9] = [
    "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#DATA!",
];

fn read_row(row: &Row, columns: &Columns) -> Result<Draft, Vec<Rejection>> {
    let mut check = RowCheck {
        row,
        columns,
        problems: Vec::new(),
    };
    for (&field, &col) in &columns.fields {
        let cell = row.cell(col);
        if EXCEL_ERRORS.contains(&cell) {
            check.reject(
                Some(field),
                format!(
                    "the cell shows the Excel error {}",
                    crate::spreadsheet::excerpt(cell)
                ),
                "fix the formula in that cell, or paste the values (Paste Special → Values)",
            );
        }
    }
    if !check.problems.is_empty() {
        return Err(check.problems);
    }
    let stem = check.get(Field::Stem).to_string();
    if stem.is_empty() {
        check.reject(
            Some(Field::Stem),
            "the stem is empty".into(),
            "write the question text, or delete the row",
        );
    }

    // Options: A…H in order, empty ones only at the end.
    let raw: Vec<&str> = (0..MAX_OPTIONS as u8)
        .map(|i| check.get(Field::Option(i)))
        .collect();
    let cells: Vec<(u8, String)> = (0..MAX_OPTIONS as u8).zip(option_texts(&raw)).collect();
    let last = cells.iter().rposition(|(_, t)| !t.is_empty());
    let mut options = Vec::new();
    if let Some(last) = last {
        for (i, text) in &cells[..=last] {
            if text.is_empty() {
                let later = letter(last);
                check.reject(
                    Some(Field::Option(*i)),
                    format!(
                        "option {} is empty, but option {later} is filled",
                        letter(usize::from(*i))
                    ),
                    "fill the options from A on without gaps",
                );
            }
            options.push(text.clone());
        }
    }

    let answer_cell = check.get(Field::Answer).to_string();
    let letters = parse_letters(&answer_cell);
    let kind = match parse_type(check.get(Field::Type)) {
        TypeCell::Known(k) => Some(k),
        TypeCell::Indefinite => match &letters {
            Ok(l) if l.len() == 1 => Some(QuestionType::Single),
            _ => Some(QuestionType::Multiple),
        },
        TypeCell::Empty => Some(infer_type(&options, &answer_cell, &letters)),
        TypeCell::Unsupported => {
            let t = check.get(Field::Type).to_string();
            check.reject(
                Some(Field::Type),
                format!("type \"{}\" cannot be imported: certexam has single-choice, multiple-choice and true/false questions only", crate::spreadsheet::excerpt(&t.to_string())),
                "leave such questions out of the sheet, or delete the row",
            );
            None
        }
        TypeCell::Unknown => {
            let t = check.get(Field::Type).to_string();
            check.reject(
                Some(Field::Type),
                format!(
                    "unknown question type \"{}\"",
                    crate::spreadsheet::excerpt(&t.to_string())
                ),
                "write 单选题, 多选题 or 判断题 (also: single, multiple, truefalse)",
            );
            None
        }
    };

    let answer = match kind {
        _ if answer_cell.is_empty() => {
            check.reject(
                Some(Field::Answer),
                "the answer is empty".into(),
                "write the correct option letters (e.g. B or ACD), or 对/错 for 判断题",
            );
            None
        }
        Some(QuestionType::TrueFalse) => {
            let truth =
                parse_truth(&answer_cell).or_else(|| truth_by_letter(&answer_cell, &options));
            if truth.is_none() {
                check.reject(
                    Some(Field::Answer),
                    format!(
                        "the answer \"{}\" of a true/false question says neither true nor false",
                        crate::spreadsheet::excerpt(&answer_cell.to_string())
                    ),
                    "write 对/错, 正确/错误, √/× or 是/否",
                );
            }
            // A true/false question has no options; 正确/错误 in A/B are dropped.
            options.clear();
            truth.map(Answer::TrueFalse)
        }
        Some(kind) => choice_answer(&mut check, kind, &options, &answer_cell, letters),
        None => None,
    };

    let difficulty = match check.get(Field::Difficulty) {
        "" => None,
        cell => {
            let cell = cell.to_string();
            let d = parse_difficulty(&cell);
            if d.is_none() {
                check.reject(
                    Some(Field::Difficulty),
                    format!(
                        "difficulty \"{}\" is not 1–5 or 易/较易/中等/较难/难",
                        crate::spreadsheet::excerpt(&cell.to_string())
                    ),
                    "write a number 1 (easy) to 5 (hard), or 易, 较易, 中等, 较难, 难",
                );
            }
            d
        }
    };

    let id = check.text(Field::Id);
    if let Some(id) = &id
        && !valid_question_id(id)
    {
        check.reject(
            Some(Field::Id),
            format!(
                "id \"{}\" is not allowed",
                crate::spreadsheet::excerpt(&id.to_string())
            ),
            "use 1–32 letters, digits, `_` or `-` (e.g. LOG-101), or leave it empty to get one",
        );
    }
    let category_id = check.text(Field::CategoryId);
    if let Some(c) = &category_id
        && !valid_category_id(c)
    {
        check.reject(
            Some(Field::CategoryId),
            format!(
                "category id \"{}\" is not allowed",
                crate::spreadsheet::excerpt(&c.to_string())
            ),
            "use lowercase letters, digits, `_` and `-` (e.g. logistics)",
        );
    }
    let fixed_order = match parse_flag(check.get(Field::FixedOrder)) {
        Some(b) => b,
        None => {
            let cell = check.get(Field::FixedOrder).to_string();
            check.reject(
                Some(Field::FixedOrder),
                format!(
                    "\"{}\" is neither yes nor no",
                    crate::spreadsheet::excerpt(&cell.to_string())
                ),
                "write 是 to keep the option order, or leave it empty",
            );
            false
        }
    };

    if !check.problems.is_empty() {
        return Err(check.problems);
    }
    let (Some(kind), Some(answer)) = (kind, answer) else {
        unreachable!("a missing type or answer is always reported");
    };
    Ok(Draft {
        row: row.number,
        id,
        kind,
        category_name: check.text(Field::Category),
        category_id,
        difficulty,
        stem,
        options,
        answer,
        explanation: check.text(Field::Explanation),
        source: check.text(Field::Source),
        tags: split_tags(check.get(Field::Tags)),
        group: check.text(Field::Group),
        fixed_order,
    })
}

/// The type of a row whose type cell is empty: no options means true/false,
/// otherwise the number of answer letters decides.
fn infer_type(
    options: &[String],
    answer: &str,
    letters: &Result<Vec<usize>, char>,
) -> QuestionType {
    if options.is_empty() && parse_truth(answer).is_some() {
        return QuestionType::TrueFalse;
    }
    match letters {
        Ok(l) if l.len() > 1 => QuestionType::Multiple,
        _ => QuestionType::Single,
    }
}

/// `A`/`B` as the answer of a true/false row: by the option text when the
/// options say 正确/错误, else A is true and B false (the 考试云 convention).
fn truth_by_letter(answer: &str, options: &[String]) -> Option<bool> {
    let letters = parse_letters(answer).ok()?;
    let [index] = letters.as_slice() else {
        return None;
    };
    match options.get(*index) {
        Some(text) => parse_truth(text),
        None if options.is_empty() => match index {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        },
        None => None,
    }
}

fn choice_answer(
    check: &mut RowCheck<'_>,
    kind: QuestionType,
    options: &[String],
    cell: &str,
    letters: Result<Vec<usize>, char>,
) -> Option<Answer> {
    let mut ok = true;
    if options.len() < 2 {
        check.reject(
            Some(Field::Option(0)),
            format!(
                "a {} question needs 2 to {MAX_OPTIONS} options, this row has {}",
                kind.title_zh(),
                options.len()
            ),
            "fill 选项A, 选项B, … (or set 题型 to 判断题 if it is a true/false question)",
        );
        ok = false;
    }
    for (i, text) in options.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        if let Some(j) = options[..i].iter().position(|o| o == text) {
            check.reject(
                Some(Field::Option(i as u8)),
                format!(
                    "option {} repeats option {}: \"{text}\"",
                    letter(i),
                    letter(j)
                ),
                "make every option different",
            );
            ok = false;
        }
    }
    let letters = match letters {
        Ok(l) => l,
        Err(c) => {
            check.reject(
                Some(Field::Answer),
                format!(
                    "the answer \"{}\" has `{}`, which is not an option letter",
                    crate::spreadsheet::excerpt(cell),
                    crate::spreadsheet::excerpt(&c.to_string())
                ),
                "write the letters of the correct options, e.g. B or ACD",
            );
            return None;
        }
    };
    let count = options.len().max(1);
    if let Some(&bad) = letters.iter().find(|&&i| i >= options.len()) {
        let hint = if options.is_empty() {
            "fill the options".to_string()
        } else {
            format!(
                "use letters A–{}, or fill the missing option",
                letter(count - 1)
            )
        };
        check.reject(
            Some(Field::Answer),
            format!(
                "the answer names option {}, but this row has only {} option(s)",
                letter(bad.min(25)),
                options.len()
            ),
            &hint,
        );
        return None;
    }
    let mut sorted = letters.clone();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        check.reject(
            Some(Field::Answer),
            format!("the answer \"{cell}\" names {} twice", letter(w[0])),
            "name each correct option once",
        );
        return None;
    }
    match (kind, sorted.len()) {
        (QuestionType::Single, 1) | (QuestionType::Multiple, 2..) => {}
        (QuestionType::Single, n) => {
            check.reject(
                Some(Field::Answer),
                format!("a single-choice question (单选题) needs exactly one correct letter, \"{}\" has {n}", crate::spreadsheet::excerpt(cell)),
                "give one letter, or set 题型 to 多选题",
            );
            return None;
        }
        (_, n) => {
            check.reject(
                Some(Field::Answer),
                format!("a multiple-choice question (多选题) needs two or more correct letters, \"{}\" has {n}", crate::spreadsheet::excerpt(cell)),
                "give at least two letters, or set 题型 to 单选题",
            );
            return None;
        }
    }
    ok.then_some(Answer::Choice(sorted))
}

/// A question from the sheet, settled into the bank's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    pub row: usize,
    pub question: Question,
    /// The id was generated (the sheet had none).
    pub generated_id: bool,
    /// The row gave a difficulty; without one a new question gets
    /// [`DEFAULT_DIFFICULTY`] and one already in the bank keeps its own.
    pub difficulty_given: bool,
}

/// How rows without a category id are placed.
#[derive(Clone, Debug, Default)]
pub struct CategoryRules {
    /// `--category-map`: name in the sheet → category id.
    pub map: Vec<(String, String)>,
    /// `--category`: for rows whose category cell is empty.
    pub default: Option<String>,
}

/// The outcome of settling drafts against a bank's categories.
#[derive(Clone, Debug, Default)]
pub struct Settled {
    pub questions: Vec<Imported>,
    /// Categories the bank does not have yet, in order of first use.
    pub new_categories: Vec<Category>,
    pub rejections: Vec<Rejection>,
}

/// The difficulty of a new question whose row gives none: the middle of 1–5.
pub const DEFAULT_DIFFICULTY: u8 = 3;

/// Puts every draft into a category (existing, mapped, or new with an id
/// slugged from its name), gives it an id when it has none, and rejects
/// rows that repeat an id or a question of an earlier row.
pub fn settle(
    drafts: Vec<Draft>,
    existing: &[Category],
    rules: &CategoryRules,
    columns: &Columns,
) -> Settled {
    let mut out = Settled::default();
    let mut resolver = Resolver {
        existing,
        rules,
        new: Vec::new(),
    };
    let mut seen_ids: BTreeMap<String, usize> = BTreeMap::new();
    for draft in drafts {
        let category = match resolver.resolve(&draft) {
            Ok(c) => c,
            Err((message, hint)) => {
                out.rejections.push(Rejection {
                    row: draft.row,
                    column: columns
                        .describe(Field::Category)
                        .or_else(|| columns.describe(Field::CategoryId)),
                    message,
                    hint,
                });
                continue;
            }
        };
        let generated_id = draft.id.is_none();
        let id = draft
            .id
            .clone()
            .unwrap_or_else(|| generated_id_for(&category, &draft.stem, &draft.options));
        if let Some(first) = seen_ids.get(&id) {
            let (message, hint) = if generated_id {
                (
                    format!("the same question (stem and options) as row {first}"),
                    "delete one of the two rows".to_string(),
                )
            } else {
                (
                    format!(
                        "id {} is already used on row {first}",
                        crate::spreadsheet::excerpt(&id.to_string())
                    ),
                    "give each row its own id, or leave the id empty to get one".to_string(),
                )
            };
            out.rejections.push(Rejection {
                row: draft.row,
                column: columns
                    .describe(Field::Id)
                    .or_else(|| columns.describe(Field::Stem)),
                message,
                hint,
            });
            continue;
        }
        seen_ids.insert(id.clone(), draft.row);
        out.questions.push(Imported {
            row: draft.row,
            generated_id,
            difficulty_given: draft.difficulty.is_some(),
            question: Question {
                id,
                kind: draft.kind,
                category,
                difficulty: draft.difficulty.unwrap_or(DEFAULT_DIFFICULTY),
                stem: draft.stem,
                options: draft.options,
                answer: draft.answer,
                explanation: draft.explanation,
                source: draft.source,
                tags: draft.tags,
                group: draft.group,
                fixed_order: draft.fixed_order,
                audit_ok: Vec::new(),
                origin: Origin::default(),
            },
        });
    }
    out.new_categories = resolver.new;
    out
}

struct Resolver<'a> {
    existing: &'a [Category],
    rules: &'a CategoryRules,
    new: Vec<Category>,
}

impl Resolver<'_> {
    fn known(&self) -> impl Iterator<Item = &Category> {
        self.existing.iter().chain(&self.new)
    }

    fn resolve(&mut self, draft: &Draft) -> Result<String, (String, String)> {
        let name = draft.category_name.clone().or_else(|| {
            draft
                .category_id
                .is_none()
                .then(|| self.rules.default.clone())
                .flatten()
        });
        if let Some(id) = &draft.category_id {
            if !self.known().any(|c| &c.id == id) {
                let title = name.unwrap_or_else(|| id.clone());
                self.new.push(Category {
                    id: id.clone(),
                    title: title.clone(),
                    title_en: title,
                });
            }
            return Ok(id.clone());
        }
        let Some(name) = name else {
            return Err((
                "the row has no category".into(),
                "fill its 分类 cell, or give --category NAME for rows without one".into(),
            ));
        };
        if let Some((_, id)) = self.rules.map.iter().find(|(n, _)| n == &name) {
            if !self.known().any(|c| &c.id == id) {
                self.new.push(Category {
                    id: id.clone(),
                    title: name.clone(),
                    title_en: name.clone(),
                });
            }
            return Ok(id.clone());
        }
        // Titles compare without spaces and widths: 物流 与 付款 is 物流与付款.
        let key = identity_text(&name);
        if let Some(c) = self.known().find(|c| {
            identity_text(&c.title) == key || c.id == key || identity_text(&c.title_en) == key
        }) {
            return Ok(c.id.clone());
        }
        // 信息安全 beside the bank's 信息安全与隐私 is most likely the same
        // category: splitting it off silently would give its questions ids
        // (and a file) that a corrected re-import could not take back.
        if let Some(c) = self.existing.iter().find(|c| resembles(&name, &c.title)) {
            return Err((
                format!(
                    "category \"{name}\" is not in the bank, which has \"{}\" ({})",
                    c.title, c.id
                ),
                format!(
                    "to put these rows there, import again with --category-map {name}={}; for a new category, give it an id, e.g. --category-map {name}={}",
                    c.id,
                    slug(&name)
                ),
            ));
        }
        let base = slug(&name);
        let mut id = base.clone();
        let mut n = 2;
        while self.known().any(|c| c.id == id) || id == "bank" {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.new.push(Category {
            id: id.clone(),
            title: name.clone(),
            title_en: name,
        });
        Ok(id)
    }
}

/// Whether a new category name looks like a variant of an existing title:
/// one contains the other (信息安全 / 信息安全与隐私), compared without
/// spaces and widths, and the shorter has at least two characters.
fn resembles(name: &str, title: &str) -> bool {
    let (a, b) = (identity_text(name), identity_text(title));
    let (short, long) = if a.chars().count() <= b.chars().count() {
        (a, b)
    } else {
        (b, a)
    };
    short.chars().count() >= 2 && long.contains(&short)
}

/// The longest category id made from a name.
const SLUG_MAX: usize = 24;

/// A category id made from a category name: Chinese in pinyin without
/// tones (物流 → `wuliu`), Latin letters and digits lower-cased, anything
/// else a `-` (售后 服务 → `shouhou-fuwu`). At most 24 characters; a name
/// with nothing usable gets `cat-` and 6 hex digits of its SHA-256.
pub fn slug(name: &str) -> String {
    use pinyin::ToPinyin;
    #[derive(PartialEq)]
    enum Kind {
        Latin,
        Han,
        Gap,
    }
    let mut out = String::new();
    let mut last = Kind::Gap;
    for c in fold_width(name).chars() {
        let (kind, text) = if c.is_ascii_alphanumeric() {
            (Kind::Latin, c.to_ascii_lowercase().to_string())
        } else if let Some(p) = c.to_pinyin() {
            (
                Kind::Han,
                p.plain().chars().filter(char::is_ascii_lowercase).collect(),
            )
        } else {
            (Kind::Gap, String::new())
        };
        if kind != Kind::Gap && last != kind && !out.is_empty() {
            out.push('-');
        }
        out.push_str(&text);
        last = kind;
    }
    let mut slug: String = out.chars().take(SLUG_MAX).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        let digest = Sha256::digest(name.as_bytes());
        format!("cat-{}", &hex::encode(digest)[..6])
    } else {
        slug
    }
}

/// A text reduced to what identifies a question: widths folded, lower case,
/// all white space removed.
fn identity_text(text: &str) -> String {
    fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What makes two questions the same question whatever their ids: the stem
/// and options after [`identity_text`]. A row without an id whose content
/// the bank already has under another id (imported before with another
/// category, or written by hand) is that question, not a new one.
pub fn content_key(stem: &str, options: &[String]) -> String {
    let mut key = identity_text(stem);
    for option in options {
        key.push('\n');
        key.push_str(&identity_text(option));
    }
    key
}

/// The id of a question from a sheet without ids:
/// `IMP-<category, at most 19 characters>-<8 hex>`, the hex digits being the
/// start of SHA-256 over `certexam-import-v1`, the category id, the stem and
/// each option, each on its own line after [`identity_text`]. So re-importing
/// the same sheet gives the same ids, and a question whose answer,
/// explanation or difficulty was corrected keeps its id (and is reported as
/// changed), while one whose stem or options were reworded is a new question.
pub fn generated_id_for(category: &str, stem: &str, options: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"certexam-import-v1\n");
    hasher.update(category.as_bytes());
    hasher.update(b"\n");
    hasher.update(identity_text(stem).as_bytes());
    for option in options {
        hasher.update(b"\n");
        hasher.update(identity_text(option).as_bytes());
    }
    let hex = hex::encode(hasher.finalize());
    let short: String = category.chars().take(19).collect();
    format!("IMP-{}-{}", short.trim_end_matches('-'), &hex[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spreadsheet::parse_csv;

    fn table(csv: &str) -> Table {
        Table {
            path: "t.csv".into(),
            rows: parse_csv(csv).unwrap(),
            encoding: Some("UTF-8"),
            sheet: None,
        }
    }

    fn rows_of(csv: &str) -> (Vec<Draft>, Vec<Rejection>) {
        let t = table(csv);
        let columns = find_columns(&t, &[]).unwrap();
        read_rows(&t, &columns)
    }

    #[test]
    fn header_names_are_recognised_in_their_usual_spellings() {
        assert_eq!(recognise("答案（必填）"), Some(Field::Answer));
        assert_eq!(recognise(" 正确答案 "), Some(Field::Answer));
        assert_eq!(recognise("选项Ａ"), Some(Field::Option(0)));
        assert_eq!(recognise("选项 D"), Some(Field::Option(3)));
        assert_eq!(recognise("B"), Some(Field::Option(1)));
        assert_eq!(recognise("选项8"), Some(Field::Option(7)));
        assert_eq!(recognise("Option C"), Some(Field::Option(2)));
        assert_eq!(recognise("难度(1-5)"), Some(Field::Difficulty));
        assert_eq!(recognise("*题干"), Some(Field::Stem));
        assert_eq!(recognise("【题型】"), Some(Field::Type));
        assert_eq!(recognise("Category ID"), Some(Field::CategoryId));
        assert_eq!(recognise("序号"), None);
    }

    #[test]
    fn answers_as_people_write_them() {
        assert_eq!(parse_letters("ABD"), Ok(vec![0, 1, 3]));
        assert_eq!(parse_letters("A,B,D"), Ok(vec![0, 1, 3]));
        assert_eq!(parse_letters("A;B;D"), Ok(vec![0, 1, 3]));
        assert_eq!(parse_letters("A、B、D"), Ok(vec![0, 1, 3]));
        assert_eq!(parse_letters("ａ ｂ，Ｄ"), Ok(vec![0, 1, 3]));
        assert_eq!(parse_letters("A?"), Err('?'));
        for t in ["对", "正确", "√", "是", "T", "true", "Ｙ"] {
            assert_eq!(parse_truth(t), Some(true), "{t}");
        }
        for t in ["错", "错误", "×", "否", "F", "FALSE", "ｘ"] {
            assert_eq!(parse_truth(t), Some(false), "{t}");
        }
    }

    #[test]
    fn difficulty_words_and_numbers() {
        assert_eq!(parse_difficulty("3"), Some(3));
        assert_eq!(parse_difficulty("３"), Some(3));
        assert_eq!(parse_difficulty("4.0"), Some(4));
        assert_eq!(parse_difficulty("易"), Some(1));
        assert_eq!(parse_difficulty("较难"), Some(4));
        assert_eq!(parse_difficulty("6"), None);
        assert_eq!(parse_difficulty("2.5"), None);
    }

    #[test]
    fn a_good_sheet_reads_into_drafts() {
        let (drafts, rejected) = rows_of(
            "题型,题干,选项A,选项B,选项C,答案,难度,分类\n\
             单选题,问一,甲,乙,丙,B,易,物流\n\
             多选题,问二,甲,乙,丙,\"A,C\",3,物流\n\
             判断题,问三,,,,对,,物流\n\
             不定项选择题,问四,甲,乙,,A,,物流\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(drafts.len(), 4);
        assert_eq!(drafts[0].answer, Answer::Choice(vec![1]));
        assert_eq!(drafts[0].difficulty, Some(1));
        assert_eq!(drafts[1].answer, Answer::Choice(vec![0, 2]));
        assert_eq!(drafts[1].kind, QuestionType::Multiple);
        assert_eq!(drafts[2].answer, Answer::TrueFalse(true));
        assert!(drafts[2].options.is_empty());
        assert_eq!(drafts[3].kind, QuestionType::Single);
        assert_eq!(drafts[3].row, 5);
    }

    #[test]
    fn bad_rows_name_row_column_and_reason() {
        let (drafts, rejected) = rows_of(
            "题型,题干,选项A,选项B,选项C,选项D,答案\n\
             单选题,问一,甲,乙,丙,丁,E\n\
             单选题,问二,甲,乙,丙,丁,\n\
             填空题,问三,,,,,北京\n\
             单选题,,甲,乙,,,A\n\
             多选题,问五,甲,乙,丙,丁,B\n\
             单选题,问六,甲,,丙,,A\n",
        );
        assert!(drafts.is_empty());
        let summary: Vec<(usize, Option<&str>)> = rejected
            .iter()
            .map(|r| (r.row, r.column.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                (2, Some("答案 (column G)")),
                (3, Some("答案 (column G)")),
                (4, Some("题型 (column A)")),
                (5, Some("题干 (column B)")),
                (6, Some("答案 (column G)")),
                (7, Some("选项B (column D)")),
            ]
        );
        assert_eq!(
            rejected[0].message,
            "the answer names option E, but this row has only 4 option(s)"
        );
    }

    #[test]
    fn excel_error_cells_reject_their_row() {
        let (drafts, rejected) = rows_of("题干,答案,选项A,选项B\n#N/A,A,甲,乙\n问,A,甲,#REF!\n");
        assert!(drafts.is_empty());
        let found: Vec<(usize, Option<&str>, &str)> = rejected
            .iter()
            .map(|r| (r.row, r.column.as_deref(), r.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    2,
                    Some("题干 (column A)"),
                    "the cell shows the Excel error #N/A"
                ),
                (
                    3,
                    Some("选项B (column D)"),
                    "the cell shows the Excel error #REF!"
                ),
            ]
        );
    }

    #[test]
    fn true_false_answers_by_letter_follow_the_option_text() {
        let (drafts, rejected) =
            rows_of("题型,题干,选项A,选项B,答案\n判断题,问一,错误,正确,A\n判断题,问二,,,B\n");
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(drafts[0].answer, Answer::TrueFalse(false));
        assert_eq!(drafts[1].answer, Answer::TrueFalse(false));
    }

    #[test]
    fn option_cells_may_repeat_their_letter() {
        assert_eq!(
            option_texts(&["A.国内包裹", "Ｂ、快递", "c）平邮", ""]),
            ["国内包裹", "快递", "平邮", ""]
        );
        // Not every option repeats its letter: the texts are kept as written.
        assert_eq!(option_texts(&["A：是", "否"]), ["A：是", "否"]);
        assert_eq!(option_texts(&["B.甲", "A.乙"]), ["B.甲", "A.乙"]);
    }

    #[test]
    fn slugs_read_as_pinyin() {
        assert_eq!(slug("物流"), "wuliu");
        assert_eq!(slug("售后 服务"), "shouhou-fuwu");
        assert_eq!(slug("B2C业务"), "b2c-yewu");
        assert_eq!(slug("Logistics & Payment"), "logistics-payment");
        assert!(slug("！！").starts_with("cat-"));
        assert!(slug("物流与付款信息安全平台交易规则").len() <= 24);
    }

    #[test]
    fn a_name_like_an_existing_category_is_not_split_off() {
        let existing = [Category {
            id: "security".into(),
            title: "信息安全与隐私".into(),
            title_en: "Information security".into(),
        }];
        let t = table(
            "题干,答案,分类\n对吗？,对,信息安全\n错吗？,错,信息 安全与隐私\n好吗？,对,售后\n",
        );
        let columns = find_columns(&t, &[]).unwrap();
        let (drafts, _) = read_rows(&t, &columns);
        let settled = settle(drafts, &existing, &CategoryRules::default(), &columns);
        let categories: Vec<&str> = settled
            .questions
            .iter()
            .map(|q| q.question.category.as_str())
            .collect();
        assert_eq!(categories, ["security", "shouhou"]);
        assert_eq!(settled.rejections.len(), 1);
        assert_eq!(
            settled.rejections[0].hint,
            "to put these rows there, import again with --category-map 信息安全=security; for a new category, give it an id, e.g. --category-map 信息安全=xinxianquan"
        );
        let mapped = CategoryRules {
            map: vec![("信息安全".into(), "security".into())],
            default: None,
        };
        let (drafts, _) = read_rows(&t, &columns);
        let settled = settle(drafts, &existing, &mapped, &columns);
        assert!(settled.rejections.is_empty());
    }

    #[test]
    fn generated_ids_are_stable_and_ignore_width_and_spacing() {
        let a = generated_id_for("wuliu", "运费 由谁付？", &["买家".into(), "卖家".into()]);
        let b = generated_id_for("wuliu", "运费由谁付?", &["买家".into(), "卖家 ".into()]);
        assert_eq!(a, b);
        assert!(a.starts_with("IMP-wuliu-") && a.len() == 18, "{a}");
        assert!(valid_question_id(&a));
        let long = generated_id_for("a-very-long-category-name", "x", &[]);
        assert!(valid_question_id(&long), "{long}");
    }

    #[test]
    fn column_letters_go_past_z() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
