//! Reading a trainer's question sheet — an Excel workbook (via calamine) or a
//! CSV file in UTF-8 or GB18030 — in the layout Chinese exam services use for
//! bulk upload: find the header row, recognise the usual column names, and
//! turn every row into a question draft or into rejections that name the
//! row (as Excel numbers it), the column and the reason.

use std::collections::BTreeMap;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::answer_words::{self, TruthContext, YesNoColumn, fold_width};
use crate::spreadsheet::{Row, SpreadsheetError, Table};

use crate::bank::{
    Answer, Category, MAX_OPTIONS, Origin, Question, QuestionType, letter, valid_category_id,
    valid_question_id,
};

mod cells;
mod columns;
mod rows;
mod settle;

// The siblings see each other's items through these.
#[allow(clippy::wildcard_imports)]
use cells::*;

pub use columns::{
    Columns, FIELD_NAMES, Field, column_letter, find_columns, header_key, parse_column_mapping,
};
pub use rows::{Draft, Rejection, read_rows};
pub use settle::{
    CategoryRules, DEFAULT_DIFFICULTY, Imported, Settled, content_key, generated_id_for,
    parse_category_map, settle, slug,
};

/// Why a sheet could not be imported at all (as opposed to a bad row).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Spreadsheet(#[from] SpreadsheetError),
    #[error(
        "{}: no header row with a stem column (题干) and an answer column (答案) in its first {HEADER_SEARCH_ROWS} rows{found}; \
         rename the columns as listed in the README (\"Recognised column names\"), or map yours with e.g. --columns 题目=stem,正确答案=answer",
        path.display()
    )]
    NoHeader { path: PathBuf, found: String },
    #[error(
        "--columns names the column \"{name}\", but the header row ({row}) has no such column; its columns are: {columns}"
    )]
    MappedColumnMissing {
        name: String,
        row: usize,
        columns: String,
    },
    #[error("--columns {item}: {message}")]
    BadColumnMapping { item: String, message: String },
    #[error("--category-map {item}: {message}")]
    BadCategoryMap { item: String, message: String },
}

/// How many rows from the top are searched for the header row: templates
/// often put a title or instructions above it.
pub const HEADER_SEARCH_ROWS: usize = 10;

#[cfg(test)]
mod test_support {
    use super::*;
    use crate::spreadsheet::parse_csv;

    pub(super) fn table(csv: &str) -> Table {
        Table {
            path: "t.csv".into(),
            rows: parse_csv(csv).unwrap(),
            encoding: Some("UTF-8"),
            worksheet: None,
        }
    }

    pub(super) fn rows_of(csv: &str) -> (Vec<Draft>, Vec<Rejection>) {
        let t = table(csv);
        let columns = find_columns(&t, &[]).unwrap();
        read_rows(&t, &columns)
    }
}
