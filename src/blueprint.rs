//! The exam blueprint: what a paper contains (sections, per-category counts,
//! points and scoring) and how it is passed. Trainers write it by hand, so
//! every problem is reported at its line with a fix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::bank::{Category, QuestionType};
use crate::diag::{Diagnostic, SourceFile};
use crate::fairness::Calibration;
use crate::paper::Scoring;
use crate::rng::Algorithm;
use crate::tomlread::{Fields, Located, parse_document};

/// A checked blueprint.
#[derive(Clone, Debug, PartialEq)]
pub struct Blueprint {
    pub path: PathBuf,
    pub id: String,
    pub title: String,
    pub lang: String,
    pub duration_minutes: u32,
    pub instructions: Option<String>,
    /// Exam date, `YYYY-MM-DD`.
    pub date: Option<String>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub valid_months: Option<u32>,
    pub pass_percent: f64,
    /// Must-pass gates per category, in % of that category's maximum.
    pub gates: BTreeMap<String, f64>,
    pub sections: Vec<SectionSpec>,
    /// The drawing algorithm (`draw`; v1 when absent).
    pub draw: Algorithm,
    /// v2: how far, in percentage points, a paper's expected percent for a
    /// middle-ability candidate may be from the target (`draw_tolerance`).
    pub draw_tolerance: f64,
    /// v2: item statistics of earlier sittings that set the questions'
    /// difficulties (`calibration`, a path relative to the blueprint).
    pub calibration: Option<Calibration>,
}

/// `draw_tolerance` when the blueprint gives none: half a percentage point.
pub const DEFAULT_DRAW_TOLERANCE: f64 = 0.5;

/// One `[[section]]` of a blueprint.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionSpec {
    pub title: String,
    pub kind: QuestionType,
    pub points: f64,
    pub scoring: Scoring,
    pub penalty: f64,
    /// Inclusive difficulty range.
    pub difficulty: (u8, u8),
    /// Category id and how many questions of it, in the order written.
    pub counts: Vec<(String, u32)>,
}

