//! Ids that become file and folder names (candidate ids, exam ids): one
//! rule everywhere, so that an id that draws also grades, verifies and
//! archives — on Linux, Windows and macOS alike. A name starting with a dot
//! is hidden (and skipped by every folder walk), a trailing dot disappears
//! on Windows, `CON`, `NUL`, `COM1`… are devices there, and `E001`/`e001`
//! are one file on Windows and macOS.

use std::fmt;

/// The longest id.
pub const MAX_LEN: usize = 64;

/// Why an id cannot be a file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdProblem {
    Empty,
    TooLong(usize),
    /// A character other than ASCII letters, digits, `.`, `_`, `-`.
    BadChar(char),
    /// Does not start with a letter or digit (`.hidden`, `-x`).
    BadStart(char),
    /// Ends with a dot, which Windows drops.
    TrailingDot,
    /// A Windows device name (`CON`, `nul.txt`, `COM1`).
    Reserved(String),
}

impl fmt::Display for IdProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdProblem::Empty => write!(f, "it is empty"),
            IdProblem::TooLong(n) => write!(f, "it is {n} characters long (at most {MAX_LEN})"),
            IdProblem::BadChar(c) => write!(f, "it contains `{c}`"),
            IdProblem::BadStart(c) => write!(
                f,
                "it starts with `{c}` (a file name starting with a dot is hidden)"
            ),
            IdProblem::TrailingDot => write!(f, "it ends with a dot, which Windows drops"),
            IdProblem::Reserved(name) => {
                write!(f, "`{name}` is a device name on Windows, not a file name")
            }
        }
    }
}

/// What to do about a bad id, for hints.
pub const RULE: &str = "ids become file names: use 1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit, not ending with `.`, and not a Windows device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9)";

const RESERVED: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];

/// Checks an id against the rules above.
pub fn check(id: &str) -> Result<(), IdProblem> {
    let first = id.chars().next().ok_or(IdProblem::Empty)?;
    if id.len() > MAX_LEN {
        return Err(IdProblem::TooLong(id.chars().count()));
    }
    if let Some(c) = id
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(IdProblem::BadChar(c));
    }
    if !first.is_ascii_alphanumeric() {
        return Err(IdProblem::BadStart(first));
    }
    if id.ends_with('.') {
        return Err(IdProblem::TrailingDot);
    }
    // Windows treats `NUL.txt` like `NUL`: the part before the first dot counts.
    let stem = id.split('.').next().unwrap_or(id).to_ascii_uppercase();
    let device = RESERVED.contains(&stem.as_str())
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if device {
        return Err(IdProblem::Reserved(id.to_string()));
    }
    Ok(())
}

/// The form two ids are compared in for uniqueness: file systems that
/// ignore letter case see `E001` and `e001` as one name.
pub fn fold(id: &str) -> String {
    id.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_vanish_or_collide_on_some_system_are_refused() {
        for (bad, problem) in [
            ("", IdProblem::Empty),
            (".hidden", IdProblem::BadStart('.')),
            ("-x", IdProblem::BadStart('-')),
            ("_x", IdProblem::BadStart('_')),
            ("foo.", IdProblem::TrailingDot),
            ("CON", IdProblem::Reserved("CON".into())),
            ("nul", IdProblem::Reserved("nul".into())),
            ("aux", IdProblem::Reserved("aux".into())),
            ("COM1", IdProblem::Reserved("COM1".into())),
            ("LPT1.txt", IdProblem::Reserved("LPT1.txt".into())),
            ("a/b", IdProblem::BadChar('/')),
            ("张三", IdProblem::BadChar('张')),
            ("a b", IdProblem::BadChar(' ')),
        ] {
            assert_eq!(check(bad), Err(problem), "{bad:?}");
        }
        assert!(matches!(
            check(&"x".repeat(65)),
            Err(IdProblem::TooLong(65))
        ));
        for good in ["E001", "a.b_c-d", "0", "CONSOLE", "COM10", "LPT", "x.y"] {
            assert_eq!(check(good), Ok(()), "{good:?}");
        }
        assert_eq!(fold("E001"), fold("e001"));
    }
}
