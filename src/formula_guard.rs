//! The one guard against formula injection in the CSV files certexam writes
//! (results, items, rejects, regrade, analysis, archive export and query,
//! bank export, scan's sheets.csv, review.csv and scan-log.csv, seating):
//! Excel runs a cell that starts with `=`, `+`, `-` or `@` (and, after a
//! tab or line break, the same) as a formula, so a candidate named
//! `=HYPERLINK(…)` on a roster, or a scan file named so, would become a
//! live link in HR's spreadsheet.
//!
//! The rule: a text cell starting with `=`, `+`, `-`, `@`, a tab, a
//! carriage return or a line feed gets a leading `'`, which Excel shows as
//! text; a number (`-2.5`, `+86`) is left alone, as it cannot run. A text
//! that already starts with apostrophes before such a character (`'=x`)
//! gets one more, so that [`unguard`] — which every reader of our own CSV
//! files applies through [`crate::spreadsheet`] — gives back exactly what
//! was written: `unguard(guard(x)) == x` for every text.

use std::borrow::Cow;

/// The characters that make Excel read a CSV cell as a formula.
pub const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\n'];

/// A number Excel reads as a number, never as a formula.
fn is_number(text: &str) -> bool {
    let t = text.trim();
    t.bytes().any(|b| b.is_ascii_digit()) && t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Whether the text after its leading apostrophes starts like a formula;
/// `None` when it has no leading apostrophe.
fn guarded_start(text: &str) -> Option<bool> {
    let after = text.trim_start_matches('\'');
    (after.len() < text.len()).then(|| after.starts_with(FORMULA_STARTS))
}

/// `text` as a CSV cell Excel shows as text (see the module's rule).
pub fn guard(text: &str) -> Cow<'_, str> {
    let needed = match guarded_start(text) {
        Some(formula_after_quotes) => formula_after_quotes,
        None => text.starts_with(FORMULA_STARTS) && !is_number(text),
    };
    if needed {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// [`guard`] applied to every cell of a CSV record.
pub fn guard_record<T: AsRef<str>>(record: impl IntoIterator<Item = T>) -> Vec<String> {
    record
        .into_iter()
        .map(|cell| guard(cell.as_ref()).into_owned())
        .collect()
}

/// A cell read back without the `'` that [`guard`] put before it:
/// `'=SUM(A1)` is the text `=SUM(A1)`. A `'` before anything else (`'包邮'`,
/// a lone `'`) is the text itself and is kept.
pub fn unguard(cell: &str) -> &str {
    if guarded_start(cell) == Some(true) {
        &cell[1..]
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_excel_would_run_get_a_quote_and_numbers_do_not() {
        assert_eq!(guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("+86 138"), "'+86 138");
        assert_eq!(guard("-A"), "'-A");
        assert_eq!(guard("\t=1"), "'\t=1");
        assert_eq!(guard("\r=1"), "'\r=1");
        assert_eq!(guard("-2.5"), "-2.5");
        assert_eq!(guard("+86"), "+86");
        assert_eq!(guard("-inf"), "'-inf");
        assert_eq!(guard("张三"), "张三");
        assert_eq!(guard(""), "");
        // An apostrophe before a formula start is kept through a round trip.
        assert_eq!(guard("'=x"), "''=x");
        assert_eq!(guard("'-2"), "''-2");
        assert_eq!(guard("'包邮'"), "'包邮'");
    }

    #[test]
    fn the_guard_is_removed_again_and_only_the_guard() {
        assert_eq!(unguard("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unguard("'-2"), "-2");
        assert_eq!(unguard("''=x"), "'=x");
        assert_eq!(unguard("'\t=1"), "\t=1");
        assert_eq!(unguard("''x"), "''x");
        assert_eq!(unguard("'包邮'"), "'包邮'");
        assert_eq!(unguard("'"), "'");
        assert_eq!(unguard("-2"), "-2");
    }

    #[test]
    fn every_text_survives_a_round_trip() {
        let texts = [
            "", "'", "''", "=", "'=", "''=", "-", "-2", "'-2", "''-2", "+86 138", "@x", "'@x",
            "\t", "'\t", "\n=1", "x", "'x", "''x", "'''=x", "-1e5", "--1",
        ];
        for text in texts {
            assert_eq!(unguard(&guard(text)), text, "{text:?}");
        }
        // A cell of many apostrophes is no deep recursion.
        let many = format!("{}=x", "'".repeat(40_000));
        assert_eq!(unguard(&guard(&many)), many);
    }
}
