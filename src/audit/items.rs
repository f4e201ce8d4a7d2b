//! The per-question checks: each looks at one question (or, for enemy
//! items, pairs of questions) and says where in it the flaw is, so the
//! command can point at the option or the stem.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::Code;
use super::text::{self, ABSOLUTE_TERMS, NEGATIVE_STEM, NEGATIVE_STEM_EN, Words, length};
use crate::bank::{Answer, Question, QuestionType, letter};

/// Which field of a question a finding points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Stem,
    Option(usize),
    Answer,
}

/// A finding before it is placed in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw {
    pub code: Code,
    /// Index into the bank's questions.
    pub question: usize,
    pub field: Field,
    /// The words inside the field to put the caret under, when they can be found there.
    pub needle: Option<String>,
    pub message: String,
    pub hint: String,
}

/// Generic words of item stems that echo nothing when they reappear in
/// an option: the roles, the question words and the verbs of every item.
const ECHO_STOP: &[&str] = &[
    "客服", "买家", "卖家", "顾客", "客户", "店铺", "网店", "淘宝", "应当", "应该", "什么", "哪些",
    "哪个", "哪项", "哪种", "如何", "怎么", "怎样", "下列", "以下", "做法", "正确", "恰当", "合适",
    "属于", "可以", "需要", "这时", "此时", "时候", "问题", "处理", "说法", "情况", "选项", "关于",
    "我们", "他们", "对方", "这个", "那么", "因为", "所以", "如果", "一个", "进行", "最", "时",
    "表示", "要求", "发现", "已经", "没有", "为了", "之后", "以后", "之前", "的话",
];

/// What the checks need to know about the whole bank.
#[derive(Debug)]
pub struct Context {
    /// In how many stems each content word appears.
    stem_frequency: HashMap<String, usize>,
    /// Words in more stems than this are not distinctive.
    distinctive_limit: usize,
}

impl Context {
    pub fn new(questions: &[Question]) -> Self {
        let mut stem_frequency: HashMap<String, usize> = HashMap::new();
        for q in questions {
            let words: HashSet<&str> = Words::new(&q.stem).content().collect();
            for w in words {
                *stem_frequency.entry(w.to_string()).or_default() += 1;
            }
        }
        Self {
            stem_frequency,
            distinctive_limit: (questions.len() / 50).max(3),
        }
    }

    fn distinctive(&self, word: &str) -> bool {
        !ECHO_STOP.contains(&word)
            && self.stem_frequency.get(word).copied().unwrap_or(0) <= self.distinctive_limit
    }
}

fn quote(text: &str) -> String {
    let short: String = text.chars().take(24).collect();
    if short.len() < text.len() {
        format!("「{short}…」")
    } else {
        format!("「{short}」")
    }
}

