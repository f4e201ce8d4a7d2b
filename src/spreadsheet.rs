//! Reading a spreadsheet as people hand it over — an Excel workbook (via
//! calamine) or CSV text in whatever encoding Excel wrote it (UTF-8 with or
//! without BOM, UTF-16, GB18030), comma- or tab-separated — into rows of
//! cleaned text numbered as Excel shows them, so that every message can
//! name the row a person sees. Used for question sheets, rosters and
//! answer sheets alike.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};

/// Why a sheet could not be read at all (as opposed to a bad row).
#[derive(Debug, thiserror::Error)]
pub enum SpreadsheetError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} is neither UTF-8 nor GB18030 text; save it from Excel as \"CSV UTF-8\" or as .xlsx",
        path.display()
    )]
    Encoding { path: PathBuf },
    #[error("cannot open the workbook {}: {message}; is it an .xlsx/.xls/.ods file that Excel opens?", path.display())]
    Workbook { path: PathBuf, message: String },
    #[error("{} has no sheet named \"{sheet}\"; its sheets are: {available}", path.display())]
    NoSuchSheet {
        path: PathBuf,
        sheet: String,
        available: String,
    },
    #[error("{} has no sheets", path.display())]
    NoSheets { path: PathBuf },
    #[error("{} row {row}: {message}; check the quotes in that row", path.display())]
    Csv {
        path: PathBuf,
        row: usize,
        message: String,
    },
    #[error(
        "{} is {} MB; a sheet certexam reads is at most {} MB (100,000 rows of a roster or a bank are a few MB): is it the right file?",
        path.display(), bytes / 1_000_000, MAX_SPREADSHEET_BYTES / 1_000_000
    )]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error(
        "{} holds {what} of {} MB when unpacked; at most {} MB is read (a workbook that small on disk and that large inside is damaged or made to exhaust memory)",
        path.display(), bytes / 1_000_000, MAX_UNPACKED_BYTES / 1_000_000
    )]
    Unpacked {
        path: PathBuf,
        what: String,
        bytes: u64,
    },
    #[error(
        "{} sheet {sheet}: its cells span {rows} rows × {columns} columns ({} cells); at most {MAX_CELLS} cells are read — delete the stray cells far from the table (Ctrl+End in Excel shows the last one)",
        path.display(), (*rows as u64) * (*columns as u64)
    )]
    TooManyCells {
        path: PathBuf,
        sheet: String,
        rows: u32,
        columns: u32,
    },
    #[error(
        "{} holds about {cells} cells; at most {MAX_CELLS} are read: is it the right file?",
        path.display()
    )]
    TooManyCsvCells { path: PathBuf, cells: u64 },
    #[error(
        "{} row {row}, column {column}: the cell holds {chars} characters; Excel keeps at most {MAX_CELL_CHARS} in a cell (it begins `{excerpt}`)",
        path.display()
    )]
    CellTooLong {
        path: PathBuf,
        row: usize,
        column: String,
        chars: usize,
        excerpt: String,
    },
}

/// The largest sheet file read, in bytes (CSV text or a workbook on disk).
pub const MAX_SPREADSHEET_BYTES: u64 = 16_000_000;
/// The most a workbook part (a sheet's XML, the shared strings) may hold unpacked.
pub const MAX_UNPACKED_BYTES: u64 = 64_000_000;
/// The most cells a sheet's used range may span (calamine keeps the whole
/// range in memory, empty cells included).
pub const MAX_CELLS: u64 = 1_000_000;
/// Excel's own limit on the characters of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;

/// One row of a sheet as trimmed text, numbered as Excel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 1-based row number as Excel shows it (the first line is row 1).
    pub number: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// Every cell empty: such rows are skipped, as Excel users expect.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(String::is_empty)
    }

    /// The cell in `column`, or `""` past the end of a short row.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }
}

