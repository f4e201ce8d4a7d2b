//! Answering HR's question "is this person certified for this exam, and
//! until when?" from the ledger: the latest record (highest regrade
//! version) per candidate and exam decides, and "certified" means that
//! record is a pass whose `valid_until` is not before the reference date.
//! Pure: the caller reads the ledger and the clock.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::ledger::Entry;

/// Where a candidate stands for one exam on the reference date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The latest record is a pass, valid on the reference date.
    Certified,
    /// The latest record is a pass whose validity ended before the reference date.
    Expired,
    /// The latest record is a fail.
    Failed,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Certified => "certified",
            Standing::Expired => "expired",
            Standing::Failed => "failed",
        }
    }
}

/// Which rows to keep.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub candidate: Option<String>,
    pub exam: Option<String>,
    /// `Some(true)`: only certified; `Some(false)`: only failed.
    pub passed: Option<bool>,
    /// Only certified rows whose validity ends within this many days of
    /// the reference date (inclusive).
    pub expiring_within: Option<i64>,
}

/// One candidate's standing in one exam.
#[derive(Clone, Debug, Serialize)]
pub struct Row<'a> {
    pub exam: &'a str,
    pub candidate: &'a str,
    pub name: &'a str,
    pub standing: Standing,
    /// The latest record.
    #[serde(skip)]
    pub latest: &'a Entry,
    pub total: String,
    pub max: String,
    pub percent: f64,
    pub valid_until: Option<&'a str>,
    /// Days from the reference date to `valid_until` (negative once expired).
    pub days_left: Option<i64>,
    pub version: u32,
    /// How many records (versions) the archive holds for this pair.
    pub records: usize,
    pub fingerprint: &'a str,
    pub seq: u64,
}

/// The latest record of each (exam, candidate): highest version, and of
/// equal versions the one added last. Sorted by exam, then candidate.
pub fn latest<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<(&'a Entry, usize)> {
    let mut best: BTreeMap<(&str, &str), (&Entry, usize)> = BTreeMap::new();
    for e in entries {
        let slot = best
            .entry((e.exam.as_str(), e.candidate.as_str()))
            .or_insert((e, 0));
        slot.1 += 1;
        if (e.version, e.seq) > (slot.0.version, slot.0.seq) {
            slot.0 = e;
        }
    }
    best.into_values().collect()
}

/// The standing a record gives on `on`.
pub fn standing(e: &Entry, on: Date) -> Standing {
    if !e.pass {
        return Standing::Failed;
    }
    match e.valid_until.as_deref().map(str::parse::<Date>) {
        // A pass without an end date does not expire; an unreadable date
        // cannot prove validity.
        None => Standing::Certified,
        Some(Ok(until)) if until >= on => Standing::Certified,
        Some(_) => Standing::Expired,
    }
}

/// The rows that match `filter` on the reference date `on`.
pub fn query<'a>(entries: &'a [Entry], filter: &Filter, on: Date) -> Vec<Row<'a>> {
    let relevant = entries.iter().filter(|e| {
        filter.candidate.as_ref().is_none_or(|c| *c == e.candidate)
            && filter.exam.as_ref().is_none_or(|x| *x == e.exam)
    });
    latest(relevant)
        .into_iter()
        .map(|(e, records)| {
            let days_left = e
                .valid_until
                .as_deref()
                .and_then(|d| d.parse::<Date>().ok())
                .and_then(|d| on.until(d).ok())
                .map(|span| i64::from(span.get_days()));
            Row {
                exam: &e.exam,
                candidate: &e.candidate,
                name: &e.name,
                standing: standing(e, on),
                latest: e,
                total: e.total.to_string(),
                max: e.max.to_string(),
                percent: e.percent,
                valid_until: e.valid_until.as_deref(),
                days_left,
                version: e.version,
                records,
                fingerprint: e.fingerprint(),
                seq: e.seq,
            }
        })
        .filter(|r| match filter.passed {
            Some(true) => r.standing == Standing::Certified,
            Some(false) => r.standing == Standing::Failed,
            None => true,
        })
        .filter(|r| match filter.expiring_within {
            Some(days) => {
                r.standing == Standing::Certified && r.days_left.is_some_and(|d| d <= days)
            }
            None => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score_file::Points;

    fn rec(
        seq: u64,
        exam: &str,
        cand: &str,
        version: u32,
        pass: bool,
        until: Option<&str>,
    ) -> Entry {
        Entry {
            seq,
            added_at: "2026-12-02T09:00:00Z".into(),
            exam: exam.into(),
            candidate: cand.into(),
            name: "张三".into(),
            paper_id: "P".into(),
            total: Points(6000),
            max: Points(7400),
            percent: 81.08,
            pass,
            valid_until: until.map(String::from),
            version,
            record: String::new(),
            score_sha256: "0".repeat(64),
            sig_sha256: "0".repeat(64),
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_highest_version_decides_even_when_added_first() {
        let entries = [
            rec(1, "X", "E001", 2, false, None),
            rec(2, "X", "E001", 1, true, Some("2028-12-01")),
        ];
        let rows = query(&entries, &Filter::default(), date("2027-01-01"));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].standing, Standing::Failed);
        assert_eq!((rows[0].version, rows[0].records), (2, 2));
    }

    #[test]
    fn a_pass_is_certified_through_its_last_valid_day() {
        let e = rec(1, "X", "E001", 1, true, Some("2028-12-01"));
        assert_eq!(standing(&e, date("2028-12-01")), Standing::Certified);
        assert_eq!(standing(&e, date("2028-12-02")), Standing::Expired);
        let forever = rec(1, "X", "E001", 1, true, None);
        assert_eq!(standing(&forever, date("2099-01-01")), Standing::Certified);
    }

    #[test]
    fn a_retake_is_a_separate_exam_and_each_has_its_own_standing() {
        let entries = [
            rec(1, "CS-2026Q4", "E004", 1, false, None),
            rec(2, "CS-2027Q1", "E004", 1, true, Some("2029-03-01")),
        ];
        let on = date("2027-04-01");
        let passed = Filter {
            passed: Some(true),
            ..Filter::default()
        };
        let rows = query(&entries, &passed, on);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].exam, "CS-2027Q1");
        let failed = Filter {
            passed: Some(false),
            ..Filter::default()
        };
        assert_eq!(query(&entries, &failed, on)[0].exam, "CS-2026Q4");
    }

    #[test]
    fn expiring_within_keeps_only_certified_rows_ending_soon() {
        let entries = [
            rec(1, "X", "E001", 1, true, Some("2027-01-10")),
            rec(2, "X", "E002", 1, true, Some("2027-06-10")),
            rec(3, "X", "E003", 1, true, Some("2026-12-31")),
        ];
        let f = Filter {
            expiring_within: Some(30),
            ..Filter::default()
        };
        let rows = query(&entries, &f, date("2027-01-01"));
        let ids: Vec<_> = rows.iter().map(|r| (r.candidate, r.days_left)).collect();
        assert_eq!(ids, [("E001", Some(9))]);
    }
}
