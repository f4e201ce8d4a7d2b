//! Column recognition: which header row, and which column holds which
//! field — by the usual names of Chinese exam services, or by `--columns`.

use super::*;

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

pub(super) fn option_letter(text: &str) -> Option<u8> {
    let mut chars = text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    let c = c.to_ascii_lowercase();
    ('a'..='h').contains(&c).then(|| c as u8 - b'a')
}

/// Recognised header names (compared after [`header_key`]). Documented in
/// the README ("Recognised column names"); keep the two in step.
pub(super) const COLUMN_NAMES: &[(&str, Field)] = &[
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
pub(super) fn recognise(header: &str) -> Option<Field> {
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

pub(super) fn describe_column(header: &[String], col: usize) -> String {
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

pub(super) fn columns_of(row: &Row, mapping: &[(String, Field)]) -> Columns {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn column_letters_go_past_z() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
