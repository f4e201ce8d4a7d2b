//! Checking an archive: the ledger's hash chain, every archived score file
//! and signature against the hashes the ledger recorded, every signature
//! against the proctor's key, and nothing in `records/` that the ledger
//! does not list. Records are opened through [`super::record`], as every
//! other command that reads a result does. Each problem is named precisely enough to act on: which
//! ledger line, which file, what happened to it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use super::ledger::{self, Entry, Line};
use super::store;
use crate::score_file;
use crate::sign::PublicKey;

/// One problem found in an archive.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// A line that is not a ledger entry at all.
    NotAnEntry {
        line: usize,
        error: String,
    },
    /// The file does not end with a newline.
    CutShort {
        line: usize,
    },
    /// A line whose content no longer matches its own hash.
    LineChanged {
        line: usize,
        seq: u64,
    },
    /// A line whose hash is consistent, but not the one the next entry chained to.
    Rehashed {
        line: usize,
        seq: u64,
        next_line: usize,
        next_seq: u64,
    },
    /// Seq 1 does not start from the genesis hash.
    BadStart {
        line: usize,
    },
    /// Sequence numbers that appear on no line.
    Missing {
        from: u64,
        to: u64,
    },
    /// A line repeating another line's sequence number.
    Inserted {
        line: usize,
        seq: u64,
        other_line: usize,
    },
    /// A line whose sequence number comes after a higher one.
    Reordered {
        line: usize,
        seq: u64,
        after_seq: u64,
    },
    /// A ledger line whose record path is not where its fields say.
    WrongPlace {
        line: usize,
        record: String,
        expected: String,
    },
    /// The same score file listed a second time.
    Repeated {
        line: usize,
        first_line: usize,
        record: String,
    },
    RecordMissing {
        line: usize,
        record: String,
    },
    RecordEdited {
        line: usize,
        record: String,
    },
    SignatureMissing {
        line: usize,
        signature: String,
    },
    SignatureReplaced {
        line: usize,
        signature: String,
    },
    BadSignature {
        line: usize,
        record: String,
        reason: String,
    },
    /// A ledger field that disagrees with the signed score file.
    Disagrees {
        line: usize,
        record: String,
        field: String,
        ledger: String,
        file: String,
    },
    /// A file in `records/` that no ledger line lists.
    UnknownFile {
        path: String,
    },
    /// The entry written down earlier (`--head SEQ:HASH`) is gone.
    HeadMissing {
        seq: u64,
    },
    /// The entry written down earlier has another hash now.
    HeadChanged {
        seq: u64,
        line: usize,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Finding::*;
        match self {
            NotAnEntry { line, error } => write!(
                f,
                "ledger line {line} is not a ledger entry ({error}): it was changed or damaged"
            ),
            CutShort { line } => write!(
                f,
                "ledger line {line} does not end with a newline: an append was cut short or the file was edited"
            ),
            LineChanged { line, seq } => write!(
                f,
                "ledger line {line} (seq {seq}) was changed: its content no longer matches its hash"
            ),
            Rehashed {
                line,
                seq,
                next_line,
                next_seq,
            } => write!(
                f,
                "ledger line {line} (seq {seq}) was changed or replaced and given a new hash: line {next_line} (seq {next_seq}) chained to a different hash"
            ),
            BadStart { line } => write!(
                f,
                "ledger line {line} (seq 1) does not start the chain: its prev is not 64 zeros"
            ),
            Missing { from, to } => {
                let what = if from == to {
                    format!("seq {from} is missing")
                } else {
                    format!("seq {from}–{to} are missing")
                };
                write!(
                    f,
                    "ledger {what}: line(s) were removed (the chain breaks between seq {} and {})",
                    from - 1,
                    to + 1
                )
            }
            Inserted {
                line,
                seq,
                other_line,
            } => write!(
                f,
                "ledger line {line} repeats seq {seq} of line {other_line}: a line was inserted"
            ),
            Reordered {
                line,
                seq,
                after_seq,
            } => write!(
                f,
                "ledger line {line} holds seq {seq} after seq {after_seq}: lines were reordered"
            ),
            WrongPlace {
                line,
                record,
                expected,
            } => write!(
                f,
                "ledger line {line} names {record}, but its exam, candidate and version belong at {expected}"
            ),
            Repeated {
                line,
                first_line,
                record,
            } => write!(
                f,
                "ledger line {line} lists {record} again (already on line {first_line})"
            ),
            RecordMissing { line, record } => {
                write!(f, "{record} is missing (listed on ledger line {line})")
            }
            RecordEdited { line, record } => write!(
                f,
                "{record} was edited (its SHA-256 differs from ledger line {line})"
            ),
            SignatureMissing { line, signature } => {
                write!(f, "{signature} is missing (listed on ledger line {line})")
            }
            SignatureReplaced { line, signature } => write!(
                f,
                "{signature} was replaced or edited (its SHA-256 differs from ledger line {line})"
            ),
            BadSignature {
                line,
                record,
                reason,
            } => write!(
                f,
                "signature of {record} (ledger line {line}) does not verify: {reason}"
            ),
            Disagrees {
                line,
                record,
                field,
                ledger,
                file,
            } => write!(
                f,
                "ledger line {line} says {field} = {ledger}, but the signed record {record} says {file}"
            ),
            UnknownFile { path } => write!(
                f,
                "unknown file {path}: no ledger line lists it (slipped in, or its ledger line was removed)"
            ),
            HeadMissing { seq } => write!(
                f,
                "the ledger no longer holds seq {seq}, which it held when its head was written down: lines were removed from the end"
            ),
            HeadChanged { seq, line } => write!(
                f,
                "ledger line {line} (seq {seq}) has another hash than the one written down for it: the ledger was rewritten from there on"
            ),
        }
    }
}