/// Cells without the empty ones at the end, which Excel writes for columns
/// that were once used.
pub fn used_cells(cells: &[String]) -> &[String] {
    let used = cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    &cells[..used]
}

/// The UTF-8 byte-order mark. Excel on Chinese Windows opens a CSV file
/// without it as GBK and shows Chinese names as mojibake.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer for a report people open in Excel: the bytes start with
/// [`BOM`]. (CSV printed to stdout for scripts has none.) Write its cells
/// through [`crate::formula_guard::guard_record`].
pub fn report_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(BOM.to_vec())
}

/// The bytes a [`report_writer`] holds once every row is written.
pub fn report_bytes(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// How many characters of a user's value a message quotes.
pub const EXCERPT_CHARS: usize = 40;

/// A value as a message quotes it: at most [`EXCERPT_CHARS`] characters,
/// with `…` and the full length when cut, so that a huge cell never ends up
/// whole in an error message.
pub fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => text.into(),
        Some((at, _)) => format!("{}… ({} characters)", &text[..at], text.chars().count()).into(),
    }
}

/// The cells of a sheet, with where they came from.
#[derive(Clone, Debug)]
pub struct Table {
    pub path: PathBuf,
    pub rows: Vec<Row>,
    /// How a CSV file was decoded (`UTF-8`, `UTF-8 with BOM`, `GB18030`, `UTF-16`).
    pub encoding: Option<&'static str>,
    /// The worksheet read from a workbook.
    pub worksheet: Option<String>,
}

/// Whether a file name looks like a workbook rather than CSV text.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .is_some_and(|e| matches!(e.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods"))
}

/// Reads a workbook sheet (the first one unless `sheet` names another) or a
/// CSV file, by the file's extension.
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table, SpreadsheetError> {
    let read_error = |source| SpreadsheetError::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::metadata(path).map_err(read_error)?.len();
    if bytes > MAX_SPREADSHEET_BYTES {
        return Err(SpreadsheetError::TooLarge {
            path: path.to_path_buf(),
            bytes,
        });
    }
    let table = if is_workbook(path) {
        guard_workbook(path)?;
        read_workbook(path, sheet)?
    } else {
        let bytes = std::fs::read(path).map_err(read_error)?;
        let (text, encoding) = decode_text(&bytes).ok_or_else(|| SpreadsheetError::Encoding {
            path: path.to_path_buf(),
        })?;
        drop(bytes);
        // Every cell becomes a String: count them (cheaply, an upper bound)
        // before making any.
        let cells = text
            .bytes()
            .filter(|b| matches!(b, b',' | b'\t' | b'\n'))
            .count() as u64
            + 1;
        if cells > MAX_CELLS {
            return Err(SpreadsheetError::TooManyCsvCells {
                path: path.to_path_buf(),
                cells,
            });
        }
        let rows = parse_csv(&text).map_err(|(row, message)| SpreadsheetError::Csv {
            path: path.to_path_buf(),
            row,
            message,
        })?;
        Table {
            path: path.to_path_buf(),
            rows,
            encoding: Some(encoding),
            worksheet: None,
        }
    };
    check_cell_lengths(&table)?;
    Ok(table)
}

