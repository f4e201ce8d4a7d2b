//! Grading: answer sheets are matched with their paper manifests (and the
//! roster), every sheet that cannot be graded is set aside with the reason,
//! and every good one becomes a [`ScoreFile`]. Nothing is silently dropped.
//!
//! [`answer_file`] reads the typed answer files and normalises their answers, [`score`] does the arithmetic,
//! [`store`] decides versions and writes signed files, [`report`] makes the
//! CSV reports.

pub mod answer_file;
pub mod report;
pub mod score;
pub mod store;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::attendance::{Attendance, SignedIn};
use crate::bank::QuestionType;
use crate::paper::{Candidate, Paper};
use crate::roster::{Roster, valid_candidate_id};
use crate::score_file::{
    ExamInfo, FORMAT, Grading, KeyFix, PaperInfo, ScoreFile, SheetSource, Signer,
};
use answer_file::{Answer, BadAnswer, Layout, TypedAnswers};
use score::{Adjustments, SectionPoints};

/// Problems that stop grading before any sheet is looked at.
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    #[error(
        "papers {first} and {second} have the same printed id {id}; they cannot be told apart on answer sheets (draw them into separate folders and grade them separately)"
    )]
    DuplicatePaperId {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("{path}: {message}; points must be multiples of 0.01")]
    InexactPoints { path: PathBuf, message: String },
    #[error(
        "{option} {id}: no paper in the papers folder has question {id}; use the question's bank id as printed in the answer key"
    )]
    UnknownQuestion { option: &'static str, id: String },
    #[error("--key-fix {arg}: {message}")]
    BadKeyFix { arg: String, message: String },
    #[error("question {id} is both voided and given a new key; choose one")]
    VoidAndFix { id: String },
}

/// The papers of a session, indexed by printed id.
#[derive(Debug)]
pub struct PaperSet {
    pub papers: Vec<Paper>,
    pub paths: Vec<PathBuf>,
    pub points: Vec<Vec<SectionPoints>>,
    by_id: HashMap<String, usize>,
    /// The folder they came from, for messages.
    pub dir: PathBuf,
}

impl PaperSet {
    pub fn new(dir: &Path, papers: Vec<(PathBuf, Paper)>) -> Result<PaperSet, GradeError> {
        let mut by_id: HashMap<String, usize> = HashMap::with_capacity(papers.len());
        let mut points = Vec::with_capacity(papers.len());
        for (i, (path, paper)) in papers.iter().enumerate() {
            if let Some(&first) = by_id.get(&paper.paper_id) {
                return Err(GradeError::DuplicatePaperId {
                    id: paper.paper_id.clone(),
                    first: papers[first].0.clone(),
                    second: path.clone(),
                });
            }
            by_id.insert(paper.paper_id.clone(), i);
            points.push(score::section_points(paper).map_err(|message| {
                GradeError::InexactPoints {
                    path: path.clone(),
                    message,
                }
            })?);
        }
        let (paths, papers) = papers.into_iter().unzip();
        Ok(PaperSet {
            papers,
            paths,
            points,
            by_id,
            dir: dir.to_path_buf(),
        })
    }

    pub fn get(&self, paper_id: &str) -> Option<usize> {
        self.by_id.get(paper_id).copied()
    }

    /// Checks `--void` and `--key-fix` arguments against the papers.
    pub fn adjustments(
        &self,
        voids: &[String],
        key_fixes: &[String],
    ) -> Result<Adjustments, GradeError> {
        let find = |id: &str| {
            self.papers
                .iter()
                .flat_map(|p| &p.content.questions)
                .find(|q| q.id == id)
        };
        let mut adjust = Adjustments::default();
        for id in voids {
            let id = id.trim();
            find(id).ok_or_else(|| GradeError::UnknownQuestion {
                option: "--void",
                id: id.to_string(),
            })?;
            adjust.voided.insert(id.to_string());
        }
        for arg in key_fixes {
            let bad = |message: String| GradeError::BadKeyFix {
                arg: arg.clone(),
                message,
            };
            let (id, key) = arg
                .split_once('=')
                .ok_or_else(|| bad("write it as QUESTION-ID=LETTERS, e.g. SEC-014=AC".into()))?;
            let id = id.trim();
            let q = find(id).ok_or_else(|| GradeError::UnknownQuestion {
                option: "--key-fix",
                id: id.to_string(),
            })?;
            let options = if q.kind == QuestionType::TrueFalse {
                0
            } else {
                q.original.len().max(q.options.len())
            };
            let answer = answer_file::normalize(key, q.kind, options).map_err(|e| {
                bad(format!(
                    "{e} (letters are the bank's option letters, as in the question bank)"
                ))
            })?;
            match (&answer, q.kind) {
                (Answer::Blank, _) => return Err(bad("the new key is empty".into())),
                (Answer::Letters(l), QuestionType::Multiple) if l.len() < 2 => {
                    return Err(bad(
                        "a multiple-choice key needs at least two letters".into()
                    ));
                }
                _ => {}
            }
            if adjust.voided.contains(id) {
                return Err(GradeError::VoidAndFix { id: id.to_string() });
            }
            adjust.key_fixes.insert(id.to_string(), answer);
        }
        Ok(adjust)
    }
}

