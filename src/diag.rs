//! Problems found in files people write by hand (bank, blueprint, roster,
//! answer sheets), each pointing at `path:line:col` with the line, a caret,
//! what is wrong and what to do — so a trainer can fix them without help.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// How bad a problem is: errors make a command fail, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file, with the place it was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters; 0 when the problem concerns the whole file.
    pub column: usize,
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The source line the problem is on, shown with a caret.
    #[serde(skip)]
    pub source_line: Option<String>,
    /// Width of the caret, in characters of `source_line`.
    #[serde(skip)]
    pub caret_len: usize,
}

impl Diagnostic {
    /// A problem on one line of a file that is not TOML (a CSV row, say).
    pub fn at_line(path: &Path, line: usize, message: impl Into<String>) -> Self {
        let mut d = Self::file(path, message);
        d.line = line;
        d
    }

    /// A problem about a whole file (cannot read it, not UTF-8, …).
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            hint: None,
            source_line: None,
            caret_len: 0,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:col` (or just `path` for whole-file problems).
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.display().to_string()
        } else if self.column == 0 {
            format!("{}:{}", self.path.display(), self.line)
        } else {
            format!("{}:{}:{}", self.path.display(), self.line, self.column)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.message)?;
        writeln!(f, "  --> {}", self.location())?;
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        if let Some(text) = &self.source_line {
            let before: String = text.chars().take(self.column.saturating_sub(1)).collect();
            let marked: String = text
                .chars()
                .skip(self.column.saturating_sub(1))
                .take(self.caret_len.max(1))
                .collect();
            // Widths, not char counts: CJK characters take two columns in a terminal.
            let indent = " ".repeat(before.width());
            let carets = "^".repeat(marked.width().max(1));
            writeln!(f, "{pad} |")?;
            writeln!(f, "{number} | {text}")?;
            writeln!(f, "{pad} | {indent}{carets}")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "{pad} = help: {hint}")?;
        }
        Ok(())
    }
}

/// A file's text, kept to turn byte spans into lines and columns.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count()
            + 1;
        (line + 1, column)
    }

    fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&e| e.saturating_sub(1));
        self.text[start..end].trim_end_matches('\r')
    }

    /// An error at a byte span of this file.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.line_col(span.start);
        let text = self.line_text(line).to_string();
        // The caret covers the span, but never past the end of its first line.
        let end = floor_char_boundary(&self.text, span.end.min(self.text.len()));
        let start = floor_char_boundary(&self.text, span.start.min(end));
        let span_chars = self.text[start..end]
            .split('\n')
            .next()
            .unwrap_or("")
            .chars()
            .count();
        let remaining = text.chars().count().saturating_sub(column - 1);
        Diagnostic {
            severity: Severity::Error,
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
            hint: None,
            source_line: Some(text),
            caret_len: span_chars.min(remaining).max(1),
        }
    }
}

/// Reads a file as UTF-8 text (a BOM is dropped), or says why it cannot.
pub fn read_source(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<SourceFile> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::file(path, format!("cannot read the file: {e}"))
                    .with_hint("check that it exists and that you may read it"),
            );
            return None;
        }
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(SourceFile::new(path, text)),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let mut d = Diagnostic::file(
                path,
                format!("the file is not UTF-8 text (first bad byte on line {line})"),
            )
            .with_hint("save it as UTF-8 (in Notepad: Save As → Encoding: UTF-8)");
            d.line = line;
            d.column = 1;
            diags.push(d);
            None
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Counts of errors and warnings, for summaries.
pub fn count(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let file = SourceFile::new("a.toml", "x = 1\nstem = \"信息\" # 注\n");
        let offset = file.text.find('#').unwrap();
        assert_eq!(file.line_col(offset), (2, 13));
        assert_eq!(file.line_col(0), (1, 1));
    }

    #[test]
    fn caret_lines_up_under_wide_characters() {
        let file = SourceFile::new("q.toml", "stem = \"信息\" bad\n");
        let start = file.text.find("bad").unwrap();
        let shown = file
            .error(start..start + 3, "oops")
            .with_hint("fix it")
            .to_string();
        assert_eq!(
            shown,
            "error: oops\n  --> q.toml:1:13\n  |\n1 | stem = \"信息\" bad\n  |               ^^^\n  = help: fix it\n"
        );
    }

    #[test]
    fn whole_file_problem_has_no_line() {
        let d = Diagnostic::file(Path::new("x.toml"), "not UTF-8");
        assert_eq!(d.to_string(), "error: not UTF-8\n  --> x.toml\n");
    }
}