/// Refuses a cell longer than Excel allows, quoting only its beginning.
fn check_cell_lengths(table: &Table) -> Result<(), SpreadsheetError> {
    for row in &table.rows {
        for (c, cell) in row.cells.iter().enumerate() {
            if cell.len() > MAX_CELL_CHARS {
                let chars = cell.chars().count();
                if chars > MAX_CELL_CHARS {
                    return Err(SpreadsheetError::CellTooLong {
                        path: table.path.clone(),
                        row: row.number,
                        column: column_name(c),
                        chars,
                        excerpt: cell.chars().take(EXCERPT_CHARS).collect(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Excel's name of a 0-based column: A, B, …, Z, AA, ….
fn column_name(mut c: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).expect("letters")
}

/// Reads at most `limit` bytes from `inner`, failing past it.
struct Limited<R> {
    inner: R,
    left: u64,
}

impl<R: std::io::Read> std::io::Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self
            .left
            .checked_sub(n as u64)
            .ok_or_else(|| std::io::Error::other("unpacked past the limit"))?;
        Ok(n)
    }
}

/// `XFD1048576` → (row 1048576, column 16384), both from 1.
fn cell_ref(r: &[u8]) -> Option<(u32, u32)> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (col, row) = r.split_at(letters);
    let col = col.iter().try_fold(0u32, |acc, b| {
        acc.checked_mul(26)?
            .checked_add(u32::from(b.to_ascii_uppercase() - b'A' + 1))
    })?;
    let row = std::str::from_utf8(row).ok()?.parse().ok()?;
    (col > 0 && letters > 0).then_some((row, col))
}

/// The rows × columns that the cells with a value span in a worksheet's
/// XML, read as a stream (nothing of it is kept).
fn used_span(xml: impl std::io::BufRead) -> std::io::Result<(u32, u32)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let (mut min_r, mut max_r, mut min_c, mut max_c) = (u32::MAX, 0u32, u32::MAX, 0u32);
    let (mut row, mut col) = (0u32, 0u32);
    let mut cell: Option<(u32, u32)> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(std::io::Error::other)?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "row" => {
                row = e
                    .try_get_attribute("r")
                    .ok()
                    .flatten()
                    .and_then(|a| a.value.parse().ok())
                    .unwrap_or(row + 1);
                col = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let at = e
                    .try_get_attribute("r")
                    .ok()
                    .flatten()
                    .and_then(|a| cell_ref(a.value.as_bytes()))
                    .unwrap_or((row, col + 1));
                (row, col) = at;
                cell = Some(at);
            }
            Event::Empty(e) if e.local_name().as_ref() == "c" => {
                col = e
                    .try_get_attribute("r")
                    .ok()
                    .flatten()
                    .and_then(|a| cell_ref(a.value.as_bytes()))
                    .map_or(col + 1, |(_, c)| c);
            }
            Event::Start(e) if matches!(e.local_name().as_ref(), "v" | "is") => {
                if let Some((r, c)) = cell.take() {
                    (min_r, max_r) = (min_r.min(r), max_r.max(r));
                    (min_c, max_c) = (min_c.min(c), max_c.max(c));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "c" => cell = None,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if max_r == 0 {
        return Ok((0, 0));
    }
    Ok((max_r - min_r + 1, max_c - min_c + 1))
}

/// Checks a zip-based workbook before calamine reads it: no part unpacks
/// to more than [`MAX_UNPACKED_BYTES`] (counted while unpacking, not taken
/// from the headers, which can lie), and no worksheet's cells span more
/// than [`MAX_CELLS`] — calamine would allocate the whole span at once.
fn guard_workbook(path: &Path) -> Result<(), SpreadsheetError> {
    let zipped = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .is_some_and(|e| matches!(e.as_str(), "xlsx" | "xlsm" | "xlsb" | "ods"));
    if !zipped {
        return Ok(());
    }
    let file = std::fs::File::open(path).map_err(|source| SpreadsheetError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // Not a zip at all: calamine says what is wrong with it.
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index(i) else {
            continue;
        };
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let unpacked = |bytes: u64| SpreadsheetError::Unpacked {
            path: path.to_path_buf(),
            what: format!("the part {}", excerpt(&name)),
            bytes,
        };
        if entry.size() > MAX_UNPACKED_BYTES {
            return Err(unpacked(entry.size()));
        }
        let worksheet = name.starts_with("xl/worksheets/") && name.ends_with(".xml");
        let mut limited = Limited {
            inner: entry,
            left: MAX_UNPACKED_BYTES,
        };
        if worksheet {
            match used_span(std::io::BufReader::new(&mut limited)) {
                Ok((rows, columns)) if u64::from(rows) * u64::from(columns) > MAX_CELLS => {
                    let sheet = name
                        .trim_start_matches("xl/worksheets/")
                        .trim_end_matches(".xml")
                        .to_string();
                    return Err(SpreadsheetError::TooManyCells {
                        path: path.to_path_buf(),
                        sheet,
                        rows,
                        columns,
                    });
                }
                Ok(_) => {}
                Err(_) if limited.left == 0 || limited.left > MAX_UNPACKED_BYTES => {
                    return Err(unpacked(MAX_UNPACKED_BYTES));
                }
                // Damaged XML: calamine says what is wrong with it.
                Err(_) => {}
            }
        }
        // Every part is unpacked to the end, counting.
        if std::io::copy(&mut limited, &mut std::io::sink()).is_err() && limited.left == 0 {
            return Err(unpacked(MAX_UNPACKED_BYTES));
        }
    }
    Ok(())
}

/// Decodes CSV bytes: UTF-8 (with or without BOM) first, UTF-16 with a BOM
/// (Excel's "Unicode text"), and otherwise GB18030 — what Excel on Chinese
/// Windows writes (it is a superset of GBK and GB2312). `None` when the
/// bytes are not valid in any of them.
pub fn decode_text(bytes: &[u8]) -> Option<(String, &'static str)> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .ok()
            .map(|t| (t.to_string(), "UTF-8 with BOM"));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, errors) = encoding_rs::UTF_16LE.decode(bytes);
        return (!errors).then(|| (text.into_owned(), "UTF-16"));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some((text.to_string(), "UTF-8"));
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| (t.into_owned(), "GB18030"))
}

/// Splits CSV text into rows numbered as Excel numbers them: a line break
/// inside a quoted cell does not start a new row, an empty line does. The
/// delimiter is a tab when the first line has more tabs than commas
/// (Excel's "text" export), a comma otherwise.
pub fn parse_csv(text: &str) -> Result<Vec<Row>, (usize, String)> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    // Line breaks inside quoted cells so far: Excel does not count them as rows.
    let mut inner_breaks = 0;
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::default();
    loop {
        let before = rows.last().map_or(0, |r: &Row| r.number);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let row = e.position().map_or(before + 1, |p| {
                    lines.line_at(bytes, p.byte() as usize) - inner_breaks
                });
                return Err((row, e.to_string()));
            }
        }
        // The reader reports where the previous record ended; the row starts
        // after any line breaks (empty lines) that follow.
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        let number = lines.line_at(bytes, start) - inner_breaks;
        inner_breaks += record.iter().map(count_breaks).sum::<usize>();
        rows.push(Row {
            number,
            cells: record.iter().map(clean_cell).collect(),
        });
    }
    if let Some(row) = unclosed_quote(&rows, delimiter) {
        return Err((
            row,
            "a quote (\") opens a cell on this row that is never closed, so the rest of the file reads as that one cell".into(),
        ));
    }
    Ok(rows)
}

