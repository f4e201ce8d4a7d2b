//! Reading one cell of a question row: question types, difficulty words,
//! flags, tags and option texts. Answer letters and true/false words are
//! [`crate::answer_words`]'s.

use super::*;

/// What the type cell says.
pub(super) enum TypeCell {
    Known(QuestionType),
    /// 不定项选择题: one or more correct options.
    Indefinite,
    Empty,
    Unsupported,
    Unknown,
}

pub(super) fn parse_type(cell: &str) -> TypeCell {
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

pub(super) fn parse_difficulty(cell: &str) -> Option<u8> {
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

/// The option cells of a row, A…H, with their repeated letters removed —
/// only when every filled option repeats its letter (`A.甲`, `B.乙`), so a
/// lone option that happens to read `A：是` keeps its text.
pub(super) fn option_texts(raw: &[&str]) -> Vec<String> {
    let filled: Vec<(usize, &&str)> = raw
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let stripped: Option<Vec<String>> = filled
        .iter()
        .map(|(i, t)| answer_words::without_option_label(t, *i))
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
pub(super) const EXCEL_ERRORS: [&str; 9] = [
    "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#DATA!",
];

#[cfg(test)]
mod tests {
    use super::*;

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
    fn option_cells_may_repeat_their_letter() {
        assert_eq!(
            option_texts(&["A.国内包裹", "Ｂ、快递", "c）平邮", ""]),
            ["国内包裹", "快递", "平邮", ""]
        );
        // Not every option repeats its letter: the texts are kept as written.
        assert_eq!(option_texts(&["A：是", "否"]), ["A：是", "否"]);
        assert_eq!(option_texts(&["B.甲", "A.乙"]), ["B.甲", "A.乙"]);
    }
}
