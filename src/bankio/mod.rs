//! Moving question banks in and out: reading the Excel/CSV sheets Chinese
//! training departments keep their banks in, writing bank TOML the way a
//! person writes it, and exporting a bank to Moodle XML, GIFT and that same
//! sheet layout. Pure apart from reading the sheet; commands do the writing.

pub mod csv_out;
pub mod gift;
pub mod import;
pub mod merge;
pub mod moodle;
pub mod toml_out;

use crate::bank::{Bank, Question};

/// The questions of `bank` in export order: categories as declared in
/// bank.toml (only `only`, when given), each category's questions by id.
pub fn export_order<'b>(bank: &'b Bank, only: &[String]) -> Vec<&'b Question> {
    bank.categories
        .iter()
        .filter(|c| only.is_empty() || only.contains(&c.id))
        .flat_map(|c| bank.questions.iter().filter(move |q| q.category == c.id))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::import::{self, CategoryRules};
    use super::{csv_out, toml_out};
    use crate::bank::{self, Answer, Bank, Category, Origin, Question, QuestionType};

    /// Text as a hostile bank might hold it: quotes, backslashes, GIFT and
    /// XML specials, formula starts, full-width forms, tabs and line
    /// breaks — trimmed and non-empty, as the bank keeps texts.
    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 \"'\\\\=+@#~{}:,;<>&%\\[\\]\\-\t\n、，：。ＡＢ１　题干选项答案解析对错\u{1F600}]{1,16}"
            .prop_map(|t| t.trim().to_string())
            .prop_filter("texts are not empty", |t| !t.is_empty())
    }

    fn question() -> impl Strategy<Value = Question> {
        (
            0..3usize,
            1..=5u8,
            text(),
            proptest::collection::btree_set(text(), 2..=8),
            proptest::collection::vec(any::<bool>(), 8),
            proptest::option::of(text()),
            proptest::option::of(text()),
            any::<bool>(),
        )
            .prop_map(
                |(kind, difficulty, stem, options, picks, explanation, source, fixed)| {
                    let options: Vec<String> = options.into_iter().collect();
                    let kind = [
                        QuestionType::Single,
                        QuestionType::Multiple,
                        QuestionType::TrueFalse,
                    ][kind];
                    let mut correct: Vec<usize> =
                        (0..options.len()).filter(|&i| picks[i]).collect();
                    let (options, answer) = match kind {
                        QuestionType::TrueFalse => (Vec::new(), Answer::TrueFalse(picks[0])),
                        QuestionType::Single => (options, Answer::Choice(vec![correct.len() % 2])),
                        QuestionType::Multiple => {
                            if correct.len() < 2 {
                                correct = vec![0, 1];
                            }
                            (options, Answer::Choice(correct))
                        }
                    };
                    Question {
                        id: String::new(),
                        kind,
                        category: "misc".into(),
                        difficulty,
                        stem,
                        options,
                        answer,
                        explanation,
                        source,
                        tags: vec!["t1".into(), "标签".into()],
                        group: None,
                        fixed_order: fixed,
                        audit_ok: Vec::new(),
                        origin: Origin::default(),
                    }
                },
            )
    }

    fn bank_of(mut questions: Vec<Question>) -> Bank {
        for (i, q) in questions.iter_mut().enumerate() {
            q.id = format!("Q-{i:03}");
        }
        Bank {
            root: "bank".into(),
            name: "t".into(),
            version: "1".into(),
            categories: vec![Category {
                id: "misc".into(),
                title: "杂项".into(),
                title_en: "Misc".into(),
            }],
            questions,
        }
    }

    fn digests(questions: &[Question]) -> Vec<(String, String)> {
        questions
            .iter()
            .map(|q| (q.id.clone(), q.digest()))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_bank_survives_csv_and_toml(questions in proptest::collection::vec(question(), 1..6)) {
            let bank = bank_of(questions);
            let refs: Vec<&Question> = bank.questions.iter().collect();

            // bank → CSV → drafts
            let bytes = csv_out::write(&bank, &refs);
            let (text, _) = crate::spreadsheet::decode_text(&bytes).unwrap();
            let table = crate::spreadsheet::Table {
                path: "t.csv".into(),
                rows: crate::spreadsheet::parse_csv(&text).unwrap(),
                encoding: None,
                worksheet: None,
            };
            let columns = import::find_columns(&table, &[]).unwrap();
            let (drafts, rejections) = import::read_rows(&table, &columns);
            prop_assert!(rejections.is_empty(), "{rejections:?}");
            let settled = import::settle(drafts, &bank.categories, &CategoryRules::default(), &columns);
            prop_assert!(settled.rejections.is_empty(), "{:?}", settled.rejections);
            let imported: Vec<Question> = settled.questions.into_iter().map(|i| i.question).collect();
            prop_assert_eq!(digests(&imported), digests(&bank.questions));

            // bank → TOML → the real loader
            let dir = tempfile::tempdir().unwrap();
            let header = toml_out::new_bank_toml("t", "1", &bank.categories);
            std::fs::write(dir.path().join("bank.toml"), header).unwrap();
            let file = toml_out::new_question_file(&bank.categories[0], "t.csv", &refs);
            std::fs::write(dir.path().join("misc.toml"), file).unwrap();
            let loaded = bank::load(Path::new(dir.path()));
            prop_assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
            prop_assert_eq!(digests(&loaded.bank.unwrap().questions), digests(&bank.questions));
        }
    }
}
