//! The one place that reads the wall clock (grading times, archive entries,
//! "today" for expiry). Tests and golden outputs fix the time with the
//! environment variable `CERTEXAM_NOW` (RFC 3339, e.g.
//! `CERTEXAM_NOW=2026-12-01T10:00:00Z`), so every output stays reproducible.

use anyhow::{Context, Result};
use jiff::Timestamp;

/// The environment variable that fixes "now".
pub const NOW_VAR: &str = "CERTEXAM_NOW";

/// The current time, to the second: `CERTEXAM_NOW` if set, else the clock.
#[allow(clippy::disallowed_methods)] // the only reader of the real clock
pub fn now() -> Result<Timestamp> {
    let now = match std::env::var(NOW_VAR) {
        Ok(text) => parse(&text).with_context(|| {
            format!("{NOW_VAR}=`{text}` is not a time; write it like 2026-12-01T10:00:00Z")
        })?,
        Err(_) => Timestamp::now(),
    };
    // Whole seconds: recorded times are written to the second.
    Ok(Timestamp::from_second(now.as_second())?)
}

/// Parses an RFC 3339 time (`2026-12-01T10:00:00Z`, `…+08:00`).
pub fn parse(text: &str) -> Result<Timestamp> {
    Ok(text.trim().parse::<Timestamp>()?)
}

/// `2026-12-01T10:00:00Z`.
pub fn format(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The UTC calendar date of a time.
pub fn utc_date(t: Timestamp) -> jiff::civil::Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_times_print_in_utc_to_the_second() {
        let t = parse("2026-12-01T18:30:05+08:00").unwrap();
        assert_eq!(format(t), "2026-12-01T10:30:05Z");
        assert_eq!(utc_date(t).to_string(), "2026-12-01");
        assert!(parse("yesterday").is_err());
    }
}
