//! The attendance: who signed the rooms' sign-in sheets (签到表), typed in
//! or exported as CSV/XLSX, so that `grade --attendance` can set a sheet
//! against its signature — a sheet from someone who did not sign in, a
//! signature with no sheet (a lost sheet?) and a candidate who sat in
//! another room are all reported, like the roster's absent candidates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::answer_words::{self, YesNoColumn};
use crate::diag::Diagnostic;
use crate::roster::{ID_NAMES, NAME_NAMES, ROOM_NAMES, valid_candidate_id};
use crate::spreadsheet;

/// Column names of the optional "did they sign" column.
const SIGNED_NAMES: &[&str] = &["signed", "signature", "签名", "签到"];

/// A checked attendance list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendance {
    pub path: PathBuf,
    /// Who signed in, in file order.
    pub signed: Vec<SignedIn>,
}

/// One signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    /// The row as Excel shows it.
    pub row: usize,
    pub candidate: String,
    /// The name as written, if the file has a name column.
    pub name: String,
    /// The room of the sign-in sheet, if the file has a room column.
    pub room: Option<String>,
}

/// Reads an attendance file: a header row naming a candidate id column (as
/// rosters do), and optionally name, room and signed columns. Each row is a
/// candidate who signed in — unless its signed cell is empty or says no
/// (`no`, `0`, `否`, `×`, `缺考`, … — [`YesNoColumn::SignedIn`]). Every problem is returned at once.
pub fn load(path: &Path) -> Result<Attendance, Vec<Diagnostic>> {
    let table = spreadsheet::read_table(path, None).map_err(|e| {
        vec![Diagnostic::file(path, e.to_string()).with_hint(
            "save the sign-in data from Excel as .xlsx or CSV, with a header row naming `id` (考号) and, if you have them, `room` (考场) and `signed` (签到)",
        )]
    })?;
    let find = |row: &spreadsheet::Row, names: &[&str]| {
        row.cells
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let Some((at, id_col)) = table
        .rows
        .iter()
        .take(10)
        .enumerate()
        .find_map(|(at, row)| Some((at, find(row, ID_NAMES)?)))
    else {
        return Err(vec![
            Diagnostic::file(
                path,
                "the attendance has no header row with a candidate id column",
            )
            .with_hint(format!(
                "put a header row first (e.g. `id,name,room,signed`); id columns may be called {}",
                ID_NAMES.join("/")
            )),
        ]);
    };
    let header = &table.rows[at];
    let (name_col, room_col, signed_col) = (
        find(header, NAME_NAMES),
        find(header, ROOM_NAMES),
        find(header, SIGNED_NAMES),
    );
    let mut diags = Vec::new();
    let mut signed = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for row in &table.rows[at + 1..] {
        if spreadsheet::used_cells(&row.cells).is_empty() {
            continue;
        }
        let id = row.cell(id_col).to_string();
        if !valid_candidate_id(&id) {
            diags.push(
                Diagnostic::at_line(
                    path,
                    row.number,
                    format!("candidate id `{id}` is not allowed"),
                )
                .with_hint("write the candidate id (考号) as on the roster"),
            );
            continue;
        }
        if let Some(col) = signed_col
            && answer_words::yes_no(row.cell(col), YesNoColumn::SignedIn) == Some(false)
        {
            continue;
        }
        if let Some(first) = first_row.get(&id) {
            diags.push(
                Diagnostic::at_line(path, row.number, format!("`{id}` signed in twice")).with_hint(
                    format!("the first signature is on row {first}; keep one of them"),
                ),
            );
            continue;
        }
        first_row.insert(id.clone(), row.number);
        signed.push(SignedIn {
            row: row.number,
            candidate: id,
            name: name_col
                .map(|c| row.cell(c).to_string())
                .unwrap_or_default(),
            room: room_col
                .map(|c| row.cell(c).to_string())
                .filter(|r| !r.is_empty()),
        });
    }
    if diags.is_empty() {
        Ok(Attendance {
            path: path.to_path_buf(),
            signed,
        })
    } else {
        Err(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signed column reads the shared yes/no words: a tick, a name or
    /// `是` signs in; `否`, `不对`, `×`, `0`, `NO` and `缺考` do not.
    #[test]
    fn the_signed_column_reads_the_answer_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("attendance.csv");
        std::fs::write(
            &path,
            "考号,签到\nT01,√\nT02,张三\nT03,是\nT04,否\nT05,不对\nT06,×\nT07,0\nT08,NO\nT09,缺考\nT10,\nT11,对\n",
        )
        .unwrap();
        let attendance = load(&path).unwrap();
        let signed: Vec<&str> = attendance
            .signed
            .iter()
            .map(|s| s.candidate.as_str())
            .collect();
        assert_eq!(signed, ["T01", "T02", "T03", "T11"]);
    }
}
