//! What `certexam analyze` writes: `items.csv` and `exam.csv` for the
//! trainers' spreadsheets, and the data file of the typst report (score
//! histogram, category means, flagged questions with their stems). Every
//! number is formatted here, so the template only places text.

use crate::formula_guard::guard_record;
use crate::render::data::breakable;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::stats::{ExamStats, Flag, ItemStats, TOO_EASY_ABOVE, TOO_HARD_BELOW};
use super::{Papers, fmt2, fmt4};
use crate::bank::QuestionType;

/// The format of the report's data file, so the template can check it.
pub const FORMAT: &str = "certexam-analysis-report-v1";

/// The most options a bank question has (A…H): one `chosen_` column each.
const LETTERS: &str = "ABCDEFGH";

fn opt(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| super::round_half_up(v, 4))
}

/// Report rows only fail to serialize, never to write: they go to memory.
type Result<T> = std::result::Result<T, csv::Error>;

/// `items.csv`: one row per bank question (see the README).
pub fn items_csv(items: &[ItemStats]) -> Result<Vec<u8>> {
    let mut w = crate::spreadsheet::report_writer();
    let mut header: Vec<String> = [
        "id",
        "type",
        "category",
        "drawn",
        "voided",
        "n",
        "correct",
        "partial",
        "wrong",
        "blank",
        "facility",
        "mean_score",
        "point_biserial",
        "upper_lower",
        "group_size",
        "blank_rate",
        "key",
    ]
    .map(String::from)
    .to_vec();
    header.extend(LETTERS.chars().map(|c| format!("chosen_{c}")));
    header.extend([
        "chosen_true".into(),
        "chosen_false".into(),
        "few_answers".into(),
        "flags".into(),
    ]);
    w.write_record(guard_record(&header))?;
    for it in items {
        let mut row = vec![
            it.id.clone(),
            it.kind.as_str().to_string(),
            it.category.clone(),
            it.drawn.to_string(),
            it.voided.to_string(),
            it.n.to_string(),
            it.correct.to_string(),
            it.partial.to_string(),
            it.wrong.to_string(),
            it.blank.to_string(),
            opt(it.facility),
            opt(it.mean_score),
            opt(it.point_biserial),
            opt(it.upper_lower),
            it.group_size.to_string(),
            opt(it.blank_rate),
            it.key.clone(),
        ];
        let chosen = |name: &str| {
            it.options
                .iter()
                .find(|o| o.option == name)
                .map_or_else(String::new, |o| o.chosen.to_string())
        };
        row.extend(LETTERS.chars().map(|c| chosen(&c.to_string())));
        row.push(chosen("true"));
        row.push(chosen("false"));
        row.push(it.few_answers.to_string());
        row.push(
            it.flags
                .iter()
                .map(Flag::code)
                .collect::<Vec<_>>()
                .join(" "),
        );
        w.write_record(guard_record(&row))?;
    }
    crate::spreadsheet::report_bytes(w)
}

/// `exam.csv`: one row per exam, with `<category>_mean`, `_max` and
/// `_percent` columns for every category of any exam.
pub fn exam_csv(exams: &[ExamStats]) -> Result<Vec<u8>> {
    let categories: BTreeSet<&str> = exams
        .iter()
        .flat_map(|e| e.categories.iter().map(|c| c.id.as_str()))
        .collect();
    let mut w = crate::spreadsheet::report_writer();
    let mut header: Vec<String> = [
        "exam",
        "title",
        "date",
        "candidates",
        "max_points",
        "mean",
        "sd",
        "min",
        "max",
        "mean_percent",
        "passed",
        "pass_rate",
        "pass_percent",
        "items_per_candidate",
        "kr20",
        "kr20_note",
    ]
    .map(String::from)
    .to_vec();
    for c in &categories {
        header.extend(["mean", "max", "percent"].map(|s| format!("{c}_{s}")));
    }
    w.write_record(guard_record(&header))?;
    for e in exams {
        let mut row = vec![
            e.id.clone(),
            e.title.clone(),
            e.date.clone().unwrap_or_default(),
            e.candidates.to_string(),
            e.max_points.to_string(),
            fmt2(e.mean),
            fmt2(e.sd),
            e.min.to_string(),
            e.max.to_string(),
            fmt2(e.mean_percent),
            e.passed.to_string(),
            fmt4(Some(e.pass_rate)),
            crate::render::data::points(e.pass_percent),
            e.items_per_candidate
                .map_or_else(String::new, |k| k.to_string()),
            opt(e.kr20.clone().ok()),
            e.kr20
                .clone()
                .err()
                .map_or_else(String::new, |u| u.to_string()),
        ];
        for id in &categories {
            match e.categories.iter().find(|c| c.id == *id) {
                Some(c) => row.extend([fmt2(c.mean), fmt2(c.max), fmt2(c.percent)]),
                None => row.extend([String::new(), String::new(), String::new()]),
            }
        }
        w.write_record(guard_record(&row))?;
    }
    crate::spreadsheet::report_bytes(w)
}

