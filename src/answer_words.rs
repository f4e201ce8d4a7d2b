//! How people write answers, in one place, so that a word one reader takes
//! every reader takes: option letters and what goes between them, full-width
//! forms from a Chinese input method, the true/false words (simplified and
//! traditional), yes/no cells, and the lists inside a cell. `bank import`,
//! `grade`'s answer files, `scan --fix` decisions and `--attendance` all
//! read through here; the README's "Answer words" section lists the words.
//!
//! Where readers legitimately differ, the difference is a named rule here,
//! not a second word list: what `A`/`B` mean on a true/false question
//! ([`TruthContext`]) and what an unknown word in a yes/no column means
//! ([`YesNoColumn`]).

/// Full-width ASCII forms (`ＡＢ`, `１`, `，`) and the ideographic space read
/// as their ASCII counterparts, so `ＡＣ` is the answer `AC`.
pub fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// What people put between the letters of a multiple answer (`A,C`,
/// `A、C`, `A；C`, `a c`, `A/C`), after [`fold_width`]: white space, `,`
/// `;` `、` `/` `|` `+` `.` `。`, and the half-width `､` `｡`.
pub fn is_letter_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';' | '、' | '/' | '|' | '+' | '.' | '。' | '､' | '｡'
        )
}

/// Option letters as written (`ABD`, `A,B,D`, `a b d`, `ＡＢＤ`), as indices
/// from 0 in the order written, repeats kept (a reader decides about them).
/// `Err` holds the first character that is neither a letter nor a separator.
pub fn letters(text: &str) -> Result<Vec<u8>, char> {
    let mut out = Vec::new();
    for c in fold_width(text)
        .chars()
        .filter(|&c| !is_letter_separator(c))
    {
        if !c.is_ascii_alphabetic() {
            return Err(c);
        }
        out.push(c.to_ascii_uppercase() as u8 - b'A');
    }
    Ok(out)
}

/// The mark for "not answered" (`-`, also full-width `－`), or nothing at all.
pub fn is_unanswered(text: &str) -> bool {
    let folded = fold_width(text);
    matches!(folded.trim(), "" | "-")
}

/// Words meaning true, compared after [`word_key`].
pub const TRUE_WORDS: &[&str] = &[
    "对", "對", "对的", "對的", "正确", "正確", "是", "√", "✓", "✔", "t", "true", "y", "yes", "r",
    "right", "correct",
];

/// Words meaning false, compared after [`word_key`].
pub const FALSE_WORDS: &[&str] = &[
    "错",
    "錯",
    "错的",
    "錯的",
    "不对",
    "不對",
    "错误",
    "錯誤",
    "否",
    "×",
    "✗",
    "✘",
    "x",
    "f",
    "false",
    "n",
    "no",
    "w",
    "wrong",
    "incorrect",
];

/// A cell reduced to the word it says: widths folded, white space dropped,
/// lower case, a closing `。`, `.` or `!` dropped (`对。`, `Yes!`).
fn word_key(text: &str) -> String {
    let key: String = fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    key.trim_end_matches(['。', '.', '!', '｡']).to_string()
}