/// The row of a quote left open: the reader takes everything after it, up
/// to the end of the file, as one cell. Seen as a last row with fewer cells
/// than the first whose cell spans lines that look like rows of their own
/// (three or more delimiters).
fn unclosed_quote(rows: &[Row], delimiter: u8) -> Option<usize> {
    let (first, last) = (rows.first()?, rows.last()?);
    let swallowed = last.cells.iter().any(|cell| {
        cell.lines()
            .skip(1)
            .any(|line| line.bytes().filter(|&b| b == delimiter).count() >= 3)
    });
    (rows.len() > 1 && last.cells.len() < first.cells.len() && swallowed).then_some(last.number)
}

/// 1-based lines of byte offsets met in increasing order, counting `\r\n`,
/// `\r` and `\n` as one break each; each byte is counted once, so a sheet
/// of any length is numbered in linear time.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    breaks: usize,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        let offset = offset.min(bytes.len());
        if offset > self.offset {
            let segment = &bytes[self.offset..offset];
            self.breaks += count_breaks_bytes(segment);
            // A `\r\n` split by the previous offset was counted at its `\r`.
            if segment[0] == b'\n' && self.offset > 0 && bytes[self.offset - 1] == b'\r' {
                self.breaks -= 1;
            }
            self.offset = offset;
        }
        1 + self.breaks
    }
}

