//! Reading hand-written TOML field by field with the position of every value,
//! so that one pass can report *all* problems (unknown keys, wrong types,
//! missing fields) at their exact line and column instead of stopping at the
//! first one as serde would.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, SourceFile};

/// A value and the byte range it was written at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Located<T> {
    pub fn new(value: T, span: Range<usize>) -> Self {
        Self { value, span }
    }
}

/// Parses a whole document; a syntax error becomes one diagnostic at its place.
pub fn parse_document(file: &SourceFile) -> Result<Spanned<DeTable<'_>>, Diagnostic> {
    DeTable::parse(&file.text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_string();
        file.error(span, format!("TOML syntax: {message}"))
            .with_hint(
                "fix the syntax at the caret (strings need quotes, tables [name], arrays [a, b])",
            )
    })
}

/// Whether a character has no place in printed exam text: control
/// characters other than tab and line breaks, the byte-order mark, and the
/// bidirectional embeddings, overrides and isolates that make a printed
/// line read differently from the file (U+202E shows `llec` for `cell`).
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The first [`is_hidden`] character of `text` and its byte offset.
pub fn hidden_character(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(_, c)| is_hidden(c))
}

/// The fields of one table, read one by one; remembers which keys were read so
/// that [`Fields::finish`] can report every key nobody asked for.
#[derive(Debug)]
pub struct Fields<'t, 'i> {
    file: &'t SourceFile,
    table: &'t DeTable<'i>,
    span: Range<usize>,
    /// How the table is named in messages, e.g. `question SEC-001`.
    what: String,
    read: Vec<String>,
}

impl<'t, 'i> Fields<'t, 'i> {
    pub fn new(
        file: &'t SourceFile,
        table: &'t DeTable<'i>,
        span: Range<usize>,
        what: impl Into<String>,
    ) -> Self {
        Self {
            file,
            table,
            span,
            what: what.into(),
            read: Vec::new(),
        }
    }

    pub fn what(&self) -> &str {
        &self.what
    }

    pub fn set_what(&mut self, what: impl Into<String>) {
        self.what = what.into();
    }