/// The data file of `templates/report.typ`.
#[derive(Debug, Serialize)]
pub struct ReportData {
    pub format: &'static str,
    /// `zh` or `en`: the exam's label language.
    pub lang: String,
    pub exams: Vec<ExamView>,
    /// Flagged questions, by id, with stems and option counts.
    pub flagged: Vec<FlaggedView>,
    /// Every question, by id.
    pub items: Vec<ItemRow>,
    /// The flag thresholds, formatted.
    pub too_easy_above: String,
    pub too_hard_below: String,
    /// Questions with fewer answers are not flagged.
    pub min_answers: usize,
    /// How many questions had fewer answers than that.
    pub few_answers: usize,
}

#[derive(Debug, Serialize)]
pub struct ExamView {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    pub candidates: usize,
    pub max_points: String,
    pub mean: String,
    pub sd: String,
    pub min: String,
    pub max: String,
    pub mean_percent: String,
    pub passed: usize,
    /// Percent of candidates who passed.
    pub pass_rate: String,
    pub pass_percent: String,
    /// The value, or the sentence saying why it is not defined.
    pub kr20: String,
    pub histogram: Vec<BarView>,
    /// The tallest bar, for scaling.
    pub histogram_top: usize,
    pub categories: Vec<CategoryView>,
}

#[derive(Debug, Serialize)]
pub struct BarView {
    /// `80–90`; the last is `90–100`.
    pub label: String,
    pub count: usize,
    /// Whether the bar lies at or above the pass mark.
    pub passing: bool,
}