/// Why a sheet was set aside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The row or file could not be read as a sheet.
    Unreadable(String),
    BadCandidateId(String),
    MissingPaper,
    UnknownPaper {
        paper: String,
        papers: usize,
        dir: PathBuf,
    },
    OtherCandidate {
        paper: String,
        holder: String,
        name: String,
    },
    WrongCount(String),
    InvalidOption(Vec<(u32, BadAnswer)>),
    InvalidTrueFalse(Vec<(u32, BadAnswer)>),
    Duplicate {
        others: Vec<String>,
    },
    NotOnRoster {
        roster: PathBuf,
    },
    /// On the roster, no sheet at all.
    Absent {
        name: String,
    },
    /// A sheet, but no signature on the sign-in sheets.
    NotSignedIn {
        attendance: PathBuf,
    },
    /// Signed in in one room, but the paper is for another.
    WrongRoom {
        signed: String,
        paper: String,
    },
    /// Signed in, but no sheet names them.
    SignedInNoSheet {
        name: String,
        room: Option<String>,
    },
    /// An earlier score file of this candidate does not verify.
    ExistingRecord(String),
}

impl Reason {
    /// A stable code for scripts (`rejects.csv` column `code`).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Unreadable(_) => "unreadable",
            Reason::BadCandidateId(_) => "bad_candidate_id",
            Reason::MissingPaper => "missing_paper_id",
            Reason::UnknownPaper { .. } => "unknown_paper",
            Reason::OtherCandidate { .. } => "paper_of_other_candidate",
            Reason::WrongCount(_) => "wrong_answer_count",
            Reason::InvalidOption(_) => "invalid_option",
            Reason::InvalidTrueFalse(_) => "invalid_truefalse",
            Reason::Duplicate { .. } => "duplicate_candidate",
            Reason::NotOnRoster { .. } => "not_on_roster",
            Reason::Absent { .. } => "absent",
            Reason::NotSignedIn { .. } => "not_signed_in",
            Reason::WrongRoom { .. } => "wrong_room",
            Reason::SignedInNoSheet { .. } => "signed_in_no_sheet",
            Reason::ExistingRecord(_) => "existing_record_invalid",
        }
    }
}

fn answer_list(list: &[(u32, BadAnswer)]) -> String {
    list.iter()
        .map(|(n, e)| format!("question {n}: {e}"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Unreadable(m) | Reason::WrongCount(m) | Reason::ExistingRecord(m) => {
                f.write_str(m)
            }
            Reason::BadCandidateId(id) if id.is_empty() => {
                f.write_str("the candidate id is empty; fill in the candidate's id as on the roster")
            }
            Reason::BadCandidateId(id) => write!(
                f,
                "candidate id `{id}` is not allowed: ids become file names, so use 1–64 letters, digits, `.`, `_` or `-`"
            ),
            Reason::MissingPaper => f.write_str(
                "the paper id is empty; copy it from the answer sheet (8 characters, printed on every page)",
            ),
            Reason::UnknownPaper { paper, papers, dir } => write!(
                f,
                "paper `{paper}` is not among the {papers} papers in {}; check the id printed on the answer sheet",
                dir.display()
            ),
            Reason::OtherCandidate {
                paper,
                holder,
                name,
            } => write!(
                f,
                "paper `{paper}` was drawn for {holder} ({name}), not for this candidate; check both ids on the answer sheet"
            ),
            Reason::InvalidOption(list) | Reason::InvalidTrueFalse(list) => {
                f.write_str(&answer_list(list))
            }
            Reason::Duplicate { others } => write!(
                f,
                "this candidate also has a sheet at {}; all of them are set aside — keep the right one and grade again",
                others.join(", ")
            ),
            Reason::NotOnRoster { roster } => write!(
                f,
                "this candidate is not on the roster {}; check the id, or add them to the roster",
                roster.display()
            ),
            Reason::Absent { name } => write!(
                f,
                "{name} is on the roster, but no answer sheet names them (absent?)"
            ),
            Reason::NotSignedIn { attendance } => write!(
                f,
                "this candidate did not sign in (not in {}); check the sign-in sheet and who sat this paper",
                attendance.display()
            ),
            Reason::WrongRoom { signed, paper } => write!(
                f,
                "this candidate signed in in room {signed}, but the paper is for room {paper}; check where they sat and which paper they were given"
            ),
            Reason::SignedInNoSheet { name, room } => {
                let who = if name.is_empty() {
                    "this candidate".to_string()
                } else {
                    name.clone()
                };
                let room = room.as_ref().map_or(String::new(), |r| format!(" in room {r}"));
                write!(
                    f,
                    "{who} signed in{room}, but no answer sheet names them; find the sheet, or note them as absent"
                )
            }
        }
    }
}

