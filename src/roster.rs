//! The roster: who sits the exam. An Excel sheet or a CSV as HR exports it
//! (UTF-8 with or without BOM, or GB18030 from Chinese Windows); ids become
//! file names, so they are checked strictly, and every bad row is reported
//! before anything is drawn.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::diag::Diagnostic;
use crate::paper::Candidate;
use crate::spreadsheet::{self, Row};

/// A checked roster.
#[derive(Clone, Debug, PartialEq)]
pub struct Roster {
    /// Extra column names, in the order written.
    pub extra_columns: Vec<String>,
    pub candidates: Vec<Candidate>,
}

pub(crate) const ID_NAMES: &[&str] = &[
    "id",
    "candidate",
    "candidate_id",
    "考号",
    "考生编号",
    "准考证号",
];
pub(crate) const NAME_NAMES: &[&str] = &["name", "姓名"];
pub(crate) const ROOM_NAMES: &[&str] = &["room", "考场", "考场号"];
const SEAT_NAMES: &[&str] = &["seat", "座位号"];

/// Whether a room name can be a file name (`print/<room>.pdf`) and a
/// printed label: 1–32 characters, no path separators, control characters
/// or spaces at either end, not starting with `.`.
pub fn valid_room(room: &str) -> bool {
    (1..=32).contains(&room.chars().count())
        && !room.starts_with('.')
        && room.trim() == room
        && !room.chars().any(|c| {
            c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        })
}

/// Whether a candidate id can be a file name everywhere (see [`crate::ids`]).
pub fn valid_candidate_id(id: &str) -> bool {
    crate::ids::check(id).is_ok()
}

/// How many rows from the top are searched for the header row: HR sheets
/// often carry a title such as "2026年12月上岗认证考生名单" above it.
const HEADER_SEARCH_ROWS: usize = 10;

/// The longest name that still fits the name line of a paper.
const MAX_NAME_CHARS: usize = 60;