impl SectionSpec {
    pub fn question_count(&self) -> u32 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

const TOP_KEYS: &[&str] = &[
    "id",
    "title",
    "lang",
    "duration_minutes",
    "instructions",
    "date",
    "shuffle_questions",
    "shuffle_options",
    "valid_months",
    "draw",
    "draw_tolerance",
    "calibration",
    "pass",
    "section",
];
const PASS_KEYS: &[&str] = &["percent", "categories"];
const SECTION_KEYS: &[&str] = &[
    "title",
    "type",
    "points",
    "scoring",
    "penalty",
    "difficulty",
    "count",
];

/// Whether an exam id can be a folder name everywhere (see [`crate::ids`]).
pub fn valid_exam_id(id: &str) -> bool {
    crate::ids::check(id).is_ok()
}

/// Reads and checks a blueprint against the bank's categories. Returns the
/// blueprint only when there is no error.
pub fn load(path: &Path, categories: &[Category]) -> (Option<Blueprint>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Some(file) = crate::diag::read_source(path, &mut diags) else {
        return (None, diags);
    };
    let blueprint = parse(&file, categories, &mut diags);
    let ok = !diags.iter().any(Diagnostic::is_error);
    (blueprint.filter(|_| ok), diags)
}

fn parse(
    file: &SourceFile,
    categories: &[Category],
    diags: &mut Vec<Diagnostic>,
) -> Option<Blueprint> {
    let doc = match parse_document(file) {
        Ok(d) => d,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut f = Fields::new(file, doc.get_ref(), 0..0, "the blueprint");
    let id = f.required_string("id", "\"CS-CERT-2026Q4\"", diags);
    if let Some(id) = &id
        && !valid_exam_id(&id.value)
    {
        diags.push(
            file.error(
                id.span.clone(),
                format!("exam id `{}` is not allowed", id.value),
            )
            .with_hint(format!("{}; e.g. \"CS-CERT-2026Q4\"", crate::ids::RULE)),
        );
    }
    let title = f.required_string("title", "\"网店客服上岗认证考试\"", diags);
    if let Some(t) = &title
        && t.value.trim().is_empty()
    {
        diags.push(
            file.error(t.span.clone(), "the exam title is empty")
                .with_hint("write the title printed on the paper"),
        );
    }
    let lang = f.string("lang", diags).map_or(Some("zh".to_string()), |l| {
        if matches!(l.value.as_str(), "zh" | "en") {
            Some(l.value)
        } else {
            diags.push(
                file.error(l.span, format!("unknown lang `{}`", l.value))
                    .with_hint("use \"zh\" for Chinese labels or \"en\" for English labels"),
            );
            None
        }
    });
    let duration = f
        .required_integer("duration_minutes", "60", diags)
        .and_then(|d| {
            positive_u32(
                file,
                &d,
                "duration_minutes",
                "the time candidates have, e.g. 60",
                diags,
            )
        });
    let instructions = f
        .string("instructions", diags)
        .map(|s| s.value.trim().to_string())
        .filter(|s| !s.is_empty());
    let date = f.string("date", diags).and_then(|d| {
        if crate::clock::calendar_date(&d.value).is_some() {
            Some(d.value)
        } else {
            diags.push(
                file.error(d.span, format!("date \"{}\" is not a date", d.value))
                    .with_hint("write the exam date as \"YYYY-MM-DD\", e.g. \"2026-12-01\""),
            );
            None
        }
    });
    let shuffle_questions = f
        .boolean("shuffle_questions", diags)
        .is_none_or(|b| b.value);
    let shuffle_options = f.boolean("shuffle_options", diags).is_none_or(|b| b.value);
    let valid_months = f.integer("valid_months", diags).and_then(|m| {
        let months = positive_u32(
            file,
            &m,
            "valid_months",
            "how many months a pass is valid, e.g. 24",
            diags,
        )?;
        if months > crate::paper::MAX_VALID_MONTHS {
            diags.push(
                file.error(
                    m.span.clone(),
                    format!(
                        "`valid_months` = {months} is more than {} (100 years)",
                        crate::paper::MAX_VALID_MONTHS
                    ),
                )
                .with_hint("give how many months a pass is valid, e.g. 24; leave it out for a pass that never expires"),
            );
            return None;
        }
        Some(months)
    });

    let (draw, draw_tolerance, calibration) = parse_draw(&mut f, diags);

    let sections_raw = f.tables("section", diags);
    let mut sections = Vec::new();
    for (i, (table, span)) in sections_raw.iter().enumerate() {
        let mut s = Fields::new(file, table, span.clone(), format!("section {}", i + 1));
        if let Some(section) = parse_section(&mut s, categories, diags) {
            sections.push(section);
        }
        s.finish(SECTION_KEYS, diags);
    }
    if sections_raw.is_empty() {
        diags.push(f.missing("[[section]]", "…").with_hint(
            "add at least one [[section]] with title, type, points and a [section.count] table",
        ));
    }
    let used: Vec<String> = sections
        .iter()
        .flat_map(|s| s.counts.iter().map(|(c, _)| c.clone()))
        .collect();

    let (pass_percent, gates) = match f.table("pass", diags) {
        Some((table, span)) => {
            let mut p = Fields::new(file, table, span, "[pass]");
            let result = parse_pass(&mut p, &used, diags);
            p.finish(PASS_KEYS, diags);
            result
        }
        None => {
            if f.raw("pass").is_none() {
                diags.push(
                    file.error(0..0, "the blueprint has no [pass] table")
                        .with_hint(
                            "add `[pass]` with `percent = 80` (the pass mark in % of the maximum)",
                        ),
                );
            }
            (None, BTreeMap::new())
        }
    };
    f.finish(TOP_KEYS, diags);

    Some(Blueprint {
        path: file.path.clone(),
        id: id?.value,
        title: title?.value.trim().to_string(),
        lang: lang?,
        duration_minutes: duration?,
        instructions,
        date,
        shuffle_questions,
        shuffle_options,
        valid_months,
        pass_percent: pass_percent?,
        gates,
        sections,
        draw: draw?,
        draw_tolerance: draw_tolerance?,
        calibration: calibration?,
    })
}

/// `draw`, `draw_tolerance` and `calibration`; the last two only with v2.
#[allow(clippy::type_complexity)]
fn parse_draw(
    f: &mut Fields<'_, '_>,
    diags: &mut Vec<Diagnostic>,
) -> (Option<Algorithm>, Option<f64>, Option<Option<Calibration>>) {
    let file = f.file();
    let draw = f.string("draw", diags).map_or(Some(Algorithm::V1), |d| {
        match d.value.as_str() {
            "v1" => Some(Algorithm::V1),
            "v2" => Some(Algorithm::V2),
            other => {
                diags.push(
                    file.error(d.span, format!("unknown drawing algorithm `{other}`"))
                        .with_hint("use \"v2\" for papers of equal difficulty, or \"v1\" to replay papers drawn before v2"),
                );
                None
            }
        }
    });
    let tolerance_raw = f.number("draw_tolerance", diags);
    let tolerance = match &tolerance_raw {
        None => Some(DEFAULT_DRAW_TOLERANCE),
        Some(t) if t.value > 0.0 && t.value <= 100.0 => Some(t.value),
        Some(t) => {
            diags.push(
                file.error(
                    t.span.clone(),
                    format!("`draw_tolerance` must be above 0 and at most 100 percentage points, not {}", t.value),
                )
                .with_hint(format!("give how far a paper's expected percent may be from the target, e.g. {DEFAULT_DRAW_TOLERANCE}")),
            );
            None
        }
    };
    let calibration_raw = f.string("calibration", diags);
    let calibration = match &calibration_raw {
        None => Some(None),
        Some(c) => {
            let base = file.path.parent().unwrap_or(Path::new(""));
            let path = base.join(&c.value);
            match Calibration::read(&path) {
                Ok(calibration) => Some(Some(calibration)),
                Err(e) => {
                    diags.push(
                        file.error(c.span.clone(), format!("the calibration file cannot be used: {e}"))
                            .with_hint("name the items.csv that `certexam analyze` wrote, relative to this blueprint's folder"),
                    );
                    None
                }
            }
        }
    };
    if draw == Some(Algorithm::V1) {
        for (key, span) in [
            ("draw_tolerance", tolerance_raw.map(|t| t.span)),
            ("calibration", calibration_raw.map(|c| c.span)),
        ] {
            if let Some(span) = span {
                diags.push(
                    file.error(span, format!("`{key}` only applies to `draw = \"v2\"`"))
                        .with_hint("add `draw = \"v2\"` to draw papers of equal difficulty, or remove this line"),
                );
            }
        }
    }
    (draw, tolerance, calibration)
}

fn positive_u32(
    file: &SourceFile,
    value: &Located<i64>,
    key: &str,
    meaning: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<u32> {
    match u32::try_from(value.value) {
        Ok(n) if n > 0 => Some(n),
        _ => {
            diags.push(
                file.error(
                    value.span.clone(),
                    format!(
                        "`{key}` must be a whole number above 0, not {}",
                        value.value
                    ),
                )
                .with_hint(format!("give {meaning}")),
            );
            None
        }
    }
}

fn percent(
    file: &SourceFile,
    value: &Located<f64>,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<f64> {
    if (0.0..=100.0).contains(&value.value) {
        Some(value.value)
    } else {
        diags.push(
            file.error(
                value.span.clone(),
                format!("{what} is {}%, outside 0–100", value.value),
            )
            .with_hint("give a percentage of the maximum, e.g. 80"),
        );
        None
    }
}

fn parse_pass(
    p: &mut Fields<'_, '_>,
    used: &[String],
    diags: &mut Vec<Diagnostic>,
) -> (Option<f64>, BTreeMap<String, f64>) {
    let file = p.file();
    let overall = match p.number("percent", diags) {
        Some(v) => percent(file, &v, "the pass mark", diags),
        None => {
            if p.raw("percent").is_none() {
                diags.push(p.missing("percent", "80"));
            }
            None
        }
    };
    let mut gates = BTreeMap::new();
    if let Some((table, span)) = p.table("categories", diags) {
        let mut g = Fields::new(file, table, span, "[pass.categories]");
        let keys: Vec<String> = table.iter().map(|(k, _)| k.get_ref().to_string()).collect();
        for key in &keys {
            let Some(value) = g.number(key, diags) else {
                continue;
            };
            if !used.contains(key) {
                let key_span = table
                    .iter()
                    .find(|(k, _)| k.get_ref() == key)
                    .map_or(value.span.clone(), |(k, _)| k.span());
                diags.push(
                    file.error(key_span, format!("a pass gate names category `{key}`, which no section of this exam asks about"))
                        .with_hint(format!("gate only categories the exam uses: {}", unique(used).join(", "))),
                );
                continue;
            }
            if let Some(v) = percent(file, &value, &format!("the gate for `{key}`"), diags) {
                gates.insert(key.clone(), v);
            }
        }
    }
    (overall, gates)
}

fn unique(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

fn parse_section(
    s: &mut Fields<'_, '_>,
    categories: &[Category],
    diags: &mut Vec<Diagnostic>,
) -> Option<SectionSpec> {
    let file = s.file();
    let before = diags.len();
    let title = s.required_string("title", "\"一、单项选择题\"", diags);
    if let Some(t) = &title {
        s.set_what(format!("section \"{}\"", t.value));
    }
    let kind = s
        .required_string("type", "\"single\"", diags)
        .and_then(|t| {
            QuestionType::parse(&t.value).or_else(|| {
                diags.push(
                    file.error(t.span, format!("unknown question type `{}`", t.value))
                        .with_hint("use \"single\", \"multiple\" or \"truefalse\""),
                );
                None
            })
        });
    let points = match s.number("points", diags) {
        Some(p) if p.value > 0.0 => Some(p.value),
        Some(p) => {
            diags.push(
                file.error(p.span, format!("points must be above 0, not {}", p.value))
                    .with_hint("give the points each question of this section is worth, e.g. 2"),
            );
            None
        }
        None => {
            if s.raw("points").is_none() {
                diags.push(s.missing("points", "2"));
            }
            None
        }
    };
    let scoring = match s.string("scoring", diags) {
        None => Some(Scoring::AllOrNothing),
        Some(v) => {
            let parsed = match v.value.as_str() {
                "all_or_nothing" => Some(Scoring::AllOrNothing),
                "half_if_subset" => Some(Scoring::HalfIfSubset),
                "per_correct_option" => Some(Scoring::PerCorrectOption),
                _ => None,
            };
            match (parsed, kind) {
                (None, _) => {
                    diags.push(
                        file.error(v.span, format!("unknown scoring `{}`", v.value))
                            .with_hint("use \"all_or_nothing\", \"half_if_subset\" or \"per_correct_option\""),
                    );
                    None
                }
                (Some(sc), Some(k))
                    if k != QuestionType::Multiple && sc != Scoring::AllOrNothing =>
                {
                    diags.push(
                        file.error(v.span, format!("scoring `{}` only applies to multiple-choice sections", v.value))
                            .with_hint("remove `scoring` here: single and true/false answers are right or wrong"),
                    );
                    None
                }
                (Some(sc), _) => Some(sc),
            }
        }
    };
    let penalty = match s.number("penalty", diags) {
        None => Some(0.0),
        Some(p) if p.value >= 0.0 => Some(p.value),
        Some(p) => {
            diags.push(
                file.error(
                    p.span,
                    format!("penalty must be 0 or more, not {}", p.value),
                )
                .with_hint(
                    "give the points taken off per wrong answer as a positive number, e.g. 0.5",
                ),
            );
            None
        }
    };
    let difficulty = parse_difficulty(s, diags);
    let counts = match s.table("count", diags) {
        Some((table, span)) => parse_counts(s, table, span, categories, diags),
        None => {
            if s.raw("count").is_none() {
                diags.push(s.missing("[section.count]", "…").with_hint(
                    "add a `[section.count]` table naming how many questions of each category, e.g. `security = 5`",
                ));
            }
            None
        }
    };
    if diags[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(SectionSpec {
        title: title?.value.trim().to_string(),
        kind: kind?,
        points: points?,
        scoring: scoring?,
        penalty: penalty?,
        difficulty: difficulty?,
        counts: counts?,
    })
}

fn parse_difficulty(s: &mut Fields<'_, '_>, diags: &mut Vec<Diagnostic>) -> Option<(u8, u8)> {
    let file = s.file();
    let Some(raw) = s.raw("difficulty") else {
        return Some((1, 5));
    };
    let bad = |diags: &mut Vec<Diagnostic>| {
        diags.push(
            file.error(
                raw.span(),
                "difficulty must be a range like [1, 4] within 1–5, low first",
            )
            .with_hint("write `difficulty = [1, 4]` to draw questions of difficulty 1 to 4"),
        );
        None
    };
    let Some(items) = raw.get_ref().as_array() else {
        return bad(diags);
    };
    let values: Vec<Option<u8>> = items
        .iter()
        .map(|v| {
            v.get_ref()
                .as_integer()
                .and_then(|i| i.as_str().parse::<u8>().ok())
                .filter(|n| (1..=5).contains(n))
        })
        .collect();
    match values.as_slice() {
        [Some(lo), Some(hi)] if lo <= hi => Some((*lo, *hi)),
        _ => bad(diags),
    }
}

fn parse_counts(
    s: &Fields<'_, '_>,
    table: &toml::de::DeTable<'_>,
    span: std::ops::Range<usize>,
    categories: &[Category],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<(String, u32)>> {
    let file = s.file();
    let known: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
    let mut counts = Vec::new();
    let mut ok = true;
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        if !known.contains(&name.as_str()) {
            ok = false;
            let hint = match crate::tomlread::closest(&name, &known) {
                Some(k) => format!(
                    "did you mean `{k}`? The bank's categories: {}",
                    known.join(", ")
                ),
                None => format!("use one of the bank's categories: {}", known.join(", ")),
            };
            diags.push(
                file.error(
                    key.span(),
                    format!("{} counts unknown category `{name}`", s.what()),
                )
                .with_hint(hint),
            );
            continue;
        }
        let n = value
            .get_ref()
            .as_integer()
            .and_then(|i| i.as_str().replace('_', "").parse::<i64>().ok());
        match n.and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n > 0 => counts.push((name, n)),
            _ => {
                ok = false;
                diags.push(
                    file.error(
                        value.span(),
                        format!(
                            "{} asks for {} `{name}` questions",
                            s.what(),
                            render_value(value.get_ref())
                        ),
                    )
                    .with_hint("give a whole number of 1 or more, or remove the line"),
                );
            }
        }
    }
    if counts.is_empty() && ok {
        diags.push(
            file.error(span, format!("{} asks for no questions", s.what()))
                .with_hint("name at least one category with a count, e.g. `security = 5`"),
        );
        return None;
    }
    ok.then_some(counts)
}

fn render_value(v: &toml::de::DeValue<'_>) -> String {
    match v {
        toml::de::DeValue::Integer(i) => i.as_str().to_string(),
        other => other.type_str().to_string(),
    }
}