fn count_breaks(text: &str) -> usize {
    count_breaks_bytes(text.as_bytes())
}

fn count_breaks_bytes(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => n += 1,
            b'\r' => {
                n += 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    n
}

fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<Table, SpreadsheetError> {
    let workbook_error = |e: &dyn std::fmt::Display| SpreadsheetError::Workbook {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| match e {
        calamine::Error::Io(source) => SpreadsheetError::Read {
            path: path.to_path_buf(),
            source,
        },
        other => workbook_error(&other),
    })?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| SpreadsheetError::NoSuchSheet {
                path: path.to_path_buf(),
                sheet: wanted.to_string(),
                available: names.join(", "),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| SpreadsheetError::NoSheets {
                path: path.to_path_buf(),
            })?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| workbook_error(&e))?;
    // Absolute positions: the range starts at the first used cell, but row
    // numbers and column letters in messages must be the ones Excel shows.
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid: Vec<Vec<String>> = range
        .rows()
        .map(|cells| {
            std::iter::repeat_n(String::new(), left as usize)
                .chain(cells.iter().map(cell_text))
                .collect()
        })
        .collect();
    // A merged cell (say 分类 spanning ten rows) holds its value only in its
    // top-left corner; every row it covers means that value.
    let merged = match &mut workbook {
        calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        _ => Vec::new(),
    };
    for region in merged {
        let (r0, c0) = region.start;
        let (r1, c1) = region.end;
        let Some(value) = r0
            .checked_sub(top)
            .and_then(|r| grid.get(r as usize))
            .and_then(|row| row.get(c0 as usize))
            .cloned()
        else {
            continue;
        };
        for r in r0.max(top)..=r1 {
            let Some(row) = grid.get_mut((r - top) as usize) else {
                break;
            };
            for c in c0..=c1 {
                let c = c as usize;
                if row.len() <= c {
                    row.resize(c + 1, String::new());
                }
                if row[c].is_empty() {
                    row[c] = value.clone();
                }
            }
        }
    }
    let rows = grid
        .into_iter()
        .enumerate()
        .map(|(i, cells)| Row {
            number: top as usize + i + 1,
            cells,
        })
        .collect();
    Ok(Table {
        path: path.to_path_buf(),
        rows,
        encoding: None,
        worksheet: Some(name),
    })
}

fn cell_text(cell: &Data) -> String {
    let raw = match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // A difficulty typed as 3 arrives as 3.0.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => "FALSE".to_string(),
        Data::DateTime(d) if d.is_datetime() => excel_date(d.as_f64()),
        other => other.to_string(),
    };
    clean_cell(&raw)
}