/// The outcome of checking an archive.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// Ledger lines read.
    pub lines: usize,
    /// Records whose files were checked.
    pub records: usize,
    /// The last entry's seq and hash (write them down elsewhere to notice
    /// later truncation).
    pub head: Option<(u64, String)>,
    pub findings: Vec<Finding>,
}

/// Entries that belong to the chain (not inserted duplicates), with the
/// chain's findings. Pure: used by `verify` and, before appending, by `add`.
pub fn check_chain(lines: &[Line], cut_short: bool) -> (Vec<(usize, &Entry)>, Vec<Finding>) {
    let mut findings = Vec::new();
    let parsed: Vec<(usize, &Entry)> = lines
        .iter()
        .filter_map(|l| match &l.entry {
            Ok(e) => Some((l.number, e)),
            Err(error) => {
                findings.push(Finding::NotAnEntry {
                    line: l.number,
                    error: error.clone(),
                });
                None
            }
        })
        .collect();
    if cut_short && let Some(last) = lines.last() {
        findings.push(Finding::CutShort { line: last.number });
    }
    for (line, e) in &parsed {
        if e.compute_hash() != e.hash {
            findings.push(Finding::LineChanged {
                line: *line,
                seq: e.seq,
            });
        }
    }
    let mut by_seq: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, (_, e)) in parsed.iter().enumerate() {
        by_seq.entry(e.seq).or_default().push(i);
    }
    let prevs: HashMap<&str, u64> = parsed
        .iter()
        .map(|(_, e)| (e.prev.as_str(), e.seq))
        .collect();
    // Of several lines claiming one seq, the genuine one is the one the
    // next entry chained to (or, at the end, the one chained to the entry before).
    let mut inserted = BTreeSet::new();
    for (seq, idxs) in &by_seq {
        if idxs.len() < 2 {
            continue;
        }
        let fits = |i: &&usize| {
            let e = parsed[**i].1;
            prevs.get(e.hash.as_str()) == Some(&(seq + 1))
        };
        let genuine = idxs.iter().find(fits).copied().unwrap_or(idxs[0]);
        for &i in idxs.iter().filter(|&&i| i != genuine) {
            inserted.insert(i);
            findings.push(Finding::Inserted {
                line: parsed[i].0,
                seq: *seq,
                other_line: parsed[genuine].0,
            });
        }
    }
    let chain: Vec<(usize, &Entry)> = parsed
        .iter()
        .enumerate()
        .filter(|(i, _)| !inserted.contains(i))
        .map(|(_, p)| *p)
        .collect();
    let genuine: HashMap<u64, (usize, &Entry)> =
        chain.iter().map(|&(l, e)| (e.seq, (l, e))).collect();
    if let Some(&max) = by_seq.keys().next_back() {
        let mut run: Option<(u64, u64)> = None;
        for seq in 1..=max {
            if by_seq.contains_key(&seq) {
                if let Some((from, to)) = run.take() {
                    findings.push(Finding::Missing { from, to });
                }
            } else {
                run = Some(run.map_or((seq, seq), |(from, _)| (from, seq)));
            }
        }
    }
    let mut highest: Option<u64> = None;
    for &(line, e) in &chain {
        if let Some(h) = highest
            && e.seq < h
        {
            findings.push(Finding::Reordered {
                line,
                seq: e.seq,
                after_seq: h,
            });
        }
        highest = Some(highest.map_or(e.seq, |h| h.max(e.seq)));
        if e.seq <= 1 {
            if e.prev != ledger::GENESIS {
                findings.push(Finding::BadStart { line });
            }
        } else if let Some(&(before_line, before)) = genuine.get(&(e.seq - 1))
            && before.hash != e.prev
            && before.compute_hash() == before.hash
        {
            findings.push(Finding::Rehashed {
                line: before_line,
                seq: before.seq,
                next_line: line,
                next_seq: e.seq,
            });
        }
    }
    (chain, findings)
}

