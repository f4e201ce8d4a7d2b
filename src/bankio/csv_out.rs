//! The Excel-style sheet that `bank import` reads, written from a bank:
//! UTF-8 with a BOM (so Excel on Chinese Windows does not take it for GBK),
//! CRLF line ends, one row per question with every field of the bank, so a
//! bank → CSV → bank round trip gives the same questions and digests.
//! A text that Excel would run as a formula (`=…`, `+…`, `-…`, `@…`) gets
//! a leading `'`, which `bank import` removes again.

use crate::bank::{Answer, Bank, MAX_OPTIONS, Question, letter};
use crate::formula_guard::guard_record;

/// The header written; every name is one `bank import` recognises.
pub fn header() -> Vec<String> {
    let mut h: Vec<String> = ["ID", "题型", "分类", "分类ID", "难度", "题干"]
        .map(String::from)
        .to_vec();
    h.extend((0..MAX_OPTIONS).map(|i| format!("选项{}", letter(i))));
    h.extend(["答案", "解析", "来源", "标签", "分组", "固定顺序"].map(String::from));
    h
}

/// How a true/false answer is written (考试云's words).
pub fn truth_word(truth: bool) -> &'static str {
    if truth { "正确" } else { "错误" }
}

/// The CSV bytes for `questions` (all from `bank`).
pub fn write(bank: &Bank, questions: &[&Question]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    // Writing to memory cannot fail.
    writer.write_record(header()).expect("writing to memory");
    for q in questions {
        let title = bank
            .category(&q.category)
            .map_or(q.category.as_str(), |c| c.title.as_str());
        let mut row: Vec<String> = vec![
            q.id.clone(),
            q.kind.title_zh().to_string(),
            title.to_string(),
            q.category.clone(),
            q.difficulty.to_string(),
            q.stem.clone(),
        ];
        row.extend((0..MAX_OPTIONS).map(|i| q.options.get(i).cloned().unwrap_or_default()));
        row.push(match &q.answer {
            Answer::Choice(_) => q.answer.display(),
            Answer::TrueFalse(b) => truth_word(*b).to_string(),
        });
        row.push(q.explanation.clone().unwrap_or_default());
        row.push(q.source.clone().unwrap_or_default());
        row.push(q.tags.join(", "));
        row.push(q.group.clone().unwrap_or_default());
        row.push(if q.fixed_order { "是" } else { "" }.to_string());
        writer
            .write_record(guard_record(&row))
            .expect("writing to memory");
    }
    writer.into_inner().expect("writing to memory")
}