/// The truth a true/false word says (`对`, `錯誤`, `√`, `T`, `no`), if it
/// is one of [`TRUE_WORDS`] or [`FALSE_WORDS`].
pub fn truth_word(text: &str) -> Option<bool> {
    let key = word_key(text);
    if TRUE_WORDS.contains(&key.as_str()) {
        Some(true)
    } else if FALSE_WORDS.contains(&key.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Where a true/false answer is read: it decides what an option letter
/// means there. The words themselves mean the same everywhere.
#[derive(Clone, Copy, Debug)]
pub enum TruthContext<'a> {
    /// For a printed answer sheet (typed answer files, scan decisions): its
    /// true/false bubbles are the first (对/T) and the second (错/F), so `A`
    /// is true and `B` false.
    AnswerSheet,
    /// A bank sheet's answer cell: `A`/`B` name the row's options, whose own
    /// text (正确/错误) decides; a row without options reads `A` as true and
    /// `B` as false (考试云's convention).
    BankRow { options: &'a [String] },
}

/// A true/false answer: a word of [`truth_word`], or one option letter read
/// by `context`.
pub fn truth(text: &str, context: TruthContext<'_>) -> Option<bool> {
    if let Some(truth) = truth_word(text) {
        return Some(truth);
    }
    let [index] = letters(text).ok()?[..] else {
        return None;
    };
    let by_position = match index {
        0 => Some(true),
        1 => Some(false),
        _ => None,
    };
    match context {
        TruthContext::AnswerSheet => by_position,
        TruthContext::BankRow { options: [] } => by_position,
        TruthContext::BankRow { options } => {
            options.get(usize::from(index)).and_then(|t| truth_word(t))
        }
    }
}

/// A yes/no column, which decides what a cell that is no yes/no word means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YesNoColumn {
    /// A bank sheet's 固定顺序: a true word, `1` or `固定` keeps the option
    /// order; empty, a false word or `0` shuffles; anything else is no answer.
    FixedOrder,
    /// A sign-in sheet's 签到: a mark or a signature is yes; empty, a false
    /// word, `0`, `缺考`, `未签到` or `absent` is no.
    SignedIn,
}

/// What a yes/no cell says for `column`; `None` when it says neither.
pub fn yes_no(cell: &str, column: YesNoColumn) -> Option<bool> {
    let key = word_key(cell);
    if key.is_empty() || key == "0" {
        return Some(false);
    }
    if let Some(truth) = truth_word(&key) {
        return Some(truth);
    }
    match column {
        YesNoColumn::FixedOrder => matches!(key.as_str(), "1" | "固定").then_some(true),
        YesNoColumn::SignedIn => Some(!matches!(key.as_str(), "缺考" | "未签到" | "absent")),
    }
}

/// What separates the items of a list in one cell (tags): `,` `，` `;` `；`
/// `、` and line breaks.
pub const LIST_SEPARATORS: [char; 6] = [',', '，', ';', '；', '、', '\n'];

/// The items of a list cell, trimmed, empty ones dropped.
pub fn split_list(cell: &str) -> Vec<String> {
    cell.split(LIST_SEPARATORS)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// An option's text without a repeated label of its own letter (`A.甲`,
/// `Ｂ、乙`, `c）丙` for options 0, 1, 2); `None` when it has none.
pub fn without_option_label(text: &str, index: usize) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 2 {
        return None;
    }
    let first = fold_width(&chars[0].to_string()).to_ascii_uppercase();
    let own = char::from(b'A' + u8::try_from(index).ok()?);
    (first == own.to_string() && matches!(chars[1], '.' | '．' | '、' | ':' | '：' | ')' | '）'))
        .then(|| chars[2..].iter().collect::<String>().trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_their_separators_in_both_widths() {
        for text in [
            "ABD",
            "A,B,D",
            "A;B;D",
            "A、B、D",
            "a b d",
            "ＡＢＤ",
            "ａ ｂ，Ｄ",
            "A；B；D",
            "A/B|D",
            "A+B.D",
            "A。B、D",
            "A､B､D",
            "A\u{3000}B D",
        ] {
            assert_eq!(letters(text), Ok(vec![0, 1, 3]), "{text:?}");
        }
        assert_eq!(letters("CA"), Ok(vec![2, 0]));
        assert_eq!(letters("ACA"), Ok(vec![0, 2, 0]));
        assert_eq!(letters("A?"), Err('?'));
        assert_eq!(letters("A？"), Err('?'));
        assert_eq!(letters("对"), Err('对'));
        assert_eq!(letters(" , "), Ok(vec![]));
        assert!(is_unanswered("-") && is_unanswered("－") && is_unanswered(" "));
        assert!(!is_unanswered("A"));
    }

    #[test]
    fn every_true_false_word_in_every_form() {
        for word in [
            "对", "對", "对的", "對的", "正确", "正確", "是", "√", "✓", "✔", "T", "t", "Ｔ",
            "TRUE", "true", "Y", "yes", "YES", "R", "right", "correct", "对。", "Yes!",
        ] {
            assert_eq!(truth_word(word), Some(true), "{word:?}");
        }
        for word in [
            "错",
            "錯",
            "错的",
            "錯的",
            "不对",
            "不對",
            "错误",
            "錯誤",
            "否",
            "×",
            "✗",
            "✘",
            "X",
            "x",
            "ｘ",
            "F",
            "FALSE",
            "false",
            "N",
            "no",
            "W",
            "wrong",
            "incorrect",
        ] {
            assert_eq!(truth_word(word), Some(false), "{word:?}");
        }
        for word in ["", "o", "对错", "A", "maybe", "1", "0"] {
            assert_eq!(truth_word(word), None, "{word:?}");
        }
    }

    #[test]
    fn option_letters_on_a_true_false_question_follow_the_context() {
        use TruthContext::{AnswerSheet, BankRow};
        assert_eq!(truth("A", AnswerSheet), Some(true));
        assert_eq!(truth("ｂ", AnswerSheet), Some(false));
        assert_eq!(truth("C", AnswerSheet), None);
        assert_eq!(truth("AB", AnswerSheet), None);
        let options = ["错误".to_string(), "正确".to_string()];
        assert_eq!(truth("A", BankRow { options: &options }), Some(false));
        assert_eq!(truth("B", BankRow { options: &options }), Some(true));
        assert_eq!(truth("C", BankRow { options: &options }), None);
        assert_eq!(truth("B", BankRow { options: &[] }), Some(false));
        // A word is a word in every context.
        assert_eq!(truth("對", BankRow { options: &options }), Some(true));
    }

    #[test]
    fn yes_no_columns() {
        use YesNoColumn::{FixedOrder, SignedIn};
        for (cell, fixed, signed) in [
            ("", Some(false), Some(false)),
            ("是", Some(true), Some(true)),
            ("√", Some(true), Some(true)),
            ("1", Some(true), Some(true)),
            ("固定", Some(true), Some(true)),
            ("否", Some(false), Some(false)),
            ("×", Some(false), Some(false)),
            ("0", Some(false), Some(false)),
            ("NO", Some(false), Some(false)),
            ("缺考", None, Some(false)),
            ("未签到", None, Some(false)),
            ("Absent", None, Some(false)),
            ("张三", None, Some(true)),
        ] {
            assert_eq!(yes_no(cell, FixedOrder), fixed, "{cell:?} fixed order");
            assert_eq!(yes_no(cell, SignedIn), signed, "{cell:?} signed");
        }
    }

    #[test]
    fn lists_and_option_labels() {
        assert_eq!(
            split_list("物流, 时效；售后、\n退款;"),
            ["物流", "时效", "售后", "退款"]
        );
        assert_eq!(
            without_option_label("A.国内包裹", 0).as_deref(),
            Some("国内包裹")
        );
        assert_eq!(without_option_label("Ｂ、快递", 1).as_deref(), Some("快递"));
        assert_eq!(without_option_label("c）平邮", 2).as_deref(), Some("平邮"));
        assert_eq!(without_option_label("B.甲", 0), None);
        assert_eq!(without_option_label("A.", 0), None);
    }
}