#[derive(Debug, Serialize)]
pub struct CategoryView {
    pub id: String,
    pub title: String,
    pub mean: String,
    pub max: String,
    pub percent: String,
    /// Percent 0–100 as a number, for the bar.
    pub share: f64,
    pub gate: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ItemRow {
    pub id: String,
    pub kind: QuestionType,
    pub category: String,
    pub n: usize,
    pub facility: String,
    pub point_biserial: String,
    pub upper_lower: String,
    pub blank_rate: String,
    /// Short flag names in the report's language.
    pub flags: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FlaggedView {
    pub id: String,
    pub kind: QuestionType,
    pub category: String,
    pub n: usize,
    pub facility: String,
    pub point_biserial: String,
    pub upper_lower: String,
    pub blank_rate: String,
    /// The stem as drawn, or a note that no paper had it.
    pub stem: String,
    /// Options in bank order with how often each was chosen.
    pub options: Vec<OptionView>,
    /// One sentence per flag, in the report's language.
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OptionView {
    /// Bank letter, or 对/错 (True/False).
    pub letter: String,
    pub text: String,
    pub chosen: usize,
    pub key: bool,
}

fn zh(lang: &str) -> bool {
    lang != "en"
}

fn flag_name(flag: &Flag, lang: &str) -> String {
    match (flag, zh(lang)) {
        (Flag::TooEasy, true) => "过易".into(),
        (Flag::TooEasy, false) => "too easy".into(),
        (Flag::TooHard, true) => "过难".into(),
        (Flag::TooHard, false) => "too hard".into(),
        (Flag::NegativeDiscrimination, true) => "负区分度".into(),
        (Flag::NegativeDiscrimination, false) => "negative discrimination".into(),
        (Flag::UnusedDistractor(l), true) => format!("干扰项无人选：{l}"),
        (Flag::UnusedDistractor(l), false) => format!("unused distractor: {l}"),
    }
}

fn flag_reason(flag: &Flag, it: &ItemStats, lang: &str) -> String {
    let f = fmt4(it.facility);
    let r = fmt4(it.point_biserial);
    match (flag, zh(lang)) {
        (Flag::TooEasy, true) => format!(
            "过易：答对率 {f}，高于 {TOO_EASY_ABOVE:.2}（{}/{} 人答对），几乎不能区分考生。",
            it.correct, it.n
        ),
        (Flag::TooEasy, false) => format!(
            "Too easy: facility {f} is above {TOO_EASY_ABOVE:.2} ({} of {} correct); it hardly separates candidates.",
            it.correct, it.n
        ),
        (Flag::TooHard, true) => format!(
            "过难：答对率 {f}，低于 {TOO_HARD_BELOW:.2}（{}/{} 人答对）；请检查答案是否正确、题干是否有歧义。",
            it.correct, it.n
        ),
        (Flag::TooHard, false) => format!(
            "Too hard: facility {f} is below {TOO_HARD_BELOW:.2} ({} of {} correct); check the key and the wording.",
            it.correct, it.n
        ),
        (Flag::NegativeDiscrimination, true) => format!(
            "负区分度：与其余得分的点二列相关为 {r}（高低分组差 {}），总分低的考生反而更常答对；请检查答案和题干。",
            fmt4(it.upper_lower)
        ),
        (Flag::NegativeDiscrimination, false) => format!(
            "Negative discrimination: point-biserial with the rest-score is {r} (upper–lower {}); weaker candidates got it right more often. Check the key and the wording.",
            fmt4(it.upper_lower)
        ),
        (Flag::UnusedDistractor(l), true) => {
            format!("干扰项无人选择：选项 {l}（题库字母）没有任何考生选，可换成更有迷惑性的选项。")
        }
        (Flag::UnusedDistractor(l), false) => format!(
            "Unused distractor: nobody chose option {l} (bank letters); replace it with a more plausible one."
        ),
    }
}

fn tf_label(option: &str, lang: &str) -> String {
    match (option, zh(lang)) {
        ("true", true) => "对".into(),
        ("false", true) => "错".into(),
        ("true", false) => "True".into(),
        ("false", false) => "False".into(),
        (other, _) => other.to_string(),
    }
}

/// The data of the report.
pub fn report_data(
    exams: &[ExamStats],
    items: &[ItemStats],
    papers: &Papers,
    lang: &str,
    min_answers: usize,
) -> ReportData {
    let category_titles: BTreeMap<&str, &str> = exams
        .iter()
        .flat_map(|e| e.categories.iter())
        .map(|c| {
            let title = if zh(lang) { &c.title } else { &c.title_en };
            (c.id.as_str(), title.as_str())
        })
        .collect();
    let category = |id: &str| {
        category_titles
            .get(id)
            .map_or_else(|| id.to_string(), |t| t.to_string())
    };
    let exam_views = exams
        .iter()
        .map(|e| {
            let top = e.histogram.iter().map(|b| b.count).max().unwrap_or(0);
            ExamView {
                id: e.id.clone(),
                title: e.title.clone(),
                date: e.date.clone(),
                candidates: e.candidates,
                max_points: e.max_points.to_string(),
                mean: fmt2(e.mean),
                sd: fmt2(e.sd),
                min: e.min.to_string(),
                max: e.max.to_string(),
                mean_percent: fmt2(e.mean_percent),
                passed: e.passed,
                pass_rate: fmt2(e.pass_rate * 100.0),
                pass_percent: crate::render::data::points(e.pass_percent),
                kr20: match &e.kr20 {
                    Ok(v) => fmt4(Some(*v)),
                    Err(why) if zh(lang) => kr20_zh(why),
                    Err(why) => why.to_string(),
                },
                histogram: e
                    .histogram
                    .iter()
                    .map(|b| BarView {
                        label: format!("{}–{}", b.from, b.to),
                        count: b.count,
                        passing: f64::from(b.from) >= e.pass_percent,
                    })
                    .collect(),
                histogram_top: top,
                categories: e
                    .categories
                    .iter()
                    .map(|c| CategoryView {
                        id: c.id.clone(),
                        title: if zh(lang) {
                            c.title.clone()
                        } else {
                            c.title_en.clone()
                        },
                        mean: fmt2(c.mean),
                        max: fmt2(c.max),
                        percent: fmt2(c.percent),
                        share: c.percent.clamp(0.0, 100.0),
                        gate: c.gate.map(crate::render::data::points),
                    })
                    .collect(),
            }
        })
        .collect();
    let rows = items
        .iter()
        .map(|it| ItemRow {
            id: it.id.clone(),
            kind: it.kind,
            category: category(&it.category),
            n: it.n,
            facility: fmt4(it.facility),
            point_biserial: fmt4(it.point_biserial),
            upper_lower: fmt4(it.upper_lower),
            blank_rate: fmt4(it.blank_rate),
            flags: it.flags.iter().map(|f| flag_name(f, lang)).collect(),
        })
        .collect();
    let flagged = items
        .iter()
        .filter(|it| !it.flags.is_empty())
        .map(|it| {
            let question = papers.bank_question(&it.id);
            let text_of = |letter: &str| {
                question.as_ref().and_then(|q| {
                    q.options
                        .iter()
                        .find(|(l, _)| l.to_string() == letter)
                        .map(|(_, t)| t.clone())
                })
            };
            FlaggedView {
                id: it.id.clone(),
                kind: it.kind,
                category: category(&it.category),
                n: it.n,
                facility: fmt4(it.facility),
                point_biserial: fmt4(it.point_biserial),
                upper_lower: fmt4(it.upper_lower),
                blank_rate: fmt4(it.blank_rate),
                stem: question.as_ref().map_or_else(
                    || {
                        if zh(lang) {
                            "（题干不可用：--papers 中没有出过这道题的试卷）".to_string()
                        } else {
                            "(stem not available: no paper in --papers has this question)"
                                .to_string()
                        }
                    },
                    |q| breakable(&q.stem),
                ),
                options: it
                    .options
                    .iter()
                    .map(|o| OptionView {
                        letter: if it.kind == QuestionType::TrueFalse {
                            tf_label(&o.option, lang)
                        } else {
                            o.option.clone()
                        },
                        text: text_of(&o.option)
                            .map(|t| breakable(&t))
                            .unwrap_or_default(),
                        chosen: o.chosen,
                        key: o.key,
                    })
                    .collect(),
                reasons: it.flags.iter().map(|f| flag_reason(f, it, lang)).collect(),
            }
        })
        .collect();
    ReportData {
        format: FORMAT,
        lang: if zh(lang) { "zh" } else { "en" }.to_string(),
        exams: exam_views,
        flagged,
        items: rows,
        too_easy_above: format!("{TOO_EASY_ABOVE:.2}"),
        too_hard_below: format!("{TOO_HARD_BELOW:.2}"),
        min_answers,
        few_answers: items.iter().filter(|i| i.few_answers).count(),
    }
}

fn kr20_zh(why: &super::stats::Kr20Undefined) -> String {
    use super::stats::Kr20Undefined as U;
    match why {
        U::TooFewCandidates { candidates } => {
            format!("无法计算：至少需要 2 名考生，现有 {candidates} 名")
        }
        U::DifferentItemCounts { fewest, most } => {
            format!("无法计算：考生计分的题数不同（{fewest} 至 {most} 题）")
        }
        U::TooFewItems { items } => format!("无法计算：至少需要 2 道题，试卷只有 {items} 道"),
        U::NoVariance => "无法计算：所有考生答对的题数相同".to_string(),
    }
}

impl ReportData {
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("report data always serializes")
    }
}