/// Every finding about one question on its own.
pub fn check(index: usize, q: &Question, ctx: &Context) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut push = |code, field, needle: Option<&str>, message: String, hint: &str| {
        out.push(Raw {
            code,
            question: index,
            field,
            needle: needle.map(str::to_string),
            message,
            hint: hint.to_string(),
        });
    };
    let keys: Vec<usize> = match &q.answer {
        Answer::Choice(k) => k.clone(),
        Answer::TrueFalse(_) => Vec::new(),
    };
    if q.kind == QuestionType::TrueFalse {
        if let Some((term, _)) = Words::new(&q.stem).first_of(ABSOLUTE_TERMS) {
            push(
                Code::AbsoluteTerm,
                Field::Stem,
                Some(term),
                format!(
                    "question {}: the statement rests on「{term}」; test-wise candidates call such statements false without knowing the rule",
                    q.id
                ),
                "state the rule without the qualifier (say what is done, when, by whom); if the rule really is absolute, keep it and add `audit_ok = [\"absolute-term\"]` to the question",
            );
        }
        return out;
    }

    let lengths: Vec<usize> = q.options.iter().map(|o| length(o)).collect();
    let wrong: Vec<usize> = (0..q.options.len()).filter(|i| !keys.contains(i)).collect();
    let longest_wrong = wrong.iter().map(|&i| lengths[i]).max().unwrap_or(0);
    let longest_key = keys.iter().map(|&i| lengths[i]).max().unwrap_or(0);

    // key-longest
    match q.kind {
        QuestionType::Single => {
            if let [k] = keys[..]
                && !wrong.is_empty()
                && lengths[k] as f64 >= 1.25 * longest_wrong as f64
                && lengths[k] >= longest_wrong + 4
            {
                push(
                    Code::KeyLongest,
                    Field::Option(k),
                    None,
                    format!(
                        "question {}: the key {} {} is clearly the longest option ({} characters; the longest wrong option has {})",
                        q.id,
                        letter(k),
                        quote(&q.options[k]),
                        lengths[k],
                        longest_wrong
                    ),
                    "test-wise candidates pick the longest option: make the wrong options as long and specific as the key (a rule half-remembered, a step in the wrong order), or say the key more briefly",
                );
            }
        }
        _ => {
            let shortest_key = keys.iter().map(|&i| lengths[i]).min().unwrap_or(0);
            if !wrong.is_empty() && shortest_key > longest_wrong {
                push(
                    Code::KeyLongest,
                    Field::Answer,
                    None,
                    format!(
                        "question {}: every correct option is longer than every wrong one (shortest correct {}, longest wrong {} characters)",
                        q.id, shortest_key, longest_wrong
                    ),
                    "marking the long options scores without knowing: make some wrong options as long and specific as the correct ones",
                );
            }
        }
    }

    // short-distractor
    for &w in &wrong {
        if lengths[w] * 3 < longest_key {
            push(
                Code::ShortDistractor,
                Field::Option(w),
                None,
                format!(
                    "question {}: wrong option {} {} has {} characters, under a third of the key's {}; it is eliminated at a glance",
                    q.id,
                    letter(w),
                    quote(&q.options[w]),
                    lengths[w],
                    longest_key
                ),
                "write it as a plausible mistake of the same length and detail as the key",
            );
        }
    }

    // all-none-of-above
    for (i, option) in q.options.iter().enumerate() {
        if text::is_all_or_none_of_above(option) {
            push(
                Code::AllNoneOfAbove,
                Field::Option(i),
                None,
                format!(
                    "question {}: option {} {} refers to the other options",
                    q.id,
                    letter(i),
                    quote(option)
                ),
                "replace it with a real answer: once options are shuffled \"above\" means nothing, and it rewards recognising two right options without knowing the third",
            );
        }
    }

    // absolute-term
    for (i, option) in q.options.iter().enumerate() {
        if let Some((term, _)) = Words::new(option).first_of(ABSOLUTE_TERMS) {
            push(
                Code::AbsoluteTerm,
                Field::Option(i),
                Some(term),
                format!(
                    "question {}: option {} {} rests on「{term}」; test-wise candidates rule such options out",
                    q.id,
                    letter(i),
                    quote(option)
                ),
                "say the action without the qualifier; if the rule really is absolute, add `audit_ok = [\"absolute-term\"]` to the question",
            );
        }
    }

    // negative-stem
    if let Some(needle) = negative_stem(&q.stem) {
        push(
            Code::NegativeStem,
            Field::Stem,
            Some(&needle),
            format!(
                "question {}: the stem asks for the wrong one (「{needle}」); candidates who overlook the negation lose the point for reading, not for knowing",
                q.id
            ),
            "ask for the right action instead, or make it a multiple-choice question of the right ones",
        );
    }

    // stem-echo
    let stem_words = Words::new(&q.stem);
    let mut seen = HashSet::new();
    for word in stem_words.content() {
        if !seen.insert(word) || !ctx.distinctive(word) {
            continue;
        }
        let in_key = keys.iter().copied().find(|&k| q.options[k].contains(word));
        let in_wrong = wrong.iter().any(|&w| q.options[w].contains(word));
        if let Some(k) = in_key
            && !in_wrong
        {
            push(
                Code::StemEcho,
                Field::Option(k),
                Some(word),
                format!(
                    "question {}: the stem's word「{word}」reappears in the key {} {} and in no wrong option",
                    q.id,
                    letter(k),
                    quote(&q.options[k])
                ),
                "paraphrase the key, or let a wrong option use the word too: matching words point to the key without knowledge",
            );
            break;
        }
    }

    // option-overlap
    let normal: Vec<String> = q.options.iter().map(|o| text::normalise(o)).collect();
    let stripped: Vec<Option<String>> = normal.iter().map(|n| strip_quantity(n)).collect();
    'pairs: for j in 0..normal.len() {
        for i in 0..normal.len() {
            if i == j {
                continue;
            }
            let contains = normal[i].chars().count() >= 2
                && normal[i] != normal[j]
                && normal[j].contains(normal[i].as_str());
            let same_quantity = i < j
                && matches!((&stripped[i], &stripped[j]), (Some(a), Some(b)) if a == b)
                && normal[i] != normal[j];
            if contains || same_quantity {
                let how = if contains {
                    "contains"
                } else {
                    "means nearly the same as"
                };
                push(
                    Code::OptionOverlap,
                    Field::Option(j),
                    None,
                    format!(
                        "question {}: option {} {} {how} option {} {}, so both can be right",
                        q.id,
                        letter(j),
                        quote(&q.options[j]),
                        letter(i),
                        quote(&q.options[i])
                    ),
                    "make the options exclude each other (different numbers, different actions)",
                );
                continue 'pairs;
            }
        }
    }

    // all-keys
    if q.kind == QuestionType::Multiple && keys.len() == q.options.len() {
        push(
            Code::AllKeys,
            Field::Answer,
            None,
            format!(
                "question {}: every option is correct, so marking everything scores full points",
                q.id
            ),
            "add a plausible wrong option, or make one of the options wrong",
        );
    }
    out
}

