//! The CSV reports of a grading run, for proctors and their spreadsheets:
//! `results.csv` (one row per graded candidate), `items.csv` (one row per
//! candidate × bank question), `rejects.csv` (every sheet set aside) and
//! `regrade.csv` (who changed and why, appended run after run).

use crate::formula_guard::guard_record;
use std::collections::BTreeSet;

use crate::grade::Reject;
use crate::score_file::ScoreFile;

/// What happened to a graded candidate's score file in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    New,
    Unchanged,
    Regraded,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Unchanged => "unchanged",
            Change::Regraded => "regraded",
        }
    }
}

/// One graded candidate for the reports.
#[derive(Debug)]
pub struct Row<'a> {
    pub score: &'a ScoreFile,
    /// The score file holding this result, relative to the output folder.
    pub file: String,
    pub change: Change,
}

/// Report rows only fail to serialize, never to write: they go to memory.
type Result<T> = std::result::Result<T, csv::Error>;

/// `results.csv`: exam, candidate, name, paper, score file, change, the
/// points of each category, counts, total, max, percent, pass, failed
/// gates, valid until.
pub fn results_csv(rows: &[Row]) -> Result<Vec<u8>> {
    let categories: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.score.categories.iter().map(|c| c.id.as_str()))
        .collect();
    let mut w = crate::spreadsheet::report_writer();
    let mut header: Vec<String> = ["exam", "candidate", "name", "paper", "score_file", "change"]
        .map(String::from)
        .to_vec();
    header.extend(categories.iter().map(|c| c.to_string()));
    header.extend(
        [
            "correct",
            "partial",
            "wrong",
            "blank",
            "voided",
            "total",
            "max",
            "percent",
            "pass",
            "failed_gates",
            "valid_until",
        ]
        .map(String::from),
    );
    w.write_record(guard_record(&header))?;
    for r in rows {
        let s = r.score;
        let o = &s.result;
        let mut record = vec![
            s.exam.id.clone(),
            s.candidate.id.clone(),
            s.candidate.name.clone(),
            s.paper.id.clone(),
            r.file.clone(),
            r.change.as_str().to_string(),
        ];
        for c in &categories {
            record.push(
                s.categories
                    .iter()
                    .find(|x| x.id == *c)
                    .map(|x| x.earned.to_string())
                    .unwrap_or_default(),
            );
        }
        record.extend([
            o.correct.to_string(),
            o.partial.to_string(),
            o.wrong.to_string(),
            o.blank.to_string(),
            o.voided.to_string(),
            o.total.to_string(),
            o.max.to_string(),
            o.percent.to_string(),
            o.pass.to_string(),
            o.failed_gates
                .iter()
                .map(|g| g.gate.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            o.valid_until.clone().unwrap_or_default(),
        ]);
        w.write_record(guard_record(&record))?;
    }
    crate::spreadsheet::report_bytes(w)
}

/// `items.csv`: one row per candidate × question, keyed by bank id.
pub fn items_csv(rows: &[Row]) -> Result<Vec<u8>> {
    let mut w = crate::spreadsheet::report_writer();
    w.write_record(guard_record([
        "exam",
        "candidate",
        "paper",
        "question_id",
        "number",
        "section",
        "type",
        "category",
        "given",
        "given_bank",
        "key",
        "key_bank",
        "points",
        "earned",
        "penalty",
        "result",
    ]))?;
    for r in rows {
        let s = r.score;
        for q in &s.questions {
            w.write_record(guard_record([
                s.exam.id.as_str(),
                s.candidate.id.as_str(),
                s.paper.id.as_str(),
                q.id.as_str(),
                &q.number.to_string(),
                &q.section.to_string(),
                q.kind.as_str(),
                q.category.as_str(),
                q.given.as_str(),
                q.given_bank.as_str(),
                q.key.as_str(),
                q.key_bank.as_str(),
                &q.points.to_string(),
                &q.earned.to_string(),
                &q.penalty.to_string(),
                q.result.as_str(),
            ]))?;
        }
    }
    crate::spreadsheet::report_bytes(w)
}

/// `rejects.csv`: source, row, candidate, paper, code, reason.
pub fn rejects_csv(rejects: &[Reject]) -> Result<Vec<u8>> {
    let mut w = crate::spreadsheet::report_writer();
    w.write_record(guard_record([
        "source",
        "row",
        "candidate",
        "paper",
        "code",
        "reason",
    ]))?;
    for r in rejects {
        let code = r.reasons.first().map_or("", |x| x.code());
        w.write_record(guard_record([
            r.source.display().to_string().as_str(),
            &if r.row == 0 {
                String::new()
            } else {
                r.row.to_string()
            },
            &r.candidate,
            &r.paper,
            code,
            &r.message(),
        ]))?;
    }
    crate::spreadsheet::report_bytes(w)
}

/// The header of `regrade.csv`.
pub const REGRADE_HEADER: [&str; 10] = [
    "graded_at",
    "exam",
    "candidate",
    "name",
    "previous",
    "new",
    "previous_total",
    "new_total",
    "new_pass",
    "reason",
];

/// `regrade.csv` with rows for this run's regrades appended to `existing`
/// (its earlier content, or empty).
pub fn regrade_csv(existing: &[u8], regrades: &[(&ScoreFile, &ScoreFile)]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if existing.is_empty() {
        let mut w = crate::spreadsheet::report_writer();
        w.write_record(guard_record(REGRADE_HEADER))?;
        out = crate::spreadsheet::report_bytes(w)?;
    } else {
        out.extend_from_slice(existing);
        if !existing.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for (old, new) in regrades {
        w.write_record(guard_record([
            new.graded_at.as_str(),
            new.exam.id.as_str(),
            new.candidate.id.as_str(),
            new.candidate.name.as_str(),
            &old.file_name(),
            &new.file_name(),
            &old.result.total.to_string(),
            &new.result.total.to_string(),
            &new.result.pass.to_string(),
            new.regrade.as_ref().map_or("", |r| r.reason.as_str()),
        ]))?;
    }
    out.extend(crate::spreadsheet::report_bytes(w)?);
    Ok(out)
}