/// A date cell as it reads in Excel on a Chinese system: `2026-12-01`, or
/// `2026-12-01 09:30` with a time of day. calamine hands over Excel's day
/// number; day 61 is 1900-03-01 (Excel counts a 29 February 1900 that
/// never was, so earlier days are off by one and kept as numbers).
fn excel_date(serial: f64) -> String {
    if !(61.0..2_958_466.0).contains(&serial) {
        return serial.to_string();
    }
    let total_minutes = (serial * 24.0 * 60.0).round() as i64;
    let (days, minutes) = (total_minutes / 1440, total_minutes % 1440);
    let date = jiff::civil::date(1899, 12, 30)
        .checked_add(jiff::Span::new().days(days))
        .map_or_else(|_| serial.to_string(), |d| d.to_string());
    if minutes == 0 {
        date
    } else {
        format!("{date} {:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// Cell text as stored: line breaks unified to `\n`, control characters
/// (which neither TOML readers nor XML allow) and the invisible characters
/// that print as boxes or turn text around dropped (see
/// [`crate::tomlread::is_hidden`]), trimmed — including
/// the ideographic space U+3000 and no-break spaces — and the apostrophe
/// that certexam's CSV files put before a text Excel would take for a
/// formula removed again (see [`crate::formula_guard`]).
fn clean_cell(raw: &str) -> String {
    let text = raw
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| !crate::tomlread::is_hidden(c))
        .collect::<String>();
    crate::formula_guard::unguard(text.trim()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_used_span_counts_only_cells_with_values() {
        assert_eq!(cell_ref(b"A1"), Some((1, 1)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(cell_ref(b"1A"), None);
        let xml = br#"<worksheet><dimension ref="A1:XFD1048576"/><sheetData>
            <row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2"/><c r="Z9" s="1"></c></row>
            <row r="5"><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>
            </sheetData></worksheet>"#;
        // B2 … B5 (the second cell of row 5 has no `r`: column B): 4 rows × 1… 2 columns.
        assert_eq!(used_span(&xml[..]).unwrap(), (4, 2));
        assert_eq!(
            excerpt(&"x".repeat(50)),
            format!("{}… (50 characters)", "x".repeat(40))
        );
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(27), "AB");
    }

    #[test]
    fn excel_row_numbers_count_blank_lines_but_not_breaks_inside_cells() {
        let rows = parse_csv("\r\na,b\r\n\r\n\n1,\"x\ny\"\n,,\n3,4\n").unwrap();
        let numbers: Vec<usize> = rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 5, 6, 7]);
        assert_eq!(rows[1].cells, ["1", "x\ny"]);
    }

    #[test]
    fn a_quote_left_open_is_reported_at_its_row() {
        let text = "题干,答案,分类,难度\n问一,A,x,1\n\"问二,B,x,1\n问三,C,x,1\n问四,D,x,1\n";
        assert_eq!(parse_csv(text).unwrap_err().0, 3);
        // A cell with line breaks and commas that is closed is fine.
        let text = "题干,答案,分类,难度\n\"问一\n甲,乙,丙,丁\",A,x,1\n";
        assert_eq!(parse_csv(text).unwrap()[1].cells.len(), 4);
    }

    #[test]
    fn tab_separated_text_is_read_too() {
        let rows = parse_csv("题干\t答案\n问\tA\n").unwrap();
        assert_eq!(rows[1].cells, ["问", "A"]);
    }

    #[test]
    fn encodings_are_tried_in_order() {
        let gb = encoding_rs::GB18030.encode("题干,答案").0.into_owned();
        assert_eq!(decode_text(&gb).unwrap(), ("题干,答案".into(), "GB18030"));
        assert_eq!(decode_text("题干".as_bytes()).unwrap().1, "UTF-8");
        let bom = [b"\xEF\xBB\xBF".as_slice(), "题干".as_bytes()].concat();
        assert_eq!(
            decode_text(&bom).unwrap(),
            ("题干".into(), "UTF-8 with BOM")
        );
        assert!(decode_text(b"\xFF\xFF\xFF\x80").is_none());
    }

    #[test]
    fn excel_day_numbers_read_as_dates() {
        assert_eq!(excel_date(46357.0), "2026-12-01");
        assert_eq!(excel_date(46357.395833333336), "2026-12-01 09:30");
        assert_eq!(excel_date(61.0), "1900-03-01");
        assert_eq!(excel_date(46356.9999999), "2026-12-01");
        assert_eq!(excel_date(12.5), "12.5");
    }

    #[test]
    fn trailing_empty_cells_are_not_used() {
        let cells: Vec<String> = ["a", "", "b", "", ""].map(String::from).to_vec();
        assert_eq!(used_cells(&cells), &cells[..3]);
        assert!(used_cells(&[String::new()]).is_empty());
    }
}
