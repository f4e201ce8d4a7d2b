//! The roster: who sits the exam. A CSV as HR exports it from Excel (with or
//! without a BOM); ids become file names, so they are checked strictly, and
//! every bad row is reported before anything is drawn.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::diag::{Diagnostic, read_source};
use crate::paper::Candidate;

/// A checked roster.
#[derive(Clone, Debug, PartialEq)]
pub struct Roster {
    /// Extra column names, in the order written.
    pub extra_columns: Vec<String>,
    pub candidates: Vec<Candidate>,
}

const ID_NAMES: &[&str] = &[
    "id",
    "candidate",
    "candidate_id",
    "考号",
    "考生编号",
    "准考证号",
];
const NAME_NAMES: &[&str] = &["name", "姓名"];

/// Whether a candidate id is `[A-Za-z0-9._-]{1,64}` and not `.` or `..`.
pub fn valid_candidate_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Reads a roster; on any problem returns every problem and no roster.
pub fn load(path: &Path) -> Result<Roster, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let Some(file) = read_source(path, &mut diags) else {
        return Err(diags);
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file.text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            return Err(vec![Diagnostic::file(
                path,
                format!("cannot read the CSV header: {e}"),
            )]);
        }
    };
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (id_col, name_col) = (find(ID_NAMES), find(NAME_NAMES));
    if id_col.is_none() || name_col.is_none() {
        let missing: Vec<&str> = [("id", id_col), ("name", name_col)]
            .iter()
            .filter(|(_, c)| c.is_none())
            .map(|(n, _)| *n)
            .collect();
        return Err(vec![
            Diagnostic::at_line(
                path,
                1,
                format!("the roster has no `{}` column", missing.join("` or `")),
            )
            .with_hint("the first line must name the columns, e.g. `id,name,department`"),
        ]);
    }
    let (id_col, name_col) = (id_col.unwrap_or(0), name_col.unwrap_or(0));
    let mut extra_columns = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if i == id_col || i == name_col {
            continue;
        }
        if h.is_empty() {
            diags.push(
                Diagnostic::at_line(
                    path,
                    1,
                    format!("column {} of the header has no name", i + 1),
                )
                .with_hint("name every column, or delete the empty one"),
            );
        } else if extra_columns.contains(h) {
            diags.push(
                Diagnostic::at_line(path, 1, format!("column `{h}` appears twice in the header"))
                    .with_hint("give each column a different name"),
            );
        } else {
            extra_columns.push(h.clone());
        }
    }

    let mut candidates = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                diags.push(Diagnostic::at_line(
                    path,
                    line,
                    format!("cannot read this row: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            diags.push(
                Diagnostic::at_line(
                    path,
                    line,
                    format!(
                        "row has {} fields, the header has {}",
                        record.len(),
                        header.len()
                    ),
                )
                .with_hint("check for a stray comma, or quote fields that contain commas"),
            );
            continue;
        }
        let id = record.get(id_col).unwrap_or("").to_string();
        let name = record.get(name_col).unwrap_or("").to_string();
        if !valid_candidate_id(&id) {
            let shown = if id.is_empty() {
                "empty".to_string()
            } else {
                format!("`{id}`")
            };
            diags.push(
                Diagnostic::at_line(path, line, format!("candidate id {shown} is not allowed"))
                    .with_hint("ids become file names: use 1–64 letters, digits, `.`, `_` or `-` (not `.` or `..`)"),
            );
            continue;
        }
        if name.is_empty() {
            diags.push(
                Diagnostic::at_line(path, line, format!("candidate `{id}` has an empty name"))
                    .with_hint("fill in the name as it should be printed on the paper"),
            );
            continue;
        }
        if let Some(first) = seen.get(&id) {
            diags.push(
                Diagnostic::at_line(path, line, format!("candidate id `{id}` is listed twice"))
                    .with_hint(format!(
                        "it is first listed on line {first}; remove or renumber one"
                    )),
            );
            continue;
        }
        seen.insert(id.clone(), line);
        let extra: BTreeMap<String, String> = header
            .iter()
            .zip(record.iter())
            .enumerate()
            .filter(|(i, (h, v))| *i != id_col && *i != name_col && !h.is_empty() && !v.is_empty())
            .map(|(_, (h, v))| (h.clone(), v.to_string()))
            .collect();
        candidates.push(Candidate { id, name, extra });
    }
    if candidates.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::file(path, "the roster lists no candidates")
                .with_hint("add one line per candidate under the header"),
        );
    }
    if diags.is_empty() {
        Ok(Roster {
            extra_columns,
            candidates,
        })
    } else {
        Err(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_escape_a_folder_are_refused() {
        for bad in ["", ".", "..", "a/b", "张三", "a b", &"x".repeat(65)] {
            assert!(!valid_candidate_id(bad), "{bad:?}");
        }
        for good in ["E001", "a.b_c-d", "0"] {
            assert!(valid_candidate_id(good), "{good:?}");
        }
    }
}