/// A sheet (or roster line) that was not graded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    pub source: PathBuf,
    /// CSV line; 0 for a whole file, a TOML sheet or a roster entry.
    pub row: usize,
    pub candidate: String,
    pub paper: String,
    /// At least one; the first is the main one.
    pub reasons: Vec<Reason>,
}

impl Reject {
    /// `sheets.csv:12` or `sheets.csv`.
    pub fn place(&self) -> String {
        if self.row == 0 {
            self.source.display().to_string()
        } else {
            format!("{}:{}", self.source.display(), self.row)
        }
    }

    pub fn message(&self) -> String {
        self.reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Whether this is a sheet that was set aside (not an absent candidate,
    /// nor a signature without a sheet).
    pub fn is_sheet(&self) -> bool {
        !matches!(
            self.reasons.first(),
            Some(Reason::Absent { .. } | Reason::SignedInNoSheet { .. })
        )
    }
}

/// A sheet that fits its paper, ready to be scored.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub sheet: TypedAnswers,
    /// Index in [`PaperSet::papers`].
    pub paper: usize,
    pub answers: Vec<Answer>,
    pub candidate: Candidate,
}

/// Matches sheets with papers and the roster.
pub fn reconcile(
    set: &PaperSet,
    read: answer_file::Read,
    roster: Option<(&Path, &Roster)>,
    attendance: Option<&Attendance>,
) -> (Vec<Accepted>, Vec<Reject>) {
    let signed: Option<HashMap<&str, &SignedIn>> =
        attendance.map(|a| a.signed.iter().map(|s| (s.candidate.as_str(), s)).collect());
    let mut rejects: Vec<Reject> = read
        .unreadable
        .iter()
        .map(|u| Reject {
            source: u.source.clone(),
            row: u.row,
            candidate: u.candidate.clone(),
            paper: u.paper.clone(),
            reasons: vec![Reason::Unreadable(u.message.clone())],
        })
        .collect();
    // Ids that differ only by letter case are one file on Windows and macOS.
    let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, s) in read.sheets.iter().enumerate() {
        if !s.candidate.is_empty() {
            seen.entry(crate::ids::fold(&s.candidate))
                .or_default()
                .push(i);
        }
    }
    let roster_ids: Option<HashMap<&str, &Candidate>> =
        roster.map(|(_, r)| r.candidates.iter().map(|c| (c.id.as_str(), c)).collect());
    let mut accepted = Vec::new();
    for (i, s) in read.sheets.iter().enumerate() {
        let mut reasons = Vec::new();
        if !valid_candidate_id(&s.candidate) {
            reasons.push(Reason::BadCandidateId(s.candidate.clone()));
        }
        if let Some(all) = seen.get(&crate::ids::fold(&s.candidate))
            && all.len() > 1
        {
            let others = all
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| place(&read.sheets[j]))
                .collect();
            reasons.push(Reason::Duplicate { others });
        }
        if let (Some((path, _)), Some(ids)) = (roster, &roster_ids)
            && !s.candidate.is_empty()
            && !ids.contains_key(s.candidate.as_str())
        {
            reasons.push(Reason::NotOnRoster {
                roster: path.to_path_buf(),
            });
        }
        let signature = signed.as_ref().and_then(|m| m.get(s.candidate.as_str()));
        if let (Some(a), None) = (attendance, signature)
            && valid_candidate_id(&s.candidate)
        {
            reasons.push(Reason::NotSignedIn {
                attendance: a.path.clone(),
            });
        }
        let paper = if s.paper.is_empty() {
            reasons.push(Reason::MissingPaper);
            None
        } else if let Some(p) = set.get(&s.paper) {
            Some(p)
        } else {
            reasons.push(Reason::UnknownPaper {
                paper: s.paper.clone(),
                papers: set.papers.len(),
                dir: set.dir.clone(),
            });
            None
        };
        let mut answers = Vec::new();
        if let Some(p) = paper {
            let paper = &set.papers[p];
            if let Some(c) = &paper.content.candidate
                && c.id != s.candidate
            {
                reasons.push(Reason::OtherCandidate {
                    paper: s.paper.clone(),
                    holder: c.id.clone(),
                    name: c.name.clone(),
                });
            }
            let paper_room = paper
                .content
                .candidate
                .as_ref()
                .and_then(|c| c.room.as_ref());
            if let (Some(signed), Some(room)) =
                (signature.and_then(|g| g.room.as_ref()), paper_room)
                && signed != room
            {
                reasons.push(Reason::WrongRoom {
                    signed: signed.clone(),
                    paper: room.clone(),
                });
            }
            match check_answers(s, paper) {
                Ok(a) => answers = a,
                Err(mut r) => reasons.append(&mut r),
            }
        }
        if reasons.is_empty()
            && let Some(p) = paper
        {
            let from_roster = roster_ids
                .as_ref()
                .and_then(|ids| ids.get(s.candidate.as_str()).map(|c| (*c).clone()));
            let candidate = set.papers[p]
                .content
                .candidate
                .clone()
                .or(from_roster)
                .unwrap_or_else(|| Candidate {
                    id: s.candidate.clone(),
                    name: String::new(),
                    ..Default::default()
                });
            accepted.push(Accepted {
                sheet: s.clone(),
                paper: p,
                answers,
                candidate,
            });
        } else {
            rejects.push(Reject {
                source: s.source.clone(),
                row: s.row,
                candidate: s.candidate.clone(),
                paper: s.paper.clone(),
                reasons,
            });
        }
    }
    let named: BTreeSet<&str> = read
        .sheets
        .iter()
        .map(|s| s.candidate.as_str())
        .chain(read.unreadable.iter().map(|u| u.candidate.as_str()))
        .collect();
    if let Some(a) = attendance {
        for s in a
            .signed
            .iter()
            .filter(|s| !named.contains(s.candidate.as_str()))
        {
            rejects.push(Reject {
                source: a.path.clone(),
                row: s.row,
                candidate: s.candidate.clone(),
                paper: String::new(),
                reasons: vec![Reason::SignedInNoSheet {
                    name: s.name.clone(),
                    room: s.room.clone(),
                }],
            });
        }
    }
    if let Some((path, roster)) = roster {
        for c in &roster.candidates {
            if !named.contains(c.id.as_str()) {
                rejects.push(Reject {
                    source: path.to_path_buf(),
                    row: 0,
                    candidate: c.id.clone(),
                    paper: String::new(),
                    reasons: vec![Reason::Absent {
                        name: c.name.clone(),
                    }],
                });
            }
        }
    }
    (accepted, rejects)
}