    pub fn file(&self) -> &'t SourceFile {
        self.file
    }

    /// Where the table starts: used for problems such as a missing field.
    pub fn table_span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The raw value of a key, marking it as known.
    pub fn raw(&mut self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.read.push(key.to_string());
        self.table.get(key)
    }

    fn wrong_type(&self, key: &str, value: &Spanned<DeValue<'_>>, expected: &str) -> Diagnostic {
        self.file
            .error(
                value.span(),
                format!(
                    "`{key}` in {} must be {expected}, not {}",
                    self.what,
                    value.get_ref().type_str()
                ),
            )
            .with_hint(format!("write `{key}` as {expected}"))
    }

    /// A required field is missing.
    pub fn missing(&self, key: &str, example: &str) -> Diagnostic {
        self.file
            .error(self.span.clone(), format!("{} has no `{key}`", self.what))
            .with_hint(format!("add a line like `{key} = {example}`"))
    }

    pub fn string(&mut self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Located<String>> {
        let value = self.raw(key)?;
        match value.get_ref().as_str() {
            Some(s) => {
                self.check_visible(key, s, value.span(), diags);
                Some(Located::new(s.to_string(), value.span()))
            }
            None => {
                diags.push(self.wrong_type(key, value, "a string in quotes"));
                None
            }
        }
    }

    /// Reports a text holding a character that prints as nothing, as a box,
    /// or that reorders the text around it (see [`hidden_character`]).
    fn check_visible(
        &self,
        key: &str,
        text: &str,
        span: Range<usize>,
        diags: &mut Vec<Diagnostic>,
    ) {
        if let Some((at, c)) = hidden_character(text) {
            let before: Vec<char> = text[..at].chars().collect();
            let before: String = before[before.len().saturating_sub(12)..].iter().collect();
            let place = if before.trim().is_empty() {
                "at the start".to_string()
            } else {
                format!("after \"{}\"", before.escape_debug())
            };
            diags.push(
                self.file
                    .error(
                        span,
                        format!(
                            "`{key}` in {} holds the invisible character U+{:04X} {place}",
                            self.what, c as u32
                        ),
                    )
                    .with_hint(
                        "delete it (it usually comes from copy and paste); it would print as a box or turn the text around",
                    ),
            );
        }
    }

    pub fn required_string(
        &mut self,
        key: &str,
        example: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Located<String>> {
        if self.table.get(key).is_none() {
            self.read.push(key.to_string());
            diags.push(self.missing(key, example));
            return None;
        }
        self.string(key, diags)
    }

    pub fn integer(&mut self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Located<i64>> {
        let value = self.raw(key)?;
        let parsed = value
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok());
        match parsed {
            Some(n) => Some(Located::new(n, value.span())),
            None => {
                diags.push(self.wrong_type(key, value, "a whole number"));
                None
            }
        }
    }

    pub fn required_integer(
        &mut self,
        key: &str,
        example: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Located<i64>> {
        if self.table.get(key).is_none() {
            self.read.push(key.to_string());
            diags.push(self.missing(key, example));
            return None;
        }
        self.integer(key, diags)
    }

    /// A number that may be written with or without a fraction (`2` or `2.5`).
    pub fn number(&mut self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Located<f64>> {
        let value = self.raw(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        match parsed.filter(|n| n.is_finite()) {
            Some(n) => Some(Located::new(n, value.span())),
            None => {
                diags.push(self.wrong_type(key, value, "a number"));
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Located<bool>> {
        let value = self.raw(key)?;
        match value.get_ref().as_bool() {
            Some(b) => Some(Located::new(b, value.span())),
            None => {
                diags.push(self.wrong_type(key, value, "true or false (without quotes)"));
                None
            }
        }
    }

    /// An array of strings; each element keeps its own span.
    pub fn string_array(
        &mut self,
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Located<Vec<Located<String>>>> {
        let value = self.raw(key)?;
        let Some(items) = value.get_ref().as_array() else {
            diags.push(self.wrong_type(key, value, "a list of strings like [\"a\", \"b\"]"));
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match item.get_ref().as_str() {
                Some(s) => {
                    self.check_visible(key, s, item.span(), diags);
                    out.push(Located::new(s.to_string(), item.span()));
                }
                None => {
                    ok = false;
                    diags.push(
                        self.file
                            .error(
                                item.span(),
                                format!(
                                    "`{key}` in {} must hold only strings, this is {}",
                                    self.what,
                                    item.get_ref().type_str()
                                ),
                            )
                            .with_hint("put the text in double quotes"),
                    );
                }
            }
        }
        ok.then(|| Located::new(out, value.span()))
    }

    /// A sub-table (`[pass]`, `[section.count]`).
    pub fn table(
        &mut self,
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(&'t DeTable<'i>, Range<usize>)> {
        let value = self.raw(key)?;
        match value.get_ref().as_table() {
            Some(t) => Some((t, value.span())),
            None => {
                diags.push(self.wrong_type(key, value, &format!("a table ([{key}])")));
                None
            }
        }
    }

    /// An array of tables (`[[question]]`).
    pub fn tables(
        &mut self,
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        let Some(value) = self.raw(key) else {
            return Vec::new();
        };
        let Some(items) = value.get_ref().as_array() else {
            diags.push(self.wrong_type(key, value, &format!("a list of [[{key}]] tables")));
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_table() {
                Some(t) => out.push((t, item.span())),
                None => diags.push(self.wrong_type(key, item, &format!("a [[{key}]] table"))),
            }
        }
        out
    }

    /// Reports every key that was not read, suggesting the closest known one.
    pub fn finish(self, known: &[&str], diags: &mut Vec<Diagnostic>) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if self.read.iter().any(|r| r == name) {
                continue;
            }
            let hint = match closest(name, known) {
                Some(k) => format!("did you mean `{k}`? Known keys: {}", known.join(", ")),
                None => format!("remove it; known keys: {}", known.join(", ")),
            };
            diags.push(
                self.file
                    .error(key.span(), format!("unknown key `{name}` in {}", self.what))
                    .with_hint(hint),
            );
        }
    }
}

/// The known word within a small edit distance of `word`, if any.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(&word.to_lowercase(), k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_keys_only() {
        let known = ["stem", "options", "answer", "explanation"];
        assert_eq!(closest("optoins", &known), Some("options"));
        assert_eq!(closest("Answer", &known), Some("answer"));
        assert_eq!(closest("colour", &known), None);
    }
}