/// Whether `phrase` stands in `stem` as a negation — not as the A-不-A
/// question form (能不能, 可不可以, 应不应该), which asks and negates nothing.
fn negates(stem: &str, phrase: &str) -> bool {
    let mut after_bu = phrase.chars().skip_while(|&c| c != '不').skip(1);
    let echoed = after_bu.next();
    stem.match_indices(phrase).any(|(i, _)| {
        let before = stem[..i].chars().next_back();
        !(phrase.starts_with('不') && before.is_some() && before == echoed)
    })
}

/// The negative phrase a stem is built on, if any.
fn negative_stem(stem: &str) -> Option<String> {
    if let Some(p) = NEGATIVE_STEM.iter().find(|p| negates(stem, p)) {
        return Some((*p).to_string());
    }
    // 除……外 / 除……以外 / 除……之外, but not 删除, 清除, 排除 ….
    let chars: Vec<char> = stem.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != '除' || (i > 0 && "删清排消解免切拆开剔摘扣".contains(chars[i - 1])) {
            continue;
        }
        let window: String = chars[i + 1..chars.len().min(i + 31)].iter().collect();
        if window.contains("以外")
            || window.contains("之外")
            || window.contains("外，")
            || window.contains("外,")
        {
            return Some("除".to_string());
        }
    }
    // ASCII lower case keeps every byte offset, so the match can be cut out of the stem.
    let lower = stem.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| NEGATIVE_STEM_EN.contains(w))
        .map(|w| {
            let at = lower.find(w).unwrap_or(0);
            stem[at..at + w.len()].to_string()
        })
}

/// A numeric option with its quantity qualifiers removed (`3天以内` → `3天`);
/// `None` for options without a digit.
fn strip_quantity(normal: &str) -> Option<String> {
    if !normal.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut s = normal.to_string();
    for q in text::QUANTITY_QUALIFIERS {
        s = s.replace(q, "");
    }
    Some(s)
}

/// The seed phrase of a `source` (`seeds/x.txt | 原文短语`), if it has one.
pub fn source_phrase(source: &str) -> Option<&str> {
    source
        .split_once(" | ")
        .map(|(_, p)| p.trim())
        .filter(|p| !p.is_empty())
}

/// How alike two questions must be (Jaccard over the content words of stem
/// and key) to count as testing the same fact.
pub const ENEMY_SIMILARITY: f64 = 0.6;