fn place(s: &TypedAnswers) -> String {
    if s.row == 0 {
        s.source.display().to_string()
    } else {
        format!("{}:{}", s.source.display(), s.row)
    }
}

/// Checks that a sheet has one answer per question and that each fits its
/// question; returns the normalised answers.
fn check_answers(s: &TypedAnswers, paper: &Paper) -> Result<Vec<Answer>, Vec<Reason>> {
    let questions = &paper.content.questions;
    let n = questions.len();
    let given = s.answers.len();
    let mut answers: &[String] = &s.answers;
    match s.layout {
        Layout::Wide if given < n => {
            return Err(vec![Reason::WrongCount(format!(
                "the file has columns for {given} questions, but paper {} has {n}; add columns up to {n}",
                paper.paper_id
            ))]);
        }
        Layout::Wide => {
            if let Some(extra) = s.answers[n..].iter().position(|a| !a.trim().is_empty()) {
                return Err(vec![Reason::WrongCount(format!(
                    "an answer is given for question {}, but paper {} has only {n} questions; is this the right paper id?",
                    n + extra + 1,
                    paper.paper_id
                ))]);
            }
            answers = &s.answers[..n];
        }
        _ if given != n => {
            return Err(vec![Reason::WrongCount(format!(
                "{given} answers, but paper {} has {n} questions; give one per question, `-` for a blank",
                paper.paper_id
            ))]);
        }
        _ => {}
    }
    let mut options_bad = Vec::new();
    let mut tf_bad = Vec::new();
    let mut out = Vec::with_capacity(n);
    for (q, typed) in questions.iter().zip(answers) {
        match answer_file::normalize(typed, q.kind, q.options.len()) {
            Ok(a) => out.push(a),
            Err(e @ BadAnswer::NotTrueFalse { .. }) => tf_bad.push((q.number, e)),
            Err(e) => options_bad.push((q.number, e)),
        }
    }
    let mut reasons = Vec::new();
    if !options_bad.is_empty() {
        reasons.push(Reason::InvalidOption(options_bad));
    }
    if !tf_bad.is_empty() {
        reasons.push(Reason::InvalidTrueFalse(tf_bad));
    }
    if reasons.is_empty() {
        Ok(out)
    } else {
        Err(reasons)
    }
}

