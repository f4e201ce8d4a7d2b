//! GIFT, the plain-text question format Moodle (and other LMSs) import: a
//! `$CATEGORY:` line per bank category, then one block per question,
//! separated by blank lines. The characters GIFT gives a meaning to —
//! `~ = # { } :` and the backslash — are escaped with a backslash, and line
//! breaks become `\n`, so any stem or option reads back exactly.
//!
//! gift-pegjs reads a question whose first answer is a correct one holding
//! `->` as a matching question and rejects the whole file (Moodle decides by
//! the `~` of any wrong answer); such a question is written with a wrong
//! option first. [`warnings`] names the texts Moodle is known to alter on
//! import.
//!
//! ```text
//! // [id:LOG-001] [tag:shipping]
//! ::LOG-001::[plain]按照培训资料的划分，「平邮」指的是哪一种业务？{
//! =国内普通包裹
//! ~国内快递包裹
//! ####培训资料把邮寄分为平邮、快邮和EMS……
//! }
//! ```

use crate::bank::{Answer, Bank, Question, QuestionType};

use super::moodle::{category_path, fraction};

/// Escapes text for GIFT: `~ = # { } :` and `\` get a backslash, a line
/// break becomes `\n`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '~' | '=' | '#' | '{' | '}' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// An answer or feedback text: escaped, and marked plain when it starts with
/// `[` (GIFT would take `[html]…` at the start as a format).
fn answer_text(text: &str) -> String {
    let escaped = escape(text);
    if escaped.starts_with('[') {
        format!("[plain]{escaped}")
    } else {
        escaped
    }
}

/// A tag for a `[tag:…]` comment, where `]` must be escaped.
fn tag_text(tag: &str) -> String {
    tag.replace(']', "\\]").replace('\n', " ")
}

/// GIFT for `questions` (all from `bank`).
pub fn write(bank: &Bank, questions: &[&Question]) -> String {
    let mut out = format!(
        "// {} {} — exported by certexam\n// bank digest {}\n",
        bank.name.replace('\n', " "),
        bank.version,
        bank.digest()
    );
    for category in &bank.categories {
        let of: Vec<&&Question> = questions
            .iter()
            .filter(|q| q.category == category.id)
            .collect();
        if of.is_empty() {
            continue;
        }
        out.push_str(&format!("\n$CATEGORY: {}\n", category_path(category)));
        for q in of {
            out.push('\n');
            out.push_str(&question(q));
        }
    }
    out
}

fn question(q: &Question) -> String {
    let mut comment = format!("// [id:{}]", q.id);
    for tag in &q.tags {
        comment.push_str(&format!(" [tag:{}]", tag_text(tag)));
    }
    let mut out = format!("{comment}\n::{}::[plain]{}{{\n", q.id, escape(&q.stem));
    match &q.answer {
        Answer::TrueFalse(truth) => {
            out.push_str(if *truth { "TRUE\n" } else { "FALSE\n" });
        }
        Answer::Choice(correct) => {
            let single = q.kind == QuestionType::Single;
            let mut order: Vec<usize> = (0..q.options.len()).collect();
            if single
                && correct.contains(&0)
                && correct.iter().any(|&i| q.options[i].contains("->"))
                && let Some(wrong) = (0..q.options.len()).find(|i| !correct.contains(i))
            {
                order.remove(wrong);
                order.insert(0, wrong);
            }
            for i in order {
                let option = &q.options[i];
                let is_correct = correct.contains(&i);
                let text = answer_text(option);
                let line = match (single, is_correct) {
                    (true, true) => format!("={text}"),
                    // A text starting with `%` would read as a weight.
                    (true, false) if text.starts_with('%') => format!("~%0%{text}"),
                    (true, false) => format!("~{text}"),
                    (false, _) => {
                        format!("~%{}%{text}", fraction(false, correct.len(), is_correct))
                    }
                };
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    if let Some(explanation) = &q.explanation {
        out.push_str(&format!("####{}\n", answer_text(explanation)));
    }
    out.push_str("}\n");
    out
}

/// Texts that Moodle's GIFT import is known to alter, one message each:
/// tags with `<`, `>` or a backtick, category titles with `<` or `>`, and
/// options beginning with `%25%`.
pub fn warnings(bank: &Bank, questions: &[&Question]) -> Vec<String> {
    let mut out = Vec::new();
    for category in &bank.categories {
        if category.title.contains(['<', '>'])
            && questions.iter().any(|q| q.category == category.id)
        {
            out.push(format!(
                "category {}: Moodle strips `<` and `>` from category titles on import (`{}`)",
                category.id, category.title
            ));
        }
    }
    for q in questions {
        for tag in &q.tags {
            if tag.contains(['<', '>', '`']) {
                let shown = if tag.contains('`') {
                    format!("`` {tag} ``")
                } else {
                    format!("`{tag}`")
                };
                out.push(format!(
                    "{}: Moodle drops `<`, `>` and `` ` `` from tags on import (tag {shown})",
                    q.id
                ));
            }
        }
        for (i, option) in q.options.iter().enumerate() {
            if option.starts_with("%25%") {
                out.push(format!(
                    "{}: option {} begins with `%25%`, which Moodle reads as a weight of 25 %",
                    q.id,
                    char::from(b'A' + i as u8)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Origin;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(escape(r"a~b=c#d{e}f:g\h"), r"a\~b\=c\#d\{e\}f\:g\\h");
        assert_eq!(escape("第一行\n第二行"), r"第一行\n第二行");
        assert_eq!(answer_text("[html]x"), "[plain][html]x");
    }

    #[test]
    fn a_multiple_choice_question_splits_the_weights() {
        let q = Question {
            id: "SEC-100".into(),
            kind: QuestionType::Multiple,
            category: "security".into(),
            difficulty: 3,
            stem: "哪些是 {敏感} 信息？".into(),
            options: vec!["电话".into(), "地址".into(), "天气".into()],
            answer: Answer::Choice(vec![0, 1]),
            explanation: Some("a=b".into()),
            source: None,
            tags: vec!["privacy".into()],
            group: None,
            fixed_order: false,
            audit_ok: Vec::new(),
            origin: Origin::default(),
        };
        assert_eq!(
            question(&q),
            "// [id:SEC-100] [tag:privacy]\n::SEC-100::[plain]哪些是 \\{敏感\\} 信息？{\n\
             ~%50%电话\n~%50%地址\n~%-100%天气\n####a\\=b\n}\n"
        );
    }
}
