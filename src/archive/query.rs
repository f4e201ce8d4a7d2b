//! Answering HR's question "is this person certified for this exam, and
//! until when?" from the opened records (see [`super::record`]: every value
//! comes from the signed score file, not the ledger line): the latest
//! record (highest regrade version) per candidate and exam decides, and
//! "certified" means that record is a pass whose `valid_until` is not
//! before the reference date. A candidate with any record that does not
//! verify is `unverified`, never certified. Pure: the caller opens the
//! archive and reads the clock.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::ledger::Entry;
use super::record::Record;

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
    /// Some record of this candidate and exam does not verify (edited,
    /// missing, signed by another key, or its ledger line disagrees with
    /// it): nothing about the result can be relied on.
    Unverified,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Certified => "certified",
            Standing::Expired => "expired",
            Standing::Failed => "failed",
            Standing::Unverified => "unverified",
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
    pub latest: &'a Record,
    pub total: String,
    pub max: String,
    pub percent: Option<f64>,
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
/// equal versions the one added last; with the number of records of the
/// pair and whether all of them are trusted. Sorted by exam, then candidate.
pub fn latest<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<(&'a Record, usize, bool)> {
    let mut best: BTreeMap<(&str, &str), (&Record, usize, bool)> = BTreeMap::new();
    for r in records {
        let e = &r.entry;
        let slot = best
            .entry((e.exam.as_str(), e.candidate.as_str()))
            .or_insert((r, 0, true));
        slot.1 += 1;
        slot.2 &= r.trusted();
        if (e.version, e.seq) > (slot.0.entry.version, slot.0.entry.seq) {
            slot.0 = r;
        }
    }
    best.into_values().collect()
}

/// The standing a (trusted) record gives on `on`.
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

/// The standing of a candidate and exam whose latest record is `r`;
/// `all_trusted` says whether every record of the pair verified.
pub fn standing_of(r: &Record, all_trusted: bool, on: Date) -> Standing {
    if all_trusted && r.trusted() {
        standing(&r.entry, on)
    } else {
        Standing::Unverified
    }
}

/// The rows that match `filter` on the reference date `on`.
pub fn query<'a>(records: &'a [Record], filter: &Filter, on: Date) -> Vec<Row<'a>> {
    let relevant = records.iter().filter(|r| {
        filter
            .candidate
            .as_ref()
            .is_none_or(|c| *c == r.entry.candidate)
            && filter.exam.as_ref().is_none_or(|x| *x == r.entry.exam)
    });
    latest(relevant)
        .into_iter()
        .map(|(r, records, all_trusted)| {
            let e = &r.entry;
            let standing = standing_of(r, all_trusted, on);
            let trusted = standing != Standing::Unverified;
            let valid_until = e.valid_until.as_deref().filter(|_| trusted);
            let days_left = valid_until
                .and_then(|d| d.parse::<Date>().ok())
                .and_then(|d| on.until(d).ok())
                .map(|span| i64::from(span.get_days()));
            Row {
                exam: &e.exam,
                candidate: &e.candidate,
                name: &e.name,
                standing,
                latest: r,
                total: if trusted {
                    e.total.to_string()
                } else {
                    String::new()
                },
                max: if trusted {
                    e.max.to_string()
                } else {
                    String::new()
                },
                percent: trusted.then_some(e.percent),
                valid_until,
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

    fn recs(entries: &[Entry]) -> Vec<Record> {
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| Record {
                line: i + 1,
                entry: e.clone(),
                score: None,
                verified: true,
                problems: Vec::new(),
            })
            .collect()
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
        let records = recs(&entries);
        let rows = query(&records, &Filter::default(), date("2027-01-01"));
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
        let records = recs(&entries);
        let rows = query(&records, &passed, on);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].exam, "CS-2027Q1");
        let failed = Filter {
            passed: Some(false),
            ..Filter::default()
        };
        assert_eq!(query(&recs(&entries), &failed, on)[0].exam, "CS-2026Q4");
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
        let records = recs(&entries);
        let rows = query(&records, &f, date("2027-01-01"));
        let ids: Vec<_> = rows.iter().map(|r| (r.candidate, r.days_left)).collect();
        assert_eq!(ids, [("E001", Some(9))]);
    }
}