/// Every file under `records/`, as `/`-separated archive paths, by
/// [`crate::discover`]'s rule (a crash may leave temporary
/// `.name.XXXX.tmp` files, which are no records).
pub fn record_files(archive: &Path) -> std::io::Result<Vec<String>> {
    let dir = archive.join(store::RECORDS);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let files = crate::discover::files(&dir, crate::discover::Depth::Tree, |_| true)
        .all_or_first_error()
        .map_err(|e| std::io::Error::new(e.reason.kind(), e.to_string()))?;
    let mut out: Vec<String> = files
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(archive).unwrap_or(p);
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Why an archive could not be checked at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {error}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// A ledger entry written down earlier (seq and hash, as `add` and
/// `verify` print them), kept outside the archive: the chain alone cannot
/// show that its last lines were removed, or that everything was rewritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

impl std::str::FromStr for Head {
    type Err = String;

    /// `SEQ:HASH`, e.g. `8:e4a1f4a7…` (the whole 64-digit hash).
    fn from_str(s: &str) -> Result<Head, String> {
        let (seq, hash) = s.split_once(':').ok_or_else(|| {
            format!("`{s}` is not SEQ:HASH (e.g. 8:e4a1…, as add and verify print)")
        })?;
        let seq = seq
            .trim()
            .parse()
            .map_err(|_| format!("`{seq}` is not a sequence number"))?;
        let hash = hash.trim().to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("`{hash}` is not a 64-digit SHA-256 hash"));
        }
        Ok(Head { seq, hash })
    }
}

/// Checks a whole archive; `head`, when given, must still be on the chain.
pub fn verify(archive: &Path, key: &PublicKey, head: Option<&Head>) -> Result<Report, ReadError> {
    let text = super::read_ledger_text(archive)?;
    let (lines, cut_short) = ledger::parse(&text);
    let (chain, mut findings) = check_chain(&lines, cut_short);
    if let Some(h) = head {
        match chain.iter().find(|(_, e)| e.seq == h.seq) {
            None => findings.push(Finding::HeadMissing { seq: h.seq }),
            Some((line, e)) if e.hash != h.hash => findings.push(Finding::HeadChanged {
                seq: h.seq,
                line: *line,
            }),
            Some(_) => {}
        }
    }
    let opened = super::record::open_chain(archive, Some(key), &chain);
    findings.extend(opened.problems().cloned());
    let listed: BTreeSet<String> = chain
        .iter()
        .flat_map(|(_, e)| {
            [
                e.record.clone(),
                format!("{}{}", e.record, score_file::SIG_EXTENSION),
            ]
        })
        .collect();
    let files = record_files(archive).map_err(|error| ReadError {
        path: archive.join(store::RECORDS),
        error,
    })?;
    findings.extend(
        files
            .into_iter()
            .filter(|f| !listed.contains(f))
            .map(|path| Finding::UnknownFile { path }),
    );
    Ok(Report {
        lines: lines.len(),
        records: opened.records.len(),
        head: opened.head,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score_file::Points;

    fn chain(n: u64) -> Vec<Entry> {
        let mut prev = ledger::GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = Entry {
                    seq,
                    added_at: "2026-12-02T09:00:00Z".into(),
                    exam: "X".into(),
                    candidate: format!("E{seq:03}"),
                    name: "张三".into(),
                    paper_id: "P".into(),
                    total: Points(100),
                    max: Points(100),
                    percent: 100.0,
                    pass: true,
                    valid_until: None,
                    version: 1,
                    record: format!("records/X/E{seq:03}/E{seq:03}.score.toml"),
                    score_sha256: format!("{seq:064}"),
                    sig_sha256: format!("{seq:064}"),
                    prev: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn findings(entries: &[Entry]) -> Vec<String> {
        let text: String = entries.iter().map(Entry::to_line).collect();
        let (lines, cut) = ledger::parse(&text);
        check_chain(&lines, cut)
            .1
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_intact_chain_has_no_findings() {
        assert!(findings(&chain(5)).is_empty());
    }

    #[test]
    fn an_edited_line_is_named() {
        let mut c = chain(5);
        c[2].total = Points(50);
        assert_eq!(
            findings(&c),
            ["ledger line 3 (seq 3) was changed: its content no longer matches its hash"]
        );
    }

    #[test]
    fn an_edited_and_rehashed_line_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].total = Points(50);
        c[2].hash = c[2].compute_hash();
        assert_eq!(
            findings(&c),
            [
                "ledger line 3 (seq 3) was changed or replaced and given a new hash: line 4 (seq 4) chained to a different hash"
            ]
        );
    }

    #[test]
    fn a_removed_line_is_a_gap() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            findings(&c),
            [
                "ledger seq 2 is missing: line(s) were removed (the chain breaks between seq 1 and 3)"
            ]
        );
    }

    #[test]
    fn swapped_lines_are_reordered() {
        let mut c = chain(5);
        c.swap(1, 2);
        assert_eq!(
            findings(&c),
            ["ledger line 3 holds seq 2 after seq 3: lines were reordered"]
        );
    }

    #[test]
    fn a_line_slipped_in_is_inserted() {
        let mut c = chain(5);
        let mut forged = c[1].clone();
        forged.candidate = "E999".into();
        forged.hash = forged.compute_hash();
        c.insert(2, forged);
        assert_eq!(
            findings(&c),
            ["ledger line 3 repeats seq 2 of line 2: a line was inserted"]
        );
    }
}
