//! Row building: every row below the header becomes a question draft, or
//! rejections naming the row, the column and the reason.

use super::*;

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
pub(super) struct RowCheck<'a> {
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

pub(super) fn read_row(row: &Row, columns: &Columns) -> Result<Draft, Vec<Rejection>> {
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
    let letters = answer_words::letters(&answer_cell)
        .map(|l| l.into_iter().map(usize::from).collect::<Vec<usize>>());
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
                answer_words::truth(&answer_cell, TruthContext::BankRow { options: &options });
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
    let fixed_order =
        match answer_words::yes_no(check.get(Field::FixedOrder), YesNoColumn::FixedOrder) {
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
        tags: answer_words::split_list(check.get(Field::Tags)),
        group: check.text(Field::Group),
        fixed_order,
    })
}

/// The type of a row whose type cell is empty: no options means true/false,
/// otherwise the number of answer letters decides.
pub(super) fn infer_type(
    options: &[String],
    answer: &str,
    letters: &Result<Vec<usize>, char>,
) -> QuestionType {
    if options.is_empty() && answer_words::truth_word(answer).is_some() {
        return QuestionType::TrueFalse;
    }
    match letters {
        Ok(l) if l.len() > 1 => QuestionType::Multiple,
        _ => QuestionType::Single,
    }
}

pub(super) fn choice_answer(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bankio::import::test_support::*;

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

    /// The traditional forms and 对的/不对 were `grade`'s alone before the
    /// words had one list; a bank sheet typed on a Taiwanese or Hong Kong
    /// input method imports too.
    #[test]
    fn true_false_answers_take_every_answer_word() {
        let (drafts, rejected) = rows_of(
            "题型,题干,答案,固定顺序\n判断题,问一,對,\n判断题,问二,錯誤,\n判断题,问三,不对,\n,问四,对的,\n判断题,问五,也许,\n",
        );
        let answers: Vec<_> = drafts.iter().map(|d| d.answer.clone()).collect();
        assert_eq!(
            answers,
            [
                Answer::TrueFalse(true),
                Answer::TrueFalse(false),
                Answer::TrueFalse(false),
                Answer::TrueFalse(true)
            ]
        );
        assert_eq!(drafts[3].kind, QuestionType::TrueFalse);
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        assert_eq!(rejected[0].row, 6);
    }

    #[test]
    fn fixed_order_takes_the_yes_no_words() {
        let (drafts, rejected) = rows_of(
            "题干,选项A,选项B,答案,固定顺序\n问一,甲,乙,A,√\n问二,甲,乙,A,否\n问三,甲,乙,A,固定\n问四,甲,乙,A,也许\n",
        );
        let fixed: Vec<bool> = drafts.iter().map(|d| d.fixed_order).collect();
        assert_eq!(fixed, [true, false, true]);
        assert_eq!(rejected.len(), 1, "{rejected:?}");
    }
}