/// Pairs of questions outside a shared group that test the same fact: they
/// cite the same seed phrase, or their stems and keys say nearly the same.
pub fn enemies(questions: &[Question]) -> Vec<Raw> {
    let mut out = Vec::new();
    let shares_group = |a: &Question, b: &Question| a.group.is_some() && a.group == b.group;
    let mut reported: HashSet<usize> = HashSet::new();

    // Same seed phrase.
    let mut by_phrase: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, q) in questions.iter().enumerate() {
        if let Some(src) = &q.source
            && let Some(phrase) = source_phrase(src)
        {
            let file = src.split(" | ").next().unwrap_or("").trim();
            by_phrase
                .entry(format!("{file}\u{0}{}", text::normalise(phrase)))
                .or_default()
                .push(i);
        }
    }
    for members in by_phrase.values() {
        let first = members[0];
        for &j in &members[1..] {
            if !shares_group(&questions[first], &questions[j]) && reported.insert(j) {
                out.push(enemy(questions, first, j, "cite the same seed passage"));
            }
        }
    }

    // Nearly the same stem and key.
    let words: Vec<HashSet<String>> = questions.iter().map(fact_words).collect();
    let mut frequency: HashMap<&str, usize> = HashMap::new();
    for set in &words {
        for w in set {
            *frequency.entry(w.as_str()).or_default() += 1;
        }
    }
    let common = (questions.len() / 20).max(8);
    let mut postings: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, set) in words.iter().enumerate() {
        for w in set {
            if frequency[w.as_str()] <= common {
                postings.entry(w.as_str()).or_default().push(i);
            }
        }
    }
    for j in 0..questions.len() {
        if reported.contains(&j) || words[j].is_empty() {
            continue;
        }
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for w in &words[j] {
            if let Some(list) = postings.get(w.as_str()) {
                for &i in list.iter().take_while(|&&i| i < j) {
                    *shared.entry(i).or_default() += 1;
                }
            }
        }
        let best = shared
            .into_iter()
            .filter(|&(_, n)| n >= 2)
            .map(|(i, _)| {
                let inter = words[i].intersection(&words[j]).count();
                let union = words[i].union(&words[j]).count();
                (i, inter as f64 / union as f64)
            })
            .filter(|&(i, s)| s >= ENEMY_SIMILARITY && !shares_group(&questions[i], &questions[j]))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((i, s)) = best {
            reported.insert(j);
            out.push(enemy(
                questions,
                i,
                j,
                &format!(
                    "say nearly the same ({:.0} % of their words shared)",
                    s * 100.0
                ),
            ));
        }
    }
    out
}

/// The content words of what a question asserts: its stem and its key.
fn fact_words(q: &Question) -> HashSet<String> {
    let mut text = q.stem.clone();
    if let Answer::Choice(keys) = &q.answer {
        for &k in keys {
            text.push(' ');
            text.push_str(&q.options[k]);
        }
    }
    Words::new(&text)
        .content()
        .filter(|w| !ECHO_STOP.contains(w))
        .map(str::to_string)
        .collect()
}

fn enemy(questions: &[Question], first: usize, later: usize, why: &str) -> Raw {
    let (a, b) = (&questions[first], &questions[later]);
    let group = a
        .group
        .clone()
        .or_else(|| b.group.clone())
        .unwrap_or_else(|| a.id.to_lowercase());
    Raw {
        code: Code::EnemyItems,
        question: later,
        field: Field::Stem,
        needle: None,
        message: format!(
            "questions {} ({}) and {} test the same fact: they {why}, and one gives the other away on the same paper",
            a.id, a.origin, b.id
        ),
        hint: format!("give both `group = \"{group}\"` so a paper holds at most one of them"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_form_is_no_negative_stem() {
        assert_eq!(
            negative_stem("问能不能改用银行汇款，客服应当怎样回复？"),
            None
        );
        assert_eq!(negative_stem("买家问可不可以先发货？"), None);
        assert_eq!(
            negative_stem("下列做法中不能做的是？").as_deref(),
            Some("不能")
        );
        assert_eq!(
            negative_stem("能不能退货时，客服不能怎样做？").as_deref(),
            Some("不能")
        );
    }
}
