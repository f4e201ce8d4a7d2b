//! HR's spreadsheet of the archive: one row per archived record (every
//! version, in ledger order), as CSV or as an Excel workbook, with English
//! or Chinese column names. Values come from the signed score files (see
//! [`super::record`]); a record that does not verify shows no result.
//! Pure: opened records in, file bytes out.

use crate::formula_guard;
use jiff::civil::Date;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::query::{self, Standing};
use super::record::Record;

/// Column-name language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

const HEADERS_EN: [&str; 16] = [
    "seq",
    "added_at",
    "exam",
    "candidate",
    "name",
    "paper_id",
    "version",
    "total",
    "max",
    "percent",
    "result",
    "valid_until",
    "status",
    "fingerprint",
    "record",
    "score_sha256",
];

const HEADERS_ZH: [&str; 16] = [
    "序号",
    "入档时间",
    "考试编号",
    "考号",
    "姓名",
    "试卷编号",
    "版本",
    "得分",
    "满分",
    "得分率(%)",
    "结果",
    "有效期至",
    "状态",
    "指纹",
    "档案文件",
    "SHA-256",
];

/// One cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Text(t) => formula_guard::guard(t).into_owned(),
            Cell::Number(n) => n.to_string(),
        }
    }
}

fn status_word(status: Option<Standing>, lang: Lang) -> &'static str {
    match (status, lang) {
        (Some(Standing::Unverified), Lang::En) => "unverified",
        (Some(Standing::Unverified), Lang::Zh) => "未通过核验",
        (Some(Standing::Certified), Lang::En) => "certified",
        (Some(Standing::Expired), Lang::En) => "expired",
        (Some(Standing::Failed), Lang::En) => "failed",
        (None, Lang::En) => "superseded",
        (Some(Standing::Certified), Lang::Zh) => "有效",
        (Some(Standing::Expired), Lang::Zh) => "已过期",
        (Some(Standing::Failed), Lang::Zh) => "不合格",
        (None, Lang::Zh) => "已被新版本取代",
    }
}

/// The header and the rows: every record in ledger order; `status` is the
/// standing on `on` for each candidate's latest record, and "superseded"
/// for older versions. A record that does not verify has no points, no
/// result and no validity, and its candidate's status is "unverified".
pub fn rows(records: &[Record], lang: Lang, on: Date) -> (Vec<&'static str>, Vec<Vec<Cell>>) {
    let latest: std::collections::HashMap<u64, Standing> = query::latest(records)
        .into_iter()
        .map(|(r, _, all)| (r.entry.seq, query::standing_of(r, all, on)))
        .collect();
    let header = match lang {
        Lang::En => HEADERS_EN.to_vec(),
        Lang::Zh => HEADERS_ZH.to_vec(),
    };
    let text = |s: &str| Cell::Text(s.to_string());
    let rows = records
        .iter()
        .map(|r| {
            let e = &r.entry;
            let status = latest.get(&e.seq).copied();
            let trusted = r.trusted();
            let result = match (trusted, e.pass, lang) {
                (false, _, _) => status_word(Some(Standing::Unverified), lang),
                (true, true, Lang::En) => "pass",
                (true, false, Lang::En) => "fail",
                (true, true, Lang::Zh) => "合格",
                (true, false, Lang::Zh) => "不合格",
            };
            let number = |n: f64| {
                if trusted { Cell::Number(n) } else { text("") }
            };
            vec![
                Cell::Number(e.seq as f64),
                text(&e.added_at),
                text(&e.exam),
                text(&e.candidate),
                text(&e.name),
                text(&e.paper_id),
                Cell::Number(f64::from(e.version)),
                number(e.total.as_f64()),
                number(e.max.as_f64()),
                number(e.percent),
                text(result),
                text(e.valid_until.as_deref().filter(|_| trusted).unwrap_or("")),
                text(status_word(status, lang)),
                text(e.fingerprint()),
                text(&e.record),
                text(&e.score_sha256),
            ]
        })
        .collect();
    (header, rows)
}

/// CSV bytes, starting with a UTF-8 byte-order mark in either language (the
/// names are Chinese either way) so that Excel on a Chinese Windows opens
/// the file as UTF-8.
pub fn csv(header: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let out = crate::spreadsheet::BOM.to_vec();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(header).expect("writing to memory");
    for row in rows {
        w.write_record(row.iter().map(Cell::csv))
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// An `.xlsx` workbook: one sheet, bold frozen header row, filters on.
pub fn xlsx(header: &[&str], rows: &[Vec<Cell>], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(match lang {
        Lang::En => "archive",
        Lang::Zh => "认证档案",
    })?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(t) => sheet.write_string(r, c as u16, t)?,
                Cell::Number(n) => sheet.write_number(r, c as u16, *n)?,
            };
        }
    }
    let widths = [6, 21, 16, 10, 12, 10, 6, 7, 6, 9, 7, 11, 11, 18, 44, 66];
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, header.len() as u16 - 1)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::ledger::Entry;
    use crate::score_file::Points;

    fn entry(seq: u64, version: u32, pass: bool) -> Record {
        let entry = Entry {
            seq,
            added_at: "2026-12-02T09:00:00Z".into(),
            exam: "X".into(),
            candidate: "E001".into(),
            name: "张三, \"Zhang\"".into(),
            paper_id: "P".into(),
            total: Points(6250),
            max: Points(7400),
            percent: 84.46,
            pass,
            valid_until: pass.then(|| "2028-12-01".to_string()),
            version,
            record: "records/X/E001/E001.score.toml".into(),
            score_sha256: "ab".repeat(32),
            sig_sha256: "cd".repeat(32),
            prev: String::new(),
            hash: String::new(),
        };
        Record {
            line: seq as usize,
            entry,
            score: None,
            verified: true,
            problems: Vec::new(),
        }
    }

    #[test]
    fn csv_has_one_row_per_record_and_marks_superseded_versions() {
        let entries = [entry(1, 1, false), entry(2, 2, true)];
        let on: Date = "2027-01-01".parse().unwrap();
        let (header, rows) = rows(&entries, Lang::En, on);
        let text = String::from_utf8(csv(&header, &rows)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("\u{feff}seq,added_at,exam,candidate,name,"));
        assert!(
            lines[1].contains(",\"张三, \"\"Zhang\"\"\",")
                && lines[1].contains(",fail,,superseded,"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains(",62.5,74,84.46,pass,2028-12-01,certified,abababababababab,"),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn headers_in_either_language_follow_a_byte_order_mark() {
        let (header, rows) = rows(
            &[entry(1, 1, true)],
            Lang::Zh,
            "2027-01-01".parse().unwrap(),
        );
        let text = String::from_utf8(csv(&header, &rows)).unwrap();
        assert!(
            text.starts_with("\u{feff}序号,入档时间,考试编号,考号,姓名"),
            "{text}"
        );
        assert!(text.contains(",合格,2028-12-01,有效,"), "{text}");
    }
}