/// Reads a roster — CSV in any encoding Excel writes, or a workbook's first
/// sheet — and on any problem returns every problem and no roster. Rows are
/// numbered as Excel shows them.
pub fn load(path: &Path) -> Result<Roster, Vec<Diagnostic>> {
    let table = match spreadsheet::read_table(path, None) {
        Ok(t) => t,
        Err(e) => {
            return Err(vec![Diagnostic::file(path, e.to_string()).with_hint(
                "save the roster from Excel as .xlsx or as CSV, with a header row naming `id` and `name`",
            )]);
        }
    };
    let Some((header_at, id_col, name_col)) = find_header(&table.rows) else {
        let first = table.rows.iter().find(|r| !r.is_blank());
        let seen = first.map_or("the file is empty".to_string(), |r| {
            format!("the first row reads: {}", r.cells.join(", "))
        });
        return Err(vec![
            Diagnostic::at_line(
                path,
                first.map_or(1, |r| r.number),
                format!("the roster has no header row with an `id` and a `name` column ({seen})"),
            )
            .with_hint(format!(
                "put a header row first (e.g. `id,name,department`); id columns may be called {}, name columns {}",
                ID_NAMES.join("/"),
                NAME_NAMES.join("/")
            )),
        ]);
    };
    let header_row = &table.rows[header_at];
    let header: Vec<String> = spreadsheet::used_cells(&header_row.cells).to_vec();
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (room_col, seat_col) = (find(ROOM_NAMES), find(SEAT_NAMES));
    let mut diags = Vec::new();
    if let (None, Some(seat)) = (room_col, seat_col) {
        diags.push(
            Diagnostic::at_line(
                path,
                header_row.number,
                format!("the roster has a `{}` column but no room column", header[seat]),
            )
            .with_hint(format!(
                "seats are numbered within a room: add a room column ({}), or leave seats to `draw --rooms`",
                ROOM_NAMES.join("/")
            )),
        );
    }
    let is_room_or_seat = |i: usize| Some(i) == room_col || Some(i) == seat_col;
    let mut extra_columns = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if i == id_col || i == name_col || is_room_or_seat(i) {
            continue;
        }
        if h.is_empty() {
            diags.push(
                Diagnostic::at_line(
                    path,
                    header_row.number,
                    format!("column {} of the header has no name", i + 1),
                )
                .with_hint("name every column, or delete the empty one"),
            );
        } else if extra_columns.contains(h) {
            diags.push(
                Diagnostic::at_line(
                    path,
                    header_row.number,
                    format!("column `{h}` appears twice in the header"),
                )
                .with_hint("give each column a different name"),
            );
        } else {
            extra_columns.push(h.clone());
        }
    }

    let mut candidates = Vec::new();
    // Folded id → (row, id as written).
    let mut seen: HashMap<String, (usize, String)> = HashMap::new();
    let mut seats_taken: HashMap<(String, u32), (String, usize)> = HashMap::new();
    for row in &table.rows[header_at + 1..] {
        let line = row.number;
        let cells = spreadsheet::used_cells(&row.cells);
        if cells.is_empty() {
            continue;
        }
        if cells.len() > header.len() {
            diags.push(
                Diagnostic::at_line(
                    path,
                    line,
                    format!(
                        "row has {} fields, the header has {}",
                        cells.len(),
                        header.len()
                    ),
                )
                .with_hint("check for a stray comma, or quote fields that contain commas"),
            );
            continue;
        }
        let id = row.cell(id_col).to_string();
        let name = row.cell(name_col).to_string();
        if let Err(problem) = crate::ids::check(&id) {
            let shown = if id.is_empty() {
                "empty".to_string()
            } else {
                format!("`{}`", spreadsheet::excerpt(&id))
            };
            diags.push(
                Diagnostic::at_line(
                    path,
                    line,
                    format!("candidate id {shown} is not allowed: {problem}"),
                )
                .with_hint(crate::ids::RULE),
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
        if let Some(problem) = unprintable(&name) {
            diags.push(
                Diagnostic::at_line(path, line, format!("the name of `{id}` {problem}"))
                    .with_hint("write the name as it should be printed on the paper"),
            );
            continue;
        }
        if let Some((first, first_id)) = seen.get(&crate::ids::fold(&id)) {
            let message = if *first_id == id {
                format!("candidate id `{id}` is listed twice")
            } else {
                format!(
                    "candidate id `{id}` differs from `{first_id}` only by letter case; Windows and macOS would keep one file for both"
                )
            };
            diags.push(Diagnostic::at_line(path, line, message).with_hint(format!(
                "it is first listed on row {first}; remove or renumber one"
            )));
            continue;
        }
        let room = room_col.map(|c| row.cell(c).to_string());
        let seat = seat_col.map(|c| row.cell(c).to_string());
        let (room, seat) = match place(&id, room, seat) {
            Ok(place) => place,
            Err((message, hint)) => {
                diags.push(Diagnostic::at_line(path, line, message).with_hint(hint));
                continue;
            }
        };
        if let (Some(r), Some(s)) = (&room, seat) {
            if let Some((other, first)) = seats_taken.get(&(r.clone(), s)) {
                diags.push(
                    Diagnostic::at_line(
                        path,
                        line,
                        format!("seat {s} of room {r} is given to `{id}` and to `{other}`"),
                    )
                    .with_hint(format!(
                        "`{other}` is on row {first}; give one of them another seat"
                    )),
                );
                continue;
            }
            seats_taken.insert((r.clone(), s), (id.clone(), line));
        }
        let mut extra = BTreeMap::new();
        let mut bad_extra = false;
        for (i, h) in header.iter().enumerate() {
            let value = row.cell(i);
            if i == id_col
                || i == name_col
                || is_room_or_seat(i)
                || h.is_empty()
                || value.is_empty()
            {
                continue;
            }
            if let Some(problem) = unprintable(value) {
                diags.push(
                    Diagnostic::at_line(path, line, format!("`{h}` of `{id}` {problem}"))
                        .with_hint("retype the cell, or empty it"),
                );
                bad_extra = true;
            }
            extra.insert(h.clone(), value.to_string());
        }
        if bad_extra {
            continue;
        }
        seen.insert(crate::ids::fold(&id), (line, id.clone()));
        candidates.push(Candidate {
            id,
            name,
            room,
            seat,
            extra,
        });
    }
    if candidates.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::file(path, "the roster lists no candidates")
                .with_hint("add one row per candidate under the header"),
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

/// A candidate's checked room and seat from the roster's cells (`None`
/// where the roster has no such column), or what is wrong and what to do.
fn place(
    id: &str,
    room: Option<String>,
    seat: Option<String>,
) -> Result<(Option<String>, Option<u32>), (String, String)> {
    let room = match room {
        None => return Ok((None, None)),
        Some(r) if r.is_empty() => {
            return Err((
                format!("candidate `{id}` has no room"),
                "fill in every candidate's room, or delete the room column and let `draw --rooms` assign them".to_string(),
            ));
        }
        Some(r) if !valid_room(&r) => {
            return Err((
                format!("room `{r}` of `{id}` is not allowed"),
                "rooms become file names: use 1–32 characters without / \\ : * ? \" < > |, not starting with `.`".to_string(),
            ));
        }
        Some(r) => r,
    };
    let seat = match seat.as_deref() {
        None | Some("") => None,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return Err((
                    format!("seat `{s}` of `{id}` is not a seat number"),
                    "write seats as whole numbers from 1, or leave the cell empty".to_string(),
                ));
            }
        },
    };
    Ok((Some(room), seat))
}

/// The header row (index into `rows`) and its id and name columns: the
/// first of the top rows that names both.
fn find_header(rows: &[Row]) -> Option<(usize, usize, usize)> {
    rows.iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .find_map(|(at, row)| {
            let find = |names: &[&str]| {
                row.cells
                    .iter()
                    .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
            };
            Some((at, find(ID_NAMES)?, find(NAME_NAMES)?))
        })
}

/// Why a text printed on the paper would come out wrong, if it would.
fn unprintable(text: &str) -> Option<String> {
    if text.contains(['\n', '\t']) {
        return Some("spans more than one line (a line break or tab in the cell)".to_string());
    }
    let chars = text.chars().count();
    (chars > MAX_NAME_CHARS)
        .then(|| format!("is {chars} characters long; at most {MAX_NAME_CHARS} fit on the paper"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_escape_a_folder_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "张三",
            "a b",
            &"x".repeat(65),
            ".hidden",
            "CON",
        ] {
            assert!(!valid_candidate_id(bad), "{bad:?}");
        }
        for good in ["E001", "a.b_c-d", "0"] {
            assert!(valid_candidate_id(good), "{good:?}");
        }
    }
}