/// Who grades, and when.
#[derive(Clone, Debug)]
pub struct Meta {
    pub graded_at: Timestamp,
    pub tool: String,
    pub key_id: String,
}

/// The score file of an accepted sheet (version 1, unsigned).
pub fn build(set: &PaperSet, acc: &Accepted, adjust: &Adjustments, meta: &Meta) -> ScoreFile {
    let paper = &set.papers[acc.paper];
    let content = &paper.content;
    let exam = &content.exam;
    let scored = score::score(paper, &set.points[acc.paper], &acc.answers, adjust);
    let mut outcome = scored.outcome;
    if outcome.pass
        && let Some(months) = exam.valid_months
    {
        outcome.valid_until = valid_until(exam.date.as_deref(), meta.graded_at, months);
    }
    let on_paper: BTreeSet<&str> = content.questions.iter().map(|q| q.id.as_str()).collect();
    let grading = Grading {
        voided: adjust
            .voided
            .iter()
            .filter(|id| on_paper.contains(id.as_str()))
            .cloned()
            .collect(),
        key_fixes: adjust
            .key_fixes
            .iter()
            .filter(|(id, _)| on_paper.contains(id.as_str()))
            .map(|(id, key)| KeyFix {
                id: id.clone(),
                key_bank: match key {
                    Answer::Letters(l) => answer_file::letters(l),
                    Answer::TrueFalse(b) => b.to_string(),
                    Answer::Blank => String::new(),
                },
            })
            .collect(),
    };
    ScoreFile {
        format: FORMAT.to_string(),
        version: 1,
        graded_at: crate::clock::format(meta.graded_at),
        tool: meta.tool.clone(),
        signer: Signer {
            key_id: meta.key_id.clone(),
        },
        regrade: None,
        sheet: SheetSource {
            file: acc.sheet.source.display().to_string(),
            row: acc.sheet.row,
        },
        candidate: acc.candidate.clone(),
        exam: ExamInfo {
            id: exam.id.clone(),
            title: exam.title.clone(),
            date: exam.date.clone(),
            valid_months: exam.valid_months,
            pass: exam.pass.clone(),
        },
        paper: PaperInfo {
            id: paper.paper_id.clone(),
            digest: paper.digest.clone(),
            form: content.form.clone(),
            bank_name: content.draw.bank_name.clone(),
            bank_version: content.draw.bank_version.clone(),
            bank_digest: content.draw.bank_digest.clone(),
        },
        grading,
        result: outcome,
        sections: scored.sections,
        categories: scored.categories,
        questions: scored.questions,
    }
}

/// The last valid day: the exam date (or, without one, the grading date in
/// UTC) plus `months` calendar months; a day that does not exist in the
/// target month becomes its last day (Aug 31 + 6 months = Feb 28).
pub fn valid_until(exam_date: Option<&str>, graded_at: Timestamp, months: u32) -> Option<String> {
    let base = exam_date
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .unwrap_or_else(|| crate::clock::utc_date(graded_at));
    // `try_months`: jiff panics on a span beyond its range (manifests are
    // checked against `MAX_VALID_MONTHS`, but this must never be the panic).
    jiff::Span::new()
        .try_months(i64::from(months))
        .and_then(|span| base.checked_add(span))
        .ok()
        .map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_adds_calendar_months() {
        let t = crate::clock::parse("2026-11-23T10:00:00Z").unwrap();
        assert_eq!(
            valid_until(Some("2026-12-01"), t, 24).unwrap(),
            "2028-12-01"
        );
        assert_eq!(valid_until(None, t, 12).unwrap(), "2027-11-23");
        assert_eq!(valid_until(Some("2026-08-31"), t, 6).unwrap(), "2027-02-28");
        assert_eq!(valid_until(Some("2027-08-31"), t, 6).unwrap(), "2028-02-29");
    }
}
