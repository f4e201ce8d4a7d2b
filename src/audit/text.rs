//! How the audit reads Chinese item text: lengths as a candidate sees them,
//! a normal form for comparing options, word segmentation (jieba), and the
//! qualifier words that test-wise readers look for.

use std::collections::HashSet;
use std::sync::OnceLock;

use jieba_rs::Jieba;

/// Length in characters with whitespace ignored (one CJK character is 1).
pub fn length(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Full-width ASCII folded to ASCII, lower case, only letters and digits
/// kept (CJK characters are letters): `「以上，都对！」` → `以上都对` — the
/// bank's stem normal form after the spreadsheets' width folding.
pub fn normalise(text: &str) -> String {
    crate::bank::normalise_stem(&crate::answer_words::fold_width(text))
}

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// A text cut into words by jieba (HMM on, for words missing from its
/// dictionary), with their byte ranges.
#[derive(Debug)]
pub struct Words<'a> {
    text: &'a str,
    /// Byte offsets where a word starts or ends.
    bounds: HashSet<usize>,
    words: Vec<&'a str>,
}

impl<'a> Words<'a> {
    pub fn new(text: &'a str) -> Self {
        let tokens = jieba().cut(text, true);
        let mut bounds = HashSet::with_capacity(tokens.len() * 2);
        let mut words = Vec::with_capacity(tokens.len());
        for t in &tokens {
            bounds.insert(t.byte_start);
            bounds.insert(t.byte_end);
            words.push(t.word);
        }
        Self {
            text,
            bounds,
            words,
        }
    }

    /// Content words: two characters or more, holding a letter or digit.
    pub fn content(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.words
            .iter()
            .copied()
            .filter(|w| w.chars().count() >= 2 && w.chars().any(char::is_alphanumeric))
    }

    /// Where `term` stands in the text as whole words — starting and ending
    /// on word boundaries, so 所有 is found in 所有订单 but not in 所有权.
    pub fn find(&self, term: &str) -> Option<usize> {
        self.text
            .match_indices(term)
            .map(|(i, _)| i)
            .find(|&i| self.bounds.contains(&i) && self.bounds.contains(&(i + term.len())))
    }

    /// The first of `terms` that stands in the text as whole words.
    pub fn first_of(&self, terms: &[&'static str]) -> Option<(&'static str, usize)> {
        terms
            .iter()
            .filter_map(|t| self.find(t).map(|i| (*t, i)))
            .min_by_key(|&(_, i)| i)
    }
}

/// Absolute and permissive qualifiers: an option or statement built on one
/// is the first a test-wise reader rules out (Moore et al.'s
/// "absolute terms" flaw), so item writers should avoid them.
pub const ABSOLUTE_TERMS: &[&str] = &[
    "一定",
    "必须",
    "绝对",
    "所有",
    "任何",
    "总是",
    "从不",
    "永远",
    "只要",
    "完全",
    "全部",
    "肯定",
    "随意",
    "无需",
    "随便",
    "一律",
    "务必",
    "始终",
    "从来",
    "毫无",
    "绝不",
    "千万",
    "无论",
    "凡是",
    "全都",
    "一切",
    "仅需",
    "只需",
    "都可以",
    "always",
    "never",
    "all",
    "any",
    "must",
    "only",
];

/// Words that make a test-wise reader call a true/false statement false:
/// the absolute terms and the permissive ones (可以, 即可 …). A generic
/// rule of thumb, never learned from a bank.
pub const FALSE_CUES: &[&str] = &[
    "可以",
    "即可",
    "就行",
    "就可以",
    "没关系",
    "不用",
    "不必",
    "随时",
];

/// Stems that ask for the wrong one: a candidate who misreads them loses
/// the point for reading, not for knowing.
pub const NEGATIVE_STEM: &[&str] = &[
    "不正确",
    "错误的",
    "不属于",
    "不应",
    "不能",
    "不可以",
    "不得",
    "不宜",
    "不恰当",
    "不妥",
    "不包括",
    "除了",
];

/// English negative stems, matched as whole words without regard to case.
pub const NEGATIVE_STEM_EN: &[&str] = &["not", "except", "incorrect", "false"];

/// Whether an option is "all of the above", "none of the above" or the like.
pub fn is_all_or_none_of_above(option: &str) -> bool {
    let n = normalise(option);
    const WHOLE: &[&str] = &[
        "全部正确",
        "全都正确",
        "都正确",
        "都对",
        "都不对",
        "都不正确",
        "全对",
        "全错",
        "都是",
        "都不是",
        "alloftheabove",
        "noneoftheabove",
        "alloftheseabove",
        "allabove",
        "noneabove",
        "alloftheabovearecorrect",
        "bothaandb",
    ];
    if WHOLE.contains(&n.as_str()) {
        return true;
    }
    // 以上都对 / 以上均正确 / 以上全部 / 以上皆非 / 以上各项 / 上述都不对 …
    let rest = n
        .strip_prefix("以上")
        .or_else(|| n.strip_prefix("上述"))
        .or_else(|| n.strip_prefix("以上选项"))
        .or_else(|| n.strip_prefix("以上说法"));
    match rest {
        Some(rest) => {
            let rest = rest
                .trim_start_matches("选项")
                .trim_start_matches("说法")
                .trim_start_matches("做法")
                .trim_start_matches("答案")
                .trim_start_matches("三项")
                .trim_start_matches("各项")
                .trim_start_matches("几项");
            rest.is_empty()
                || ["都", "均", "全", "皆", "各"]
                    .iter()
                    .any(|w| rest.starts_with(w))
        }
        None => false,
    }
}

/// Whether an "all/none of the above" option says "all" (so picking it is
/// the test-wise move) rather than "none".
pub fn is_all_of_above(option: &str) -> bool {
    let n = normalise(option);
    is_all_or_none_of_above(option)
        && !(n.contains('不') || n.contains('非') || n.contains("none") || n.contains('错'))
}

/// Quantity qualifiers that make `3天` and `3天以内` overlap.
pub const QUANTITY_QUALIFIERS: &[&str] = &[
    "不超过",
    "不少于",
    "至少",
    "最多",
    "以内",
    "之内",
    "以上",
    "以下",
    "左右",
    "大约",
    "约",
    "内",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_ignore_whitespace_and_count_cjk_as_one() {
        assert_eq!(length("立即 上报 主管"), 6);
        assert_eq!(length("ab c"), 3);
    }

    #[test]
    fn normal_form_folds_width_and_drops_punctuation() {
        assert_eq!(normalise("「以上，都对！」"), "以上都对");
        assert_eq!(normalise("ＡＢｃ 1２"), "abc12");
    }

    #[test]
    fn qualifiers_are_found_as_whole_words_only() {
        let w = Words::new("所有订单都要核对");
        assert!(w.find("所有").is_some());
        let w = Words::new("商品的所有权归买家");
        assert_eq!(w.find("所有"), None);
    }

    #[test]
    fn all_and_none_of_the_above_in_their_usual_spellings() {
        for yes in [
            "以上都对",
            "以上都是",
            "以上均正确",
            "以上全部",
            "全部正确",
            "以上都不对",
            "以上都不是",
            "以上皆非",
            "All of the above",
            "None of the above.",
            "以上说法都正确",
            "以上，均对！",
        ] {
            assert!(is_all_or_none_of_above(yes), "{yes}");
        }
        for no in ["以上报主管为准", "立即上报", "全部退款后再发货"] {
            assert!(!is_all_or_none_of_above(no), "{no}");
        }
        assert!(is_all_of_above("以上都对"));
        assert!(!is_all_of_above("以上都不对"));
    }
}
